"""The "unified" entry point, partial state: now a delegate, but still a function of its own.

Landed since fragmented: its own cache and its fallback to the registry's last
user context are gone (#960 "registry isolation", #1036 "factories create
different types" fixed): it hands the caller the canonical factory's manager.

Not yet (#824): it is still a second, distinct ``get_websocket_manager`` function
in a second module, not a re-export (or a ``functools.wraps`` shim), because
callers import it by this path; the next step removes it.
"""

from __future__ import annotations

from typing import Any

from chatapp.websocket_core.manager import UnifiedWebSocketManager, WebSocketManager  # noqa: F401 (#960: one more path)
from chatapp.websocket_core.websocket_manager import get_websocket_manager as _canonical_get_websocket_manager


async def get_websocket_manager(user_context: Any = None) -> WebSocketManager:
    """The canonical manager for ``user_context`` (#824: still a duplicate function name)."""
    return await _canonical_get_websocket_manager(user_context)
