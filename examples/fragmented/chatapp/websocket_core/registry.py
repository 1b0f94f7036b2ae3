"""The manager registry, fragmented: it notices duplicates but only logs them.

#889: registering a second manager for a user logs, exactly as in the staging logs,
``SSOT validation issues (non-blocking): ['Multiple manager instances for user
demo-user-001 - potential duplication']`` and keeps both managers.
#960 "manager registry isolation": ``current_user_context`` is the last user the
registry saw, and ``unified_manager.get_websocket_manager`` serves it to the next
caller that comes without a context.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

MAX_KEPT_ISSUES = 100


class ManagerRegistry:
    """user id -> every manager ever registered for it (duplicates included)."""

    def __init__(self) -> None:
        self._by_user: dict[Any, list[Any]] = {}
        self.validation_issues: list[str] = []
        # #960: registry state that carries one user's context over to the next caller
        self.current_user_context: Any = None

    def managers_for(self, user_id: Any) -> list[Any]:
        return list(self._by_user.get(user_id, ()))

    def find(self, user_id: Any, connection_id: Any) -> Any:
        """The manager made for this very connection of the user, if any."""
        for manager in self._by_user.get(user_id, ()):
            if getattr(manager.user_context, "connection_id", None) == connection_id:
                return manager
        return None

    def register(self, manager: Any) -> None:
        context = manager.user_context
        user_id = getattr(context, "user_id", None)
        self._by_user.setdefault(user_id, []).append(manager)
        self.current_user_context = context
        issues = self._validate(user_id)
        if issues:
            # #889: "SSOT validation issues (non-blocking)": logged, never enforced
            logger.warning("SSOT validation issues (non-blocking): %s", issues)
            self.validation_issues.extend(issues)
            del self.validation_issues[:-MAX_KEPT_ISSUES]

    def _validate(self, user_id: Any) -> list[str]:
        if len(self._by_user[user_id]) > 1:
            return [f"Multiple manager instances for user {user_id} - potential duplication"]
        return []

    def snapshot(self) -> dict[str, Any]:
        return {
            "managers": {str(user_id): len(found) for user_id, found in self._by_user.items()},
            "validation_issues": list(self.validation_issues),
        }


registry = ManagerRegistry()
