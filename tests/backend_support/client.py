"""A small client for the chatapp protocol, built on the ``websockets`` library.

Every wait is bounded: a missing reply raises ``TimeoutError`` rather than hanging.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backend_support import EVENTS
from backend_support.tokens import mint

REPLY_TIMEOUT = 10.0


async def connect_as(url: str, user_id: str | None = None, *, token: str | None = None,
                     via: str = "header", **kwargs: Any) -> ClientConnection:
    """Open a connection for ``user_id`` (token in the Authorization header or the query)."""
    token = token if token is not None else (mint(user_id) if user_id else None)
    if token is not None and via == "query":
        url = f"{url}/?token={token}"
    elif token is not None:
        kwargs["additional_headers"] = {"Authorization": f"Bearer {token}"}
    return await asyncio.wait_for(connect(url, open_timeout=REPLY_TIMEOUT, **kwargs), REPLY_TIMEOUT)


async def receive(ws: ClientConnection, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
    """The next frame, decoded."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def request(ws: ClientConnection, frame: dict[str, Any] | str | bytes,
                  timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
    """Send ``frame`` (a dict is JSON-encoded) and return the next frame."""
    await ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)
    return await receive(ws, timeout)


async def create_thread(ws: ClientConnection) -> str:
    reply = await request(ws, {"type": "create_thread"})
    assert reply["type"] == "thread_created", reply
    return reply["thread_id"]


async def run_message(ws: ClientConnection, thread_id: str, content: str,
                      timeout: float = REPLY_TIMEOUT) -> list[dict[str, Any]]:
    """Send a message and collect frames up to and including ``agent_completed``."""
    await ws.send(json.dumps({"type": "message", "thread_id": thread_id, "content": content}))
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1].get("type") != EVENTS[-1]:
        frames.append(await receive(ws, timeout))
    return frames


async def refusal(url: str, **kwargs: Any) -> tuple[int | None, str, list[Any]]:
    """Connect and read until the server closes: (close code, reason, frames seen before)."""
    seen: list[Any] = []
    ws = await connect_as(url, **kwargs)
    try:
        while True:
            seen.append(await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT))
    except ConnectionClosed as closed:
        frame = closed.rcvd
        return (frame.code if frame else None), (frame.reason if frame else ""), seen
    finally:
        await ws.close()
