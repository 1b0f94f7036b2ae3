"""What the CI matrix workflow must do, as a list of problems (empty when it does)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
TIERS = ["unit", "integration", "staging"]


def _steps(job: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(job.get("steps") or [])


def _uses(step: Mapping[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def suite_problems(workflow: Mapping[str, Any]) -> list[str]:
    """The per-tier jobs: matrix, interpreter, the pytest-ssot command, the uploaded report."""
    job = (workflow.get("jobs") or {}).get("suites")
    if not isinstance(job, Mapping):
        return ["no 'suites' job"]
    problems = []
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if matrix.get("python") != PYTHONS:
        problems.append(f"matrix.python must be the strings {PYTHONS}, found {matrix.get('python')!r}")
    if matrix.get("tier") != TIERS:
        problems.append(f"matrix.tier must be {TIERS}, found {matrix.get('tier')!r}")
    if (job.get("strategy") or {}).get("fail-fast") is not False:
        problems.append("strategy.fail-fast must be false: one failing job must not cancel the others' reports")
    setups = [s for s in _steps(job) if _uses(s, "actions/setup-python")]
    if not setups or (setups[0].get("with") or {}).get("python-version") != "${{ matrix.python }}":
        problems.append("setup-python must install ${{ matrix.python }}")
    runs = [str(s.get("run", "")) for s in _steps(job)]
    pytest_runs = [r for r in runs if "pytest -p ssot" in r]
    if len(pytest_runs) != 1:
        problems.append(f"exactly one step must run 'pytest -p ssot', found {len(pytest_runs)}")
    else:
        command = pytest_runs[0]
        for needed in ('--ssot-tier="${{ matrix.tier }}"', '--ssot-target="${{ matrix.target }}"',
                       '--ssot-report="$REPORT_DIR/', "${{ matrix.python }}"):
            if needed not in command:
                problems.append(f"the pytest step lacks {needed}")
        if "-n auto" not in command:
            problems.append("the pytest step never uses -n auto")
    uploads = [s for s in _steps(job) if _uses(s, "actions/upload-artifact")]
    if not uploads:
        problems.append("the suites job uploads no report")
    else:
        upload = uploads[-1]
        if upload.get("if") != "always()":
            problems.append("the report upload must run with if: always(), so failing jobs still report")
        if not str((upload.get("with") or {}).get("path", "")).startswith("${{ env.REPORT_DIR }}"):
            problems.append("the upload must take its files from ${{ env.REPORT_DIR }}")
    if "REPORT_DIR" not in (workflow.get("env") or {}):
        problems.append("the workflow env must define REPORT_DIR")
    return problems


def merge_problems(workflow: Mapping[str, Any]) -> list[str]:
    """The final job: downloads every report, merges, writes the job summary."""
    jobs = workflow.get("jobs") or {}
    job = jobs.get("report")
    if not isinstance(job, Mapping):
        return ["no 'report' job"]
    problems = []
    needs = job.get("needs")
    if needs != "suites" and needs != ["suites"]:
        problems.append("the report job must need the suites job")
    if job.get("if") != "always()":
        problems.append("the report job must run with if: always(): a failing tier is what the summary is for")
    suite_uploads = [s for s in _steps(jobs.get("suites") or {}) if _uses(s, "actions/upload-artifact")]
    names = [str((s.get("with") or {}).get("name", "")) for s in suite_uploads]
    downloads = [s for s in _steps(job) if _uses(s, "actions/download-artifact")]
    if not downloads:
        problems.append("the report job downloads no report")
    else:
        settings = downloads[0].get("with") or {}
        pattern = str(settings.get("pattern", ""))
        sample = names[0].replace("${{ matrix.target }}", "t").replace("${{ matrix.tier }}", "unit") \
            .replace("${{ matrix.python }}", "3.11") if names else ""
        if not sample or not fnmatch.fnmatch(sample, pattern):
            problems.append(f"download pattern {pattern!r} does not match the uploaded names {names!r}")
        if settings.get("merge-multiple") is not True:
            problems.append("download-artifact needs merge-multiple: true to put every report in one folder")
        if settings.get("path") != "${{ env.REPORT_DIR }}":
            problems.append("download-artifact must put the reports in ${{ env.REPORT_DIR }}")
    runs = [str(s.get("run", "")) for s in _steps(job)]
    if not any("ssot report merge" in r and '"$REPORT_DIR"/*.json' in r for r in runs):
        problems.append("no step merges \"$REPORT_DIR\"/*.json with ssot report merge")
    if not any("--format markdown" in r and '>> "$GITHUB_STEP_SUMMARY"' in r for r in runs):
        problems.append("no step writes the markdown summary to $GITHUB_STEP_SUMMARY")
    return problems
