"""Per-issue verdicts, the terminal table and the JSON report, with and without xdist."""

from __future__ import annotations

import json

import pytest

from pytest_ssot.report.build import build_report, verdict, without_timings

SUITE = """
import pytest
from pytest_ssot import SSOTViolation

@pytest.mark.unit
@pytest.mark.ssot_issue(824)
def test_functions():
    raise SSOTViolation("3 get_websocket_manager functions")

@pytest.mark.unit
@pytest.mark.ssot_issue(824)
@pytest.mark.parametrize("n", range(3))
def test_implementations(n):
    raise SSOTViolation(f"implementation {n}")

@pytest.mark.integration
@pytest.mark.ssot_issue(824, guard=True)
def test_golden_path():
    pass

@pytest.mark.unit
@pytest.mark.ssot_issue(1126)
def test_factory_gone():
    pass

@pytest.mark.unit
@pytest.mark.ssot_issue(889)
def test_duplicates():
    raise SSOTViolation("Multiple manager instances for user demo-user-001 - potential duplication")

@pytest.mark.staging
@pytest.mark.ssot_issue(960)
def test_staging_only():
    pass

@pytest.mark.unit
@pytest.mark.ssot_issue(4242, title="Our own consolidation")
@pytest.mark.parametrize("n", range(2))
def test_custom(ssot_record, n):
    ssot_record.add_samples("agent_completed_seconds", [0.25 * (n + 1), 0.5 * (n + 1)])
    ssot_record.set_ratchet("manager_classes", ["a.A", "b.B"] if n else ["a.A"])
"""

ARGS = ("-p", "ssot", "--ssot-issue=824=open", "--ssot-issue=1126=resolved",
        "--ssot-issue=889=resolved", "--ssot-issue=960=open")


def _record(outcome, effect=None, guard=False, violation=None, clean=None):
    return {"nodeid": "t", "guard": guard, "outcome": outcome, "effect": effect, "violation": violation,
            "clean": clean}


@pytest.mark.parametrize(
    "status, tests, expected",
    [
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("passed", guard=True)], "confirmed"),
        ("open", [_record("failed", "looks_fixed")], "looks_fixed"),
        # some checks clean that nobody recorded: not "open as expected" beside failing checks
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("failed", "looks_fixed")], "improved"),
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("failed", "now_clean")], "improved"),
        ("open", [_record("xfailed", "confirmed", violation="x"),
                  _record("failed", "new_violation", violation="y")], "regressed"),
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("failed", "regression", violation="y")],
         "regressed"),
        ("open", [_record("passed", clean=True), _record("passed", clean=True)], "looks_fixed"),
        ("open", [_record("skipped")], "inconclusive"),
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("error")], "broken"),
        ("open", [_record("xfailed", "confirmed", violation="x"), _record("failed")], "broken"),
        ("open", [_record("xfailed", "confirmed", violation="x"),
                  _record("failed", guard=True, violation="golden path broken")], "broken"),
        ("resolved", [_record("passed"), _record("passed", guard=True)], "holds"),
        ("resolved", [_record("failed", "regression", violation="x")], "regressed"),
        ("resolved", [_record("passed"), _record("failed", guard=True, violation="golden path broken")], "regressed"),
        ("resolved", [_record("passed"), _record("error")], "broken"),
        ("resolved", [_record("failed", "regression", violation="x"), _record("error")], "regressed"),
        (None, [_record("passed")], "passing"),
        (None, [_record("error")], "failing"),
    ],
)
def test_verdicts(status, tests, expected):
    assert verdict(status, tests) == expected


def test_json_report_and_table(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest(*ARGS, "--ssot-report=out/report.json")
    result.assert_outcomes(xfailed=4, passed=4, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*SSOT issues (no target)*",
        "issue*title*status*tests*failed*violations*verdict",
        "#824 *open*5*0*4*open as expected",
        "#889 *resolved*1*1*0*regressed",
        "#960 *open*1*0*0*inconclusive (no check ran)",
        "#1126 *resolved*1*0*0*holds",
        "#4242 *Our own consolidation*-*2*0*0*passing",
        "ssot report written to out/report.json",
    ])
    document = json.loads((pytester.path / "out" / "report.json").read_text())
    assert document["schema_version"] == 2
    assert document["target"] is None
    issue = document["issues"]["824"]
    assert issue["status"] == "open" and issue["verdict"] == "confirmed"
    by_id = {t["nodeid"]: t for t in issue["tests"]}
    assert by_id["test_suite.py::test_functions"] == {
        "nodeid": "test_suite.py::test_functions", "tier": "unit", "guard": False, "outcome": "xfailed",
        "violation": "3 get_websocket_manager functions", "effect": "confirmed", "error": None, "details": [],
        "check": "test_suite.py::test_functions", "keys": ["3 get_websocket_manager functions"], "clean": False,
        "ledger": None, "new": [], "fixed": [], "waived": None, "reason": None, "locations": [],
        "duration": by_id["test_suite.py::test_functions"]["duration"],
    }
    assert issue["checks"] == {"total": 4, "clean": 0, "waived": 0, "fixed": [], "new": [], "regressed": []}
    assert issue["counts"] == {"tests": 5, "violations": 4, "violations_confirmed": 4, "failed": 0}
    # without a status the table still counts the violations a failing check found
    assert document["issues"]["889"]["counts"]["violations"] == 1
    assert by_id["test_suite.py::test_golden_path"]["guard"] is True
    assert by_id["test_suite.py::test_golden_path"]["tier"] == "integration"
    assert document["issues"]["889"]["tests"][0]["effect"] == "regression"
    assert document["issues"]["960"]["tests"][0]["outcome"] == "skipped"
    assert document["issues"]["4242"]["title"] == "Our own consolidation"
    assert sorted(document["samples"]["agent_completed_seconds"]) == [0.25, 0.5, 0.5, 1.0]
    assert document["ratchets"] == {"manager_classes": {"count": 2, "items": ["a.A", "b.B"]}}


def test_xdist_report_equals_the_serial_report(pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_suite=SUITE)
    serial = pytester.runpytest_subprocess(*ARGS, "--ssot-report=serial.json")
    parallel = pytester.runpytest_subprocess(*ARGS, "--ssot-report=parallel.json", "-n", "2")
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED
    parallel.stdout.fnmatch_lines(["#824 *open*5*0*4*open as expected"])
    a = json.loads((pytester.path / "serial.json").read_text())
    b = json.loads((pytester.path / "parallel.json").read_text())
    assert sum(len(i["tests"]) for i in b["issues"].values()) == 10
    # samples arrive in worker order: compare them as distributions
    for document in (a, b):
        document["samples"] = {k: sorted(v) for k, v in document["samples"].items()}
    assert a["samples"]["agent_completed_seconds"] == [0.25, 0.5, 0.5, 1.0]
    assert without_timings(a) == without_timings(b)
    # only the controller writes: no stray worker files next to the report
    assert sorted(p.name for p in pytester.path.glob("*.json")) == ["parallel.json", "serial.json"]


def test_build_report_sorts_tests_and_strips_internal_keys():
    records = [
        {"nodeid": "b", "issue": 1, "title": "", "tier": None, "guard": False, "outcome": "passed",
         "violation": None, "effect": None, "duration": 0.1},
        {"nodeid": "a", "issue": 1, "title": "", "tier": None, "guard": False, "outcome": "passed",
         "violation": None, "effect": None, "duration": 0.2},
    ]
    document = build_report("t", {1: "resolved"}, records)
    assert [t["nodeid"] for t in document["issues"]["1"]["tests"]] == ["a", "b"]
    assert "issue" not in document["issues"]["1"]["tests"][0]
    assert document["issues"]["1"]["verdict"] == "holds"


def test_a_failure_outside_the_fail_first_table_records_its_error(pytester):
    pytester.makepyfile(test_broken="""
        import pytest
        from pytest_ssot import SSOTViolation

        @pytest.mark.unit
        @pytest.mark.ssot_issue(824)
        def test_harness_trouble():
            raise ConnectionResetError("server hung up\\nsecond line")

        @pytest.mark.unit
        @pytest.mark.ssot_issue(824)
        def test_violation():
            raise SSOTViolation("2 managers")

        @pytest.mark.unit
        @pytest.mark.ssot_issue(824, guard=True)
        def test_guard():
            assert 1 == 2, "guard broke"
    """)
    result = pytester.runpytest_subprocess("-p", "ssot", "--ssot-issue=824=open", "--ssot-report=r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    tests = {t["nodeid"].rsplit("::", 1)[1]: t for t in json.loads((pytester.path / "r.json").read_text())
             ["issues"]["824"]["tests"]}
    assert tests["test_harness_trouble"]["error"] == "ConnectionResetError: server hung up"
    assert tests["test_guard"]["error"].startswith("AssertionError: guard broke")
    assert tests["test_violation"]["error"] is None
    assert tests["test_violation"]["violation"] == "2 managers"
