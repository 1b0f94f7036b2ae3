"""N users at once, each on its own connection and thread: who received what.

All users connect first and create their threads, then all send one message at
once. Collection ends when every run's final event has arrived on *some*
connection (a misrouting server must not make the run wait) or at the time
limit; then a barrier on every connection makes sure frames still in flight are
counted. Connecting and thread creation failing are harness errors; events that
never arrive, arrive out of order, or arrive at the wrong user are findings,
reported per user and raised by :meth:`MultiUserReport.assert_isolated`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.core.percentile import percentile
from pytest_ssot.ws.protocol import ChatProtocol
from pytest_ssot.core.violation import SSOTViolation
from pytest_ssot.ws.client import DEFAULT_TIMEOUT, EventClient, HarnessError, Received, Run

MAX_USERS = 1000


@dataclass
class UserReport:
    """What one user sent and received."""

    user_id: str
    thread_id: str
    run: Run = field(repr=False)
    received: list[str] = field(default_factory=list)  # own event kinds, in arrival order
    missing: list[str] = field(default_factory=list)
    out_of_order: bool = False
    foreign: list[dict[str, Any]] = field(default_factory=list)  # {"user_id", "thread_id", "event"}
    latency: float | None = None  # seconds from send to its own final event, on its own connection

    @property
    def clean(self) -> bool:
        return not (self.missing or self.out_of_order or self.foreign)

    @property
    def foreign_users(self) -> list[str]:
        return sorted({str(f["user_id"]) for f in self.foreign})


@dataclass
class MultiUserReport:
    """Per-user results of one multi-user run, and overall latency to the final event."""

    users: list[UserReport]
    events: tuple[str, ...]

    @property
    def latencies(self) -> list[float]:
        return [u.latency for u in self.users if u.latency is not None]

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies, 50) if self.latencies else None

    @property
    def p99(self) -> float | None:
        return percentile(self.latencies, 99) if self.latencies else None

    def user(self, user_id: str) -> UserReport:
        return next(u for u in self.users if u.user_id == user_id)

    @property
    def missing_users(self) -> list[str]:
        return [u.user_id for u in self.users if u.missing]

    @property
    def leaked_to(self) -> list[str]:
        """Users who received another user's events."""
        return [u.user_id for u in self.users if u.foreign]

    def table(self) -> str:
        """One row per user: received, missing, out of order, foreign; then p50/p99."""
        width = max([len("user")] + [len(u.user_id) for u in self.users])
        lines = [f"{'user':<{width}}  recv  missing                          order  foreign"]
        for u in self.users:
            foreign = f"{len(u.foreign)} from {', '.join(u.foreign_users)}" if u.foreign else "0"
            missing = "all" if len(u.missing) == len(self.events) else ", ".join(u.missing) or "-"
            lines.append(f"{u.user_id:<{width}}  {len(u.received):>4}  {missing:<31}  "
                         f"{'BAD' if u.out_of_order else 'ok':<5}  {foreign}")
        fmt = (lambda v: "n/a" if v is None else f"{v * 1000:.1f} ms")
        lines.append(f"{len(self.users)} users, {len(self.latencies)} completed; latency to "
                     f"{self.events[-1]}: p50 {fmt(self.p50)}, p99 {fmt(self.p99)}")
        return "\n".join(lines)

    def assert_isolated(self) -> None:
        """Every user got all its own events in order and nothing of anyone else's."""
        bad = [u for u in self.users if not u.clean]
        if not bad:
            return
        summary = []
        for u in bad:
            parts = []
            if u.missing:
                parts.append(f"missed {', '.join(u.missing)} (thread {u.thread_id})")
            if u.out_of_order:
                parts.append(f"got its events out of order {u.received}")
            if u.foreign:
                parts.append(f"received {len(u.foreign)} foreign events of {', '.join(u.foreign_users)}")
            summary.append(f"user {u.user_id} " + "; ".join(parts))
        raise SSOTViolation(
            f"{len(bad)} of {len(self.users)} concurrent users not isolated:\n" + "\n".join(summary)
            + "\n\n" + self.table(),
            [{"user_id": u.user_id, "thread_id": u.thread_id, "missing": u.missing,
              "out_of_order": u.out_of_order, "foreign": u.foreign} for u in bad],
            # which users a leak hits depends on the interleaving: the finding is that it leaks at all
            keys=[f"{len(self.users)} concurrent users not isolated"],
        )


def user_report(run: Run, protocol: Any, user_id: str | None = None) -> UserReport:
    """Classify what reached one user's connection during its run (``user_id`` defaults to the run's)."""
    own: list[str] = []
    foreign: list[dict[str, Any]] = []
    for frame in run.frames:
        data = frame.data
        if data is None or not protocol.is_event(data):
            continue
        if run._own(data):
            own.append(protocol.kind(data))
        else:
            foreign.append({"user_id": protocol.user_of(data), "thread_id": protocol.thread_of(data),
                            "event": protocol.kind(data)})
    expected = list(protocol.events)
    missing = [e for e in expected if e not in own]
    in_order = [e for e in own if e in expected] == [e for e in expected if e in own] and len(own) == len(set(own))
    return UserReport(user_id if user_id is not None else run.user_id or "", run.thread_id, run, own, missing,
                      not in_order, foreign, run.latency())


async def run_users(url: str, count: int, tokens: Callable[[str], str], *, protocol: Any = None,
                    prefix: str = "ssot-user", timeout: float = 30.0, connect_timeout: float = DEFAULT_TIMEOUT,
                    content: Callable[[int], str] = lambda i: f"user {i}: please summarise my costs") -> MultiUserReport:
    """``count`` users connect, each creates a thread, then all send one message at once."""
    if not 1 <= count <= MAX_USERS:
        raise ValueError(f"count must be between 1 and {MAX_USERS}, not {count}")
    if count > 1 and not getattr(tokens, "multi_user", True):
        raise HarnessError(f"one fixed token cannot stand for {count} users; configure a token function "
                           "(the target's 'token') for multi-user runs")
    protocol = protocol if protocol is not None else ChatProtocol()
    user_ids = [f"{prefix}-{i:04d}" for i in range(count)]
    finals: set[Any] = set()
    threads: set[Any] = set()
    all_done = asyncio.Event()
    final = protocol.final_event

    def on_frame(client: EventClient, frame: Received) -> None:
        data = frame.data
        if data is not None and protocol.kind(data) == final:
            thread = protocol.thread_of(data)
            if thread in threads:
                finals.add(thread)
                if len(finals) == len(threads):
                    all_done.set()

    clients = [EventClient(url, tokens(u), user_id=getattr(tokens, "expected_user", lambda x: x)(u),
                           protocol=protocol, timeout=connect_timeout, on_frame=on_frame) for u in user_ids]
    complete = False
    try:
        await _all(clients, EventClient.connect, connect_timeout, "connect")
        thread_ids = await _all(clients, EventClient.create_thread, connect_timeout, "create a thread")
        threads.update(thread_ids)
        runs = await asyncio.gather(*(c.send_message(t, content(i))
                                      for i, (c, t) in enumerate(zip(clients, thread_ids))))
        try:
            await asyncio.wait_for(all_done.wait(), timeout)
            complete = True
        except asyncio.TimeoutError:
            pass
        dropped = [c for c in clients if c.closed_with is not None]
        if dropped:  # the server hung up mid-run: what it would have sent cannot be judged
            raise HarnessError(f"{len(dropped)} of {count} connections closed by the server mid-run; first: "
                               f"user {dropped[0].user_id} ({' '.join(map(str, dropped[0].closed_with))})")
        if not complete and not any(r.events() for r in runs):
            raise HarnessError(f"no user received any event within {timeout} s: the server did not answer")
        thread_of = dict(zip(clients, thread_ids))
        await _all(clients, lambda c: c.barrier(thread_of[c]), connect_timeout, "drain")
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    for run in runs:
        run.frames = list(run.frames)
    # the generated ids: a fixed staging token's runs do not know their user
    return MultiUserReport([user_report(run, protocol, user_id) for run, user_id in zip(runs, user_ids)],
                           tuple(protocol.events))


async def _all(clients: Sequence[EventClient], step: Callable[[EventClient], Any], timeout: float,
               what: str) -> list[Any]:
    """Run ``step`` for every client at once, bounded; the first failure is a HarnessError naming the user."""
    results = await asyncio.gather(*(asyncio.wait_for(step(c), timeout) for c in clients), return_exceptions=True)
    for client, result in zip(clients, results):
        if isinstance(result, asyncio.TimeoutError):
            raise HarnessError(f"user {client.user_id}: could not {what} within {timeout} s")
        if isinstance(result, BaseException):
            failed = sum(isinstance(r, BaseException) for r in results)
            raise HarnessError(f"{failed} of {len(clients)} users could not {what}; first: {result}") from None
    return list(results)
