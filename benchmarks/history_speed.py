"""``ssot history`` over 100 commits against 100 cold scans of their checkouts. Prints ratios; asserts nothing.

Builds a temp git repository holding the real-shaped generated backend
(``tests/generated/realtree.py``: 4,000 modules, about 1.6 M lines, the searched
words in a third of the files; foreign words, ``ConnectionHub`` /
``get_connection_hub``) and 99 more commits on top, each changing a few files:
a few consumer modules edited, every seventh commit adding a duplicate
factory function, every eleventh removing one again (so counts fall and rise).

Then, in one run:

* ``ssot history`` over all commits (the CLI in process, ``--json -o``), from git
  objects, its blob cache starting empty;
* the cold floor: for each commit, a checkout (not timed) and the static scan
  of it without a cache, the same work history does per commit (the package
  scan with importers, the whole-root scan, the checks), timed per commit.
  ``--cold N`` times N commits spread over the range and extrapolates to all,
  saying so; the default times every commit.

Each timed commit is scanned twice: in one process (history's own way, the
like-for-like floor) and as the unit tier scans by default (a second process
takes half of a slow cold load). History is held to the faster of the two, the
cold scans a user would otherwise run.

It checks that history's results equal each timed cold scan's (counts, items,
states), and prints the times and both ratios. Goal: history <= 0.05x the cold
scans, i.e. history costs about the files that changed.

    python benchmarks/history_speed.py [--commits 100] [--modules 4000] [--lines 375] [--cold N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from generated.realtree import FOREIGN, generate, words_pattern  # noqa: E402

from pytest_ssot.cli import main  # noqa: E402
from pytest_ssot.config.target import Target  # noqa: E402
from pytest_ssot.history.static_checks import checkout_snapshot, run_checks  # noqa: E402


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env,
                          timeout=600).stdout.strip()


def build(repo: Path, commits: int, modules: int, lines: int) -> tuple[Target, list[str]]:
    """The generated tree as the first commit, then ``commits - 1`` commits changing a few files each."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.invalid")
    truth = generate(repo / "src", modules, words=FOREIGN, seed=11, lines_per_module=lines)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated backend")
    rng = random.Random(5)
    consumers = sorted((repo / "src").rglob("mod*.py"))
    added: list[Path] = []
    for n in range(1, commits):
        touched = []
        for path in rng.sample(consumers, 3):
            with path.open("a") as handle:
                handle.write(f"\n\ndef tweak_{n}_{rng.randrange(10**6)}(value):\n    return value + {n}\n")
            touched.append(path)
        message = f"edit {len(touched)} modules"
        if n % 7 == 0:
            dup = repo / "src" / "backend" / "services" / f"dup{n}.py"
            dup.write_text(f"def {FOREIGN.function}(user_id=None):\n    return {{'user': user_id, 'n': {n}}}\n")
            added.append(dup)
            touched.append(dup)
            message = f"add a duplicate factory in dup{n}"
        elif n % 11 == 0 and added:
            gone = added.pop(0)
            git(repo, "rm", "-q", str(gone.relative_to(repo)))
            message = f"fix #824: remove {gone.stem}"
        if touched:
            git(repo, "add", *[str(p.relative_to(repo)) for p in touched])
        git(repo, "commit", "-q", "-m", message)
    shas = git(repo, "rev-list", "--reverse", "HEAD").split()
    target = Target(name="bench", root=repo / "src", package=truth.package,
                    manager=(f"{truth.package}.realtime.manager:{FOREIGN.cls}",),
                    class_pattern=words_pattern(FOREIGN).pattern, function_name=FOREIGN.function,
                    deprecated_modules=(f"{truth.package}.realtime.legacy",),
                    deprecated_names=(f"{truth.package}.realtime.legacy:Legacy{FOREIGN.cls}",),
                    issues={824: "open", 1126: "open"})
    return target, shas


def pyproject(repo: Path, target: Target) -> Path:
    path = repo.parent / "pyproject.toml"
    path.write_text(
        f'[tool.ssot]\ntarget = "bench"\n\n[tool.ssot.targets.bench]\nroot = "{target.root}"\n'
        f'package = "{target.package}"\nmanager = "{target.manager[0]}"\nclass_pattern = {json.dumps(target.class_pattern)}\n'
        f'function_name = "{target.function_name}"\ndeprecated_modules = {json.dumps(list(target.deprecated_modules))}\n'
        f'deprecated_names = {json.dumps(list(target.deprecated_names))}\n\n[tool.ssot.targets.bench.issues]\n'
        '824 = "open"\n1126 = "open"\n')
    return path


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--modules", type=int, default=4000)
    parser.add_argument("--lines", type=int, default=375, help="lines per consumer module")
    parser.add_argument("--cold", type=int, default=0, help="time N cold scans and extrapolate (0: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssot-history-bench-") as tmp:
        repo = Path(tmp) / "repo"
        started = time.perf_counter()
        target, shas = build(repo, args.commits, args.modules, args.lines)
        files = sum(1 for _ in (repo / "src").rglob("*.py"))
        print(f"repository: {len(shas)} commits, {files} .py files at the last, built in "
              f"{time.perf_counter() - started:.0f}s (not timed below)", flush=True)

        out = Path(tmp) / "history.json"
        started = time.perf_counter()
        code = main(["history", "--pyproject", str(pyproject(repo, target)), "--json", "-o", str(out)])
        history_seconds = time.perf_counter() - started
        assert code == 0, "ssot history failed"
        doc = json.loads(out.read_text())
        stats = doc["stats"]
        print(f"ssot history: {history_seconds:.2f}s for {len(doc['commits'])} commits "
              f"({stats['scans']} scanned, {stats['blobs_read']} blobs read)", flush=True)

        timed = list(range(len(shas)))
        if args.cold and args.cold < len(shas):
            step = (len(shas) - 1) / max(args.cold - 1, 1)
            timed = sorted({round(i * step) for i in range(args.cold)})
        checkout = Path(tmp) / "checkout"
        git(repo, "worktree", "add", "-q", "--detach", str(checkout), shas[0])
        local = Target(**{**target.__dict__, "root": checkout / "src"})
        cold: dict[str, list[float]] = {"one process": [], "default": []}
        mismatches = 0
        for i in timed:
            git(checkout, "checkout", "-q", "--detach", shas[i])
            ways = (("one process", False), ("default", None))
            # alternated: the second scan of a checkout finds its files in the page cache
            for way, parallel in ways if len(cold["default"]) % 2 == 0 else ways[::-1]:
                started = time.perf_counter()
                results = run_checks(checkout_snapshot(local, parallel=parallel), local)
                cold[way].append(time.perf_counter() - started)
                entry = doc["commits"][i]
                for name, result in results.items():
                    mine = entry["checks"][name]
                    if (mine["count"], mine["items"], mine["state"]) != (result.count, list(result.items),
                                                                         result.state):
                        mismatches += 1
                        print(f"MISMATCH at commit {i} ({shas[i][:10]}, {way}) {name}: history {mine['count']}, "
                              f"checkout {result.count}", flush=True)
            done = len(cold["default"])
            if done % 10 == 0:
                print(f"  cold scans: {done}/{len(timed)} commits", flush=True)
        how = "measured" if len(timed) == len(shas) else f"extrapolated from {len(timed)} timed commits"
        totals = {}
        for way, seconds in cold.items():
            totals[way] = sum(seconds) * len(shas) / len(seconds)
            print(f"cold scans, {way}: {totals[way]:.1f}s for {len(shas)} commits ({how}; "
                  f"{min(seconds):.2f}-{max(seconds):.2f}s each)")
        print(f"history results equal the checkout scans at {len(timed)} commits, both ways: "
              f"{'yes' if not mismatches else f'NO, {mismatches} mismatches'}")
        flags = {}
        for flag in doc["flags"]:
            flags[flag["kind"]] = flags.get(flag["kind"], 0) + 1
        print(f"flags: {flags}")
        for way, total in totals.items():
            print(f"ratio history / cold scans ({way}): {history_seconds / total:.4f}x")
        print(f"ratio history / the faster cold scans: {history_seconds / min(totals.values()):.4f}x "
              f"(goal <= 0.05x)")


if __name__ == "__main__":
    main_bench()
