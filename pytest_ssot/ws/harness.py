"""A server URL bound to a token source and a protocol: what the WebSocket fixtures hand out.

The integration tier's :class:`Harness` points at a server the fixtures started,
the staging tier's at the deployed URL; tests use them the same way. Every method
is async; the ``*_blocking`` twins run it on a private loop in a worker thread, so
sync tests (and async tests in any pytest-asyncio mode) can use them too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pytest_ssot.ws.multiuser import MultiUserReport, run_users
from pytest_ssot.ws.client import DEFAULT_TIMEOUT, EventClient, HarnessError, Run

T = TypeVar("T")


def run_blocking(make: Callable[[], Awaitable[T]], timeout: float) -> T:
    """Run ``make()`` on a fresh event loop in a worker thread; bounded by ``timeout``."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(asyncio.wait_for(make(), timeout))
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="ssot-harness", daemon=True)
    worker.start()
    worker.join(timeout + 5)
    if worker.is_alive():
        raise HarnessError(f"the harness did not finish within {timeout} s")
    if "error" in box:
        error = box["error"]
        if isinstance(error, asyncio.TimeoutError):
            raise HarnessError(f"the harness did not finish within {timeout} s") from None
        raise error
    return box["value"]


@dataclass(frozen=True)
class Harness:
    """Clients for one server: ``url``, tokens from ``tokens(user_id)``, frames per ``protocol``."""

    url: str
    tokens: Any
    protocol: Any
    timeout: float = DEFAULT_TIMEOUT  # connect and request replies
    run_timeout: float = 30.0  # waiting for a run's events

    def at(self, url: str) -> Harness:
        """The same harness against another server."""
        return replace(self, url=url)

    def client(self, user_id: str) -> EventClient:
        """An unconnected client for ``user_id`` (``async with harness.client(u) as c``)."""
        return EventClient(self.url, self.tokens(user_id), user_id=self.tokens.expected_user(user_id),
                           protocol=self.protocol, timeout=self.timeout)

    async def connect(self, user_id: str) -> EventClient:
        """A connected client for ``user_id``; the caller closes it."""
        return await self.client(user_id).connect()

    async def golden_path(self, user_id: str = "ssot-golden-user", content: str = "hello") -> Run:
        """One user: connect, create a thread, send ``content``, collect until the final event."""
        async with self.client(user_id) as client:
            return await client.run_message(content, timeout=self.run_timeout)

    async def users(self, count: int, *, prefix: str = "ssot-user") -> MultiUserReport:
        """``count`` concurrent users, each with its own connection and thread."""
        return await run_users(self.url, count, self.tokens, protocol=self.protocol, prefix=prefix,
                               timeout=self.run_timeout, connect_timeout=self.timeout)

    async def diagnostics(self, admin_user: str | None = None) -> Any:
        """The server's diagnostics, asked as the protocol's admin user."""
        async with self.client(admin_user or self.protocol.admin_user) as client:
            return await client.diagnostics()

    # -- for sync tests

    def golden_path_blocking(self, user_id: str = "ssot-golden-user", content: str = "hello") -> Run:
        return run_blocking(lambda: self.golden_path(user_id, content), self.run_timeout + 2 * self.timeout)

    def users_blocking(self, count: int, *, prefix: str = "ssot-user") -> MultiUserReport:
        return run_blocking(lambda: self.users(count, prefix=prefix), self.run_timeout + 3 * self.timeout)

    def diagnostics_blocking(self, admin_user: str | None = None) -> Any:
        return run_blocking(lambda: self.diagnostics(admin_user), 2 * self.timeout)
