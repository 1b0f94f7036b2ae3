"""The manager implementation most of the code uses, with its compatibility subclass.

Partial state. Landed since fragmented:

* #960 "enum mode isolation": a manager no longer stores its user context on its
  mode's enum member.
* #889 (with the per-user registry): one manager now serves all of a user's
  connections, so it keeps a set of them, and an idle manager leaves the registry.
* #960 "import path fragmentation": the ``WebSocketConnectionManager`` /
  ``ConnectionManager`` aliases are still here for old callers, but nothing
  re-exports them any more.

Still fragmented (deliberate violations):

* #1036 "user isolation failures in concurrent tests" / #1126 "connection state
  isolation": one process-wide "current connection". Every ``connect`` overwrites
  it, and ``emit`` sends through it after an ``await``, so once several users are
  connected, one user's events reach whoever connected last; ``is_connected``
  reads it too, so user 2 "is connected" as soon as user 1 connects.
* #889 "user context contamination": ``session_state`` is a mutable default
  argument, one dict shared by every manager created without explicit state.
* #960 "direct instantiation prevention" / "factory bypass detection": nothing
  stops ``WebSocketManager(ctx)`` and the registry never hears of such a manager.
* #824 / #1036: ``UnifiedWebSocketManager`` is still a second implementation next
  to ``WebSocketManager``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from websockets.exceptions import ConnectionClosed

from chatapp.websocket_core.errors import WebSocketManagerError
from chatapp.websocket_core.metrics import METRICS, WebSocketManagerMetrics
from chatapp.websocket_core.modes import ManagerMode
from chatapp.websocket_core.registry import registry

logger = logging.getLogger(__name__)

# #1036 / #1126 (not fixed yet): the shared "current connection" instead of per-user state
_current_connection: Any = None


async def send_text(connection: Any, text: str) -> bool:
    """Send ``text`` if ``connection`` can send; False when it cannot or is closed."""
    send = getattr(connection, "send", None)
    if send is None:
        return False
    try:
        await send(text)
    except ConnectionClosed:
        logger.info("event dropped: connection closed")
        return False
    return True


class UnifiedWebSocketManager:
    """A user's manager: context, connections, event emitter (and the shared state above)."""

    metrics: WebSocketManagerMetrics = METRICS

    def __init__(
        self,
        user_context: Any = None,
        mode: ManagerMode = ManagerMode.UNIFIED,
        session_state: dict[str, Any] = {},  # noqa: B006  #889 (not fixed yet): one dict shared by every manager
    ) -> None:
        if user_context is not None and not getattr(user_context, "user_id", None):
            raise WebSocketManagerError(f"user context {user_context!r} has no user_id")
        self.user_context = user_context
        self.mode = mode  # #960 fixed: the mode is recorded here, nothing is stored on the enum member
        self.session_state = session_state
        self.validated = False
        self._connections: list[Any] = []  # all of this user's open connections (one manager per user now)

    @property
    def user_id(self) -> str | None:
        return getattr(self.user_context, "user_id", None)

    def is_connected(self) -> bool:
        # #1126 (not fixed yet): "user 2 is connected after user 1 connects": the shared connection counts
        return _current_connection is not None or bool(self._connections)

    @property
    def connection_state(self) -> str:
        return "connected" if self.is_connected() else "disconnected"

    async def connect(self, connection: Any) -> None:
        global _current_connection
        if not any(c is connection for c in self._connections):
            self._connections.append(connection)
        _current_connection = connection  # #1036: each new connect overwrites the shared current connection

    async def disconnect(self, connection: Any = None) -> None:
        """Detach ``connection`` (all of them if None); an idle manager leaves the registry."""
        global _current_connection
        closing = list(self._connections) if connection is None else [connection]
        if any(c is _current_connection for c in closing):
            _current_connection = None
        self._connections = [c for c in self._connections if not any(c is d for d in closing)]
        if not self._connections:
            registry.release(self.user_id, self)

    def _event(self, event_type: str, thread_id: str, run_id: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"type": event_type, "user_id": self.user_id, "thread_id": thread_id,
                "run_id": run_id, "ts": time.time(), "data": data}

    async def emit(self, event_type: str, *, thread_id: str, run_id: str, data: dict[str, Any]) -> dict[str, Any]:
        event = self._event(event_type, thread_id, run_id, data)
        self.session_state["last_run_id"] = run_id  # #889: lands in the dict other users share
        self.metrics.record(event_type)
        await asyncio.sleep(0)  # hand-off to the send step; other users' connects happen here
        # #1036: sent through the shared "current connection" when there is one, not this user's own
        targets = [_current_connection] if _current_connection is not None else list(self._connections)
        text = json.dumps(event)
        for target in targets:
            await send_text(target, text)
        return event


class WebSocketManager(UnifiedWebSocketManager):
    """The canonical name, as a subclass kept for callers of the old method name."""

    async def send_agent_event(self, event_type: str, thread_id: str, run_id: str, data: dict[str, Any]) -> Any:
        return await self.emit(event_type, thread_id=thread_id, run_id=run_id, data=data)


# Old names kept as aliases for callers not migrated yet; no module re-exports them any more
# (#960: 8 import paths lead to WebSocketManager in this state, fragmented had 13).
WebSocketConnectionManager = WebSocketManager
ConnectionManager = WebSocketManager
