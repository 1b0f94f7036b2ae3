"""The canonical module, fragmented: its factory has four creation paths.

#889 "4 creation paths" in ``get_websocket_manager``:

1. null user context: a new "test" manager on every call, never registered;
2. ISOLATED mode: an ``IsolatedWebSocketManager`` registered next to the user's
   manager: a second manager (for ``demo-user-001`` too);
3. a new context for a user who already has a manager (a reconnect, a second tab,
   a second call with a fresh context): another manager registered next to the
   first: the staging log line "Multiple manager instances for user demo-user-001";
4. first manager for a user: check, then an ``await`` (validation), then create,
   so concurrent calls for one user each create one (check-then-create race).

#889 "validation bypass": the blocking validator is imported inside a ``try`` whose
``ImportError`` is swallowed; the module it names does not exist, so validation is
silently skipped and every manager has ``validated = False``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chatapp.websocket_core.errors import WebSocketManagerError
from chatapp.websocket_core.manager import (  # noqa: F401 (#960: every alias is one more path)
    ConnectionManager,
    UnifiedWebSocketManager,
    WebSocketConnectionManager,
    WebSocketManager,
)
from chatapp.websocket_core.modes import ManagerMode
from chatapp.websocket_core.registry import registry
from chatapp.websocket_core.websocket_manager_factory import IsolatedWebSocketManager

__all__ = ["WebSocketManager", "UnifiedWebSocketManager", "IsolatedWebSocketManager", "WebSocketManagerError",
           "ManagerMode", "WebSocketConnectionManager", "get_websocket_manager", "registry_snapshot"]


async def _run_ssot_validation(user_context: Any) -> bool:
    """Run the blocking SSOT validator; False when it was skipped."""
    await asyncio.sleep(0)  # the validator is async; other callers run here (#889 race, path 4)
    try:
        # #889 "SSOT validation bypass": this module was renamed long ago
        from chatapp.websocket_core.ssot_validation_enhancer import validate_manager_creation  # type: ignore
    except ImportError:
        return False  # swallowed: validation silently skipped
    validate_manager_creation(user_context)
    return True


async def get_websocket_manager(user_context: Any = None, mode: ManagerMode = ManagerMode.UNIFIED) -> Any:
    """The user's manager, by one of four creation paths (see the module docstring)."""
    if user_context is None:
        return WebSocketManager(None, mode)  # path 1, #889 "null user context": new manager per call
    if mode is ManagerMode.ISOLATED:
        manager: Any = IsolatedWebSocketManager(user_context)  # path 2, #889: second manager for the user
        registry.register(manager)
        return manager
    user_id = user_context.user_id
    existing = registry.find(user_id, getattr(user_context, "connection_id", None))
    if existing is not None:
        return existing
    if registry.managers_for(user_id):
        manager = WebSocketManager(user_context, mode)  # path 3, #889: "Multiple manager instances for user ..."
        registry.register(manager)
        return manager
    validated = await _run_ssot_validation(user_context)  # path 4, #889: check ... await ... create
    manager = WebSocketManager(user_context, mode)
    manager.validated = validated
    registry.register(manager)
    return manager


def registry_snapshot() -> dict[str, Any]:
    """Managers per user and the SSOT validation issues logged so far (admin diagnostics)."""
    return registry.snapshot()
