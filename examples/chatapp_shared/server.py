"""The WebSocket server: authenticate, route frames, run the agent, persist.

Identical in both states of the backend: everything it knows about managers goes
through ``chatapp.websocket_core.websocket_manager`` (``get_websocket_manager``,
``registry_snapshot``) and ``chatapp.context.make_user_context``,
so the fragmented and consolidated states differ only inside ``websocket_core``.

Start it in-process with :func:`serve` (runs until cancelled; the bound URL is
handed to ``ready``) or :func:`running` (an async context manager yielding a
:class:`RunningServer`), or from a shell with ``python -m chatapp serve``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Union

from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed

from chatapp.agent import run_agent
from chatapp.auth import DEV_SECRET, SECRET_ENV, TokenError, token_from_request, verify_token
from chatapp.protocol import ProtocolError, error_frame, parse_request
from chatapp.settings import Settings
from chatapp.store import Store
from chatapp.context import make_user_context
from chatapp.websocket_core.websocket_manager import get_websocket_manager, registry_snapshot

logger = logging.getLogger(__name__)

CLOSE_POLICY_VIOLATION = 1008
Ready = Union["asyncio.Future[str]", Callable[[str], Any], None]


@dataclass(frozen=True)
class RunningServer:
    """A bound server: connect clients to ``url``."""

    url: str
    host: str
    port: int


class ChatService:
    """One server's state (store, settings) and its connection handler."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self._handlers: dict[str, Callable[[str, Any, dict[str, Any]], Awaitable[str | None]]] = {
            "create_thread": self._create_thread,
            "message": self._message,
            "history": self._history,
            "diagnostics": self._diagnostics,
        }

    async def handle(self, ws: ServerConnection) -> None:
        """Serve one connection: refuse it (1008) without a valid token, else route its frames."""
        request = ws.request
        assert request is not None  # the handler only runs after a completed handshake
        try:
            token = token_from_request(request.headers, request.path)
            user_id = verify_token(token, secret=self.settings.secret)
        except TokenError as exc:
            await ws.close(CLOSE_POLICY_VIOLATION, exc.reason)
            return
        manager = await get_websocket_manager(make_user_context(user_id, connection_id=uuid.uuid4().hex))
        await manager.connect(ws)
        try:
            async for raw in ws:
                reply = await self._dispatch(user_id, manager, raw)
                if reply is not None:
                    await ws.send(reply)
        except ConnectionClosed:
            pass  # 1009 (frame too big) and client disconnects end up here; others go on
        finally:
            await manager.disconnect(ws)

    async def _dispatch(self, user_id: str, manager: Any, raw: str | bytes) -> str | None:
        try:
            request = parse_request(raw)
            return await self._handlers[request["type"]](user_id, manager, request)
        except ProtocolError as exc:
            return error_frame(exc.code, exc.message)
        except ConnectionClosed:
            raise
        except Exception:
            logger.exception("request from %s failed", user_id)
            return error_frame("internal_error", "the server could not handle this frame")

    async def _create_thread(self, user_id: str, manager: Any, request: dict[str, Any]) -> str:
        return json.dumps({"type": "thread_created", "thread_id": self.store.create_thread(user_id)})

    def _require_owner(self, user_id: str, thread_id: str) -> None:
        # one answer for "someone else's" and "no such thread": no oracle for thread ids
        if not self.store.owns(user_id, thread_id):
            raise ProtocolError("forbidden", "thread not found or not yours")

    async def _message(self, user_id: str, manager: Any, request: dict[str, Any]) -> None:
        thread_id, content = request["thread_id"], request["content"]
        self._require_owner(user_id, thread_id)
        run_id = uuid.uuid4().hex
        self.store.append_event(thread_id, {
            "type": "message", "user_id": user_id, "thread_id": thread_id, "run_id": run_id,
            "ts": time.time(), "data": {"content": content},
        })

        async def emit(event_type: str, data: dict[str, Any]) -> None:
            event = await manager.emit(event_type, thread_id=thread_id, run_id=run_id, data=data)
            if event is not None:
                self.store.append_event(thread_id, event)

        await run_agent(content, emit)
        return None

    async def _history(self, user_id: str, manager: Any, request: dict[str, Any]) -> str:
        thread_id = request["thread_id"]
        self._require_owner(user_id, thread_id)
        events = self.store.history(user_id, thread_id) or []
        return json.dumps({"type": "history", "thread_id": thread_id, "events": events})

    async def _diagnostics(self, user_id: str, manager: Any, request: dict[str, Any]) -> str:
        if user_id != self.settings.admin_user_id:
            raise ProtocolError("forbidden", "diagnostics are for the admin user only")
        return json.dumps({"type": "diagnostics", **registry_snapshot()})

    def close(self) -> None:
        self.store.close()


class InsecureSecretError(RuntimeError):
    """The public development secret on an address others can reach: anyone could mint an admin token."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; anything else (0.0.0.0, '', a name) may be reachable."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_secret(secret: str, host: str) -> None:
    """Refuse the development secret off loopback; on loopback, say loudly that tokens are forgeable."""
    if secret and secret != DEV_SECRET:
        return
    if not is_loopback(host):
        raise InsecureSecretError(
            f"refusing to serve on {host or 'every address'!r} with the public development secret: anyone could "
            f"mint an admin token; set {SECRET_ENV} to a random secret (e.g. python -c 'import secrets; "
            "print(secrets.token_hex(32))')")
    logger.warning("%s is not set: tokens are signed with the public development secret, so anyone can mint "
                   "one for any user (admin included); fine on loopback for development, never deploy this way",
                   SECRET_ENV)


def _url(host: str, port: int) -> str:
    return f"ws://[{host}]:{port}" if ":" in host else f"ws://{host}:{port}"


@asynccontextmanager
async def running(
    host: str = "127.0.0.1", port: int = 0, *, settings: Settings | None = None
) -> AsyncIterator[RunningServer]:
    """Run the server while the block runs; yields the bound URL (port 0 picks a free one)."""
    settings = settings or Settings.from_env()
    check_secret(settings.secret, host)
    service = ChatService(settings)
    try:
        async with ws_serve(
            service.handle, host, port,
            max_size=service.settings.max_frame_bytes,  # larger frames: close 1009
            backlog=service.settings.backlog,
        ) as server:
            bound_host, bound_port = server.sockets[0].getsockname()[:2]
            yield RunningServer(_url(bound_host, bound_port), bound_host, bound_port)
    finally:
        service.close()


async def serve(
    host: str = "127.0.0.1", port: int = 0, *, ready: Ready = None, settings: Settings | None = None
) -> None:
    """Serve until cancelled. Once bound, the URL is given to ``ready``.

    ``ready`` is an ``asyncio.Future`` (its result is set to the URL) or a callable
    (called with the URL). Settings default to :meth:`Settings.from_env`.
    """
    async with running(host, port, settings=settings) as server:
        if isinstance(ready, asyncio.Future):
            if not ready.done():
                ready.set_result(server.url)
        elif ready is not None:
            ready(server.url)
        await asyncio.Event().wait()  # until cancelled
