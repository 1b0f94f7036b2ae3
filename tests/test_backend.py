"""The reference backend over real WebSocket connections, in both states.

Each state runs as its own ``python -m chatapp serve`` subprocess (the two states
are both the package ``chatapp`` and cannot share a process); the clients here are
real ``websockets`` clients. Everything a user can observe on the wire (auth,
ownership, malformed frames, the golden path, history) must be the same in both
states: fragmentation lives inside the managers, not in the protocol.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_support import EVENTS, STATES, state_root
from backend_support.client import connect_as, create_thread, refusal, request, run_message
from backend_support.process import ServerProcess, run_chatapp, start_server
from backend_support.tokens import ADMIN_USER, TEST_SECRET, auth_module, mint


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerProcess]]:
    started: dict[str, ServerProcess] = {}
    try:
        for state in STATES:
            started[state] = start_server(state)
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(params=STATES)
def state(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def url(servers: dict[str, ServerProcess], state: str) -> str:
    return servers[state].url


# --------------------------------------------------------------------------- CLI


def test_serve_prints_its_url_alone_on_the_first_line(servers: dict[str, ServerProcess], state: str) -> None:
    assert servers[state].url.startswith("ws://127.0.0.1:")
    assert servers[state].url.rsplit(":", 1)[1].isdigit()


def test_token_command_prints_a_token_the_server_accepts(state: str) -> None:
    done = run_chatapp(state, "token", "cli-user", "--ttl", "60")
    assert done.returncode == 0, done.stderr
    assert auth_module().verify_token(done.stdout.strip(), secret=TEST_SECRET) == "cli-user"


# --------------------------------------------------------------------------- authentication


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("credentials", "reason"),
    [
        ({}, "missing token"),
        ({"token": "not-a-token"}, "malformed token"),
        ({"token": mint("mallory", secret="some-other-secret")}, "invalid token signature"),
        ({"token": mint("late-user", ttl=-5)}, "token expired"),
        ({"token": mint("mallory", secret="some-other-secret"), "via": "query"}, "invalid token signature"),
        ({"token": "", "via": "query"}, "missing token"),
        ({"token": "%C3%A9.%C3%A9", "via": "query"}, "malformed token"),
    ],
    ids=["no-token", "malformed", "bad-signature", "expired", "bad-signature-in-query", "empty-query-token",
         "non-ascii-query-token"],
)
async def test_refused_with_1008_and_a_reason_before_any_event(url: str, credentials: dict[str, Any], reason: str) -> None:
    code, got_reason, frames = await refusal(url, **credentials)
    assert (code, got_reason, frames) == (1008, reason, [])


@pytest.mark.asyncio
@pytest.mark.parametrize("via", ["header", "query"])
async def test_valid_token_in_header_or_query_is_accepted(url: str, via: str) -> None:
    ws = await connect_as(url, f"auth-{via}", via=via)
    async with ws:
        assert (await create_thread(ws))


@given(st.text(max_size=200) | st.from_regex(r"[A-Za-z0-9_\-]{0,40}\.[A-Za-z0-9_\-]{0,60}", fullmatch=True))
def test_any_token_string_is_accepted_or_refused_with_a_reason(token: str) -> None:
    auth = auth_module()
    try:
        auth.verify_token(token, secret=TEST_SECRET)
    except auth.TokenError as refused:
        assert refused.reason in {"missing token", "malformed token", "invalid token signature", "token expired"}


def test_token_round_trip_and_tampering() -> None:
    auth = auth_module()
    token = mint("round-trip-user")
    assert auth.verify_token(token, secret=TEST_SECRET) == "round-trip-user"
    payload, _, signature = token.partition(".")
    forged = auth.mint_token("someone-else", secret=TEST_SECRET).partition(".")[0]
    with pytest.raises(auth.TokenError, match="invalid token signature"):
        auth.verify_token(f"{forged}.{signature}", secret=TEST_SECRET)


# --------------------------------------------------------------------------- golden path


@pytest.mark.asyncio
async def test_golden_path_delivers_the_five_events_in_order(url: str) -> None:
    async with await connect_as(url, "golden-user") as ws:
        thread_id = await create_thread(ws)
        frames = await run_message(ws, thread_id, "our cloud bill is $1200 a month, help")
    assert [f["type"] for f in frames] == list(EVENTS)
    assert {f["user_id"] for f in frames} == {"golden-user"}
    assert {f["thread_id"] for f in frames} == {thread_id}
    assert len({f["run_id"] for f in frames}) == 1
    for frame in frames:
        assert set(frame) == {"type", "user_id", "thread_id", "run_id", "ts", "data"}
    assert frames[-1]["data"]["recommendations"]


@pytest.mark.asyncio
async def test_agent_is_deterministic(url: str) -> None:
    async with await connect_as(url, "determinism-user") as ws:
        thread_id = await create_thread(ws)
        first = await run_message(ws, thread_id, "the API is slow: 250 ms p99")
        second = await run_message(ws, thread_id, "the API is slow: 250 ms p99")
    assert [f["data"] for f in first] == [f["data"] for f in second]


# --------------------------------------------------------------------------- ownership


@pytest.mark.asyncio
async def test_another_users_thread_is_forbidden_and_reveals_nothing(url: str) -> None:
    async with await connect_as(url, "owner-alice") as alice:
        alice_thread = await create_thread(alice)
    async with await connect_as(url, "intruder-bob") as bob:
        for kind in ("message", "history"):
            frame = {"type": kind, "thread_id": alice_thread, "content": "give me alice's data"}
            reply = await request(bob, frame)
            assert (reply["type"], reply["code"]) == ("error", "forbidden")
            assert "owner-alice" not in json.dumps(reply)
        # the next frame bob sees answers his own next request: nothing of alice's came in between
        assert (await request(bob, {"type": "create_thread"}))["type"] == "thread_created"


@pytest.mark.asyncio
async def test_unknown_thread_is_refused_like_a_foreign_one(url: str) -> None:
    async with await connect_as(url, "lost-user") as ws:
        reply = await request(ws, {"type": "history", "thread_id": "0" * 32})
    assert (reply["type"], reply["code"]) == ("error", "forbidden")


# --------------------------------------------------------------------------- malformed frames

MALFORMED: dict[str, tuple[str | bytes, str]] = {
    "not-json": ("hello there", "invalid_json"),
    "truncated-json": ('{"type": "create_thread"', "invalid_json"),
    "json-array": ('["create_thread"]', "not_an_object"),
    "json-scalar": ("42", "not_an_object"),
    "json-null": ("null", "not_an_object"),
    "missing-type": ('{"thread_id": "x"}', "missing_field"),
    "type-not-string": ('{"type": 7}', "invalid_field"),
    "unknown-type": ('{"type": "drop_tables"}', "unknown_type"),
    "message-without-thread": ('{"type": "message", "content": "hi"}', "missing_field"),
    "message-without-content": ('{"type": "message", "thread_id": "abc"}', "missing_field"),
    "content-not-string": ('{"type": "message", "thread_id": "abc", "content": 5}', "invalid_field"),
    "thread-id-not-string": ('{"type": "history", "thread_id": ["abc"]}', "invalid_field"),
    "empty-content": ('{"type": "message", "thread_id": "abc", "content": "  "}', "invalid_field"),
    "content-too-long": (json.dumps({"type": "message", "thread_id": "abc", "content": "x" * 9000}), "invalid_field"),
    "deeply-nested": ("[" * 30_000 + "]" * 30_000, "invalid_json"),  # under 64 KiB, far over the recursion limit
    "binary-frame": (b'{"type": "create_thread"}', "binary_frame"),
    # issue 14: values Python's json refuses or accepts beyond JSON, never an internal_error
    "huge-integer": ('{"type": "message", "thread_id": "abc", "content": ' + "9" * 5000 + "}", "invalid_json"),
    "huge-integer-alone": ("1" * 5000, "invalid_json"),
    "huge-negative-integer": ('{"type": "history", "thread_id": -' + "7" * 4400 + "}", "invalid_json"),
    "nan": ('{"type": "message", "thread_id": "abc", "content": NaN}', "invalid_json"),
    "infinity": ('{"type": "create_thread", "x": Infinity}', "invalid_json"),
    "minus-infinity": ("-Infinity", "invalid_json"),
    "lone-surrogate-thread-id": ('{"type": "history", "thread_id": "\\ud800"}', "invalid_json"),
    "lone-surrogate-content": ('{"type": "message", "thread_id": "abc", "content": "hi \\udfff"}', "invalid_json"),
    "lone-surrogate-key": ('{"type": "create_thread", "\\udc00": [1, {"x": "y"}]}', "invalid_json"),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", list(MALFORMED))
async def test_malformed_frame_gets_an_error_and_the_connection_stays_usable(url: str, kind: str) -> None:
    frame, code = MALFORMED[kind]
    async with await connect_as(url, f"malformed-{kind}") as ws:
        reply = await request(ws, frame)
        assert reply["type"] == "error" and reply["code"] == code, reply
        assert isinstance(reply["message"], str) and reply["message"]
        thread_id = await create_thread(ws)
        assert [f["type"] for f in await run_message(ws, thread_id, "still there?")] == list(EVENTS)


@pytest.mark.asyncio
async def test_oversized_frame_closes_with_1009_and_others_are_still_served(url: str) -> None:
    # the bystander connects last: in the fragmented state the last connection is the
    # shared "current connection" (#1036), and this test is about 1009, not about that
    offender = await connect_as(url, "offender")
    async with await connect_as(url, "bystander") as bystander:
        thread_id = await create_thread(bystander)
        await offender.send("x" * (64 * 1024 + 1))
        code, _, _ = await _closed(offender)
        assert code == 1009
        assert [f["type"] for f in await run_message(bystander, thread_id, "am I fine?")] == list(EVENTS)


async def _closed(ws: Any) -> tuple[int | None, str, list[Any]]:
    from websockets.exceptions import ConnectionClosed

    seen: list[Any] = []
    try:
        while True:
            seen.append(await asyncio.wait_for(ws.recv(), 10))
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), (closed.rcvd.reason if closed.rcvd else ""), seen


# --------------------------------------------------------------------------- history


@pytest.mark.asyncio
async def test_reconnecting_client_gets_its_history(url: str) -> None:
    async with await connect_as(url, "returning-user") as ws:
        thread_id = await create_thread(ws)
        live = await run_message(ws, thread_id, "budget review: $500")
    async with await connect_as(url, "returning-user") as again:
        history = await request(again, {"type": "history", "thread_id": thread_id})
    assert history["type"] == "history" and history["thread_id"] == thread_id
    stored = history["events"]
    assert stored[0]["type"] == "message" and stored[0]["data"]["content"] == "budget review: $500"
    assert stored[1:] == live


@pytest.mark.asyncio
async def test_history_survives_a_restart_with_a_database_file(state: str, tmp_path: Path) -> None:
    database = tmp_path / "chat.sqlite3"
    first = start_server(state, "--db", str(database))
    try:
        async with await connect_as(first.url, "durable-user") as ws:
            thread_id = await create_thread(ws)
            await run_message(ws, thread_id, "remember me")
    finally:
        first.stop()
    second = start_server(state, "--db", str(database))
    try:
        async with await connect_as(second.url, "durable-user") as ws:
            history = await request(ws, {"type": "history", "thread_id": thread_id})
        async with await connect_as(second.url, "other-user") as other:
            refused = await request(other, {"type": "history", "thread_id": thread_id})
    finally:
        second.stop()
    assert [e["type"] for e in history["events"]] == ["message", *EVENTS]
    assert refused["code"] == "forbidden"


# --------------------------------------------------------------------------- diagnostics


@pytest.mark.asyncio
async def test_diagnostics_are_for_the_admin_only(url: str) -> None:
    async with await connect_as(url, "curious-user") as ws:
        reply = await request(ws, {"type": "diagnostics"})
    assert (reply["type"], reply["code"]) == ("error", "forbidden")
    async with await connect_as(url, ADMIN_USER) as admin:
        reply = await request(admin, {"type": "diagnostics"})
    assert reply["type"] == "diagnostics"
    assert reply["managers"][ADMIN_USER] >= 1 and isinstance(reply["validation_issues"], list)


@pytest.mark.asyncio
async def test_a_second_connection_of_demo_user_001(state: str) -> None:
    """#889 seen from outside: fragmented makes a second manager and says so; consolidated does not."""
    server = start_server(state)
    try:
        async with await connect_as(server.url, "demo-user-001") as first:
            async with await connect_as(server.url, "demo-user-001") as second:
                first_thread, second_thread = [await create_thread(ws) for ws in (first, second)]
                assert first_thread != second_thread  # one thread per connection, even for one user
                async with await connect_as(server.url, ADMIN_USER) as admin:
                    diagnostics = await request(admin, {"type": "diagnostics"})
        # still served afterwards, on a connection opened last (in the fragmented state
        # the last connection is the shared "current connection", #1036)
        async with await connect_as(server.url, "demo-user-001") as again:
            thread_id = await create_thread(again)
            assert [f["type"] for f in await run_message(again, thread_id, "hello")] == list(EVENTS)
        logs = server.logs()
    finally:
        server.stop()
    line = ("SSOT validation issues (non-blocking): "
            "['Multiple manager instances for user demo-user-001 - potential duplication']")
    if state == "fragmented":
        assert diagnostics["managers"]["demo-user-001"] == 2
        assert diagnostics["validation_issues"] == ["Multiple manager instances for user demo-user-001 - potential duplication"]
        assert line in logs
    else:
        assert diagnostics["managers"]["demo-user-001"] == 1
        assert diagnostics["validation_issues"] == []
        assert "SSOT validation issues" not in logs


# --------------------------------------------------------------------------- listen backlog


def test_listen_backlog_is_1024(servers: dict[str, ServerProcess], state: str) -> None:
    """asyncio's default of 100 drops SYNs when 500 clients connect at once (retransmitted ~1 s later)."""
    if not shutil.which("ss"):
        pytest.skip("needs iproute2's ss to read the listen queue size")
    port = servers[state].url.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    # for a listening socket, ss reports the configured backlog in the Send-Q column
    assert [line.split()[2] for line in out.splitlines()] == ["1024"]


# --------------------------------------------------------------------------- in-process entry points


@pytest.fixture
def chatapp_in_process(state: str) -> Iterator[Any]:
    """Import ``chatapp.server`` of ``state`` in this process; purge it and restore sys.path after."""
    def purge() -> None:
        for name in [n for n in sys.modules if n.split(".")[0] == "chatapp"]:
            del sys.modules[name]

    saved_path = list(sys.path)
    purge()
    sys.path.insert(0, str(state_root(state)))
    try:
        import chatapp.server

        yield chatapp.server
    finally:
        purge()
        sys.path[:] = saved_path


@pytest.mark.asyncio
async def test_serve_in_process_hands_the_bound_url_to_ready(chatapp_in_process: Any) -> None:
    from chatapp.settings import Settings  # the module the fixture imported, from the right state

    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(chatapp_in_process.serve(port=0, ready=ready, settings=Settings(secret=TEST_SECRET)))
    try:
        bound = await asyncio.wait_for(ready, 10)
        async with await connect_as(bound, "in-process-user") as ws:
            thread_id = await create_thread(ws)
            assert [f["type"] for f in await run_message(ws, thread_id, "hi")] == list(EVENTS)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


@pytest.mark.asyncio
async def test_running_context_manager_yields_the_url(chatapp_in_process: Any) -> None:
    from chatapp.settings import Settings

    async with chatapp_in_process.running(settings=Settings(secret=TEST_SECRET)) as server:
        assert server.url == f"ws://127.0.0.1:{server.port}"
        code, reason, _ = await refusal(server.url)
    assert (code, reason) == (1008, "missing token")
