"""WebSocket managers, fragmented: many names, several implementations.

#824: this package defines its own ``get_websocket_manager`` (the third distinct
function of that name; ``from chatapp.websocket_core import get_websocket_manager``
leads here, not to the canonical one), and re-exports the nine redundant
implementations, adding import paths (#960: 12 or more; #1036: 15+ paths leading to
different classes).
"""

from __future__ import annotations

from typing import Any

from chatapp.agents.agent_registry import WebSocketManagerAdapter
from chatapp.websocket_core import adapter_factory, unified_manager  # noqa: F401 (loaded with the package)
from chatapp.websocket_core.errors import WebSocketManagerError
from chatapp.websocket_core.manager import (
    ConnectionManager,
    UnifiedWebSocketManager,
    WebSocketConnectionManager,
    WebSocketManager,
)
from chatapp.websocket_core.metrics import WebSocketManagerMetrics
from chatapp.websocket_core.protocols import LegacyWebSocketManagerAdapter
from chatapp.websocket_core.websocket_manager import get_websocket_manager as _canonical_get_websocket_manager
from chatapp.websocket_core.websocket_manager_factory import (
    IsolatedWebSocketManager,
    WebSocketManagerFactory,
    create_websocket_manager,
)

__all__ = [
    "ConnectionManager", "WebSocketConnectionManager", "IsolatedWebSocketManager", "LegacyWebSocketManagerAdapter", "UnifiedWebSocketManager", "WebSocketManager",
    "WebSocketManagerAdapter", "WebSocketManagerError", "WebSocketManagerFactory", "WebSocketManagerMetrics",
    "create_websocket_manager", "get_websocket_manager",
]


async def get_websocket_manager(user_context: Any = None) -> LegacyWebSocketManagerAdapter:
    """The package-level factory old callers use (#824: a third, distinct function).

    It returns the canonical manager wrapped for the v1 protocol, so events sent
    through it lose ``agent_thinking`` and ``tool_completed`` (#1036).
    """
    return LegacyWebSocketManagerAdapter(await _canonical_get_websocket_manager(user_context))
