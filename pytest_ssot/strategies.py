"""Hypothesis strategies for per-user manager tests: user ids, contexts, interleavings.

#889 saw 90 % of its duplicates with test users named like ``demo-user-001``, so
:func:`user_ids` draws that pattern often, next to ids that are odd but valid
(unicode, e-mail addresses, ``provider|id`` subjects, UUIDs, digit strings, one
character, 128 characters): a per-user cache keyed on a normalised or truncated
id merges two of them, and these are the ids that show it.

Valid means: a non-empty string of printable characters without whitespace, at
most :data:`MAX_USER_ID_LENGTH` long. Everything here is plain data, so shrunk
counter-examples print as readable ids and steps like ``connect('demo-user-001')``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_ssot.config.extras import require

require("hypothesis", "pytest_ssot.strategies")
from hypothesis import strategies as st  # noqa: E402 (after the one-line check for the extra)

__all__ = [
    "ACTIONS",
    "DEMO_USER_PATTERN",
    "MAX_USER_ID_LENGTH",
    "Step",
    "demo_user_ids",
    "interleavings",
    "odd_user_ids",
    "user_contexts",
    "user_ids",
]

ACTIONS = ("create", "get", "connect", "disconnect", "close")
DEMO_USER_PATTERN = r"\Ademo-user-[0-9]{3}\Z"
MAX_USER_ID_LENGTH = 128

# letters, digits, punctuation, symbols: no whitespace, separators or control characters
_ID_CHARS = st.characters(categories=("L", "N", "P", "S"))


def demo_user_ids() -> st.SearchStrategy[str]:
    """``demo-user-000`` .. ``demo-user-999``, shrinking towards ``demo-user-000``."""
    return st.integers(0, 999).map(lambda n: f"demo-user-{n:03d}")


def odd_user_ids() -> st.SearchStrategy[str]:
    """Valid ids that naive keying gets wrong."""
    local = st.text(st.characters(categories=("Ll", "Nd")), min_size=1, max_size=12)
    return st.one_of(
        st.text(_ID_CHARS, min_size=1, max_size=MAX_USER_ID_LENGTH),
        st.builds(lambda a, b: f"{a}@{b}.example", local, local),
        st.builds(lambda p, s: f"{p}|{s}", st.sampled_from(["auth0", "google-oauth2", "github"]), local),
        st.uuids().map(str),
        st.integers(0, 10**12).map(str),
        st.sampled_from(["0", "007", "DEMO-USER-001", "demo-user-001\u0301", "用户-001",
                         "x" * MAX_USER_ID_LENGTH]),
    )


def user_ids(*, demo_weight: int = 1) -> st.SearchStrategy[str]:
    """Any valid user id: the seeds' ``demo-user-NNN`` pattern or an odd-but-valid one."""
    return st.one_of(*([demo_user_ids()] * max(1, demo_weight)), odd_user_ids())


def user_contexts(
    make_user_context: Callable[[str], Any], ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Any]:
    """Contexts built by the target's own callable (never a hand-made stand-in)."""
    return st.builds(make_user_context, ids if ids is not None else user_ids())


@dataclass(frozen=True)
class Step:
    """One action of one user; prints as ``connect('demo-user-001')``."""

    action: str
    user_id: str

    def __repr__(self) -> str:
        return f"{self.action}({self.user_id!r})"


def interleavings(
    users: Sequence[str] | st.SearchStrategy[list[str]] = ("demo-user-001", "demo-user-002"),
    *,
    actions: Sequence[str] = ACTIONS,
    min_size: int = 1,
    max_size: int = 25,
) -> st.SearchStrategy[list[Step]]:
    """Sequences of :class:`Step` across ``users`` (a list, or a strategy drawing one).

    Shrinks towards fewer steps, the first action and the first user.
    """
    pools = users if isinstance(users, st.SearchStrategy) else st.just(list(users))

    def steps(pool: list[str]) -> st.SearchStrategy[list[Step]]:
        return st.lists(st.builds(Step, st.sampled_from(tuple(actions)), st.sampled_from(pool)),
                        min_size=min_size, max_size=max_size)

    return pools.flatmap(steps)
