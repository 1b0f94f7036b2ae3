"""The per-user manager registry, partial state: #889's creation fix has landed here.

Landed (as in examples/consolidated): one manager per user id, checked and created
under one ``threading.Lock`` with no ``await`` inside, so a reconnect, a second tab
or concurrent first calls all get the user's one manager; a manager leaves the
registry when its last connection closes. With duplicates impossible, the
"SSOT validation issues (non-blocking): Multiple manager instances for user ..."
warning has nothing left to report. #960 "manager registry isolation": the
``current_user_context`` that carried the last user over to the next caller is gone.

Not yet: managers created for a null user context are still never registered
(``websocket_manager.py``, #889).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, TypeVar

M = TypeVar("M")


class ManagerRegistry:
    """user id -> that user's one manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._managers: dict[Hashable, Any] = {}

    def get(self, user_id: Hashable) -> Any:
        """The user's manager, or None (a fast path before the factory's validation step)."""
        with self._lock:
            return self._managers.get(user_id)

    def get_or_create(self, user_id: Hashable, create: Callable[[], M]) -> M:
        """The manager registered for ``user_id``, created by ``create`` the first time only."""
        with self._lock:
            manager = self._managers.get(user_id)
            if manager is None:
                manager = self._managers[user_id] = create()
            return manager

    def release(self, user_id: Hashable, manager: Any) -> None:
        """Forget ``manager`` (its last connection closed), unless it was replaced."""
        with self._lock:
            if self._managers.get(user_id) is manager:
                del self._managers[user_id]

    def snapshot(self) -> dict[str, Any]:
        """What the diagnostics frame shows: managers per user, validation issues (none possible now)."""
        with self._lock:
            return {"managers": {str(user_id): 1 for user_id in self._managers}, "validation_issues": []}


registry = ManagerRegistry()
