"""What installing pytest-ssot costs an unrelated project's pytest run: startup, against pytest alone.

Two venvs hold the same pytest, one also pytest-ssot's base install from a wheel of
this checkout (tests/install_support/venvs.py: built once, cached, offline after
the first time). The 8-test project of tests/install_support/project.py runs in
each with plain ``pytest``, the two interleaved so machine noise hits both alike,
after one warm-up run each. Twice: with bytecode written (a developer's machine)
and with PYTHONDONTWRITEBYTECODE=1 (many CI machines; pytest then compiles a
plugin's modules afresh on every run). Prints both medians of each, wall time
and CPU time (user + system of the child: what a busy shared machine disturbs
least), and their ratios; the goal is a ratio <= 1.05. Also the median of the
ratios within a round (the two runs of a round are back to back, so noise they
share cancels) and the ratio of the fastest runs (the least disturbed). Then the plugin's own share,
which the machine's noise cannot hide: the median import time of its modules in an
unconfigured run (``-X importtime``), in both modes.

    python benchmarks/startup.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
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


def timed(python: Path, project: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``pytest`` run in the venv of ``python``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = run_pytest(python, project, [], env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 1:  # the project has exactly one failing test
        raise SystemExit(f"unexpected exit {done.returncode} from {python}:\n{done.stdout[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(pairs: dict[str, Path], project: Path, env: dict[str, str], rounds: int) -> dict[str, list[tuple[float, float]]]:
    for python in pairs.values():
        timed(python, project, env)  # warm-up: bytecode (where written), page cache
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in pairs}
    for round_ in range(rounds):
        order = list(pairs.items()) if round_ % 2 == 0 else list(pairs.items())[::-1]
        for name, python in order:
            times[name].append(timed(python, project, env))
    return times


def print_mode(mode: str, times: dict[str, list[tuple[float, float]]]) -> None:
    print(f"-- {mode}")
    medians = {}
    for name, values in times.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        medians[name] = (wall, cpu)
        print(f"   {name:38s} wall median {wall:.3f} s   CPU median {cpu:.3f} s   ({len(values)} runs)")
    (base_wall, base_cpu), (ssot_wall, ssot_cpu) = medians.values()
    for what, ratio in (("CPU", ssot_cpu / base_cpu), ("wall", ssot_wall / base_wall)):
        print(f"   ratio {what:4s} (with pytest-ssot / only pytest): {ratio:.3f}  goal <= {GOAL}  "
              f"{'met' if ratio <= GOAL else 'NOT met'}")
    # each round ran the two back to back: the ratio within a round cancels the noise both runs shared,
    # and the fastest run of each is the one the machine disturbed least
    base, ssot = times.values()
    for k, what in ((1, "CPU"), (0, "wall")):
        paired = statistics.median(s[k] / b[k] for b, s in zip(base, ssot))
        fastest = min(s[k] for s in ssot) / min(b[k] for b in base)
        print(f"   {what:4s} median of the ratios within a round: {paired:.3f}; fastest / fastest: {fastest:.3f}")


def own_import_ms(python: Path, project: Path, env: dict[str, str], rounds: int) -> tuple[float, list[str]]:
    """Median milliseconds the plugin's own modules take to import in an unconfigured run (``-X importtime``).

    The part of the startup ratio that is the plugin's, measured apart from the machine's noise: the
    self time of every ``pytest_ssot`` module, summed per run. pytest loads the entry point's modules
    (the package and ``plugin``) where ``-X importtime`` does not report them, so those two are timed
    by importing them after pytest in a second interpreter of the same venv.
    """
    commands = ([str(python), "-X", "importtime", "-m", "pytest", "-p", "no:cacheprovider"],
                [str(python), "-X", "importtime", "-c", "import pytest, pytest_ssot.plugin"])
    totals, modules = [], set()
    for _ in range(rounds):
        selves: dict[str, int] = {}
        for command in commands:
            done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
            for line in done.stderr.splitlines():
                cells = line.split("|")
                if line.startswith("import time:") and cells[-1].strip().startswith("pytest_ssot"):
                    selves.setdefault(cells[-1].strip(), int(cells[0].split(":")[1]))
        totals.append(sum(selves.values()) / 1000)
        modules.update(selves)
    return statistics.median(totals), sorted(modules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each venv (at least 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssot-startup-") as tmp:
        venvs = user_venvs(build_wheel(Path(tmp) / "wheel"))
        project = write_project(Path(tmp) / "tidewater")
        pairs = {"only pytest": venvs.only_pytest, "pytest + pytest-ssot (base install)": venvs.with_ssot}
        rounds = max(args.rounds, 10)
        written = {k: v for k, v in clean_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
        print_mode("bytecode written", measure(pairs, project, written, rounds))
        print_mode("PYTHONDONTWRITEBYTECODE=1", measure(pairs, project, dict(written, PYTHONDONTWRITEBYTECODE="1"),
                                                        rounds))
        for mode, env in (("bytecode written", written), ("PYTHONDONTWRITEBYTECODE=1",
                                                          dict(written, PYTHONDONTWRITEBYTECODE="1"))):
            ms, modules = own_import_ms(venvs.with_ssot, project, env, rounds)
            print(f"-- the plugin's own imports, {mode}: median {ms:.1f} ms over {rounds} runs "
                  f"({len(modules)} modules: {', '.join(modules)})")


if __name__ == "__main__":
    main()
