"""The staging tier: the same client against a deployed URL.

The URL comes from ``--ssot-staging-url`` / ``SSOT_STAGING_URL``; tokens from
``--ssot-staging-token`` / ``SSOT_STAGING_TOKEN`` (one fixed user) or else the
target's ``token`` function (any user id). The URL is probed once per session:
an unreachable host, a TLS failure or refused authentication becomes one line
(:class:`StagingUnusable`) that every staging test reports as its error. The token
never appears in that line, in a repr, or in a log.
"""

from __future__ import annotations

from typing import Any

from pytest_ssot.ws.client import EventClient, HarnessError

PROBE_TIMEOUT = 5.0
PROBE_USER = "ssot-staging-probe"


class StagingUnusable(HarnessError):
    """A staging URL is configured but cannot be used (a setup error, not a skip)."""


def staging_tokens(config: Any, adapter: Any, target: Any) -> Any:
    """The token source of the staging tier: the fixed token if given, else the target's function."""
    from pytest_ssot.ws.tokens import StaticToken, adapter_mints_tokens, target_tokens

    if config.staging_token:
        return StaticToken(config.staging_token)
    if target is None or not (getattr(target, "token", None) or adapter_mints_tokens(adapter)):
        raise StagingUnusable(
            f"{config.staging_url}: no token source; pass --ssot-staging-token / SSOT_STAGING_TOKEN or set "
            "token = \"module:function\" in the target"
        )
    return target_tokens(adapter, target)


async def probe(url: str, tokens: Any, protocol: Any, timeout: float = PROBE_TIMEOUT) -> None:
    """Connect once and make one request: StagingUnusable with one line when that fails."""
    token = tokens(PROBE_USER)
    client = EventClient(url, token, user_id=tokens.expected_user(PROBE_USER), protocol=protocol, timeout=timeout)
    try:
        await client.connect()
    except HarnessError as exc:
        raise StagingUnusable(str(exc)) from None
    try:
        await client.create_thread()
    except HarnessError:
        code, reason = client.closed_with or (None, "")
        if code == 1008:
            raise StagingUnusable(f"{url}: authentication refused (close {code} {reason})".rstrip()) from None
        if client.closed_with is not None:
            raise StagingUnusable(f"{url}: the server closed the connection (close {code} {reason})") from None
        raise StagingUnusable(f"{url}: the server did not answer a create_thread request in {timeout} s") from None
    finally:
        await client.close()


def probe_blocking(url: str, tokens: Any, protocol: Any, timeout: float = PROBE_TIMEOUT) -> None:
    """:func:`probe` from sync code (a session fixture), on a private loop in a worker thread."""
    from pytest_ssot.ws.harness import run_blocking

    run_blocking(lambda: probe(url, tokens, protocol, timeout), timeout * 3)


def require_user_tokens(harness: Any) -> None:
    """Skip a staging check that needs tokens for chosen users when only a fixed token is given.

    ``--ssot-staging-token`` is one user's token; multi-user and admin checks
    need the target's ``token`` function.
    """
    import pytest

    if not getattr(harness.tokens, "multi_user", False):
        pytest.skip("needs tokens for several users: configure the target's token function "
                    "(a fixed --ssot-staging-token serves one user)")
