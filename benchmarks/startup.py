"""What installing pytest-ssot costs an unrelated project's pytest run: startup, against pytest alone.

Two venvs hold the same pytest, one also pytest-ssot's base install from a wheel of
this checkout (tests/install_support/venvs.py: built once, cached, offline after
the first time). The 8-test project of tests/install_support/project.py runs in
each with plain ``pytest``, the two interleaved so machine noise hits both alike,
after one warm-up run each (bytecode written). Prints both medians and their
ratio; the goal is a ratio <= 1.05.

    python benchmarks/startup.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from install_support.project import run_pytest, write_project  # noqa: E402
from install_support.venvs import clean_env, user_venvs  # noqa: E402
from ledger_support.wheel import build_wheel  # noqa: E402

GOAL = 1.05


def timed(python: Path, project: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = run_pytest(python, project, [], env)
    elapsed = time.perf_counter() - start
    if done.returncode != 1:  # the project has exactly one failing test
        raise SystemExit(f"unexpected exit {done.returncode} from {python}:\n{done.stdout[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each venv (at least 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssot-startup-") as tmp:
        venvs = user_venvs(build_wheel(Path(tmp) / "wheel"))
        project = write_project(Path(tmp) / "tidewater")
        env = clean_env()
        pairs = {"only pytest": venvs.only_pytest, "pytest + pytest-ssot (base install)": venvs.with_ssot}
        for python in pairs.values():
            timed(python, project, env)  # warm-up: bytecode, page cache
        times: dict[str, list[float]] = {name: [] for name in pairs}
        for round_ in range(max(args.rounds, 10)):
            order = list(pairs.items()) if round_ % 2 == 0 else list(pairs.items())[::-1]
            for name, python in order:
                times[name].append(timed(python, project, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        spread = f"{min(times[name]):.3f}-{max(times[name]):.3f}"
        print(f"{name:40s} median {median:.3f} s  (range {spread} s, {len(times[name])} runs)")
    base, with_ssot = medians.values()
    ratio = with_ssot / base
    print(f"ratio (with pytest-ssot / only pytest): {ratio:.3f}  goal <= {GOAL}  "
          f"{'met' if ratio <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
