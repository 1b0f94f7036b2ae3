"""The wire protocol the WebSocket tiers speak, in one swappable object.

The harness never spells a message type or field name itself: it asks a protocol
object. :class:`ChatProtocol` is the reference protocol (JSON text frames, bearer
token in the handshake); a codebase that speaks differently subclasses it (or
writes any object with the same methods) and exposes it as ``adapter.protocol``
(through the ``pytest_ssot_make_adapter`` hook) or overrides the ``ssot_protocol``
fixture. Event names come from the target's ``events``; the last one ends a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from pytest_ssot.config.schema import DEFAULT_EVENTS

Frame = Mapping[str, Any]


@dataclass(frozen=True)
class ChatProtocol:
    """The reference protocol: ``create_thread`` -> ``thread_created``, ``message`` -> the events."""

    events: tuple[str, ...] = DEFAULT_EVENTS
    admin_user: str = "admin"  # the user id allowed to ask for diagnostics
    type_field: str = "type"
    user_field: str = "user_id"
    thread_field: str = "thread_id"
    run_field: str = "run_id"
    result_field: str = "recommendations"  # what the final event's data delivers to the user

    def __post_init__(self) -> None:
        if not self.events:
            raise ValueError("a protocol needs at least one event (the last one ends a run)")

    # -- handshake

    def auth_headers(self, token: str) -> dict[str, str]:
        """Handshake headers that carry ``token`` (never put it in the URL: URLs get logged)."""
        return {"Authorization": f"Bearer {token}"}

    # -- encoding

    def encode(self, frame: Frame) -> str:
        return json.dumps(frame)

    def decode(self, raw: str | bytes) -> Frame | None:
        """The frame as a mapping, or None when it is not a JSON object (kept raw by the client)."""
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    # -- what frames say

    @property
    def final_event(self) -> str:
        """The event that ends a run."""
        return self.events[-1]

    def kind(self, frame: Frame) -> str | None:
        value = frame.get(self.type_field)
        return value if isinstance(value, str) else None

    def is_event(self, frame: Frame) -> bool:
        return self.kind(frame) in self.events

    def user_of(self, frame: Frame) -> Any:
        return frame.get(self.user_field)

    def thread_of(self, frame: Frame) -> Any:
        return frame.get(self.thread_field)

    def run_of(self, frame: Frame) -> Any:
        return frame.get(self.run_field)

    def error_of(self, frame: Frame) -> str | None:
        """The error code of an error reply, else None."""
        if self.kind(frame) != "error":
            return None
        return str(frame.get("code") or "error")

    # -- requests and their replies

    def create_thread(self) -> Frame:
        return {self.type_field: "create_thread"}

    def thread_created(self, frame: Frame) -> str | None:
        """The new thread's id if ``frame`` answers :meth:`create_thread`, else None."""
        if self.kind(frame) == "thread_created":
            return frame.get(self.thread_field)
        return None

    def message(self, thread_id: str, content: str) -> Frame:
        return {self.type_field: "message", self.thread_field: thread_id, "content": content}

    def diagnostics(self) -> Frame:
        return {self.type_field: "diagnostics"}

    def is_diagnostics(self, frame: Frame) -> bool:
        return self.kind(frame) == "diagnostics"

    def managers_per_user(self, frame: Frame) -> dict[str, int]:
        """From a diagnostics reply: how many managers the server holds for each user."""
        managers = frame.get("managers") or {}
        return {str(user): int(count) for user, count in managers.items()} if isinstance(managers, dict) else {}

    def validation_issues(self, frame: Frame) -> list[str]:
        """From a diagnostics reply: the SSOT validation issues the server logged."""
        issues = frame.get("validation_issues") or []
        return [str(issue) for issue in issues] if isinstance(issues, list) else []

    def history(self, thread_id: str) -> Frame:
        """Ask for a thread's stored events (a reconnecting client's view)."""
        return {self.type_field: "history", self.thread_field: thread_id}

    def history_events(self, frame: Frame, thread_id: str) -> list[Frame] | None:
        """The stored events of ``thread_id`` if ``frame`` answers :meth:`history`, else None."""
        if self.kind(frame) != "history" or self.thread_of(frame) != thread_id:
            return None
        events = frame.get("events") or []
        return [e for e in events if isinstance(e, dict) and self.is_event(e)]

    def final_result(self, frame: Frame) -> Any:
        """What the final event delivers to the user (the seed's ``recommendations``), or None."""
        data = frame.get("data")
        return data.get(self.result_field) if isinstance(data, dict) else None

    def barrier(self, thread_id: str) -> Frame | None:
        """A read-only request whose reply proves every earlier frame of this connection arrived.

        The multi-user harness sends it on every connection once all runs ended, so
        events still in flight (or misrouted to this connection) are counted.
        None: the protocol has no such request (the harness then uses a ping).
        """
        return self.history(thread_id)

    def is_barrier_reply(self, frame: Frame, thread_id: str) -> bool:
        return self.kind(frame) in ("history", "error") and (
            self.kind(frame) == "error" or self.thread_of(frame) == thread_id
        )


def default_protocol(target: Any, events: tuple[str, ...] | None = None) -> ChatProtocol:
    """The reference protocol over ``events`` (default the target's), with the target's admin user."""
    return ChatProtocol(events=tuple(events or getattr(target, "events", None) or DEFAULT_EVENTS),
                        admin_user=getattr(target, "admin_user", None) or ChatProtocol.admin_user)


def protocol_of(adapter: Any, events: tuple[str, ...] | None = None) -> Any:
    """The adapter's ``protocol`` if it has one, else :func:`default_protocol` of its target over ``events``."""
    protocol = getattr(adapter, "protocol", None)
    if protocol is not None:
        return protocol
    return default_protocol(getattr(adapter, "target", None), events)
