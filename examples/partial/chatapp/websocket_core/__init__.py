"""WebSocket managers, partial state: one package-level name fixed, the re-exports not yet.

Landed: the package no longer defines a ``get_websocket_manager`` of its own (it was
the third distinct function, #824, and handed out the v1 adapter that dropped
``agent_thinking`` and ``tool_completed``, #1036); the name here is now the
canonical function itself, re-exported. The ``WebSocketConnectionManager`` /
``ConnectionManager`` re-exports are gone too (#960: fewer import paths).

Not yet: the package still re-exports the remaining redundant classes for old
callers (#824 / #1036: several manager implementations).
"""

from __future__ import annotations

from chatapp.agents.agent_registry import WebSocketManagerAdapter
from chatapp.websocket_core import adapter_factory, unified_manager  # noqa: F401 (loaded with the package)
from chatapp.websocket_core.errors import WebSocketManagerError
from chatapp.websocket_core.manager import UnifiedWebSocketManager, WebSocketManager
from chatapp.websocket_core.metrics import WebSocketManagerMetrics
from chatapp.websocket_core.protocols import LegacyWebSocketManagerAdapter
from chatapp.websocket_core.websocket_manager import get_websocket_manager

__all__ = [
    "LegacyWebSocketManagerAdapter", "UnifiedWebSocketManager", "WebSocketManager", "WebSocketManagerAdapter",
    "WebSocketManagerError", "WebSocketManagerMetrics", "get_websocket_manager",
]
