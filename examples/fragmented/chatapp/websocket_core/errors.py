"""Manager errors, and the log that keeps them per user.

#824: "(plus 2 more error/metrics classes)": ``WebSocketManagerErrorLog`` counts among
the nine redundant WebSocket manager implementations (it keeps its own per-user
state beside the managers'). ``WebSocketManagerError`` matches the same name pattern
but is an exception class: the scans report it as kind "exception", not as an
implementation.
"""

from __future__ import annotations

from typing import Any


class WebSocketManagerError(RuntimeError):
    """Raised when a manager cannot be created for a context."""


class WebSocketManagerErrorLog:
    """The errors managers raised, per user id (one more copy of per-user manager state)."""

    def __init__(self) -> None:
        self.errors: dict[Any, list[str]] = {}

    def record(self, user_id: Any, error: BaseException) -> None:
        self.errors.setdefault(user_id, []).append(f"{type(error).__name__}: {error}")

    def for_user(self, user_id: Any) -> list[str]:
        return list(self.errors.get(user_id, []))
