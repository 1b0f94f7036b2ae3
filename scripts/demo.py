"""Run the bundled suites against the fragmented and the consolidated demo target.

Both runs must exit 0: on ``demo-fragmented`` (every issue open) each check XFAILs
with its violation confirmed and the guards pass; on ``demo-consolidated`` (every
issue resolved) everything passes. Each run prints its per-issue table; the JSON
reports land in ``artifacts/``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("demo-fragmented", "demo-consolidated")


def run_target(target: str, extra: list[str]) -> tuple[int, dict]:
    report = ROOT / "artifacts" / f"{target}.json"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-p", "ssot", "suites", f"--ssot-target={target}",
               f"--ssot-report={report}", "-rxfE", *extra]
    print(f"\n$ {' '.join(command[2:])}", flush=True)
    code = subprocess.call(command, cwd=ROOT)
    document = json.loads(report.read_text()) if report.exists() else {"issues": {}}
    return code, document


def main() -> int:
    results = {target: run_target(target, sys.argv[1:]) for target in TARGETS}
    print("\nmain job summary")
    failed = False
    for target, (code, document) in results.items():
        verdicts = ", ".join(f"#{n} {i['verdict']}" for n, i in document["issues"].items()) or "no issues"
        print(f"  {target:20s} exit {code}  {verdicts}")
        failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
