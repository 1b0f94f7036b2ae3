"""Peak memory of ``ssot report merge`` on a big report, as a multiple of the file's size.

Usage: python benchmarks/merge_memory.py [MEGABYTES]  (default 40)

Writes a single report of about MEGABYTES with many tests, then runs the merge
in a child process and prints the child's peak resident memory against the
file size. Issue 14 measured 1.9 GB for a 182 MB report (about 10x); the merge
now streams its output and drops the input text once parsed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def big_report(path: Path, megabytes: float) -> None:
    """A schema-2 report of about ``megabytes``: one issue, many tests with long violation texts."""
    tests = []
    size, i = 0, 0
    text = "SSOT VIOLATION: " + "x" * 400
    while size < megabytes * 1_000_000:
        test = {"nodeid": f"suites/t.py::test_{i}", "tier": "unit", "guard": False, "outcome": "xfailed",
                "violation": text, "effect": "confirmed", "error": None, "details": [], "check": f"t.py::test_{i}",
                "keys": [f"key {i} a", f"key {i} b"], "clean": False, "ledger": None, "new": [], "fixed": [],
                "waived": None, "duration": 0.01}
        tests.append(test)
        size += len(json.dumps(test)) + 10
        i += 1
    document = {"schema_version": 2, "target": "t", "generated_at": "x", "statuses": {"824": "open"},
                "issues": {"824": {"title": "", "status": "open", "verdict": "confirmed",
                                   "counts": {"tests": len(tests), "violations": len(tests),
                                              "violations_confirmed": len(tests), "failed": 0},
                                   "tests": tests}},
                "samples": {"agent_completed_seconds": [0.01] * 10_000}, "ratchets": {}}
    path.write_text(json.dumps(document, indent=2))


def main() -> None:
    if sys.argv[1:2] == ["--write"]:
        big_report(Path(sys.argv[2]), float(sys.argv[3]))
        return
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 40.0
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "big.json", Path(tmp) / "merged.json"
        # written by a child: a forked merge would otherwise start with this process's pages in its peak
        subprocess.run([sys.executable, __file__, "--write", str(source), str(megabytes)], check=True)
        # the child reports its own peak (a forked child's RUSAGE_CHILDREN would count this process's pages)
        code = ("import resource, sys; from pytest_ssot.cli import main; code = main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)")
        done = subprocess.run([sys.executable, "-c", code, "report", "merge", str(source), "-o", str(out)],
                              check=True, capture_output=True, text=True)
        peak = int(done.stdout.split()[-1]) * 1024  # KiB on Linux
        size = source.stat().st_size
        print(f"report {size / 1e6:.1f} MB: merge peak RSS {peak / 1e6:.1f} MB ({peak / size:.1f}x the file)")


if __name__ == "__main__":
    main()
