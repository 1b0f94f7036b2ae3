"""Adapters for callers of the v1 event protocol.

Partial state: the class is unchanged from fragmented, but no factory hands it out
any more (the package-level ``get_websocket_manager`` that wrapped every manager in
it is gone, #1036 "event delivery consistency" through the factories is fixed);
v1 clients get it explicitly from ``adapter_factory.create_legacy_adapter``.
#824: ``LegacyWebSocketManagerAdapter`` is still one of the redundant
implementations the name scan reports; v1 knew three events, so it drops
``agent_thinking`` and ``tool_completed``.
"""

from __future__ import annotations

from typing import Any

from chatapp.websocket_core.manager import UnifiedWebSocketManager, WebSocketManager  # noqa: F401 (#960: one more path)

LEGACY_EVENTS = frozenset({"agent_started", "tool_executing", "agent_completed"})


class LegacyWebSocketManagerAdapter:
    """A manager seen through the v1 protocol."""

    def __init__(self, manager: UnifiedWebSocketManager) -> None:
        self.manager = manager

    @property
    def user_context(self) -> Any:
        return self.manager.user_context

    def is_connected(self) -> bool:
        return self.manager.is_connected()

    @property
    def connection_state(self) -> str:
        return self.manager.connection_state

    async def connect(self, connection: Any) -> None:
        await self.manager.connect(connection)

    async def disconnect(self, connection: Any = None) -> None:
        await self.manager.disconnect(connection)

    async def emit(self, event_type: str, *, thread_id: str, run_id: str, data: dict[str, Any]) -> Any:
        if event_type not in LEGACY_EVENTS:
            return None  # #1036: "missing events": dropped without a trace
        return await self.manager.emit(event_type, thread_id=thread_id, run_id=run_id, data=data)
