"""The WebSocket tier's building blocks on synthetic input: every check fails on bad frames, passes on good.

No backend here (see test_websocket_tiers.py for both states of it): frames,
timings and tiny local servers are made up, so nothing depends on machine speed.
"""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from backend_support.ports import unused_loopback_port
from pytest_ssot.ws.harness import run_blocking
from pytest_ssot.ws.multiuser import MultiUserReport, run_users, user_report
from pytest_ssot.ws.protocol import ChatProtocol, protocol_of
from pytest_ssot.ws.servers import ServerStartError, ServerThread, check_loopback, start_process
from pytest_ssot.ws.tokens import FunctionTokens, StaticToken
from pytest_ssot.core.violation import SSOTViolation
from pytest_ssot.ws.client import (
    EventClient,
    HarnessError,
    Received,
    Run,
    Secret,
    assert_golden_path,
    assert_latency_under,
    assert_no_foreign_events,
)

P = ChatProtocol()
EVENTS = list(P.events)


def event(kind: str, user: str = "alice", thread: str = "t1", run: str = "r1") -> dict[str, Any]:
    return {"type": kind, "user_id": user, "thread_id": thread, "run_id": run, "ts": 0, "data": {}}


def make_run(frames: list[dict[str, Any]], *, user: str = "alice", thread: str = "t1",
             times: list[float] | None = None) -> Run:
    times = times or [0.001 * (i + 1) for i in range(len(frames))]
    return Run(user, thread, 0.0, [Received(t, "", f) for t, f in zip(times, frames)], P)


GOOD = [event(e) for e in EVENTS]

# --------------------------------------------------------------------------- protocol


def test_protocol_of_prefers_the_adapters_protocol_and_defaults_to_the_targets_events() -> None:
    custom = ChatProtocol(events=("a", "b"))
    assert protocol_of(SimpleNamespace(protocol=custom)) is custom
    default = protocol_of(SimpleNamespace(target=SimpleNamespace(events=("x", "done"))))
    assert default.events == ("x", "done") and default.final_event == "done"
    assert default.thread_created({"type": "thread_created", "thread_id": "t9"}) == "t9"
    assert default.thread_created({"type": "error", "code": "forbidden"}) is None
    assert default.decode("[1]") is None and default.decode("{bad") is None


# --------------------------------------------------------------------------- golden path


def test_golden_path_passes_on_all_events_in_order() -> None:
    assert_golden_path(make_run(GOOD + [{"type": "history"}]))
    assert_golden_path(GOOD, user_id="alice", thread_id="t1")


@pytest.mark.parametrize(("frames", "words"), [
    ([e for e in GOOD if e["type"] not in ("agent_thinking", "tool_completed")],
     ["alice", "t1", "missing agent_thinking, tool_completed"]),
    ([GOOD[1], GOOD[0], *GOOD[2:]], ["out of order", "agent_thinking"]),
    ([*GOOD, GOOD[-1]], ["repeated"]),
    ([*GOOD[:2], *[event(e, run="r2") for e in EVENTS[2:]]], ["2 runs"]),
    ([*GOOD, event("agent_started", user="bob", thread="t2")], ["foreign", "bob (thread t2)"]),
    ([], ["missing agent_started"]),
])
def test_golden_path_raises_a_violation_naming_user_thread_and_events(frames: list[Any], words: list[str]) -> None:
    with pytest.raises(SSOTViolation) as info:
        assert_golden_path(make_run(frames))
    for word in words:
        assert word in str(info.value)


def test_golden_path_with_an_unknown_user_requires_one_user_throughout() -> None:
    assert_golden_path(GOOD, thread_id="t1")
    with pytest.raises(SSOTViolation, match="mallory"):
        assert_golden_path([*GOOD[:4], event("agent_completed", user="mallory")], thread_id="t1")


def test_no_foreign_events() -> None:
    assert_no_foreign_events(make_run(GOOD))
    with pytest.raises(SSOTViolation) as info:
        assert_no_foreign_events(make_run([*GOOD, event("tool_executing", user="bob", thread="t7")]))
    assert "user alice received 1 foreign event(s) (tool_executing) of bob (thread t7)" in str(info.value)
    assert info.value.findings == [{"user_id": "alice", "thread_id": "t1", "foreign_user": "bob",
                                    "foreign_thread": "t7", "event": "tool_executing"}]
    with pytest.raises(SSOTViolation, match="t2"):  # same user, another thread
        assert_no_foreign_events(make_run([event("agent_started", thread="t2")]))


# --------------------------------------------------------------------------- latency (synthetic timings)


def test_latency_is_measured_from_send_to_each_own_event() -> None:
    run = make_run([event("agent_started", user="bob"), *GOOD], times=[0.5, 1.0, 1.1, 1.2, 1.3, 1.4])
    assert run.latencies() == {"agent_started": 1.0, "agent_thinking": 1.1, "tool_executing": 1.2,
                               "tool_completed": 1.3, "agent_completed": 1.4}
    assert run.latency() == 1.4


def test_assert_latency_under_passes_under_the_limit_and_names_the_measured_time_over_it() -> None:
    fast = make_run(GOOD, times=[0.1, 0.2, 0.3, 0.4, 1.5])
    assert_latency_under(fast, 2.0)
    with pytest.raises(SSOTViolation, match=r"agent_completed after 1\.500 s, limit 1\.000 s"):
        assert_latency_under(fast, 1.0)
    with pytest.raises(SSOTViolation, match="never arrived"):
        assert_latency_under(make_run(GOOD[:4]), 2.0)
    with pytest.raises(SSOTViolation, match=r"after 2\.500 s"):
        assert_latency_under(2.5, 2.0)
    assert_latency_under(0.3, 2.0)


# --------------------------------------------------------------------------- multi-user report


def _report(runs: list[Run]) -> MultiUserReport:
    return MultiUserReport([user_report(r, P) for r in runs], P.events)


def test_isolated_users_pass_and_report_p50_p99() -> None:
    runs = [make_run([event(e, user=f"u{i}", thread=f"t{i}") for e in EVENTS], user=f"u{i}", thread=f"t{i}",
                     times=[0.01 * i + 0.001 * k for k in range(5)]) for i in range(1, 11)]
    report = _report(runs)
    report.assert_isolated()
    # nearest rank: the 5th of 10 latencies (0.014 + 0.01 * k), a measured one, not a midpoint
    assert report.p50 == pytest.approx(0.054) and report.p99 == pytest.approx(0.104)
    assert "10 users, 10 completed" in report.table()


def test_missing_out_of_order_and_foreign_events_fail_with_a_table_naming_the_users() -> None:
    leaky = make_run([event(e, user="u1", thread="t1") for e in EVENTS]
                     + [event(e, user="u2", thread="t2") for e in EVENTS], user="u1", thread="t1")
    deprived = make_run([], user="u2", thread="t2")
    shuffled = make_run([event(e, user="u3", thread="t3") for e in reversed(EVENTS)], user="u3", thread="t3")
    report = _report([leaky, deprived, shuffled])
    assert (report.leaked_to, report.missing_users) == (["u1"], ["u2"])
    assert report.user("u3").out_of_order and not report.user("u3").missing
    with pytest.raises(SSOTViolation) as info:
        report.assert_isolated()
    text = str(info.value)
    assert "3 of 3 concurrent users not isolated" in text
    assert "user u1 received 5 foreign events of u2" in text
    assert "user u2 missed agent_started, agent_thinking, tool_executing, tool_completed, agent_completed (thread t2)" in text
    assert "user u3 got its events out of order" in text
    assert "recv  missing" in text  # the summary table
    assert [f["user_id"] for f in info.value.findings] == ["u1", "u2", "u3"]
    # the ledger's key: which users a leak hits depends on the interleaving, so the finding is that it leaks
    assert info.value.keys == ["3 concurrent users not isolated"]


def test_no_latencies_have_no_percentiles() -> None:
    report = _report([make_run([], user="u1", thread="t1")])
    assert (report.p50, report.p99) == (None, None)
    assert "p50 n/a, p99 n/a" in report.table()


def test_run_users_is_bounded_in_count() -> None:
    for count in (0, 10_001):
        with pytest.raises(ValueError):
            asyncio.run(run_users("ws://127.0.0.1:1", count, FunctionTokens(str)))
    with pytest.raises(HarnessError, match="one fixed token cannot stand for 10 users"):
        asyncio.run(run_users("ws://127.0.0.1:1", 10, StaticToken("t")))


# --------------------------------------------------------------------------- tokens stay secret


def test_tokens_never_show_in_reprs_or_error_messages() -> None:
    assert "s3cret" not in repr(Secret("s3cret")) and Secret("s3cret") == "s3cret"
    assert "s3cret" not in repr(StaticToken("s3cret")) + repr(StaticToken("s3cret")("anyone"))
    client = EventClient("ws://127.0.0.1:1", "s3cret", user_id="alice")
    assert "s3cret" not in repr(client) + repr(vars(client))

    def broken(user_id: str) -> str:
        raise ValueError("secret material s3cret")

    with pytest.raises(HarnessError) as info:
        FunctionTokens(broken, "mod:broken")("alice")
    assert "s3cret" not in str(info.value) and "mod:broken" in str(info.value)


def _target(**keys: Any) -> Any:
    from pathlib import Path

    from pytest_ssot.config.target import Target

    return Target(name="demo", root=Path("."), package="chatapp", **keys)


def test_staging_without_any_token_source_names_both_fixes() -> None:
    from pytest_ssot.adapter import TargetAdapter
    from pytest_ssot.ws.staging import StagingUnusable, staging_tokens

    config = SimpleNamespace(staging_url="wss://staging.example", staging_token=None)
    target = _target()
    with pytest.raises(StagingUnusable) as info:
        staging_tokens(config, TargetAdapter(target), target)
    assert "no token source; pass --ssot-staging-token / SSOT_STAGING_TOKEN" in str(info.value)

    class OwnTokens(TargetAdapter):
        def mint_token(self, user_id: str) -> str:
            return f"own-{user_id}"

    tokens = staging_tokens(config, OwnTokens(target), target)  # the adapter's own mint_token is a source
    assert tokens("alice") == "own-alice" and tokens.multi_user


def test_the_targets_token_function_is_resolved_once_and_a_failure_keeps_its_reason() -> None:
    from pytest_ssot.adapter import TargetAdapter
    from pytest_ssot.config.target import TargetSetupError
    from pytest_ssot.ws.tokens import target_tokens

    resolved: list[str] = []

    class Counting(TargetAdapter):
        def resolve(self, reference: str) -> Any:
            resolved.append(reference)
            return super().resolve(reference)

    target = _target(token="os.path:basename")
    tokens = target_tokens(Counting(target), target)
    assert tokens("a/alice") == "alice" and tokens("b/bob") == "bob"
    assert resolved == ["os.path:basename"]
    broken = _target(token="os.path:no_such_function")
    with pytest.raises(TargetSetupError, match="'os.path:no_such_function' does not resolve"):
        target_tokens(TargetAdapter(broken), broken)


# --------------------------------------------------------------------------- connection errors: one line each


async def _connect_error(url: str, token: str | None = "s3cret", timeout: float = 5.0) -> str:
    with pytest.raises(HarnessError) as info:
        await EventClient(url, token, user_id="alice", timeout=timeout).connect()
    return str(info.value)


@pytest.mark.asyncio
async def test_unreachable_tls_and_refused_auth_are_one_clear_line_without_the_token(
        caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    from websockets.asyncio.server import serve
    from websockets.http11 import Response

    def refuse(connection: Any, request: Any) -> Response | None:
        if request.headers.get("Authorization") != "Bearer good-s3cret":
            return connection.respond(401, "no\n")
        return None

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    port = unused_loopback_port()
    assert (await _connect_error(f"ws://127.0.0.1:{port}")).startswith(f"ws://127.0.0.1:{port}: unreachable")
    async with serve(echo, "127.0.0.1", 0, process_request=refuse) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        refused = await _connect_error(url)
        async with EventClient(url, "good-s3cret", user_id="alice") as client:
            await client.send({"type": "ping"})
            assert await client.wait_for(lambda f: f.get("type") == "ping") is True
    assert refused == f"{url}: authentication refused (HTTP 401) as alice"

    async def not_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # plain text where a TLS server hello belongs
        await writer.drain()
        writer.close()

    plain = await asyncio.start_server(not_tls, "127.0.0.1", 0)
    async with plain:
        tls_url = f"wss://127.0.0.1:{plain.sockets[0].getsockname()[1]}"
        tls = await _connect_error(tls_url)
    assert tls.startswith(f"{tls_url}: TLS failure (")
    for line in (refused, tls):
        assert "\n" not in line and "s3cret" not in line
    client_log = "\n".join(r.getMessage() for r in caplog.records if r.name == "pytest_ssot.wire")
    assert "> GET / HTTP/1.1" in client_log  # the handshake was logged, its Authorization header was not
    assert "s3cret" not in client_log and "Authorization" not in client_log


# --------------------------------------------------------------------------- servers


async def _ready_app(host: str, port: int, *, ready: Any) -> None:
    from websockets.asyncio.server import serve

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    async with serve(echo, host, port) as server:
        ready.set_result(f"ws://{host}:{server.sockets[0].getsockname()[1]}")
        await asyncio.Event().wait()


async def _crashing_app(host: str, port: int, *, ready: Any) -> None:
    raise ImportError("no module named 'settings_for_prod'")


async def _silent_app(host: str, port: int, *, ready: Any) -> None:
    await asyncio.Event().wait()  # never hands over a URL


def test_server_thread_serves_until_stopped_and_stops_cleanly() -> None:
    with ServerThread(_ready_app, name="tests:_ready_app") as server:
        assert server.url is not None and server.url.startswith("ws://127.0.0.1:")

        async def roundtrip() -> Any:
            async with EventClient(server.url, None) as client:
                await client.send({"type": "x"})
                return await client.wait_for(lambda f: f)

        assert run_blocking(roundtrip, 10) == {"type": "x"}
    assert not server._thread.is_alive()
    server.stop()  # idempotent


def test_server_thread_that_crashes_or_stays_silent_is_an_error_naming_the_entry_point() -> None:
    with pytest.raises(ServerStartError) as crashed:
        ServerThread(_crashing_app, name="prod.server:serve").start(timeout=10)
    assert "prod.server:serve" in str(crashed.value) and "settings_for_prod" in str(crashed.value)
    with pytest.raises(ServerStartError, match=r"silent:serve gave no URL within 0.3 s"):
        ServerThread(_silent_app, name="silent:serve").start(timeout=0.3)


def test_only_loopback_addresses() -> None:
    check_loopback("::1")
    with pytest.raises(ValueError, match="not a loopback"):
        ServerThread(_ready_app, host="0.0.0.0")


def test_server_process_that_fails_is_an_error_with_its_output() -> None:
    script = "import sys; print('booting', file=sys.stderr); sys.exit('bad config: PORT')"
    with pytest.raises(ServerStartError) as info:
        start_process([sys.executable, "-c", script], name="svc:serve", timeout=10)
    text = str(info.value)
    assert "svc:serve did not start" in text and "booting" in text and "bad config: PORT" in text
    with pytest.raises(ServerStartError, match="instead of a ws:// URL"):
        start_process([sys.executable, "-c", "print('hello')"], name="svc", timeout=10)
    with pytest.raises(ServerStartError, match="no URL within 0.5 s"):
        start_process([sys.executable, "-c", "import time; time.sleep(30)"], name="svc", timeout=0.5)
