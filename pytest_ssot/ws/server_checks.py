"""Checks that need a running server: the seeds' integration and staging scenarios.

Each takes a :class:`~pytest_ssot.ws.harness.Harness` (the in-process server of the
integration tier, or the staging URL) and the protocol it carries, so the same
check runs in both tiers. Connection trouble is a ``HarnessError`` (an error);
what the server does wrong is an ``SSOTViolation``.
"""

from __future__ import annotations

import contextlib
from typing import Any

# server-free, they live with the components; importable from here as before
from pytest_ssot.evidence.components import assert_connection_states_independent, events_through_components  # noqa: F401
from pytest_ssot.core.percentile import LATENCY_SAMPLES
from pytest_ssot.ws.staging import require_user_tokens
from pytest_ssot.core.violation import SSOTViolation
from pytest_ssot.ws.client import EventClient, HarnessError, assert_golden_path

__all__ = [
    "recorded_golden_path",
    "assert_users_isolated",
    "assert_one_manager_per_user_on_server",
    "assert_server_and_factory_share_manager",
    "events_through_components",
    "assert_connection_states_independent",
    "assert_history_persisted",
    "assert_bad_token_refused",
    "assert_final_result",
]


async def recorded_golden_path(harness: Any, user_id: str, record: Any = None, content: str = "hello") -> Any:
    """One user's golden-path run, its latency to the final event added to ``record`` (``ssot_record``)."""
    run = await harness.golden_path(user_id, content)
    if record is not None and run.latency() is not None:
        record.add_samples(LATENCY_SAMPLES, [run.latency()])
    return run


async def assert_users_isolated(harness: Any, count: int, *, prefix: str, record: Any = None) -> Any:
    """``count`` users at once each receive all of their own events and none of anyone else's.

    The latencies reach ``record``; a fixed staging token (one user) skips with
    the reason, since the check needs tokens for chosen users.
    """
    require_user_tokens(harness)
    report = await harness.users(count, prefix=prefix)
    if record is not None:
        record.add_samples(LATENCY_SAMPLES, report.latencies)
    report.assert_isolated()
    return report


async def assert_one_manager_per_user_on_server(harness: Any, user_id: str, connections: int = 2) -> None:
    """``user_id`` connects ``connections`` times and chats; the server holds one manager for them.

    The seed's demo-user-001 scenario (a second tab, a reconnect), judged by the
    server's own registry as its diagnostics report it; the validation issues it
    logged are quoted as evidence. A fixed staging token (one user, not
    necessarily ``user_id``) skips with the reason.
    """
    require_user_tokens(harness)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(harness.client(user_id)) for _ in range(connections)]
        # on the newest connection: a misrouting server still answers it
        await clients[-1].run_message("ssot check", timeout=harness.run_timeout)
        frame = await harness.diagnostics()
    protocol = harness.protocol
    count = protocol.managers_per_user(frame).get(str(user_id), 0)
    if count == 0:
        raise HarnessError(f"the server's diagnostics list no manager for user {user_id} right after it "
                           "chatted: they cannot tell how many it holds (check the protocol's managers_per_user)")
    if count > 1:
        issues = [i for i in protocol.validation_issues(frame) if str(user_id) in i]
        raise SSOTViolation(
            f"Multiple manager instances for user {user_id} - potential duplication: the server holds "
            f"{count} managers for one user with {connections} connections"
            + ("".join(f"\nserver logged: SSOT validation issues (non-blocking): {i}" for i in issues)),
            [{"user_id": user_id, "managers": count, "validation_issues": issues}],
            keys=["the server holds several managers for one user"],
        )


async def assert_server_and_factory_share_manager(harness: Any, adapter: Any, tracker: Any, user_id: str) -> None:
    """The manager the server made for a connected user is the one the factory returns.

    Every component that obtains a manager for a user - here the server's
    connection handling and a direct caller of the canonical factory - must get
    the same instance; the tracker sees every manager created meanwhile.
    """
    async with harness.client(user_id) as client:
        await client.run_message("ssot check", timeout=harness.run_timeout)
        await adapter.get_manager(adapter.make_user_context(user_id))
        tracker.assert_single_manager_per_user([user_id])


async def assert_history_persisted(harness: Any, user_id: str) -> None:
    """A reconnecting client reads its thread's events back, in order."""
    run = await harness.golden_path(user_id)
    assert_golden_path(run)
    protocol = harness.protocol
    async with harness.client(user_id) as client:
        frame = await client.request(protocol.history(run.thread_id),
                                     lambda f: f if protocol.history_events(f, run.thread_id) is not None else None,
                                     what="history")
    stored = [protocol.kind(e) for e in protocol.history_events(frame, run.thread_id)]
    if stored != list(protocol.events):
        raise SSOTViolation(f"history of user {user_id}'s thread {run.thread_id} after reconnecting: {stored}, "
                            f"expected {list(protocol.events)}", [{"user_id": user_id, "stored": stored}],
                            keys=["history not persisted across a reconnect"])


async def assert_bad_token_refused(harness: Any) -> None:
    """A connection with a token the server did not issue is refused before any event."""
    client = EventClient(harness.url, "not-a-token-this-server-issued", user_id="ssot-intruder",
                         protocol=harness.protocol, timeout=harness.timeout)
    try:
        await client.connect()
        run = await client.run_message("should not run", timeout=min(harness.run_timeout, 5.0))
    except HarnessError:
        return  # refused: at the handshake, or closed before answering
    finally:
        await client.close()
    if run.events():
        raise SSOTViolation(f"a forged token was accepted: {len(run.events())} event(s) delivered to it",
                            [{"events": len(run.events())}], keys=["a forged token was accepted"])


def assert_final_result(run: Any) -> None:
    """The final event delivers the agent's result to the user (the seed's ``recommendations``)."""
    protocol = run.protocol
    finals = [f for f in run.events() if protocol.kind(f) == protocol.final_event]
    if not finals or protocol.final_result(finals[-1]) in (None, "", [], {}):
        raise SSOTViolation(f"user {run.user_id}: {protocol.final_event} carries no "
                            f"{getattr(protocol, 'result_field', 'result')}",
                            [{"user_id": run.user_id, "final_events": len(finals)}],
                            keys=[f"{protocol.final_event} carries no result"])

