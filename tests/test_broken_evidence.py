"""Issue 14: broken or incomplete evidence is never shown as a clean verdict.

A test that confirmed its violation and then errored in teardown is broken; an
exception that only *looks* like an exception group is not a violation; and a
run that did not finish says so and never judges an issue holds or fixed.
"""

from __future__ import annotations

import json

import pytest

from pytest_ssot import SSOTViolation
from pytest_ssot.report.merge import merge_reports
from pytest_ssot.report.markdown import render_markdown
from pytest_ssot.report.build import build_report, verdict
from pytest_ssot.core.violation import is_violation


def record(outcome, effect=None, violation=None, guard=False, clean=None, nodeid="t.py::a"):
    return {"nodeid": nodeid, "issue": 824, "title": None, "tier": "unit", "guard": guard, "outcome": outcome,
            "violation": violation, "effect": effect, "error": None, "clean": clean, "duration": 0.0}


# -- an error in teardown after the verdict of the call

@pytest.mark.parametrize("status, effect, violation, clean", [
    ("open", "confirmed", "SSOT VIOLATION: x", False),  # XFAIL, then teardown errors
    ("open", "looks_fixed", None, True),
    ("resolved", None, None, True),  # PASS, then teardown errors
    ("open", "now_clean", None, True),
])
def test_an_error_after_the_call_makes_the_verdict_broken(status, effect, violation, clean):
    tests = [record("error", effect, violation, clean=clean)]
    assert verdict(status, tests) == "broken"


def test_a_regression_with_a_teardown_error_still_reads_regressed():
    assert verdict("resolved", [record("error", "regression", "SSOT VIOLATION: x", clean=False)]) == "regressed"


TEARDOWN_ERROR = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.fixture
def leaky():
    yield
    raise RuntimeError("could not close the server")

@pytest.mark.ssot_issue(824)
def test_check(leaky):
    {body}
"""


@pytest.mark.parametrize("status, body", [
    ("open", 'raise SSOTViolation("SSOT VIOLATION: two managers")'),
    ("resolved", "pass"),
])
def test_teardown_error_after_xfail_or_pass_reads_broken_in_the_report(pytester, status, body):
    pytester.makepyfile(test_mod=TEARDOWN_ERROR.format(body=body))
    result = pytester.runpytest("-p", "ssot", f"--ssot-issue=824={status}", "--ssot-report=r.json")
    issue = json.loads((pytester.path / "r.json").read_text())["issues"]["824"]
    assert issue["verdict"] == "broken"
    assert "open as expected" not in result.stdout.str().split("SSOT issues")[-1]
    assert "holds" not in result.stdout.str().split("SSOT issues")[-1]


# -- only real exception groups carry violations

class FakeExceptionGroup(Exception):
    """Named like a group, holding violations, but no BaseExceptionGroup."""

    def __init__(self, exceptions):
        super().__init__("fake")
        self.exceptions = exceptions


class MyBaseExceptionGroup(Exception):
    exceptions = (SSOTViolation("a"),)


def _real_group(*leaves):
    try:
        return BaseExceptionGroup("users", list(leaves))  # noqa: F821 - builtin from 3.11
    except NameError:  # pragma: no cover - 3.10
        from exceptiongroup import BaseExceptionGroup as group

        return group("users", list(leaves))


@pytest.mark.parametrize("exc, expected", [
    (FakeExceptionGroup([SSOTViolation("a")]), False),
    (MyBaseExceptionGroup(), False),
    (type("ExceptionGroup", (AssertionError,), {"exceptions": [SSOTViolation("a")]})(), False),
    (_real_group(SSOTViolation("a"), SSOTViolation("b")), True),
    (_real_group(SSOTViolation("a"), FakeExceptionGroup([SSOTViolation("b")])), False),
    (_real_group(_real_group(SSOTViolation("a")), SSOTViolation("b")), True),
    (_real_group(SSOTViolation("a"), RuntimeError("crash")), False),
])
def test_only_real_exception_groups_of_violations_count(exc, expected):
    assert is_violation(exc) is expected


LOOKALIKE = """
import pytest
from pytest_ssot import SSOTViolation

class ExceptionGroup(Exception):
    def __init__(self, leaves):
        super().__init__("not a group")
        self.exceptions = leaves

@pytest.mark.ssot_issue(824)
def test_check():
    raise ExceptionGroup([SSOTViolation("SSOT VIOLATION: two managers")])
"""


def test_a_look_alike_group_fails_as_broken_instead_of_xfail(pytester):
    pytester.makepyfile(test_mod=LOOKALIKE)
    result = pytester.runpytest("-p", "ssot", "--ssot-issue=824=open", "--ssot-report=r.json")
    result.assert_outcomes(failed=1)
    assert json.loads((pytester.path / "r.json").read_text())["issues"]["824"]["verdict"] == "broken"


# -- an interrupted run

@pytest.mark.parametrize("status, tests, complete", [
    ("resolved", [record("passed", clean=True)], "holds"),
    ("open", [record("failed", "looks_fixed", clean=True)], "looks_fixed"),
    ("open", [record("xfailed", "confirmed", "v", clean=False)], "confirmed"),
    ("open", [record("xfailed", "now_clean", clean=True),
              record("xfailed", "confirmed", "v", clean=False, nodeid="t.py::b")], "improved"),
    (None, [record("passed", clean=True)], "passing"),
    ("resolved", [record("skipped")], "inconclusive"),
])
def test_an_interrupted_run_never_reads_holds_or_fixed(status, tests, complete):
    assert verdict(status, tests) == complete
    assert verdict(status, tests, interrupted=True) == "incomplete"


@pytest.mark.parametrize("status, tests, word", [
    ("resolved", [record("failed", "regression", "v", clean=False)], "regressed"),
    ("open", [record("error")], "broken"),
    (None, [record("failed")], "failing"),
])
def test_bad_news_of_an_interrupted_run_stands(status, tests, word):
    assert verdict(status, tests, interrupted=True) == word


INTERRUPTED = """
import pytest

@pytest.mark.ssot_issue(824)
def test_a_first():
    pass

@pytest.mark.ssot_issue(824)
def test_b_stop():
    raise KeyboardInterrupt

@pytest.mark.ssot_issue(824)
def test_c_never_ran():
    raise AssertionError("would have regressed")
"""


@pytest.mark.parametrize("how", ["ctrl-c", "exitfirst"])
def test_an_interrupted_run_writes_a_report_that_says_so(pytester, how):
    source = INTERRUPTED if how == "ctrl-c" else INTERRUPTED.replace("raise KeyboardInterrupt", "assert False")
    pytester.makepyfile(test_mod=source)
    args = ["-x"] if how == "exitfirst" else []
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", "--ssot-report=r.json", *args)
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["interrupted"] is True
    issue = document["issues"]["824"]
    assert issue["verdict"] in ("incomplete", "broken", "regressed")
    assert issue["verdict"] != "holds"
    assert "INTERRUPTED" in result.stdout.str()


def test_a_ctrl_c_with_only_passes_so_far_is_incomplete_not_holds(pytester):
    pytester.makepyfile(test_mod=INTERRUPTED.replace("raise KeyboardInterrupt", "raise KeyboardInterrupt  # stop"))
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=resolved", "--ssot-report=r.json")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["interrupted"] is True
    assert document["issues"]["824"]["verdict"] == "incomplete"
    assert [t["outcome"] for t in document["issues"]["824"]["tests"]] == ["passed"]


def test_a_complete_run_says_it_was_not_interrupted(pytester):
    pytester.makepyfile(test_mod="import pytest\n@pytest.mark.ssot_issue(824)\ndef test_a(): pass\n")
    pytester.runpytest("-p", "ssot", "--ssot-issue=824=resolved", "--ssot-report=r.json")
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["interrupted"] is False and document["issues"]["824"]["verdict"] == "holds"


def test_an_interrupted_run_does_not_write_the_ledger(pytester):
    ledger = pytester.path / "ledger.json"
    pytester.makepyfile(test_mod=INTERRUPTED)
    (pytester.path / "pyproject.toml").write_text(
        '[tool.ssot]\ntarget = "t"\n[tool.ssot.targets.t]\nroot = "."\npackage = "pkg"\n'
        '[tool.ssot.targets.t.issues]\n824 = "open"\n')
    (pytester.path / "pkg").mkdir()
    (pytester.path / "pkg" / "__init__.py").write_text("")
    result = pytester.runpytest_subprocess("-p", "ssot", f"--ssot-baseline={ledger}", "--ssot-baseline-update")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not ledger.exists()
    assert "the ledger was not updated" in result.stdout.str()


def test_merge_and_render_keep_an_interrupted_run_incomplete():
    passed = [record("passed", clean=True)]
    whole = build_report("t", {824: "resolved"}, passed)
    cut = build_report("t", {824: "resolved"}, [dict(passed[0], nodeid="t.py::b")], interrupted=True)
    merged = merge_reports([("whole.json", whole), ("cut.json", cut)]).document
    part = merged["targets"]["t"]
    assert part["interrupted"] is True
    assert part["issues"]["824"]["verdict"] == "incomplete"
    assert "Interrupted run" in render_markdown(merged)
    assert "Interrupted run" in render_markdown(cut)
    from pytest_ssot.report.dashboard import render_html

    assert "Interrupted run" in render_html(merged)
    # a version-1 report (no such field) reads as complete
    old = {k: v for k, v in whole.items() if k != "interrupted"}
    old["schema_version"] = 1
    assert merge_reports([("old.json", old)]).document["targets"]["t"]["interrupted"] is False
