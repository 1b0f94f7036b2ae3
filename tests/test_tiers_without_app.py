"""Issue 12, item 3: a check runs in the cheapest tier whose inputs it needs; a missing key skips once.

The generated ``realtime`` target has a factory and a user context but no
``app`` and no ``token``, like a real backend whose server needs real databases.
"""

from __future__ import annotations

import json
import re

import pytest
from realtime_target import RACY_FACTORY, run_suites, write_target

from pytest_ssot.report.build import verdict

# a WebSocket server that accepts and says nothing: enough for the tier's fixtures to get past the server
SERVER = """
import asyncio

from websockets.asyncio.server import serve as ws_serve


async def serve(host, port, *, ready):
    async def handler(connection):
        await connection.wait_closed()

    async with ws_serve(handler, host, port) as server:
        bound = server.sockets[0].getsockname()[1]
        ready.set_result(f"ws://{host}:{bound}/ws")
        await asyncio.Event().wait()
"""
CONCURRENCY = "issue_889/test_889_unit.py::test_concurrent_user_manager_creation_duplication"
APP_REASON = ("integration tier: target 'rt' has no 'app' "
              "(add app = \"module:serve\" to [tool.ssot.targets.rt])")


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself."""
    return text.replace("[", "[[]").replace("]", "[]]").replace("[[[]]", "[[]")


def report_of(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "report.json").read_text())


@pytest.mark.parametrize("factory, status, outcome, verdict_word", [
    (RACY_FACTORY, "open", "xfailed", "confirmed"),
    (None, "resolved", "passed", "holds"),
])
def test_a_unit_run_without_app_checks_the_race(pytester, factory, status, outcome, verdict_word):
    write_target(pytester.path, **({"factory": factory} if factory else {}))
    result = run_suites(pytester, [CONCURRENCY], "-m", "unit", f"--ssot-issue=889={status}",
                        f"--ssot-report={pytester.path / 'report.json'}", "-rxs")
    issue = report_of(pytester)["issues"]["889"]
    (test,) = issue["tests"]
    assert (test["tier"], test["outcome"], issue["verdict"]) == ("unit", outcome, verdict_word)
    if factory is not None:  # the race: every one of the 8 concurrent calls built its own manager
        assert "8 concurrent calls" in test["violation"] and "8 distinct" in test["violation"]
        result.stdout.fnmatch_lines(["XFAIL*test_concurrent_user_manager_creation_duplication*"])
    assert result.ret == 0


def test_server_bound_checks_skip_with_one_reason_line_and_no_error(pytester):
    write_target(pytester.path)
    result = run_suites(pytester, ["."], "-m", "integration or staging", "--ssot-issue=960=resolved",
                        "--ssot-issue=824=resolved", f"--ssot-report={pytester.path / 'report.json'}", "-rs")
    outcomes = result.parseoutcomes()
    assert "errors" not in outcomes and "failed" not in outcomes and "passed" not in outcomes
    records = [t for issue in report_of(pytester)["issues"].values() for t in issue["tests"]]
    integration = [t for t in records if t["tier"] == "integration"]
    assert integration and all(t["outcome"] == "skipped" for t in records)
    out = result.stdout.str()
    # pytest's -rs folds them into one line; the plugin's own line carries the count in a default run too
    assert len(re.findall(r"SKIPPED \[\d+\] .*" + re.escape(APP_REASON), out)) == 1
    assert len(re.findall(r"SKIPPED \[\d+\] .*staging tier: no staging URL", out)) == 1  # likewise
    result.stdout.fnmatch_lines([f"ssot: {len(integration)} tests skipped: {literal(APP_REASON)}",
                                 f"SKIPPED [[]{len(integration)}[]] *: {literal(APP_REASON)}"])
    # shown where the key goes: the target's table in pyproject.toml, not the plugin's line that skipped
    where = next(line for line in out.splitlines() if line.startswith("SKIPPED") and APP_REASON in line)
    path, line = where.split("] ", 1)[1].split(":")[:2]
    table = (pytester.path / "pyproject.toml").read_text().splitlines()
    assert path.endswith("pyproject.toml") and table[int(line) - 1].startswith("[tool.ssot.targets.")
    staging = len([t for t in records if t["tier"] == "staging"])
    result.stdout.fnmatch_lines([f"ssot: {staging} tests skipped: staging tier: no staging URL; *"])
    # a skipped check is no evidence: the issues read inconclusive, never holds
    assert {n: i["verdict"] for n, i in report_of(pytester)["issues"].items()}["960"] == "inconclusive"
    assert report_of(pytester)["issues"]["824"]["verdict"] == "inconclusive"


def test_a_default_run_shows_the_reason_once_with_its_count(pytester):
    write_target(pytester.path)
    result = run_suites(pytester, ["issue_960/test_960_integration.py"])
    result.assert_outcomes(skipped=6)
    assert result.stdout.str().count(APP_REASON) == 1
    result.stdout.fnmatch_lines([f"ssot: 6 tests skipped: {literal(APP_REASON)}"])


def test_no_token_skips_with_its_own_line(pytester):
    # app set, token not: the server fixture is never reached, the token source names what to add
    write_target(pytester.path, modules={"server": SERVER})
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'function_name = "get_connection_manager"', 'function_name = "get_connection_manager"\n'
                                                    'app = "realtime.server:serve"'))
    result = run_suites(pytester, ["issue_889/test_889_integration.py",
                                   "issue_960/test_960_integration.py::test_manager_agent_service_integration"])
    outcomes = result.parseoutcomes()
    assert "errors" not in outcomes and "failed" not in outcomes
    result.stdout.fnmatch_lines(["ssot: * skipped: integration tier: target 'rt' has no 'token' "
                                 "(add token = \"module:make_token\" to [[]tool.ssot.targets.rt[]])"])


def _t(outcome: str, guard: bool = False, effect: str | None = None) -> dict:
    return {"outcome": outcome, "guard": guard, "effect": effect, "violation": None}


@pytest.mark.parametrize("status, tests, expected", [
    ("resolved", [_t("skipped"), _t("skipped")], "inconclusive"),
    ("resolved", [_t("passed", guard=True), _t("skipped")], "inconclusive"),
    ("resolved", [_t("skipped", guard=True)], "inconclusive"),
    (None, [_t("skipped")], "inconclusive"),
    ("open", [_t("skipped")], "inconclusive"),
    ("resolved", [_t("passed"), _t("skipped")], "holds"),
    (None, [_t("passed"), _t("skipped")], "passing"),
    ("resolved", [_t("error"), _t("skipped")], "broken"),
])
def test_skipped_checks_never_count_as_passing(status, tests, expected):
    assert verdict(status, tests) == expected
