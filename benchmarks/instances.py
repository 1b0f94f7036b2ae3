"""Per-instance cost of InstanceTracker: 100,000 objects untracked, tracked, and after the tracker stopped.

Run: ``python benchmarks/instances.py``. Prints the best of several rounds for each,
the overhead per tracked instance, and the ratio after the tracker stopped (which
must be ~1.0: the tracker restores the class exactly, so tests that do not use it
pay nothing). Timings live here, never in tests.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_ssot.evidence.instances import InstanceTracker  # noqa: E402

N = 100_000
ROUNDS = 5


class Context:
    __slots__ = ("user_id",)

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id


class Manager:
    def __init__(self, user_context: Context) -> None:
        self.user_context = user_context


def create_all(context: Context) -> float:
    """Seconds to create N managers (kept alive, as a registry would)."""
    gc.collect()
    keep = []
    start = time.perf_counter()
    for _ in range(N):
        keep.append(Manager(context))
    elapsed = time.perf_counter() - start
    del keep
    return elapsed


def best(run: object) -> float:
    return min(run() for _ in range(ROUNDS))  # type: ignore[operator]


def main() -> None:
    context = Context("demo-user-001")
    untracked = best(lambda: create_all(context))

    def tracked_round() -> float:
        with InstanceTracker([Manager]):
            return create_all(context)

    tracked = best(tracked_round)
    after = best(lambda: create_all(context))
    per_instance_us = (tracked - untracked) / N * 1e6
    print(f"instances per round:           {N:,}")
    print(f"untracked:                     {untracked * 1e3:8.1f} ms  ({untracked / N * 1e9:6.0f} ns/instance)")
    print(f"tracked:                       {tracked * 1e3:8.1f} ms  ({tracked / N * 1e9:6.0f} ns/instance)")
    print(f"tracking overhead:             {per_instance_us:8.2f} us/instance  (x{tracked / untracked:.1f})")
    print(f"after the tracker stopped:     {after * 1e3:8.1f} ms  (x{after / untracked:.2f} of untracked)")


if __name__ == "__main__":
    main()
