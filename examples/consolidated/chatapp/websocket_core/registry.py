"""The per-user manager registry: check-and-create under one lock.

A ``threading.Lock`` rather than an ``asyncio.Lock``: nothing inside the critical
section awaits, so the lock is never held across a suspension, and it protects the
registry from threads and from several event loops as well as from tasks.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, TypeVar

M = TypeVar("M")
NO_USER = "(no user context)"  # how the diagnostics view names the manager of a null context


class ManagerRegistry:
    """Maps a user id (None: no user context) to its one manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._managers: dict[Hashable, Any] = {}

    def get_or_create(self, key: Hashable, create: Callable[[], M]) -> M:
        """The manager registered under ``key``, created by ``create`` the first time only."""
        with self._lock:
            manager = self._managers.get(key)
            if manager is None:
                manager = self._managers[key] = create()
            return manager

    def release(self, key: Hashable, manager: Any) -> None:
        """Forget ``manager`` (e.g. its last connection closed), unless it was replaced."""
        with self._lock:
            if self._managers.get(key) is manager:
                del self._managers[key]

    def snapshot(self) -> dict[str, Any]:
        """What the diagnostics frame shows: managers per user, validation issues (none possible)."""
        with self._lock:
            managers = {NO_USER if key is None else str(key): 1 for key in self._managers}
            return {"managers": managers, "validation_issues": []}
