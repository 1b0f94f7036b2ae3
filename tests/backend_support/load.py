"""Many users at once: connect all, then each sends one message; collect everything.

Shared by the load tests (which assert isolation) and benchmarks/golden_path.py
(which reads the timings). Collection stops when as many agent events arrived, over
all connections together, as were expected (events misrouted to another user still
count, so a leaking server does not make the run wait), or at the deadline.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from backend_support import EVENTS
from backend_support.client import connect_as, create_thread


@dataclass
class UserRun:
    """What one simulated user sent and received."""

    user_id: str
    thread_id: str = ""
    sent_at: float = 0.0
    completed_at: float | None = None  # when its own agent_completed arrived
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def own_events(self) -> list[str]:
        return [e["type"] for e in self.received if e.get("user_id") == self.user_id]

    @property
    def foreign(self) -> list[dict[str, Any]]:
        """Events about another user or another thread that reached this user."""
        return [e for e in self.received
                if e.get("user_id") != self.user_id or e.get("thread_id") != self.thread_id]

    @property
    def latency(self) -> float | None:
        return None if self.completed_at is None else self.completed_at - self.sent_at


@dataclass
class LoadResult:
    users: list[UserRun]
    complete: bool  # every expected event arrived somewhere before the deadline
    seconds: float  # first message sent to last event received
    connect_seconds: float = 0.0  # all users connecting at once

    @property
    def events_received(self) -> int:
        return sum(len(u.received) for u in self.users)


async def _read(ws: ClientConnection, run: UserRun, counter: list[int], target: int, done: asyncio.Event) -> None:
    try:
        async for raw in ws:
            event = json.loads(raw)
            if event.get("type") not in EVENTS:
                continue
            run.received.append(event)
            if event["type"] == EVENTS[-1] and event.get("user_id") == run.user_id and run.completed_at is None:
                run.completed_at = time.perf_counter()
            counter[0] += 1
            if counter[0] >= target:
                done.set()
    except ConnectionClosed:
        pass


async def run_users(url: str, count: int, *, prefix: str = "load-user", timeout: float = 30.0,
                    content: Callable[[int], str] = lambda i: f"user {i}: cut my cloud cost of ${100 + i}",
                    connect: Callable[..., Any] = connect_as) -> LoadResult:
    """``count`` users connect (all first), each creates a thread, then all send one message at once."""
    runs = [UserRun(f"{prefix}-{i:04d}") for i in range(count)]
    conns: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    done, counter = asyncio.Event(), [0]
    complete, started = False, time.perf_counter()
    connect_seconds = 0.0
    try:
        conns = list(await asyncio.wait_for(asyncio.gather(*(connect(url, r.user_id) for r in runs)), timeout))
        connect_seconds = time.perf_counter() - started
        thread_ids = await asyncio.wait_for(asyncio.gather(*(create_thread(ws) for ws in conns)), timeout)
        for run, thread_id in zip(runs, thread_ids):
            run.thread_id = thread_id
        readers = [asyncio.create_task(_read(ws, run, counter, count * len(EVENTS), done))
                   for ws, run in zip(conns, runs)]
        started = time.perf_counter()

        async def send(ws: ClientConnection, i: int, run: UserRun) -> None:
            run.sent_at = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "thread_id": run.thread_id, "content": content(i)}))

        await asyncio.gather(*(send(ws, i, run) for i, (ws, run) in enumerate(zip(conns, runs))))
        try:
            await asyncio.wait_for(done.wait(), timeout)
            complete = True
        except asyncio.TimeoutError:
            complete = False
    finally:
        seconds = time.perf_counter() - started
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
    return LoadResult(runs, complete, seconds, connect_seconds)
