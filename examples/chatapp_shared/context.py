"""Who a manager works for (the same in both states: the context is not what gets consolidated)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserContext:
    """A user, as seen from one connection (``connection_id`` tells a user's connections apart)."""

    user_id: str
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def make_user_context(user_id: str, *, connection_id: str | None = None) -> UserContext:
    """The context the server builds for each authenticated connection."""
    return UserContext(user_id) if connection_id is None else UserContext(user_id, connection_id)
