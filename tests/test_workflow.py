"""The CI matrix workflow, read as data: its shape, and the tools that read it.

tests/test_workflow_run.py runs its steps; this file checks what running cannot
show (the matrix, uploads, job wiring) and that each check can fail.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from workflow_support.checks import merge_problems, suite_problems
from workflow_support.runner import WorkflowError, condition, expand_matrix, load_workflow, substitute

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "ssot.yml"


@pytest.fixture(scope="module")
def workflow():
    return load_workflow(WORKFLOW)


def test_the_workflow_has_the_agreed_shape(workflow):
    assert suite_problems(workflow) == []
    assert merge_problems(workflow) == []
    assert set(workflow["on"]) >= {"push", "pull_request"}


def test_one_job_per_target_tier_and_python(workflow):
    combos = expand_matrix(workflow["jobs"]["suites"]["strategy"]["matrix"])
    assert len(combos) == 2 * 3 * 4
    assert {(c["tier"], c["python"]) for c in combos} == {
        (t, p) for t in ("unit", "integration", "staging") for p in ("3.10", "3.11", "3.12", "3.13")}
    # include extends every combination of its target with the server root
    assert {c["target"]: c["root"] for c in combos} == {
        "demo-fragmented": "examples/fragmented", "demo-consolidated": "examples/consolidated"}


def test_the_on_key_is_read_as_github_reads_it(workflow):
    assert True not in workflow and set(workflow["on"]) == {"push", "pull_request", "workflow_dispatch"}


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda w: w["jobs"]["suites"]["strategy"]["matrix"].__setitem__("python", ["3.10", "3.11", "3.12"]),
         "matrix.python must be"),
        (lambda w: w["jobs"]["suites"]["strategy"]["matrix"].__setitem__("tier", ["unit", "integration"]),
         "matrix.tier must be"),
        (lambda w: w["jobs"]["suites"]["strategy"].__setitem__("fail-fast", True), "fail-fast must be false"),
        (lambda w: w["jobs"]["suites"].__setitem__(
            "steps", [s for s in w["jobs"]["suites"]["steps"] if "upload-artifact" not in str(s.get("uses"))]),
         "uploads no report"),
        (lambda w: next(s for s in w["jobs"]["suites"]["steps"] if "upload-artifact" in str(s.get("uses")))
         .pop("if"), "if: always()"),
        (lambda w: _edit_run(w, "suites", "pytest -p ssot", '--ssot-tier="${{ matrix.tier }}"', ""),
         "lacks --ssot-tier"),
        (lambda w: _edit_run(w, "suites", "pytest -p ssot", "-n auto", ""), "never uses -n auto"),
    ],
)
def test_suite_checks_fail_on_a_broken_workflow(workflow, mutate, expected):
    broken = copy.deepcopy(workflow)
    mutate(broken)
    problems = suite_problems(broken)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda w: w["jobs"]["report"].pop("needs"), "must need the suites job"),
        (lambda w: w["jobs"]["report"].pop("if"), "if: always()"),
        (lambda w: _download(w).__setitem__("pattern", "reports-*"), "does not match"),
        (lambda w: _download(w).pop("merge-multiple"), "merge-multiple"),
        (lambda w: _edit_run(w, "report", "ssot report merge", "ssot report merge", "echo"), "merges"),
        (lambda w: _edit_run(w, "report", "--format markdown", '>> "$GITHUB_STEP_SUMMARY"', "> summary.md"),
         "GITHUB_STEP_SUMMARY"),
    ],
)
def test_merge_checks_fail_on_a_broken_workflow(workflow, mutate, expected):
    broken = copy.deepcopy(workflow)
    mutate(broken)
    problems = merge_problems(broken)
    assert any(expected in p for p in problems), problems


def _edit_run(workflow, job, containing, old, new):
    step = next(s for s in workflow["jobs"][job]["steps"] if containing in str(s.get("run", "")))
    step["run"] = step["run"].replace(old, new)


def _download(workflow):
    return next(s for s in workflow["jobs"]["report"]["steps"] if "download-artifact" in str(s.get("uses")))["with"]


# -- the emulation's expression handling


def test_conditions():
    matrix = {"tier": "staging"}
    assert condition("matrix.tier == 'staging'", matrix, failed=False)
    assert not condition("matrix.tier == 'staging'", matrix, failed=True)
    assert condition("always() && matrix.tier == 'staging'", matrix, failed=True)
    assert not condition("always() && matrix.tier != 'staging'", matrix, failed=True)
    assert condition(None, matrix, failed=False) and not condition(None, matrix, failed=True)
    with pytest.raises(WorkflowError):
        condition("github.event_name == 'push'", matrix, failed=False)
    with pytest.raises(WorkflowError):
        condition("matrix.os == 'linux'", matrix, failed=False)


def test_substitution_refuses_unknown_expressions():
    context = {"matrix": {"tier": "unit"}, "env": {}}
    assert substitute("--ssot-tier=${{ matrix.tier }}", context) == "--ssot-tier=unit"
    with pytest.raises(WorkflowError):
        substitute("${{ secrets.TOKEN }}", context)
    with pytest.raises(WorkflowError):
        substitute("${{ matrix.python }}", context)


def test_include_adds_keys_or_new_combinations():
    matrix = {"tier": ["unit", "staging"], "include": [{"tier": "staging", "workers": 2}, {"tier": "smoke"}]}
    assert expand_matrix(matrix) == [{"tier": "unit"}, {"tier": "staging", "workers": 2}, {"tier": "smoke"}]
