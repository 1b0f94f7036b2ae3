"""Where the WebSocket tiers get a bearer token for a user id.

Two sources: the target's ``token`` function (``module:function``, any user id:
what the integration tier and multi-user staging runs need), or one fixed token
(``--ssot-staging-token``: one user, whose id the harness need not know). Tokens
are wrapped in :class:`~pytest_ssot.ws.client.Secret` so they never show up in a
repr, a traceback's locals or a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pytest_ssot.ws.client import HarnessError, Secret

F = TypeVar("F", bound=Callable[..., Any])


class FunctionTokens:
    """Tokens minted by a function ``user_id -> token`` (the target's ``token``)."""

    multi_user = True

    def __init__(self, mint: Callable[[str], str], name: str = "token function") -> None:
        self._mint = mint
        self.name = name

    def __call__(self, user_id: str) -> Secret:
        try:
            return Secret(self._mint(user_id))
        except Exception as exc:
            raise HarnessError(f"{self.name} failed for user {user_id!r} ({type(exc).__name__})") from None

    def expected_user(self, user_id: str) -> str | None:
        return user_id

    def __repr__(self) -> str:
        return f"FunctionTokens({self.name})"


class StaticToken:
    """One fixed token: every connection is the same (unknown) user."""

    multi_user = False

    def __init__(self, token: str) -> None:
        self._token = Secret(token)

    def __call__(self, user_id: str) -> Secret:
        return self._token

    def expected_user(self, user_id: str) -> str | None:
        return None  # the server decides who this token is

    def __repr__(self) -> str:
        return "StaticToken(***)"


_MINTS_FROM_TARGET = "_ssot_mints_from_target"


def mints_from_target(method: F) -> F:
    """Mark a ``mint_token`` that only calls the target's ``token`` function (the default adapter's).

    So :func:`adapter_mints_tokens` tells an adapter's own minting from the
    default without importing the adapter; an override is a new function and
    carries no mark.
    """
    setattr(method, _MINTS_FROM_TARGET, True)
    return method


def adapter_mints_tokens(adapter: Any) -> bool:
    """Whether ``adapter`` has its own ``mint_token`` (not :class:`~pytest_ssot.adapter.TargetAdapter`'s default)."""
    mint = getattr(adapter, "mint_token", None)
    return callable(mint) and not getattr(mint, _MINTS_FROM_TARGET, False)


def target_tokens(adapter: Any, target: Any) -> FunctionTokens:
    """The adapter's own ``mint_token`` if it has one, else the target's ``token`` function, as a token source.

    The target's function is resolved here, once: a missing key or a failing
    import is a setup error with its reason (inside a mint call it would be lost).
    """
    if adapter_mints_tokens(adapter):
        return FunctionTokens(adapter.mint_token, "adapter.mint_token")
    reference = target.require("token")
    return FunctionTokens(adapter.resolve(reference), reference)
