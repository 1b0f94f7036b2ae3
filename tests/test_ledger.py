"""The ledger: every row of its table, ratchets as ledger entries, update and accept, waivers, bad files."""

from __future__ import annotations

import json

import pytest

from pytest_ssot.report.ledger import (
    CLEAN,
    KNOWN,
    NEW,
    NOW_CLEAN,
    PROGRESS,
    REGRESSED,
    UNRECORDED,
    Ledger,
    check_id,
    judge,
    updated,
)

PROJECT = """
[tool.ssot]
target = "t"

[tool.ssot.targets.t]
root = "."
package = "app"
{extra}
"""

# one check whose findings the test run chooses: SSOT_FOUND="a,b" (empty: clean)
CHECKS = """
import os, pytest
from pytest_ssot import SSOTViolation

@pytest.mark.ssot_issue(824)
def test_check():
    found = [f for f in os.environ.get("SSOT_FOUND", "").split(",") if f]
    if found:
        raise SSOTViolation("found: " + ", ".join(found) + " (id=0x7f00aa)", keys=found)

@pytest.mark.ssot_issue(824)
def test_other():
    found = [f for f in os.environ.get("SSOT_OTHER", "").split(",") if f]
    if found:
        raise SSOTViolation("other: " + ", ".join(found), keys=found)

@pytest.mark.ssot_issue(824, guard=True)  # a guard: only its ratchet is judged
def test_count(ssot_record):
    ssot_record.set_ratchet("manager_classes", [i for i in os.environ.get("SSOT_ITEMS", "").split(",") if i])
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(PROJECT.format(extra=""))
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "__init__.py").write_text("")
    pytester.makepyfile(test_checks=CHECKS)
    return pytester


def run(pytester, monkeypatch, found="", other="x", items="", *args):
    monkeypatch.setenv("SSOT_FOUND", found)
    monkeypatch.setenv("SSOT_OTHER", other)
    monkeypatch.setenv("SSOT_ITEMS", items)
    return pytester.runpytest("-p", "ssot", "--ssot-baseline=ledger.json", "--ssot-report=report.json",
                              "--ssot-issue=824=open", "-rfxX", *args)


def write_ledger(pytester, check=None, other=("x",), items=None):
    checks = {}
    if check is not None:
        checks["test_checks.py::test_check"] = list(check)
    if other is not None:
        checks["test_checks.py::test_other"] = list(other)
    target = {"checks": {"824": checks}, "ratchets": {}}
    if items is not None:
        target["ratchets"]["manager_classes"] = list(items)
    (pytester.path / "ledger.json").write_text(json.dumps({"schema_version": 2, "targets": {"t": target}}))


def stored(pytester, check="test_checks.py::test_check"):
    return json.loads((pytester.path / "ledger.json").read_text())["targets"]["t"]["checks"]["824"].get(check)


def outcome_of(pytester, name="test_check"):
    report = json.loads((pytester.path / "report.json").read_text())
    return next(t for t in report["issues"]["824"]["tests"] if t["nodeid"].endswith(name))


# -- the table, row by row (the issue's other check stays known, so it never decides)


def test_no_entry_and_a_violation_xfails(project, monkeypatch):
    write_ledger(project)
    result = run(project, monkeypatch, "a")
    result.assert_outcomes(xfailed=2, passed=1)
    assert outcome_of(project)["ledger"] == UNRECORDED


def test_no_entry_and_nothing_found_looks_fixed(project, monkeypatch):
    write_ledger(project)
    result = run(project, monkeypatch, "")
    result.assert_outcomes(failed=1, xfailed=1, passed=1)
    # the other check still finds its violation: not "mark it resolved"
    result.stdout.fnmatch_lines(["*this check of issue 824 is clean, but 1 other check of it still finds violations: "
                                 "not fixed yet; record the progress (--ssot-baseline-update)"])
    assert "mark it resolved" not in result.stdout.str()


def test_the_same_findings_xfail_as_known(project, monkeypatch):
    write_ledger(project, ["a", "b"])
    result = run(project, monkeypatch, "b,a")
    result.assert_outcomes(xfailed=2, passed=1)
    result.stdout.fnmatch_lines(["*violation confirmed (known): found: b, a*"])
    assert outcome_of(project)["ledger"] == KNOWN


def test_a_strict_subset_xfails_as_progress_and_the_file_is_left_alone(project, monkeypatch):
    write_ledger(project, ["a", "b", "c"])
    before = (project.path / "ledger.json").read_bytes()
    result = run(project, monkeypatch, "a")
    result.assert_outcomes(xfailed=2, passed=1)
    result.stdout.fnmatch_lines(["*violation confirmed (progress: 2 of 3 fixed)*"])
    assert outcome_of(project)["fixed"] == ["b", "c"]
    assert (project.path / "ledger.json").read_bytes() == before  # written only on request
    result.stdout.fnmatch_lines(["#824 since the ledger: 2 fixed (b, c)*"])


def test_a_finding_the_ledger_lacks_fails_naming_only_it(project, monkeypatch):
    write_ledger(project, ["a", "b"])
    result = run(project, monkeypatch, "a,c")
    result.assert_outcomes(failed=1, xfailed=1, passed=1)
    result.stdout.fnmatch_lines(["*new violation while issue 824 is open: c*"])
    assert "open: a" not in result.stdout.str() and "open: c; a" not in result.stdout.str()
    record = outcome_of(project)
    assert (record["ledger"], record["new"], record["effect"]) == (NEW, ["c"], "new_violation")
    report = json.loads((project.path / "report.json").read_text())
    assert report["issues"]["824"]["verdict"] == "regressed"
    assert report["issues"]["824"]["checks"]["new"] == ["c"]


def test_a_recorded_check_that_is_now_clean_fails_until_recorded(project, monkeypatch):
    write_ledger(project, ["a"])
    result = run(project, monkeypatch, "")
    result.assert_outcomes(failed=1, xfailed=1, passed=1)
    result.stdout.fnmatch_lines(["*check now clean (1 of 1 fixed) while issue 824 is open: record it*"])
    assert json.loads((project.path / "report.json").read_text())["issues"]["824"]["verdict"] == "improved"
    result = run(project, monkeypatch, "", "x", "", "--ssot-baseline-update")
    result.assert_outcomes(passed=2, xfailed=1)
    assert stored(project) == []
    result.stdout.fnmatch_lines(["ledger #824 test_checks.py::test_check: 1 -> clean"])
    run(project, monkeypatch, "").assert_outcomes(passed=2, xfailed=1)


def test_recorded_clean_and_clean_passes(project, monkeypatch):
    write_ledger(project, [])
    result = run(project, monkeypatch, "")
    result.assert_outcomes(passed=2, xfailed=1)
    assert outcome_of(project)["ledger"] == CLEAN
    assert json.loads((project.path / "report.json").read_text())["issues"]["824"]["checks"]["clean"] == 1


def test_recorded_clean_and_a_finding_is_a_regression(project, monkeypatch):
    write_ledger(project, [])
    result = run(project, monkeypatch, "a")
    result.assert_outcomes(failed=1, xfailed=1, passed=1)
    result.stdout.fnmatch_lines(["*regression of a check recorded clean (issue 824 is open): a*"])
    record = outcome_of(project)
    assert record["ledger"] == REGRESSED
    assert json.loads((project.path / "report.json").read_text())["issues"]["824"]["checks"]["regressed"] == [
        "test_checks.py::test_check"]


def test_every_check_recorded_clean_means_the_issue_looks_fixed(project, monkeypatch):
    write_ledger(project, [], other=[])
    result = run(project, monkeypatch, "", "")
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(["*issue 824 looks fixed: mark it resolved*"])


def test_resolved_issues_ignore_the_ledger_and_need_clean_checks(project, monkeypatch):
    write_ledger(project, ["a"])
    result = run(project, monkeypatch, "a", "", "", "--ssot-issue=824=resolved")
    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(["*regression of SSOT issue 824*"])


# -- update and accept


def test_first_update_records_every_check_and_the_next_run_is_green(project, monkeypatch):
    result = run(project, monkeypatch, "a,b", "", "k1,k2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # no ledger file yet and no update: told how to make one
    result = run(project, monkeypatch, "a,b", "", "k1,k2", "--ssot-baseline-update")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(xfailed=1, passed=2)
    assert stored(project) == ["a", "b"] and stored(project, "test_checks.py::test_other") == []
    document = json.loads((project.path / "ledger.json").read_text())
    assert document["targets"]["t"]["ratchets"] == {"manager_classes": ["k1", "k2"]}
    run(project, monkeypatch, "a,b", "", "k1,k2").assert_outcomes(xfailed=1, passed=2)


def test_update_never_writes_a_new_finding_and_accept_does_saying_so(project, monkeypatch):
    write_ledger(project, ["a"])
    result = run(project, monkeypatch, "a,z", "x", "", "--ssot-baseline-update")
    result.assert_outcomes(failed=1, xfailed=1, passed=1)
    assert stored(project) == ["a"]
    result = run(project, monkeypatch, "a,z", "x", "", "--ssot-baseline-accept")
    result.assert_outcomes(xfailed=2, passed=1)
    result.stdout.fnmatch_lines(["ledger #824 test_checks.py::test_check: 1 -> 2 finding(s) (ACCEPTED new: z)"])
    assert stored(project) == ["a", "z"]


def test_update_writes_the_smaller_set_of_a_progressing_check(project, monkeypatch):
    write_ledger(project, ["a", "b"])
    run(project, monkeypatch, "b", "x", "", "--ssot-baseline-update").assert_outcomes(xfailed=2, passed=1)
    assert stored(project) == ["b"]


def test_update_leaves_an_errored_check_alone(project, monkeypatch, pytester):
    write_ledger(project, ["a"])
    pytester.makepyfile(test_checks=CHECKS.replace('found = [f for f in os.environ.get("SSOT_FOUND"',
                                                   'raise RuntimeError("broken")\n    found = [f for f in os.environ.get("SSOT_FOUND"'))
    run(project, monkeypatch, "", "x", "", "--ssot-baseline-update").assert_outcomes(failed=1, xfailed=1, passed=1)
    assert stored(project) == ["a"]


def test_the_ledger_file_is_sorted_and_keeps_other_targets(project, monkeypatch):
    (project.path / "ledger.json").write_text(json.dumps({"schema_version": 2, "targets": {
        "zz": {"checks": {"889": {"f.py::t": ["q"]}}, "ratchets": {}}}}))
    run(project, monkeypatch, "b,a", "", "", "--ssot-baseline-update")
    text = (project.path / "ledger.json").read_text()
    document = json.loads(text)
    assert list(document["targets"]) == ["t", "zz"]
    assert document["targets"]["zz"] == {"checks": {"889": {"f.py::t": ["q"]}}, "ratchets": {}}
    assert document["targets"]["t"]["checks"]["824"]["test_checks.py::test_check"] == ["a", "b"]
    assert text == json.dumps(document, indent=2) + "\n"


# -- ratchets are ledger entries


def test_a_ratchet_item_the_ledger_lacks_fails_even_while_the_issue_is_open(project, monkeypatch):
    write_ledger(project, [], items=["a.A", "b.B"])
    result = run(project, monkeypatch, "", "x", "a.A,c.C")
    result.assert_outcomes(failed=1, passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*ratchet manager_classes rose: 2 now, 2 in the ledger; new: c.C*"])
    report = json.loads((project.path / "report.json").read_text())
    # a rise is judged like a new finding (verdict regressed), not as a broken test
    count = next(t for t in report["issues"]["824"]["tests"] if t["nodeid"].endswith("test_count"))
    assert (count["effect"], count["ledger"], count["new"], count["error"]) == ("new_violation", "new", ["c.C"], None)
    assert report["issues"]["824"]["verdict"] == "regressed"
    assert report["ratchets"]["manager_classes"] == {"count": 2, "items": ["a.A", "c.C"], "baseline": 2,
                                                     "change": "same"}


def test_a_ratchet_fall_passes_is_reported_and_written_on_update(project, monkeypatch):
    write_ledger(project, [], items=["a.A", "b.B"])
    result = run(project, monkeypatch, "", "x", "a.A")
    result.assert_outcomes(passed=2, xfailed=1)
    result.stdout.fnmatch_lines(["ratchet manager_classes: 1 (baseline 2, fall)"])
    run(project, monkeypatch, "", "x", "a.A", "--ssot-baseline-update")
    assert json.loads((project.path / "ledger.json").read_text())["targets"]["t"]["ratchets"] == {
        "manager_classes": ["a.A"]}


def test_a_version_1_baseline_is_read_as_the_ratchets_of_the_ledger(project, monkeypatch):
    (project.path / "ledger.json").write_text(json.dumps({"schema_version": 1, "targets": {"t": {
        "manager_classes": {"count": 2, "items": ["a.A", "b.B"]}}}}))
    result = run(project, monkeypatch, "a", "x", "a.A,z.Z")
    result.stdout.fnmatch_lines(["*ratchet manager_classes rose*new: z.Z*"])
    run(project, monkeypatch, "a", "x", "a.A", "--ssot-baseline-update")
    document = json.loads((project.path / "ledger.json").read_text())
    assert document["schema_version"] == 2
    assert document["targets"]["t"]["ratchets"] == {"manager_classes": ["a.A"]}


# -- waivers


def test_a_waived_check_is_skipped_with_its_reason_and_counted(pytester, monkeypatch):
    pytester.makepyprojecttoml(PROJECT.format(extra='[tool.ssot.targets.t.waive]\n'
                                                    '"test_checks.py::test_other" = "we have no registry"\n'))
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "__init__.py").write_text("")
    pytester.makepyfile(test_checks=CHECKS)
    monkeypatch.setenv("SSOT_FOUND", "a")
    result = pytester.runpytest("-p", "ssot", "--ssot-issue=824=open", "--ssot-report=report.json", "-rs")
    result.assert_outcomes(xfailed=1, skipped=1, passed=1)
    result.stdout.fnmatch_lines(["#824 since the ledger: 1 waived"])
    result.stdout.fnmatch_lines(["SKIPPED*waived: we have no registry"])
    checks = json.loads((pytester.path / "report.json").read_text())["issues"]["824"]["checks"]
    assert checks["waived"] == 1 and checks["total"] == 2


@pytest.mark.parametrize("waiver, message", [
    ('"test_checks.py::test_nope" = "x"', "'test_checks.py::test_nope' names no check in test_checks.py"),
    ('"tests/test_checks.py::test_other" = "x"', "is not a check id"),
    ('"test_checks.py::test_other" = ""', "has no reason"),
])
def test_a_bad_waiver_is_a_usage_error(pytester, waiver, message):
    pytester.makepyprojecttoml(PROJECT.format(extra=f"[tool.ssot.targets.t.waive]\n{waiver}\n"))
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "__init__.py").write_text("")
    pytester.makepyfile(test_checks=CHECKS)
    result = pytester.runpytest("-p", "ssot")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


# -- bad ledger files


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "ledger.json: file does not exist; fix: create it with --ssot-baseline-update"),
        ("{not json", "not readable JSON"),
        ('{"schema_version": 7}', "expected schema_version 2 (or a version-1 baseline)"),
        ('{"schema_version": 1, "targets": {"t": {"manager_classes": {"count": 1}}}}',
         'targets.t.manager_classes must be {"count": N, "items": ["..."]}'),
        ('{"schema_version": 2, "targets": {"t": {"checks": {"824": {"x.py::t": "a"}}}}}',
         "targets.t.checks.824.x.py::t must be a list of finding keys"),
        ('{"schema_version": 2, "targets": {"t": {"checks": {"abc": {}}}}}', "must be an issue number"),
        ('{"schema_version": 2, "targets": {"t": {"ratchets": {"m": [1]}}}}', "targets.t.ratchets.m must be a list"),
    ],
)
def test_a_bad_ledger_is_a_usage_error(project, monkeypatch, content, message):
    if content is not None:
        (project.path / "ledger.json").write_text(content)
    result = run(project, monkeypatch, "a")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_update_without_a_file_option_is_a_usage_error(project):
    result = project.runpytest("-p", "ssot", "--ssot-baseline-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no ledger file to update; fix: also pass --ssot-baseline PATH" in result.stderr.str()


# -- the pure parts


def test_check_ids_do_not_depend_on_where_the_file_is():
    assert check_id("suites/issue_824/test_824_unit.py::test_x", "test_824_unit.py") == "test_824_unit.py::test_x"
    assert check_id("../venv/site-packages/pytest_ssot/suites/issue_824/test_824_unit.py::C::test_x[1]",
                    "test_824_unit.py") == "test_824_unit.py::C::test_x[1]"


@pytest.mark.parametrize("recorded, found, state, new, fixed", [
    (None, ["a"], UNRECORDED, (), ()),
    (["a", "b"], ["b", "a"], KNOWN, (), ()),
    (["a", "b"], ["a"], PROGRESS, (), ("b",)),
    (["a", "b"], ["a", "c"], NEW, ("c",), ("b",)),
    (["a"], [], NOW_CLEAN, (), ("a",)),
    ([], [], CLEAN, (), ()),
    ([], ["a"], REGRESSED, ("a",), ()),
])
def test_judge(recorded, found, state, new, fixed):
    judgement = judge(recorded, found)
    assert (judgement.state, judgement.new, judgement.fixed) == (state, new, fixed)


def test_updated_skips_guards_other_statuses_and_unfinished_checks():
    records = [
        {"issue": 824, "check": "a.py::g", "guard": True, "clean": True, "keys": []},
        {"issue": 889, "check": "a.py::r", "guard": False, "clean": True, "keys": []},
        {"issue": 824, "check": "a.py::e", "guard": False, "clean": None, "keys": []},
        {"issue": 824, "check": "a.py::ok", "guard": False, "clean": False, "keys": ["k"]},
    ]
    ledger, changes = updated(Ledger(), records, {}, {824: "open", 889: "resolved"}, accept_new=False)
    assert ledger.checks == {"824": {"a.py::ok": ["k"]}}
    assert [c.entry for c in changes] == ["#824 a.py::ok"]


def test_an_update_run_that_finds_every_check_clean_fails_saying_the_issue_looks_fixed(project, monkeypatch):
    result = run(project, monkeypatch, "", "", "", "--ssot-baseline-update")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["issue 824 looks fixed: every check is clean; mark it resolved*"])
    assert stored(project) == [] and stored(project, "test_checks.py::test_other") == []
