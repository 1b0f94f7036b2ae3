"""User roles for finding keys: "user 1 of 8" instead of a user id minted for one run.

A suite names its users with fresh random ids (``ssot_new_user``), so a user id
in a finding's key would make the same finding look new on every run. Checks
that know their users by position give each one a role and write roles, never
ids, into :attr:`SSOTViolation.keys`; messages keep the ids for humans.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_ssot.core.violation import stable_text

__all__ = ["UserRoles"]


class UserRoles:
    """The users of one check, in the order the check chose, and the role of each."""

    def __init__(self, user_ids: Iterable[Any] = (), *, noun: str = "user") -> None:
        self.user_ids: list[Any] = list(dict.fromkeys(hashable(u) for u in user_ids))
        self.noun = noun
        self._index = {u: i for i, u in enumerate(self.user_ids)}

    def role(self, user_id: Any) -> str:
        """``"user 2 of 3"``; "no user context" for None; "another user" for one outside the check."""
        if user_id is None:
            return "no user context"
        index = self._index.get(hashable(user_id))
        if index is None:
            return f"another {self.noun}"
        return f"{self.noun} {index + 1} of {len(self.user_ids)}"

    def mask(self, text: str) -> str:
        """``text`` with every user id replaced by its role, and run-specific noise masked."""
        for user_id in sorted((u for u in self.user_ids if u is not None), key=lambda u: -len(str(u))):
            if str(user_id):
                text = text.replace(str(user_id), self.role(user_id))
        return stable_text(text)


def hashable(value: Any) -> Any:
    """``value`` itself if it can key a dict, else its repr (user ids may be unhashable contexts)."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
