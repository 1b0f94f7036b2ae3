"""The deprecated factory module, still importable (#1126).

#1126: ``from chatapp.websocket_core.websocket_manager_factory import
WebSocketManagerFactory`` (and ``create_websocket_manager``) must fail once the
dual pattern is gone; here they still work, and the canonical module imports this
one, so it cannot simply be deleted.
#824: its classes are three of the nine redundant implementations
(``WebSocketManagerFactory``, ``IsolatedWebSocketManager``, ``WebSocketManager``).
#1126: its ``WebSocketManager`` is a second class of that name in ``sys.modules``.
#1036: its factories return types other than the canonical factory's, and its
``WebSocketManager`` speaks the old event format.
"""

from __future__ import annotations

import time
import json
from typing import Any

from chatapp.websocket_core.manager import UnifiedWebSocketManager, send_text
from chatapp.websocket_core.modes import ManagerMode


class IsolatedWebSocketManager(UnifiedWebSocketManager):
    """The "isolated" variant: isolated in name only, it inherits the shared connection."""

    def __init__(self, user_context: Any = None) -> None:
        super().__init__(user_context, ManagerMode.ISOLATED)


class WebSocketManager:
    """A second, older copy of the manager (#1126: two classes named WebSocketManager)."""

    def __init__(self, user_context: Any = None) -> None:
        self.user_context = user_context
        self._connection: Any = None

    def is_connected(self) -> bool:
        return self._connection is not None

    @property
    def connection_state(self) -> str:
        return "connected" if self.is_connected() else "disconnected"

    async def connect(self, connection: Any) -> None:
        self._connection = connection

    async def disconnect(self, connection: Any = None) -> None:
        self._connection = None

    async def emit(self, event_type: str, *, thread_id: str, run_id: str, data: dict[str, Any]) -> dict[str, Any]:
        # #1036 "inconsistent event format": the v0 shape, without "type" or "run_id"
        event = {"event": event_type, "user": getattr(self.user_context, "user_id", None),
                 "thread": thread_id, "payload": data, "time": time.time()}
        await send_text(self._connection, json.dumps(event))
        return event


class WebSocketManagerFactory:
    """A second registry, blind to the canonical one (#824: factory variant)."""

    def __init__(self) -> None:
        self._managers: dict[Any, WebSocketManager] = {}

    async def create_manager(self, user_context: Any = None) -> WebSocketManager:
        user_id = getattr(user_context, "user_id", None)
        if user_id not in self._managers:
            self._managers[user_id] = WebSocketManager(user_context)
        return self._managers[user_id]


_default_factory = WebSocketManagerFactory()


async def create_websocket_manager(user_context: Any = None) -> IsolatedWebSocketManager:
    """The deprecated entry point (#1126): a new isolated manager on every call."""
    return IsolatedWebSocketManager(user_context)
