"""What the installed-but-unconfigured plugin costs a test run.

Runs the same 5,000 no-op tests with the plugin loaded and with ``-p no:ssot``,
alternating the two so machine noise hits both alike, under
PYTHONDONTWRITEBYTECODE=1 (as many CI machines run, where every imported module
is recompiled each time). Prints the median wall time of each and their ratio;
the goal for the unconfigured run is a ratio <= 1.02. A configured run (the
per-test hooks active, no SSOT tests) is printed too, for information.

    python benchmarks/overhead.py [--tests 5000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = {
    "without plugin (-p no:ssot)": ["-p", "no:ssot"],
    "installed, unconfigured": [],
    "configured (--ssot-issue)": ["--ssot-issue=1=open"],
}


def write_tests(folder: Path, count: int, per_file: int = 250) -> None:
    for start in range(0, count, per_file):
        lines = [f"def test_{i}():\n    pass\n" for i in range(start, min(start + per_file, count))]
        (folder / f"test_noop_{start // per_file:03d}.py").write_text("\n".join(lines))
    (folder / "pytest.ini").write_text("[pytest]\n")


def run_once(folder: Path, extra: list[str]) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark run failed ({extra}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssot-overhead-") as tmp:
        folder = Path(tmp)
        write_tests(folder, args.tests)
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        run_once(folder, [])  # warm the OS file cache
        for _ in range(args.rounds):
            for name, extra in VARIANTS.items():
                times[name].append(run_once(folder, extra))
    base = statistics.median(times["without plugin (-p no:ssot)"])
    print(f"{args.tests} no-op tests, {args.rounds} alternating rounds, median wall time")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:30s} {median:7.3f} s   ratio {median / base:5.3f}")
    ratio = statistics.median(times["installed, unconfigured"]) / base
    print(f"unconfigured / without: {ratio:.3f} (goal <= 1.02)")


if __name__ == "__main__":
    main()
