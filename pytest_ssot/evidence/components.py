"""Every component that hands out a manager, called side by side.

A fragmented codebase has several functions that each "get the manager" (the
seeds found three ``get_websocket_manager``); a caller's result depends on which
one it imported. The runtime scan finds them all; this module resolves each in
the test process and asks every one for the same user's manager, so a suite can
require one instance, one type, and the same events whichever path a caller took.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.scan.findings import ScanResult
from pytest_ssot.scan.objects import type_path
from pytest_ssot.core.violation import SSOTViolation

__all__ = [
    "RecordingConnection",
    "Component",
    "factory_components",
    "managers_from",
    "assert_one_manager",
    "assert_one_type",
    "assert_events_delivered",
    "events_through_components",
    "assert_connection_states_independent",
]


@dataclass(eq=False)  # compared and hashed by identity, like a real connection
class RecordingConnection:
    """A stand-in for a client connection: ``async send(text)`` keeps every frame."""

    label: str = "recording"
    sent: list[str] = field(default_factory=list)

    async def send(self, text: str) -> None:
        self.sent.append(text)

    def event_types(self, type_field: str = "type") -> list[str]:
        """The ``type`` of every JSON frame sent, in order (non-JSON frames skipped)."""
        types = []
        for raw in self.sent:
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            if isinstance(frame, dict):
                types.append(frame.get(type_field))
        return types


@dataclass(frozen=True)
class Component:
    """One way to get a manager: a factory function reachable in the target."""

    path: str  # "module:qualname" where it is defined
    function: Any


def factory_components(scan: ScanResult, name: str, adapter: Any) -> list[Component]:
    """Every distinct function called ``name`` that the scan found, resolved in this process.

    Shims (wrappers that only delegate) are components too: a caller that imports
    a shim goes through it. The target's own factory comes first.
    """
    found = scan.functions_named(name)
    components = [Component(f"{d.module}:{d.qualname}", adapter.resolve(f"{d.module}:{d.qualname}"))
                  for d in sorted(found, key=lambda d: (d.module, d.qualname))]
    canonical = adapter.factory
    components.sort(key=lambda c: c.function is not canonical)
    if not any(c.function is canonical for c in components):
        components.insert(0, Component(adapter.target.factory, canonical))
    return components


async def managers_from(components: Sequence[Component], user_context: Any,
                        context_type: type | None = None) -> list[tuple[Component, Any]]:
    """Each component's manager for ``user_context`` (async factories awaited).

    The context is bound by parameter name and annotation
    (:func:`~pytest_ssot.evidence.binding.call_with_context`): a component that takes no
    argument is called without one, one that cannot take a context raises
    :class:`~pytest_ssot.evidence.binding.SignatureMismatch` naming it.
    """
    from pytest_ssot.core.awaiting import maybe_await
    from pytest_ssot.evidence.binding import SignatureMismatch, call_with_context

    results = []
    for component in components:
        try:
            call = call_with_context(component.function, user_context, context_type)
        except SignatureMismatch as exc:
            raise SignatureMismatch(component.path, inspect.signature(component.function), exc.reason) from None
        results.append((component, await maybe_await(call)))
    return results


def _describe(component: Component, manager: Any) -> str:
    cls = type(manager)
    return f"{component.path} -> {cls.__module__}.{cls.__qualname__} (id={id(manager)})"


def assert_one_manager(results: Sequence[tuple[Component, Any]], user_id: Any) -> Any:
    """Every component returned the very same manager object for ``user_id``."""
    distinct = {id(m) for _, m in results}
    if len(distinct) > 1:
        raise SSOTViolation(
            f"SSOT VIOLATION: {len(distinct)} different managers for user {user_id} "
            f"from {len(results)} components:\n" + "\n".join(f"- {_describe(c, m)}" for c, m in results),
            [{"component": c.path, "class": type(m).__qualname__, "id": id(m)} for c, m in results],
            [f"{c.path} hands out its own {type_path(m)}" for c, m in results[1:] if m is not results[0][1]]
            + [f"{results[0][0].path} hands out its own {type_path(results[0][1])}"],
        )
    return results[0][1]


def assert_one_type(results: Sequence[tuple[Component, Any]], canonical: Sequence[type]) -> None:
    """Every component returned an instance of one canonical manager class."""
    wrong = [(c, m) for c, m in results if type(m) not in tuple(canonical)]
    if wrong:
        names = ", ".join(f"{k.__module__}.{k.__qualname__}" for k in canonical)
        raise SSOTViolation(
            f"SSOT VIOLATION: factories create {len({type(m) for _, m in results})} different manager types "
            f"(canonical: {names}):\n" + "\n".join(f"- {_describe(c, m)}" for c, m in wrong),
            [{"component": c.path, "class": f"{type(m).__module__}.{type(m).__qualname__}"} for c, m in wrong],
            [f"{c.path} creates {type_path(m)}" for c, m in wrong],
        )


def assert_events_delivered(delivered: Sequence[tuple[str, list[str]]], events: Sequence[str]) -> None:
    """Each path delivered exactly the critical events, in order.

    ``delivered`` pairs a path label with the event types its connection
    received after the events were emitted through it.
    """
    problems = []
    for label, got in delivered:
        if list(got) != list(events):
            missing = [e for e in events if e not in got]
            detail = f"missing {missing}" if missing else f"out of order: {got}"
            problems.append(f"- {label}: {detail}")
    if problems:
        raise SSOTViolation(
            f"BUSINESS CRITICAL: critical events not delivered through {len(problems)} manager path(s) "
            f"(expected {list(events)}):\n" + "\n".join(problems),
            [{"path": label, "received": list(got)} for label, got in delivered],
            [f"{label}: events {'missing' if [e for e in events if e not in got] else 'out of order'}"
             for label, got in delivered if list(got) != list(events)],
        )


async def events_through_components(
    adapter: Any, components: Sequence[Component], user_id: str, events: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """Emit ``events`` through each component's manager; what its connection received.

    One component at a time, each with its own recording connection, so a
    manager that routes to "the last connection" cannot blur the result.
    """
    delivered = []
    for component in components:
        (_, manager), = await managers_from([component], adapter.make_user_context(user_id),
                                             getattr(adapter, "context_type", None))
        connection = RecordingConnection(component.path)
        await adapter.connect(manager, connection)
        try:
            for event in events:
                await adapter.emit(manager, event, thread_id=f"{user_id}-thread", run_id=f"{user_id}-run",
                                   data={})
        finally:
            await adapter.disconnect(manager, connection)
        delivered.append((component.path, connection.event_types()))
    return delivered


async def assert_connection_states_independent(adapter: Any, first: Any, second: Any,
                                               users: tuple[str, str]) -> None:
    """Connecting one user's manager leaves another user's manager disconnected.

    ``users`` are fresh: neither has ever connected. A manager that reports
    connected before its own user connected is reading someone else's connection
    (another test's, another client's on a shared server), which is the leak
    itself, so it is reported as such rather than as an unusable starting state.
    """
    # (key by role, stable across runs; the text with the run's user ids)
    problems = [(f"{role} user connected before its own connection",
                 f"user {user} reports connected before any connection of its own")
                for role, user, manager in zip(("first", "second"), users, (first, second))
                if adapter.is_connected(manager)]
    connection = RecordingConnection(users[0])
    await adapter.connect(first, connection)
    try:
        if not adapter.is_connected(first):
            problems.append(("first user connected, its manager reports not connected",
                             f"user {users[0]} connected, but its manager reports not connected"))
        if adapter.is_connected(second):
            problems.append(("second user connected after only the first connected",
                             f"user {users[1]} reports connected after only user {users[0]} connected"))
    finally:
        await adapter.disconnect(first, connection)
    if problems:
        raise SSOTViolation("Connection state leaked between users:\n" + "\n".join(f"  - {p}" for _, p in problems),
                            [{"users": list(users), "problem": p} for _, p in problems],
                            keys=[key for key, _ in problems])
