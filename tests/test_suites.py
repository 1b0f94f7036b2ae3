"""The bundled suites against both demo targets, checked test by test.

Fail-first tests must XFAIL on demo-fragmented (every issue open) with a
violation message, and PASS on demo-consolidated (every issue resolved); guards
PASS on both. The two mismatch runs prove the statuses matter: fragmented marked
resolved fails every fail-first test as a regression, consolidated marked open
fails every fail-first test as "looks fixed".
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def run_suites(target: str, *extra: str) -> tuple[int, dict]:
    import tempfile

    report = Path(tempfile.mkdtemp(prefix="ssot-suites-")) / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "ssot", "suites", f"--ssot-target={target}",
         f"--ssot-report={report}", "-q", "-p", "no:cacheprovider", *extra],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return done.returncode, json.loads(report.read_text())


def records_of(document: dict) -> list[dict]:
    tests = [t for issue in document["issues"].values() for t in issue["tests"]]
    assert tests, "the suites collected no test"
    return tests


def test_fragmented_every_check_xfails_with_a_violation_and_guards_pass():
    code, document = run_suites("demo-fragmented")
    assert code == 0
    for test in records_of(document):
        if test["guard"]:
            assert test["outcome"] == "passed", test
        else:
            assert (test["outcome"], test["effect"]) == ("xfailed", "confirmed"), test
            assert test["violation"], test
    assert {i["verdict"] for i in document["issues"].values()} == {"confirmed"}


def test_consolidated_everything_passes():
    code, document = run_suites("demo-consolidated")
    assert code == 0
    for test in records_of(document):
        assert test["outcome"] == "passed", test
    assert {i["verdict"] for i in document["issues"].values()} == {"holds"}


@pytest.mark.parametrize(
    "target, flipped_to, effect, verdict",
    [
        ("demo-fragmented", "resolved", "regression", "regressed"),
        ("demo-consolidated", "open", "looks_fixed", "looks_fixed"),
    ],
)
def test_a_status_that_contradicts_the_code_fails_every_check(target, flipped_to, effect, verdict):
    _, as_configured = run_suites(target)
    flips = tuple(f"--ssot-issue={n}={flipped_to}" for n in sorted(as_configured["issues"]))
    code, document = run_suites(target, *flips)
    assert code == pytest.ExitCode.TESTS_FAILED
    for test in records_of(document):
        if test["guard"]:
            assert test["outcome"] == "passed", test
        else:
            assert (test["outcome"], test["effect"]) == ("failed", effect), test
    assert {i["verdict"] for i in document["issues"].values()} == {verdict}


def test_violation_messages_name_the_concrete_findings():
    _, document = run_suites("demo-fragmented")
    by_name = {t["nodeid"].rsplit("::", 1)[1]: t["violation"] for t in records_of(document) if t["violation"]}
    functions = by_name["test_single_authoritative_get_websocket_manager_function"]
    assert "Multiple different get_websocket_manager functions found" in functions
    assert functions.count("chatapp.websocket_core") >= 3
    implementations = by_name["test_websocket_manager_factory_no_redundant_implementations"]
    assert "Too many redundant WebSocket manager implementations found: 9 (max acceptable: 3)" in implementations
