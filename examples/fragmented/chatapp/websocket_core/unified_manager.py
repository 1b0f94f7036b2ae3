"""The "unified" entry point, which unified nothing.

#824: the second of three distinct ``get_websocket_manager`` functions, with its own
cache next to the canonical registry, returning a different type (#1036).
#960 "registry isolation": called without a context it serves the context of the
last user the registry saw, i.e. someone else's.
"""

from __future__ import annotations

from typing import Any

from chatapp.websocket_core.manager import UnifiedWebSocketManager, WebSocketManager  # noqa: F401 (#960: one more path)
from chatapp.websocket_core.registry import registry

_managers: dict[Any, UnifiedWebSocketManager] = {}


async def get_websocket_manager(user_context: Any = None) -> UnifiedWebSocketManager:
    """A ``UnifiedWebSocketManager`` from this module's own cache (#824 duplicate function)."""
    context = user_context if user_context is not None else registry.current_user_context  # #960
    user_id = getattr(context, "user_id", None)
    manager = _managers.get(user_id)
    if manager is None:
        manager = _managers[user_id] = UnifiedWebSocketManager(context)
        if context is not None:
            registry.register(manager)  # a second manager next to the canonical one (#889)
    return manager
