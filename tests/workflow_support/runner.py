"""Run a GitHub workflow's ``run:`` steps here, the way the runner would.

Only what our workflow uses is understood: matrix expansion with ``include``,
``${{ matrix.* }}`` / ``${{ env.* }}`` / ``${{ runner.temp }}``, step ``if:``
made of ``always()`` / ``success()`` / ``matrix.X == 'v'`` joined by ``&&``,
``$GITHUB_ENV`` and ``$GITHUB_STEP_SUMMARY``. Anything else raises, so a
workflow change that this emulation would get wrong fails the test loudly
instead of being skipped. ``uses:`` steps (checkout, setup-python, artefacts)
are the runner's business and are not run; the caller lays out the files.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TERM = re.compile(r"matrix\.([\w-]+)\s*(==|!=)\s*'([^']*)'")


class WorkflowError(Exception):
    """The workflow uses something this emulation does not understand."""


def load_workflow(path: Path) -> dict[str, Any]:
    """The workflow file as GitHub reads it: PyYAML, with YAML 1.1's ``on: -> True`` key put back."""
    import yaml

    loaded = yaml.safe_load(path.read_text())
    if True in loaded:
        loaded["on"] = loaded.pop(True)
    return loaded


@dataclass
class StepResult:
    name: str
    command: str
    returncode: int
    output: str


@dataclass
class JobRun:
    matrix: dict[str, Any]
    steps: list[StepResult] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(step.returncode == 0 for step in self.steps)


def expand_matrix(matrix: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """GitHub's expansion: the cross product, then ``include`` entries extend matching combinations."""
    if not matrix:
        return [{}]
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    if "exclude" in matrix:
        raise WorkflowError("matrix exclude is not emulated")
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise WorkflowError(f"matrix axis {key!r} is not a non-empty list")
    combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())]
    for entry in matrix.get("include", []):
        matched = False
        for combo in combos:
            originals = {k: v for k, v in entry.items() if k in axes}
            if all(combo[k] == v for k, v in originals.items()):
                extra = {k: v for k, v in entry.items() if k not in axes}
                if any(k in combo and combo[k] != v for k, v in extra.items()):
                    continue
                combo.update(extra)
                matched = True
        if not matched:
            combos.append(dict(entry))
    return combos


def substitute(text: str, context: Mapping[str, Mapping[str, Any]]) -> str:
    """Replace ``${{ ctx.key }}`` expressions; any other expression is an error."""

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1)
        parts = expression.split(".")
        if len(parts) != 2 or parts[0] not in context:
            raise WorkflowError(f"expression not emulated: ${{{{ {expression} }}}}")
        scope, key = parts
        if key not in context[scope]:
            raise WorkflowError(f"unknown {scope} key in ${{{{ {expression} }}}}")
        return str(context[scope][key])

    return _EXPR.sub(replace, text)


def condition(expression: str | None, matrix: Mapping[str, Any], failed: bool) -> bool:
    """Evaluate a step ``if:``; steps without one run only while nothing failed."""
    if expression is None:
        return not failed
    expression = _EXPR.sub(lambda m: m.group(1), str(expression)).strip()
    always = False
    result = True
    for term in (t.strip() for t in expression.split("&&")):
        if term == "always()":
            always = True
        elif term == "success()":
            result = result and not failed
        elif (match := _TERM.fullmatch(term)) is not None:
            key, op, value = match.groups()
            if key not in matrix:
                raise WorkflowError(f"if: uses matrix.{key}, which the matrix does not define")
            equal = str(matrix[key]) == value
            result = result and (equal if op == "==" else not equal)
        else:
            raise WorkflowError(f"if: expression not emulated: {expression!r}")
    return result if always else result and not failed


def run_job(
    job: Mapping[str, Any],
    matrix: Mapping[str, Any],
    *,
    workflow_env: Mapping[str, str],
    cwd: Path,
    temp: Path,
    base_env: Mapping[str, str],
    skip: Any = None,
) -> JobRun:
    """Run the job's ``run:`` steps in order with bash, as ``shell: bash`` would.

    ``skip(command)`` may return True for steps that must not run here (installs).
    """
    temp.mkdir(parents=True, exist_ok=True)
    github_env = temp / "github_env"
    summary = temp / "step_summary.md"
    github_env.write_text("")
    summary.touch()
    env = {**base_env, **{k: str(v) for k, v in workflow_env.items()}, **{k: str(v) for k, v in job.get("env", {}).items()}}
    env.update(RUNNER_TEMP=str(temp), GITHUB_ENV=str(github_env), GITHUB_STEP_SUMMARY=str(summary), CI="true")
    context = {"matrix": matrix, "env": env, "runner": {"temp": str(temp)}}
    run = JobRun(dict(matrix), env=env)
    failed = False
    for index, step in enumerate(job.get("steps", [])):
        name = substitute(str(step.get("name") or step.get("uses") or f"step {index}"), context)
        if "run" not in step:
            if "uses" not in step:
                raise WorkflowError(f"step {name!r} has neither run nor uses")
            continue
        if step.get("shell", "bash") != "bash" or step.get("working-directory"):
            raise WorkflowError(f"step {name!r}: only shell bash in the workspace is emulated")
        if not condition(step.get("if"), matrix, failed):
            continue
        command = substitute(str(step["run"]), context)
        if skip is not None and skip(command):
            continue
        script = temp / f"step-{index}.sh"
        script.write_text(command)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        run.steps.append(StepResult(name, command, proc.returncode, proc.stdout))
        failed |= proc.returncode != 0
        for line in github_env.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return run


def kill_started_server(run: JobRun) -> None:
    """Belt and braces: stop the job's reference server if a step left it running.

    Only that process: the pid must still be a ``chatapp serve`` process.
    """
    pid = run.env.get("SSOT_SERVER_PID", "")
    if not pid.isdigit():
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return
    if b"chatapp serve" in cmdline:
        try:
            os.kill(int(pid), 15)
        except (ProcessLookupError, PermissionError):
            pass
