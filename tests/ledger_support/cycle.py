"""Runs of the bundled unit tier against a generated project, kept as plain data for assertions.

One :class:`Run` per pytest invocation: its exit code, terminal output, the
``--ssot-report`` document and the ledger file's bytes afterwards. The tests
compare runs (serial against ``-n 2``, checkout against installed wheel), so
everything they need is captured here and nothing refers back to a live process.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger_support.partial_target import Knobs, write_target

LEDGER = "ledger.json"
# what every run of the cycle passes: the suites as an installed user runs them, unit tier only
# (the generated target has no app: server-bound tiers cannot run on it)
SUITE_ARGS = ("-p", "ssot", "--pyargs", "pytest_ssot.suites", "-m", "unit", "-p", "no:cacheprovider", "-rxfE")


@dataclass(frozen=True)
class Run:
    """What one pytest run against the project left behind."""

    code: int
    output: str
    report: dict[str, Any]
    ledger: bytes | None  # the ledger file after the run (None: there is none)

    def ledger_json(self) -> dict[str, Any]:
        assert self.ledger is not None, "no ledger was written"
        return json.loads(self.ledger)

    def checks(self) -> dict[str, dict[str, Any]]:
        """Non-guard records by check id, of the checks that ran (a skipped check is no evidence either way)."""
        return {t["check"]: dict(t, issue=int(n)) for n, issue in self.report["issues"].items()
                for t in issue["tests"] if not t["guard"] and t["outcome"] != "skipped"}

    def skipped(self) -> set[str]:
        return {t["check"] for issue in self.report["issues"].values() for t in issue["tests"]
                if t["outcome"] == "skipped"}

    def outcomes(self) -> dict[str, tuple[str, str | None, str | None]]:
        """Per check id: (outcome, effect, ledger state): what the serial and parallel runs must agree on."""
        return {c: (t["outcome"], t["effect"], t["ledger"]) for c, t in self.checks().items()}

    def describe(self) -> str:
        """The run in a few lines, for assertion messages."""
        lines = [f"exit {self.code}"] + [f"  {c}: {o}" for c, o in sorted(self.outcomes().items())]
        return "\n".join(lines) + "\n--- output tail ---\n" + self.output[-3000:]


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """pytester's subprocess inherits the working directory: run from the project's."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


Invoke = Callable[[Sequence[str]], tuple[int, str]]  # pytest arguments -> (exit code, output), from the cwd


def pytester_invoke(pytester: Any) -> Invoke:
    """pytest in a subprocess of this interpreter (this checkout), through ``pytester``."""
    def invoke(args: Sequence[str]) -> tuple[int, str]:
        result = pytester.runpytest_subprocess(*args, timeout=600)
        return int(result.ret), "\n".join(result.outlines + result.errlines)

    return invoke


def python_invoke(python: Path) -> Invoke:
    """pytest run by another interpreter (e.g. a venv holding only the built wheel)."""
    def invoke(args: Sequence[str]) -> tuple[int, str]:
        done = subprocess.run([str(python), "-m", "pytest", *args], capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout + done.stderr

    return invoke


@dataclass
class Project:
    """A generated project and the runs made against it, in order."""

    path: Path
    invoke: Invoke
    extra: tuple[str, ...] = ()  # e.g. ("-n", "2")
    runs: list[Run] = field(default_factory=list)

    def run(self, knobs: Knobs, *flags: str, ledger: str | None = LEDGER) -> Run:
        """Rewrite the target as ``knobs`` say, run the unit tier with ``flags``; the run is also kept."""
        write_target(self.path / "src", knobs)
        report = self.path / "report.json"
        report.unlink(missing_ok=True)
        baseline = (f"--ssot-baseline={ledger}",) if ledger else ()
        with chdir(self.path):
            code, output = self.invoke([*SUITE_ARGS, *self.extra, f"--ssot-report={report.name}", *baseline, *flags])
        assert report.exists(), f"no report written (exit {code}):\n{output[-3000:]}"
        ledger_file = self.path / (ledger or LEDGER)
        run = Run(code, output, json.loads(report.read_text()),
                  ledger_file.read_bytes() if ledger_file.exists() else None)
        self.runs.append(run)
        return run
