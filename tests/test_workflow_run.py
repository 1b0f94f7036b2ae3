"""Run the CI matrix workflow's steps here, and check the merge against one full run.

Every ``run:`` step of every suites job runs with bash against the demo targets,
once per target x tier: Python versions only change the interpreter, so this
machine's stands in for the matrix's. Installs are skipped (the venv is the
install). The ``uses:`` steps are the runner's: the reports the jobs wrote land in
one folder, as download-artifact with merge-multiple leaves them. Then the report
job's steps merge them, and its verdicts must equal those of a single run of
every tier at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from workflow_support.runner import JobRun, expand_matrix, kill_started_server, load_workflow, run_job

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ssot.yml"
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def _is_install(command: str) -> bool:
    return command.strip().startswith("python -m pip install")


def _base_env() -> dict[str, str]:
    # this run's own pytest/ssot settings must not leak into the jobs' runs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SSOT_", "COV_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def ci(tmp_path_factory):
    """Every suites job (one Python), then the report job; returns what they left."""
    workflow = load_workflow(WORKFLOW)
    work = tmp_path_factory.mktemp("ci")
    workflow_env = dict(workflow["env"], REPORT_DIR=str(work / "reports"), SUMMARY_DIR=str(work / "summary"))
    combos = expand_matrix(workflow["jobs"]["suites"]["strategy"]["matrix"])
    pythons = [c["python"] for c in combos]
    python = HERE if HERE in pythons else pythons[-1]
    runs: list[JobRun] = []
    for index, combo in enumerate(c for c in combos if c["python"] == python):
        combo = dict(combo, python=HERE)
        run = run_job(workflow["jobs"]["suites"], combo, workflow_env=workflow_env, cwd=ROOT,
                      temp=work / f"job-{index}", base_env=_base_env(), skip=_is_install)
        kill_started_server(run)
        runs.append(run)
    report = run_job(workflow["jobs"]["report"], {}, workflow_env=workflow_env, cwd=ROOT,
                     temp=work / "report-job", base_env=_base_env(), skip=_is_install)
    return {"workflow": workflow, "env": workflow_env, "work": work, "runs": runs, "report": report}


def _describe(run: JobRun) -> str:
    return "\n".join(f"--- {s.name} (exit {s.returncode})\n$ {s.command}\n{s.output[-3000:]}" for s in run.steps)


def test_every_suites_job_passes(ci):
    assert len(ci["runs"]) == 2 * 3
    for run in ci["runs"]:
        assert run.ok, _describe(run)
        names = [s.name for s in run.steps]
        assert any(n.startswith("Run the") for n in names), names
        if run.matrix["tier"] == "staging":
            assert "SSOT_STAGING_URL" in run.env and run.env["SSOT_STAGING_URL"].startswith("ws://127.0.0.1:")


def test_each_job_writes_a_report_of_its_target_and_tier(ci):
    reports = Path(ci["env"]["REPORT_DIR"])
    for run in ci["runs"]:
        m = run.matrix
        path = reports / f"{m['target']}-{m['tier']}-py{HERE}.json"
        document = json.loads(path.read_text())
        assert document["target"] == m["target"]
        tiers = {t["tier"] for issue in document["issues"].values() for t in issue["tests"]}
        assert tiers <= {m["tier"]}, (path.name, tiers)


def test_the_report_job_merges_and_writes_the_summary(ci):
    run = ci["report"]
    assert run.ok, _describe(run)
    merged = json.loads((Path(ci["env"]["SUMMARY_DIR"]) / "ssot-merged.json").read_text())
    assert set(merged["targets"]) == {"demo-fragmented", "demo-consolidated"}
    assert merged["conflicts"] == []
    assert len(merged["sources"]) == 6
    summary = Path(run.env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "### Target `demo-fragmented`" in summary and "### Target `demo-consolidated`" in summary
    assert "| #824 |" in summary
    dashboard = (Path(ci["env"]["SUMMARY_DIR"]) / "ssot-dashboard.html").read_text()
    assert dashboard.startswith("<!DOCTYPE html>") and 'data-target="demo-fragmented"' in dashboard


def _full_run(ci, target: str) -> dict:
    """One run of every tier against the target, staging server from the workflow's own step."""
    suites = ci["workflow"]["jobs"]["suites"]
    start = next(s for s in suites["steps"] if "chatapp serve" in str(s.get("run", "")))
    stop = next(s for s in suites["steps"] if "SSOT_SERVER_PID" in str(s.get("run", "")) and s is not start)
    report = ci["work"] / f"full-{target}.json"
    job = {"steps": [
        {"name": "start", "run": start["run"]},
        {"name": "full run", "run": f'python -m pytest -p ssot suites -rxfE --ssot-target={target} '
                                    f'--ssot-report="{report}"'},
        {"name": "stop", "if": "always()", "run": stop["run"]},
    ]}
    combo = next(c for c in expand_matrix(suites["strategy"]["matrix"]) if c["target"] == target)
    run = run_job(job, combo, workflow_env=ci["env"], cwd=ROOT, temp=ci["work"] / f"full-{target}",
                  base_env=_base_env())
    kill_started_server(run)
    assert run.ok, _describe(run)
    return json.loads(report.read_text())


def _essence(document: dict) -> dict:
    """What must agree between the merge and a full run: not timings, not per-process text."""
    return {
        "statuses": document["statuses"],
        "issues": {n: {"status": i["status"], "verdict": i["verdict"], "counts": i["counts"],
                       "tests": [(t["nodeid"], t["tier"], t["guard"], t["outcome"], t["effect"]) for t in i["tests"]]}
                   for n, i in document["issues"].items()},
        # how many latency samples a run yields depends on which users got their own final
        # event, which the fragmented backend's leak decides anew each run: compare names here
        "samples": sorted(document["samples"]),
        "ratchets": document["ratchets"],
    }


@pytest.mark.parametrize("target", ["demo-fragmented", "demo-consolidated"])
def test_merged_verdicts_equal_a_single_full_run(ci, target):
    merged = json.loads((Path(ci["env"]["SUMMARY_DIR"]) / "ssot-merged.json").read_text())
    full = _full_run(ci, target)
    assert full["issues"], "the full run found no SSOT tests"
    expected = "confirmed" if target == "demo-fragmented" else "holds"
    assert {i["verdict"] for i in full["issues"].values()} == {expected}
    assert _essence(merged["targets"][target]) == _essence(full)
    if target == "demo-consolidated":  # every user gets its own events: the counts are deterministic
        assert {k: len(v) for k, v in merged["targets"][target]["samples"].items()} == \
               {k: len(v) for k, v in full["samples"].items()}
