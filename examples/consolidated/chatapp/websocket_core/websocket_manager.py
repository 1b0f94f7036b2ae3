"""The single source of truth for WebSocket managers.

``get_websocket_manager(user_context)`` is the only way to get a manager: one per
user id, created once even under concurrent calls, with state of its own.
Constructing ``WebSocketManager`` directly raises, so nothing can bypass the
registry. Connection state: ``manager.is_connected()`` (bool) and
``manager.connection_state`` ("connected" / "disconnected").
"""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed

from chatapp.websocket_core.registry import ManagerRegistry

_FACTORY_TOKEN = object()
_registry = ManagerRegistry()


class WebSocketManager:
    """One user's manager: their context, their connections, their event emitter."""

    def __init__(self, user_context: Any, *, _factory_token: object = None) -> None:
        if _factory_token is not _FACTORY_TOKEN:
            raise RuntimeError(
                "WebSocketManager is not instantiated directly: call "
                "chatapp.websocket_core.websocket_manager.get_websocket_manager(user_context), "
                "which keeps one manager per user"
            )
        self.user_context = user_context
        self.session_state: dict[str, Any] = {}
        self.validated = True  # the factory validated the context before creating this manager
        self._connections: set[Any] = set()

    @property
    def user_id(self) -> str | None:
        return getattr(self.user_context, "user_id", None)

    def is_connected(self) -> bool:
        """True while at least one of this user's connections is open."""
        return bool(self._connections)

    @property
    def connection_state(self) -> str:
        return "connected" if self._connections else "disconnected"

    async def connect(self, connection: Any) -> None:
        """Attach a connection: anything with ``async send(text)``, or an opaque handle."""
        self._connections.add(connection)

    async def disconnect(self, connection: Any = None) -> None:
        """Detach ``connection`` (all of them if None); an idle manager leaves the registry."""
        if connection is None:
            self._connections.clear()
        else:
            self._connections.discard(connection)
        if not self._connections:
            _registry.release(self.user_id, self)

    async def emit(self, event_type: str, *, thread_id: str, run_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send one agent event to this user's connections (and no one else's); returns it."""
        event = {"type": event_type, "user_id": self.user_id, "thread_id": thread_id,
                 "run_id": run_id, "ts": time.time(), "data": data}
        self.session_state["last_run_id"] = run_id
        text = json.dumps(event)
        for connection in tuple(self._connections):
            send = getattr(connection, "send", None)
            if send is None:
                continue
            try:
                await send(text)
            except ConnectionClosed:
                self._connections.discard(connection)
        return event


def _validated_user_id(user_context: Any) -> str | None:
    if user_context is None:
        return None  # no user context: one shared manager, reused (not a new one per call)
    user_id = getattr(user_context, "user_id", None)
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"user context {user_context!r} has no usable user_id")
    return user_id


async def get_websocket_manager(user_context: Any) -> WebSocketManager:
    """The user's manager, created on first use. Never suspends between check and create."""
    user_id = _validated_user_id(user_context)
    return _registry.get_or_create(
        user_id, lambda: WebSocketManager(user_context, _factory_token=_FACTORY_TOKEN)
    )


def registry_snapshot() -> dict[str, Any]:
    """Managers per user and logged validation issues, for the admin diagnostics frame."""
    return _registry.snapshot()
