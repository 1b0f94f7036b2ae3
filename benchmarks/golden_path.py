"""Golden-path latency of the reference backend beside a raw ``websockets`` baseline.

For 1, 10, 100 and 500 concurrent users (all connected first, then each sends one
message at once), prints the p50 and p99 time from ``message`` sent to
``agent_completed`` received, and events/s, for:

* chatapp: ``python -m chatapp serve`` (consolidated state by default): token auth,
  per-user manager, SQLite persistence, the deterministic agent;
* baseline: a bare ``websockets`` server in its own process that answers each
  message with 5 fixed frames (no auth check, no agent, no storage),

measured in the same run, and the ratio chatapp / baseline. Both servers use a
listen backlog of 1024. Loopback only; nothing is written to the repository.

Then the harness's own overhead: against the same chatapp server, p50/p99 to
``agent_completed`` through pytest-ssot's multi-user harness (``pytest_ssot.ws.multiuser``:
per-frame receive times, per-user classification, the drain barrier) beside the raw
``websockets`` client above, rounds interleaved, at ``--harness-users`` (100).

    .venv/bin/python benchmarks/golden_path.py [--users 1 10 100 500] [--samples 200] [--state consolidated]
    .venv/bin/python benchmarks/golden_path.py --users --harness-users 100   # overhead only
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from backend_support import EVENTS  # noqa: E402
from backend_support.load import LoadResult, run_users  # noqa: E402
from backend_support.process import start_server  # noqa: E402
from backend_support.tokens import mint  # noqa: E402
from pytest_ssot.core.percentile import percentile  # noqa: E402
from pytest_ssot.ws.servers import ServerProcess, start_process  # noqa: E402

BACKLOG = 1024


# --------------------------------------------------------------------------- baseline server


def _user_of(token: str) -> str:
    """The ``sub`` of a chatapp token, unverified (the baseline only needs a name)."""
    payload = token.partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


async def _baseline(host: str, port: int) -> None:
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        user_id = _user_of(ws.request.headers.get("Authorization", "Bearer x.y").split()[-1])
        thread = json.dumps({"type": "thread_created", "thread_id": "baseline-thread"})
        frames = [json.dumps({"type": event, "user_id": user_id, "thread_id": "baseline-thread",
                              "run_id": "baseline-run", "ts": 0.0, "data": {}}) for event in EVENTS]
        async for raw in ws:
            if json.loads(raw).get("type") == "create_thread":
                await ws.send(thread)
            else:
                for frame in frames:
                    await ws.send(frame)

    async with serve(handler, host, port, backlog=BACKLOG) as server:
        print(f"ws://{host}:{server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Event().wait()


def start_baseline() -> ServerProcess:
    return start_process([sys.executable, __file__, "--baseline-server"], name="baseline", timeout=20)


# --------------------------------------------------------------------------- measuring


async def measure(url: str, users: int, samples: int, timeout: float) -> dict[str, Any]:
    """Rounds of ``users`` concurrent users until at least ``samples`` latencies (max 100 rounds)."""
    latencies: list[float] = []
    events = lost = 0
    seconds = connect_max = 0.0
    for round_no in range(min(100, max(1, math.ceil(samples / users)))):
        result: LoadResult = await run_users(url, users, prefix=f"bench-{users}-{round_no}", timeout=timeout)
        latencies += [run.latency for run in result.users if run.latency is not None]
        lost += sum(1 for run in result.users if run.latency is None)
        events += result.events_received
        seconds += result.seconds
        connect_max = max(connect_max, result.connect_seconds)
    return {
        "p50_ms": 1000 * percentile(latencies, 50) if latencies else float("nan"),
        "p99_ms": 1000 * percentile(latencies, 99) if latencies else float("nan"),
        "events_per_s": events / seconds if seconds else 0.0,
        "samples": len(latencies), "lost": lost, "connect_s": connect_max,
    }


async def run(users_list: Sequence[int], samples: int, state: str, timeout: float,
              harness_users: int = 0, harness_rounds: int = 10) -> list[dict[str, Any]]:
    chatapp, baseline = start_server(state), start_baseline()
    rows: list[dict[str, Any]] = []
    try:
        for users in users_list:
            app = await measure(chatapp.url, users, samples, timeout)
            raw = await measure(baseline.url, users, samples, timeout)
            rows.append({"users": users, "chatapp": app, "baseline": raw})
            print(_row(rows[-1]), flush=True)
        if harness_users:
            stats = await harness_overhead(chatapp.url, harness_users, harness_rounds, timeout)
            rows.append({"users": harness_users, "harness_overhead": stats})
            r, h = stats["raw"], stats["harness"]
            print(f"harness overhead, {harness_users} users x {harness_rounds} rounds, same {state} server: "
                  f"raw websockets p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms | pytest-ssot harness "
                  f"p50 {h['p50_ms']:.2f} ms p99 {h['p99_ms']:.2f} ms | p50 ratio {stats['p50_ratio']:.2f}x "
                  f"(target <= 1.5x)", flush=True)
    finally:
        chatapp.stop()
        baseline.stop()
    return rows


async def harness_overhead(url: str, users: int, rounds: int, timeout: float) -> dict[str, Any]:
    """p50/p99 through the raw client and through pytest-ssot's harness, interleaved round by round."""
    from pytest_ssot.ws.multiuser import run_users as harness_users
    from pytest_ssot.ws.tokens import FunctionTokens

    tokens = FunctionTokens(mint)
    raw: list[float] = []
    harness: list[float] = []
    for round_no in range(rounds):
        result = await run_users(url, users, prefix=f"raw-{users}-{round_no}", timeout=timeout)
        raw += [run.latency for run in result.users if run.latency is not None]
        report = await harness_users(url, users, tokens, prefix=f"harness-{users}-{round_no}", timeout=timeout)
        report.assert_isolated()
        harness += report.latencies
    stats = {name: {"p50_ms": 1000 * percentile(values, 50), "p99_ms": 1000 * percentile(values, 99),
                    "samples": len(values)} for name, values in (("raw", raw), ("harness", harness))}
    stats["p50_ratio"] = stats["harness"]["p50_ms"] / stats["raw"]["p50_ms"]
    return stats


def _row(row: dict[str, Any]) -> str:
    a, b = row["chatapp"], row["baseline"]
    return (f"{row['users']:>5} | {a['p50_ms']:8.2f} {a['p99_ms']:8.2f} {a['events_per_s']:9.0f} | "
            f"{b['p50_ms']:8.2f} {b['p99_ms']:8.2f} {b['events_per_s']:9.0f} | "
            f"{a['p50_ms'] / b['p50_ms']:5.2f}x {a['p99_ms'] / b['p99_ms']:5.2f}x "
            f"{b['events_per_s'] / a['events_per_s'] if a['events_per_s'] else float('nan'):5.2f}x | "
            f"{a['samples']:>5} {a['lost']:>4} {max(a['connect_s'], b['connect_s']):6.2f}")


HEADER = ("users |  chatapp: p50 ms   p99 ms  events/s |  baseline: p50   p99 ms  events/s | "
          "ratio: p50   p99 ev/s | samples lost connect_s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="*", default=[1, 10, 100, 500])
    parser.add_argument("--harness-users", type=int, default=100, help="users for the harness overhead (0: skip)")
    parser.add_argument("--harness-rounds", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200, help="latencies per user count, at least")
    parser.add_argument("--state", choices=["consolidated", "fragmented"], default="consolidated")
    parser.add_argument("--timeout", type=float, default=60.0, help="deadline of each round, seconds")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--baseline-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_server:
        try:
            asyncio.run(_baseline("127.0.0.1", 0))
        except KeyboardInterrupt:
            pass
        return 0
    print(f"golden path, {args.state} chatapp vs raw websockets (5 fixed frames/message); python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cpus; ratios: latency chatapp/baseline, "
          f"events/s baseline/chatapp")
    print(HEADER)
    started = time.perf_counter()
    rows = asyncio.run(run(args.users, args.samples, args.state, args.timeout, args.harness_users,
                           args.harness_rounds))
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
