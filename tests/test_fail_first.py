"""The fail-first table of DESIGN.md, cell by cell, through real pytest runs."""

from __future__ import annotations

import json

import pytest

VIOLATING = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.ssot_issue(824)
def test_check():
    raise SSOTViolation("SSOT VIOLATION: 3 get_websocket_manager functions found in a.b, c.d, e.f")
"""

CLEAN = """
import pytest

@pytest.mark.ssot_issue(824)
def test_check():
    assert 1 + 1 == 2
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_mod=source)
    return pytester.runpytest("-p", "ssot", "-rA", *args)


@pytest.mark.parametrize(
    "status, source, outcome, text",
    [
        ("open", VIOLATING, {"xfailed": 1}, "SSOT issue 824 open, violation confirmed: SSOT VIOLATION: 3 get_websocket_manager"),
        ("open", CLEAN, {"failed": 1}, "[XPASS(strict)] issue 824 looks fixed: mark it resolved"),
        ("resolved", VIOLATING, {"failed": 1}, "regression of SSOT issue 824"),
        ("resolved", CLEAN, {"passed": 1}, None),
        (None, VIOLATING, {"failed": 1}, "FAILED test_mod.py::test_check - SSOT VIOLATION: 3 get_websocket_manager"),
        (None, CLEAN, {"passed": 1}, None),
    ],
    ids=["open-violation", "open-clean", "resolved-violation", "resolved-clean", "unset-violation", "unset-clean"],
)
def test_each_cell_of_the_table(pytester, status, source, outcome, text):
    args = [f"--ssot-issue=824={status}"] if status else ["--ssot-report=ssot.json"]
    result = run(pytester, source, *args)
    result.assert_outcomes(**outcome)
    if text is not None:
        assert text in result.stdout.str()
    if "failed" in outcome and source is VIOLATING:
        # the findings, not a traceback through the helpers
        assert "raise SSOTViolation" not in result.stdout.str()
    if status == "resolved" and "failed" in outcome:
        # the short summary line starts with the regression, not the exception type
        result.stdout.fnmatch_lines(["FAILED test_mod.py::test_check - regression of SSOT issue 824*"])


@pytest.mark.parametrize("status", ["open", "resolved"])
def test_a_passing_guard_passes_under_every_status(pytester, status):
    result = run(pytester, "import pytest\n@pytest.mark.ssot_issue(824, guard=True)\ndef test_g(): pass\n",
                 f"--ssot-issue=824={status}")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("status", ["open", "resolved"])
def test_a_violating_guard_fails_and_is_never_xfail(pytester, status):
    source = VIOLATING.replace("ssot_issue(824)", "ssot_issue(824, guard=True)")
    result = run(pytester, source, f"--ssot-issue=824={status}")
    result.assert_outcomes(failed=1)
    assert "regression of" not in result.stdout.str()


BROKEN_TESTS = {
    "assertion": "def test_check():\n    assert 1 == 2\n",
    "runtime": "def test_check():\n    raise RuntimeError('server crashed')\n",
    "import": "def test_check():\n    import module_that_does_not_exist_anywhere\n",
    "timeout": "def test_check():\n    raise TimeoutError('harness timed out')\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN_TESTS))
def test_an_error_that_is_not_a_violation_is_never_xfail(pytester, kind):
    source = "import pytest\n@pytest.mark.ssot_issue(824)\n" + BROKEN_TESTS[kind]
    result = run(pytester, source, "--ssot-issue=824=open")
    result.assert_outcomes(failed=1)
    assert "XFAIL" not in result.stdout.str()


def test_a_fixture_error_is_an_error_not_xfail(pytester):
    source = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.fixture
def broken():
    raise SSOTViolation("raised during setup is not the check's verdict")

@pytest.mark.ssot_issue(824)
def test_check(broken):
    pass
"""
    result = run(pytester, source, "--ssot-issue=824=open")
    result.assert_outcomes(errors=1)


def test_a_module_that_fails_to_import_is_a_collection_error(pytester):
    source = "import module_that_does_not_exist_anywhere\nimport pytest\n@pytest.mark.ssot_issue(824)\ndef test_check(): pass\n"
    result = run(pytester, source, "--ssot-issue=824=open")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_an_exception_group_of_violations_counts_as_a_violation(pytester):
    source = """
import sys, pytest
from pytest_ssot import SSOTViolation
if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

@pytest.mark.ssot_issue(889)
def test_all_violations():
    raise ExceptionGroup("users", [SSOTViolation("user a: two managers"), SSOTViolation("user b: two managers")])

@pytest.mark.ssot_issue(889)
def test_mixed_group():
    raise ExceptionGroup("users", [SSOTViolation("user a: two managers"), RuntimeError("crash")])
"""
    result = run(pytester, source, "--ssot-issue=889=open")
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["XFAIL test_mod.py::test_all_violations - *user a: two managers*"])


def test_runxfail_reports_results_as_if_unmarked(pytester):
    pytester.makepyfile(test_v=VIOLATING, test_c=CLEAN)
    result = pytester.runpytest("-p", "ssot", "--ssot-issue=824=open", "--runxfail")
    result.assert_outcomes(failed=1, passed=1)


def test_pytests_own_xfail_marker_is_left_alone(pytester):
    source = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.xfail(reason="known flaky", strict=False)
@pytest.mark.ssot_issue(824)
def test_check():
    raise SSOTViolation("x")
"""
    result = run(pytester, source, "--ssot-issue=824=resolved")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL test_mod.py::test_check - known flaky"])


def test_a_skip_inside_an_open_issue_test_stays_a_skip(pytester):
    source = "import pytest\n@pytest.mark.ssot_issue(824)\ndef test_check():\n    pytest.skip('needs redis')\n"
    result = run(pytester, source, "--ssot-issue=824=open")
    result.assert_outcomes(skipped=1)


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_async_tests_under_pytest_asyncio(pytester, mode):
    marker = "@pytest.mark.asyncio\n" if mode == "strict" else ""
    source = f"""
import asyncio, pytest
from pytest_ssot import SSOTViolation

{marker}@pytest.mark.ssot_issue(824)
async def test_violation():
    await asyncio.sleep(0)
    raise SSOTViolation("async violation")

{marker}@pytest.mark.ssot_issue(824)
async def test_clean():
    await asyncio.sleep(0)
"""
    result = run(pytester, source, "--ssot-issue=824=open", f"--asyncio-mode={mode}")
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*this check of issue 824 is clean, but 1 other check*", "*async violation*"])


@pytest.mark.parametrize(
    "marker, message",
    [
        ("ssot_issue()", "takes one issue number"),
        ("ssot_issue('eight')", "must be an integer"),
        ("ssot_issue(824, guard='yes')", "guard= must be True or False"),
        ("ssot_issue(824, severity=1)", "takes one issue number"),
    ],
)
def test_a_misused_marker_errors_with_its_test_named(pytester, marker, message):
    result = run(pytester, f"import pytest\n@pytest.mark.{marker}\ndef test_check(): pass\n", "--ssot-issue=824=open")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*test_mod.py::test_check: *{message}*"])


def test_unmarked_tests_are_untouched_when_configured(pytester):
    result = run(pytester, "def test_plain(): assert False\n", "--ssot-issue=824=open")
    result.assert_outcomes(failed=1)
    assert "SSOT issues" not in result.stdout.str()


def test_a_setup_problem_is_one_line_and_never_xfail(pytester):
    source = """
import pytest
from pytest_ssot.adapter import TargetSetupError

@pytest.mark.ssot_issue(824)
def test_check():
    raise TargetSetupError("target 'x' has no 'factory'; add factory = \\"module:attr\\"")
"""
    result = run(pytester, source, "--ssot-issue=824=open")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["TargetSetupError: target 'x' has no 'factory'; add factory = *"])
    assert "Traceback" not in result.stdout.str() and "raise TargetSetupError" not in result.stdout.str()
    long = run(pytester, source, "--ssot-issue=824=open", "--tb=long")
    assert "raise TargetSetupError" in long.stdout.str()


@pytest.mark.parametrize("status", ["resolved", None])
def test_a_failing_violation_shows_its_traceback_only_under_tb_long(pytester, status):
    args = [f"--ssot-issue=824={status}"] if status else []
    result = run(pytester, VIOLATING, *args, "--tb=long")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*raise SSOTViolation*"])


PARTLY_FIXED = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.ssot_issue(824)
def test_still_violating():
    raise SSOTViolation("SSOT VIOLATION: 2 factories")

@pytest.mark.ssot_issue(824)
def test_clean_one():
    pass

@pytest.mark.ssot_issue(824)
def test_clean_two():
    pass

@pytest.mark.ssot_issue(824, guard=True)
def test_guard():
    pass
"""

def failures_section(out: str) -> str:
    """The FAILURES section only: the short summary repeats each reason whole when CI is set, cut otherwise."""
    return out.split("= FAILURES =", 1)[1].split("short test summary info", 1)[0]


PARTLY = ("[XPASS(strict)] this check of issue 824 is clean, but 1 other check of it still finds violations: "
          "not fixed yet; record the progress (--ssot-baseline-update)")


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_clean_check_of_a_partly_fixed_issue_says_it_is_not_fixed_yet(pytester, workers):
    # "mark it resolved" would turn the still violating check into a regression: the run's end tells the truth
    result = run(pytester, PARTLY_FIXED, "--ssot-issue=824=open", "--ssot-report=ssot.json", *workers)
    result.assert_outcomes(failed=2, xfailed=1, passed=1)
    out = result.stdout.str()
    assert failures_section(out).count(PARTLY) == 2 and "mark it resolved" not in out
    # the short summary too (cut to the terminal's width unless CI is set)
    result.stdout.fnmatch_lines(["FAILED test_mod.py::test_clean_one - [[]XPASS(strict)[]] this check of issue 824*"])
    report = json.loads((pytester.path / "ssot.json").read_text())
    issue = report["issues"]["824"]
    assert issue["verdict"] == "improved"
    assert {t["nodeid"]: t["reason"] for t in issue["tests"] if t["outcome"] == "failed"} == {
        "test_mod.py::test_clean_one": PARTLY, "test_mod.py::test_clean_two": PARTLY}


def test_when_every_check_is_clean_each_says_the_issue_looks_fixed(pytester):
    source = PARTLY_FIXED.replace('raise SSOTViolation("SSOT VIOLATION: 2 factories")', "pass")
    result = run(pytester, source, "--ssot-issue=824=open", "--ssot-report=ssot.json")
    result.assert_outcomes(failed=3, passed=1)
    assert failures_section(result.stdout.str()).count("[XPASS(strict)] issue 824 looks fixed: mark it resolved") == 3
    assert "this check of issue" not in result.stdout.str()
    report = json.loads((pytester.path / "ssot.json").read_text())
    assert report["issues"]["824"]["verdict"] == "looks_fixed"


def test_the_reason_is_told_again_from_the_records_of_a_merge():
    from pytest_ssot.report.build import build_report

    def record(nodeid, outcome, effect, violation=None, reason=None):
        return {"nodeid": nodeid, "issue": 824, "title": None, "tier": "unit", "guard": False, "outcome": outcome,
                "violation": violation, "effect": effect, "duration": 0.0, "reason": reason}

    clean = record("a.py::test_clean", "failed", "looks_fixed", reason=PARTLY)  # told so in a run with b.py
    alone = build_report("t", {824: "open"}, [clean])
    assert alone["issues"]["824"]["tests"][0]["reason"].startswith("[XPASS(strict)] issue 824 looks fixed")
    both = build_report("t", {824: "open"}, [dict(clean), record("b.py::test_v", "xfailed", "confirmed", "V")])
    assert [t["reason"] for t in both["issues"]["824"]["tests"]] == [PARTLY, None]


def test_a_clean_check_beside_checks_that_could_not_judge_does_not_say_mark_it_resolved(pytester):
    # a check whose setup is wrong (here: a plain error, no violation) leaves the issue unshown: never "resolve it"
    source = PARTLY_FIXED.replace('raise SSOTViolation("SSOT VIOLATION: 2 factories")', 'raise LookupError("no scan")')
    result = run(pytester, source, "--ssot-issue=824=open", "--ssot-report=ssot.json")
    result.assert_outcomes(failed=3, passed=1)
    told = ("[XPASS(strict)] this check of issue 824 is clean, but 1 other test of it failed or errored without a "
            "verdict: the issue is not shown fixed; mend those first")
    assert failures_section(result.stdout.str()).count(told) == 2 and "mark it resolved" not in result.stdout.str()
    issue = json.loads((pytester.path / "ssot.json").read_text())["issues"]["824"]
    assert issue["verdict"] == "broken"
    assert sorted(t["reason"] for t in issue["tests"] if t["effect"] == "looks_fixed") == [told, told]


def test_beside_a_regressed_check_the_clean_one_says_mend_it_not_record_it():
    # recording progress cannot mend a regression: the advice would change nothing on the next run
    from pytest_ssot.report.build import build_report

    def record(nodeid, outcome, effect, violation=None):
        return {"nodeid": nodeid, "issue": 824, "title": None, "tier": "unit", "guard": False, "outcome": outcome,
                "violation": violation, "effect": effect, "duration": 0.0}

    for effect in ("regression", "new_violation"):
        document = build_report("t", {824: "open"}, [record("a.py::test_clean", "failed", "looks_fixed"),
                                                     record("b.py::test_back", "failed", effect, "V"),
                                                     record("c.py::test_known", "xfailed", "confirmed", "K")])
        reason = document["issues"]["824"]["tests"][0]["reason"]
        assert reason == ("[XPASS(strict)] this check of issue 824 is clean, but 1 other check of it regressed (a new "
                          "finding, or one recorded clean that found one): not fixed; mend those first"), effect
