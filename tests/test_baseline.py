"""Ratchets in the ledger: a rise fails naming the new items, a fall passes and is reported, update lowers the file.

The files written are the ledger (schema 2, ``targets.NAME.ratchets``); a version-1
ratchet baseline is still read.
"""

from __future__ import annotations

import json

import pytest

PROJECT = """
[tool.ssot]
target = "t"

[tool.ssot.targets.t]
root = "."
package = "app"
"""

RATCHET_TEST = """
import os, pytest

@pytest.mark.ssot_issue(824)
def test_count(ssot_record):
    items = os.environ["SSOT_TEST_ITEMS"].split(",")
    ssot_record.set_ratchet("manager_classes", items)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(PROJECT)
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "__init__.py").write_text("")
    pytester.makepyfile(test_ratchet=RATCHET_TEST)
    return pytester


def write_baseline(pytester: pytest.Pytester, items: list[str]) -> None:
    (pytester.path / "baseline.json").write_text(json.dumps({
        "schema_version": 1, "targets": {"t": {"manager_classes": {"count": len(items), "items": items}}}}))


def run(pytester, monkeypatch, items, *args):
    monkeypatch.setenv("SSOT_TEST_ITEMS", ",".join(items))
    return pytester.runpytest("-p", "ssot", "--ssot-baseline=baseline.json", "--ssot-report=report.json",
                              "-rf", *args)


def test_a_rise_fails_naming_the_new_items_even_while_the_issue_is_open(project, monkeypatch):
    write_baseline(project, ["a.A", "b.B"])
    result = run(project, monkeypatch, ["a.A", "b.B", "c.C"], "--ssot-issue=824=open")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["ratchet manager_classes rose: 3 now, 2 in the ledger; new: c.C",
                                 "FAILED test_ratchet.py::test_count - RatchetRise: ratchet*"])
    report = json.loads((project.path / "report.json").read_text())
    # a rise is a regression judged like a new finding, not a broken test
    (test,) = report["issues"]["824"]["tests"]
    assert (test["effect"], test["ledger"], test["new"], test["error"]) == ("new_violation", "new", ["c.C"], None)
    assert report["issues"]["824"]["verdict"] == "regressed"
    assert report["ratchets"]["manager_classes"] == {"count": 3, "items": ["a.A", "b.B", "c.C"],
                                                     "baseline": 2, "change": "rise"}


def test_a_fall_passes_is_reported_and_leaves_the_file_alone(project, monkeypatch):
    write_baseline(project, ["a.A", "b.B"])
    before = (project.path / "baseline.json").read_text()
    result = run(project, monkeypatch, ["a.A"])
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["ratchet manager_classes: 1 (baseline 2, fall)"])
    assert (project.path / "baseline.json").read_text() == before


def test_update_writes_the_lower_count_and_never_a_higher_one(project, monkeypatch):
    write_baseline(project, ["a.A", "b.B"])
    run(project, monkeypatch, ["a.A"], "--ssot-baseline-update").assert_outcomes(passed=1)
    stored = json.loads((project.path / "baseline.json").read_text())
    assert stored["schema_version"] == 2 and stored["targets"]["t"]["ratchets"] == {"manager_classes": ["a.A"]}
    run(project, monkeypatch, ["a.A", "z.Z"], "--ssot-baseline-update").assert_outcomes(failed=1)
    stored = json.loads((project.path / "baseline.json").read_text())["targets"]["t"]["ratchets"]
    assert stored == {"manager_classes": ["a.A"]}


def test_update_creates_a_missing_baseline(project, monkeypatch):
    run(project, monkeypatch, ["a.A", "b.B"], "--ssot-baseline-update").assert_outcomes(passed=1)
    stored = json.loads((project.path / "baseline.json").read_text())
    assert stored["targets"]["t"]["ratchets"]["manager_classes"] == ["a.A", "b.B"]


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, [], "baseline.json: file does not exist; fix: create it with --ssot-baseline-update"),
        ("{not json", [], "not readable JSON"),
        ('{"schema_version": 7}', [], "expected schema_version 2 (or a version-1 baseline)"),
        ('{"schema_version": 1, "targets": {"t": {"manager_classes": {"count": 1}}}}', [],
         'targets.t.manager_classes must be {"count": N, "items": ["..."]}'),
    ],
)
def test_a_bad_baseline_is_a_usage_error(project, monkeypatch, content, args, message):
    if content is not None:
        (project.path / "baseline.json").write_text(content)
    result = run(project, monkeypatch, ["a.A"], *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_update_without_a_file_option_is_a_usage_error(project):
    result = project.runpytest("-p", "ssot", "--ssot-baseline-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no ledger file to update; fix: also pass --ssot-baseline PATH" in result.stderr.str()
