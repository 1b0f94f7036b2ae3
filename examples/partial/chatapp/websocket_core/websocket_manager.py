"""The canonical module, partial state: two of its four creation paths are gone.

Landed since fragmented (#889, with ``registry.py``):

* path 2 (ISOLATED mode: an ``IsolatedWebSocketManager`` next to the user's manager)
  went away with ``websocket_manager_factory``;
* paths 3 and 4 are one: the registry checks and creates under a lock, and the
  validation ``await`` happens before, outside it, so a new context for a known
  user, a second tab, or 10 concurrent first calls all end with one manager.

Not yet:

* path 1, #889 "null user context": a new, unregistered manager on every call;
* #889 "validation bypass": the blocking validator is still imported inside a
  ``try`` whose ``ImportError`` is swallowed; the module it names does not exist,
  so validation is silently skipped and every manager has ``validated = False``;
* #960: ``WebSocketManager`` can still be built directly, bypassing all of this.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chatapp.websocket_core.errors import WebSocketManagerError
from chatapp.websocket_core.manager import UnifiedWebSocketManager, WebSocketManager
from chatapp.websocket_core.modes import ManagerMode
from chatapp.websocket_core.registry import registry

__all__ = ["WebSocketManager", "UnifiedWebSocketManager", "WebSocketManagerError", "ManagerMode",
           "get_websocket_manager", "registry_snapshot"]


async def _run_ssot_validation(user_context: Any) -> bool:
    """Run the blocking SSOT validator; False when it was skipped."""
    await asyncio.sleep(0)  # the validator is async: it runs before the registry's lock, never inside it
    try:
        # #889 "SSOT validation bypass" (not fixed yet): this module was renamed long ago
        from chatapp.websocket_core.ssot_validation_enhancer import validate_manager_creation  # type: ignore
    except ImportError:
        return False  # swallowed: validation silently skipped
    validate_manager_creation(user_context)
    return True


async def get_websocket_manager(user_context: Any = None) -> WebSocketManager:
    """The user's manager: one per user id, created once even under concurrent calls."""
    if user_context is None:
        return WebSocketManager(None)  # path 1, #889 "null user context" (not fixed yet): new manager per call
    user_id = user_context.user_id
    existing = registry.get(user_id)
    if existing is not None:
        return existing
    validated = await _run_ssot_validation(user_context)

    def create() -> WebSocketManager:
        manager = WebSocketManager(user_context)
        manager.validated = validated
        return manager

    # check and create in one step under the registry's lock: a caller that got here while
    # another was validating gets that caller's manager (#889 race fixed)
    return registry.get_or_create(user_id, create)


def registry_snapshot() -> dict[str, Any]:
    """Managers per user and the SSOT validation issues logged so far (admin diagnostics)."""
    return registry.snapshot()
