"""A server that breaks is a harness error, never a confirmed violation.

Tiny loopback servers speak just enough of the reference protocol: one hangs up
(close 1011) when a message arrives, one never answers a message. Under an open
issue a violation would XFAIL; these must stay errors.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_ssot.ws.multiuser import run_users
from pytest_ssot.ws.protocol import ChatProtocol
from pytest_ssot.ws.tokens import FunctionTokens
from pytest_ssot.core.violation import SSOTSetupError
from pytest_ssot.ws.client import EventClient, HarnessError

pytestmark = pytest.mark.asyncio


async def _serve(on_message: str):
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "create_thread":
                await ws.send(json.dumps({"type": "thread_created", "thread_id": f"t-{id(ws)}"}))
            elif frame["type"] == "message" and on_message == "crash":
                await ws.close(1011, "internal error")
                return
            elif frame["type"] == "history":
                await ws.send(json.dumps({"type": "history", "thread_id": frame["thread_id"], "events": []}))
            # on_message == "silent": no events at all

    return await serve(handler, "127.0.0.1", 0)


@pytest.mark.parametrize("behaviour, words", [("crash", "closed by the server mid-run"),
                                             ("silent", "no user received any event")])
async def test_run_users_raises_a_harness_error_when_the_server_breaks(behaviour, words):
    server = await _serve(behaviour)
    url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        with pytest.raises(HarnessError, match=words) as info:
            await run_users(url, 3, FunctionTokens(lambda u: f"token-{u}"), protocol=ChatProtocol(),
                            timeout=1.0, connect_timeout=5.0)
        assert isinstance(info.value, SSOTSetupError) and not isinstance(info.value, AssertionError)
    finally:
        server.close()
        await server.wait_closed()


async def test_a_dropped_connection_during_a_run_is_a_harness_error():
    server = await _serve("crash")
    url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with EventClient(url, "token", user_id="alice", timeout=5.0) as client:
            with pytest.raises(HarnessError, match="connection closed"):
                await client.run_message("hi", timeout=2.0)
    finally:
        server.close()
        await server.wait_closed()
