"""An event-collecting WebSocket client and the checks over what it collected.

One :class:`EventClient` is one user's connection. It keeps every frame it
receives with its ``time.perf_counter()`` receive time, so a test can ask after the
fact what arrived, in which order, how late, and for whom. The ``assert_*``
functions raise :class:`~pytest_ssot.SSOTViolation` (a finding); anything that
stops the harness itself from working raises :class:`HarnessError` (a broken test,
never an expected failure of an open issue).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.ws.protocol import ChatProtocol
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation

DEFAULT_TIMEOUT = 10.0


class HarnessError(SSOTSetupError, RuntimeError):
    """The harness could not do its job (connect, authenticate, get a reply in time).

    Deliberately not an AssertionError: a broken harness must never count as a
    confirmed violation.
    """


class Secret(str):
    """A token: a str that never shows itself in a repr (tracebacks with ``-l``, logs)."""

    def __repr__(self) -> str:
        return "Secret('***')"


class _RedactHandshake(logging.Filter):
    """Drops the websockets library's handshake-header debug lines, which carry the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "authorization" not in str(record.msg).lower() and not any(
            "bearer" in str(arg).lower() for arg in (record.args or ()) if isinstance(record.args, tuple)
        )


WIRE_LOGGER = logging.getLogger("pytest_ssot.wire")
WIRE_LOGGER.addFilter(_RedactHandshake())


@dataclass(frozen=True)
class Received:
    """One frame as received: when (``perf_counter``), the raw text, and decoded (None if not JSON)."""

    at: float
    raw: str | bytes
    data: Mapping[str, Any] | None


@dataclass
class Run:
    """One message of one user and every frame its connection received after sending it."""

    user_id: str | None
    thread_id: str
    sent_at: float
    frames: list[Received] = field(default_factory=list)
    protocol: Any = field(default_factory=ChatProtocol, repr=False)

    def events(self) -> list[Mapping[str, Any]]:
        """Decoded frames whose kind is one of the protocol's events, in arrival order."""
        return [f.data for f in self.frames if f.data is not None and self.protocol.is_event(f.data)]

    def latencies(self) -> dict[str, float]:
        """Seconds from sending to the first own arrival of each event (own: this user and thread)."""
        found: dict[str, float] = {}
        for frame in self.frames:
            if frame.data is not None and self.protocol.is_event(frame.data) and self._own(frame.data):
                found.setdefault(self.protocol.kind(frame.data), frame.at - self.sent_at)
        return found

    def latency(self, event: str | None = None) -> float | None:
        """Seconds from sending to ``event`` (default: the final event), None if it never came."""
        return self.latencies().get(event or self.protocol.final_event)

    def _own(self, frame: Mapping[str, Any]) -> bool:
        user_ok = self.user_id is None or self.protocol.user_of(frame) == self.user_id
        return user_ok and self.protocol.thread_of(frame) == self.thread_id


# --------------------------------------------------------------------------- client


class EventClient:
    """One user's connection: records every frame it receives, with its receive time."""

    def __init__(self, url: str, token: str | None, *, user_id: str | None = None,
                 protocol: Any = None, timeout: float = DEFAULT_TIMEOUT,
                 on_frame: Callable[[EventClient, Received], None] | None = None) -> None:
        self.url = url
        self.user_id = user_id
        self.protocol = protocol if protocol is not None else ChatProtocol()
        self.timeout = timeout
        self.frames: list[Received] = []
        self.on_frame = on_frame
        self._token = Secret(token) if token is not None else None
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self.closed_with: tuple[int | None, str] | None = None

    def __repr__(self) -> str:
        return f"EventClient({self.url!r}, user_id={self.user_id!r})"

    async def connect(self) -> EventClient:
        """Open the connection (bounded by ``timeout``); a failure is one line, never the token."""
        from pytest_ssot.config.extras import require

        require("websockets", "the WebSocket client (integration and staging tiers)")
        from websockets.asyncio.client import connect

        headers = self.protocol.auth_headers(self._token) if self._token is not None else {}
        try:
            self._ws = await asyncio.wait_for(
                connect(self.url, additional_headers=headers, open_timeout=self.timeout,
                        ping_interval=None, logger=WIRE_LOGGER, max_size=None),
                self.timeout,
            )
        except Exception as exc:
            raise HarnessError(describe_connect_error(self.url, self.user_id, exc)) from None
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def __aenter__(self) -> EventClient:
        return await self.connect() if self._ws is None else self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection and stop reading (idempotent, bounded)."""
        if self._ws is not None:
            try:
                await asyncio.wait_for(self._ws.close(), self.timeout)
            except (asyncio.TimeoutError, OSError):
                pass
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        decode, frames = self.protocol.decode, self.frames
        try:
            async for raw in self._ws:
                received = Received(time.perf_counter(), raw, decode(raw))
                frames.append(received)
                if self.on_frame is not None:
                    self.on_frame(self, received)
                self._arrived.set()
        except ConnectionClosed as closed:
            frame = closed.rcvd
            self.closed_with = (frame.code, frame.reason) if frame else (None, "")
        finally:
            if self.closed_with is None:
                self.closed_with = (None, "")
            self._arrived.set()

    # -- sending and waiting

    async def send(self, frame: Mapping[str, Any]) -> float:
        """Send one frame; returns its ``perf_counter`` send time."""
        if self._ws is None:
            raise HarnessError(f"{self!r} is not connected; call connect() first")
        from websockets.exceptions import ConnectionClosed

        sent_at = time.perf_counter()
        try:
            await self._ws.send(self.protocol.encode(frame))
        except ConnectionClosed as closed:
            received = closed.rcvd
            self.closed_with = (received.code, received.reason) if received else (None, "")
            raise HarnessError(f"user {self.user_id}: connection closed ({' '.join(map(str, self.closed_with))}) "
                               "before a frame could be sent") from None
        return sent_at

    async def wait_for(self, match: Callable[[Mapping[str, Any]], Any], *, start: int = 0,
                       timeout: float | None = None, what: str = "a reply", errors_end: bool = True) -> Any:
        """The first truthy ``match(frame)`` among frames from index ``start`` on, waiting at most ``timeout``.

        With ``errors_end`` an error reply on the way is a HarnessError (the request failed).
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        index = start
        while True:
            while index < len(self.frames):
                data = self.frames[index].data
                index += 1
                if data is not None:
                    if (error := self.protocol.error_of(data)) is not None and errors_end:
                        raise HarnessError(f"user {self.user_id}: waiting for {what}, the server answered "
                                           f"error {error!r}: {data.get('message', '')}")
                    result = match(data)
                    if result:
                        return result
            if self.closed_with is not None:
                code, reason = self.closed_with
                raise HarnessError(f"user {self.user_id}: connection closed ({code} {reason}) "
                                   f"while waiting for {what}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError(what)
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def create_thread(self) -> str:
        """Ask for a new thread; its id."""
        return await self.request(self.protocol.create_thread(), self.protocol.thread_created,
                                  what="thread creation", no_reply="no reply to create_thread")

    async def send_message(self, thread_id: str, content: str) -> Run:
        """Send a message; the returned :class:`Run` fills with the frames that follow."""
        start = len(self.frames)
        sent_at = await self.send(self.protocol.message(thread_id, content))
        run = Run(self.user_id, thread_id, sent_at, protocol=self.protocol)
        run.frames = _FramesFrom(self.frames, start)  # a live view: later frames appear in it
        return run

    async def collect(self, run: Run, timeout: float | None = None) -> Run:
        """Wait until the run's own final event arrives or ``timeout`` passes; the run either way.

        A run that never completes is a finding (events missing: a misrouting
        server sends them to another connection), not a harness error - unless
        the server dropped the connection: then what it would have sent cannot be
        judged, and the :class:`HarnessError` says so (never a confirmed violation).
        """
        protocol = self.protocol
        start = run.frames.start if isinstance(run.frames, _FramesFrom) else 0
        try:
            await self.wait_for(lambda f: protocol.kind(f) == protocol.final_event and run._own(f),
                                start=start, timeout=timeout, what="events", errors_end=False)
        except asyncio.TimeoutError:
            pass
        run.frames = list(run.frames)  # freeze
        return run

    async def run_message(self, content: str, *, thread_id: str | None = None,
                          timeout: float | None = None) -> Run:
        """Create a thread (unless given), send ``content``, collect until the final event or ``timeout``."""
        thread_id = thread_id or await self.create_thread()
        return await self.collect(await self.send_message(thread_id, content), timeout)

    async def request(self, frame: Mapping[str, Any], match: Callable[[Mapping[str, Any]], Any],
                      *, what: str, timeout: float | None = None, errors_end: bool = True,
                      no_reply: str | None = None) -> Any:
        """Send ``frame`` and return the first reply ``match`` accepts.

        An error reply is a HarnessError unless ``errors_end`` is false; no reply in
        time is one too, saying ``no_reply`` (default "no <what>").
        """
        start = len(self.frames)
        await self.send(frame)
        try:
            return await self.wait_for(match, start=start, timeout=timeout, what=what, errors_end=errors_end)
        except asyncio.TimeoutError:
            raise HarnessError(f"user {self.user_id}: {no_reply or f'no {what}'} within {self.timeout} s") from None

    async def diagnostics(self) -> Mapping[str, Any]:
        """The server's diagnostics (the protocol's admin request; connect as its admin user)."""
        return await self.request(self.protocol.diagnostics(),
                                  lambda f: f if self.protocol.is_diagnostics(f) else None, what="diagnostics")

    async def barrier(self, thread_id: str) -> None:
        """Return once every frame the server sent before now has been received."""
        frame = self.protocol.barrier(thread_id)
        if frame is None:
            pong = await self._ws.ping()
            await asyncio.wait_for(pong, self.timeout)
            await asyncio.sleep(0.05)  # let the reader drain what preceded the pong
            return
        await self.request(frame, lambda f: self.protocol.is_barrier_reply(f, thread_id), what="the barrier reply",
                           errors_end=False, no_reply="no reply to the barrier request")


class _FramesFrom(Sequence[Received]):
    """The frames of a client from index ``start`` on, as they arrive."""

    def __init__(self, frames: list[Received], start: int) -> None:
        self.all, self.start = frames, start

    def __getitem__(self, index: Any) -> Any:
        return self.all[self.start:][index]

    def __len__(self) -> int:
        return len(self.all) - self.start

    def __iter__(self) -> Any:
        return iter(self.all[self.start:])


def describe_connect_error(url: str, user_id: str | None, exc: BaseException) -> str:
    """One line saying why a connection failed: unreachable, TLS, refused auth, or other."""
    import os
    import socket
    import ssl

    from websockets.exceptions import InvalidStatus, InvalidURI

    who = f" as {user_id}" if user_id else ""
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        what = "authentication refused" if status in (401, 403) else "handshake refused"
        return f"{url}: {what} (HTTP {status}){who}"
    if isinstance(exc, ssl.SSLError):
        detail = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or type(exc).__name__
        return f"{url}: TLS failure ({detail})"
    if url.startswith("wss://") and isinstance(exc, ConnectionResetError):
        return f"{url}: TLS failure (connection reset during the TLS handshake: does the server speak TLS?)"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return f"{url}: unreachable (no handshake within the time limit)"
    if isinstance(exc, InvalidURI):
        return f"{url}: not a usable WebSocket URL"
    if isinstance(exc, socket.gaierror):
        return f"{url}: unreachable (host not found: {exc.strerror})"
    if isinstance(exc, OSError):
        return f"{url}: unreachable ({os.strerror(exc.errno) if exc.errno else exc.strerror or type(exc).__name__})"
    return f"{url}: connection failed{who} ({type(exc).__name__})"


# --------------------------------------------------------------------------- checks


def _frames_of(frames: Run | Iterable[Received | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    items = frames.frames if isinstance(frames, Run) else frames
    return [f.data if isinstance(f, Received) else f for f in items
            if not (isinstance(f, Received) and f.data is None)]


def _defaults(frames: Any, user_id: str | None, thread_id: str | None, protocol: Any) -> tuple[Any, Any, Any]:
    if isinstance(frames, Run):
        return (user_id or frames.user_id, thread_id or frames.thread_id, protocol or frames.protocol)
    return user_id, thread_id, protocol or ChatProtocol()


def assert_golden_path(frames: Run | Iterable[Received | Mapping[str, Any]], *, user_id: str | None = None,
                       thread_id: str | None = None, protocol: Any = None) -> None:
    """Every event of the protocol arrived, once, in order, in one run, for this user and thread.

    ``user_id`` None means "one and the same user throughout" (a staging token
    whose user is not known up front).
    """
    user_id, thread_id, protocol = _defaults(frames, user_id, thread_id, protocol)
    events = [f for f in _frames_of(frames) if protocol.is_event(f)]
    assert_no_foreign_events(events, user_id=user_id or _first_user(events, protocol),
                             thread_id=thread_id, protocol=protocol)
    who = f"user {user_id or _first_user(events, protocol)} thread {thread_id or '?'}"
    kinds = [protocol.kind(f) for f in events]
    missing = [e for e in protocol.events if e not in kinds]
    if missing:
        raise SSOTViolation(f"golden path broken for {who}: missing {', '.join(missing)} "
                            f"(received {kinds or 'no events'})",
                            [{"user_id": user_id, "thread_id": thread_id, "missing": missing, "received": kinds}],
                            keys=[f"golden path: {name} missing" for name in missing])
    if kinds != list(protocol.events):
        raise SSOTViolation(f"golden path broken for {who}: events out of order or repeated: {kinds}, "
                            f"expected {list(protocol.events)}",
                            [{"user_id": user_id, "thread_id": thread_id, "received": kinds}],
                            keys=["golden path: events out of order or repeated"])
    runs = sorted({str(protocol.run_of(f)) for f in events})
    if len(runs) != 1:
        raise SSOTViolation(f"golden path broken for {who}: events span {len(runs)} runs {runs}, expected one",
                            [{"user_id": user_id, "thread_id": thread_id, "runs": runs}],
                            keys=["golden path: events span several runs"])


def _first_user(events: Sequence[Mapping[str, Any]], protocol: Any) -> Any:
    return protocol.user_of(events[0]) if events else None


def foreign_events(frames: Run | Iterable[Received | Mapping[str, Any]], *, user_id: Any,
                   thread_id: str | None = None, protocol: Any = None) -> list[Mapping[str, Any]]:
    """Events carrying another user's id, or (when ``thread_id`` is given) another thread."""
    user_id, thread_id, protocol = _defaults(frames, user_id, thread_id, protocol)
    return [f for f in _frames_of(frames) if protocol.is_event(f) and (
        protocol.user_of(f) != user_id or (thread_id is not None and protocol.thread_of(f) != thread_id))]


def assert_no_foreign_events(frames: Run | Iterable[Received | Mapping[str, Any]], *, user_id: Any = None,
                             thread_id: str | None = None, protocol: Any = None) -> None:
    """No event that belongs to another user or another thread reached this connection."""
    user_id, thread_id, protocol = _defaults(frames, user_id, thread_id, protocol)
    foreign = foreign_events(frames, user_id=user_id, thread_id=thread_id, protocol=protocol)
    if foreign:
        owners = sorted({f"{protocol.user_of(f)} (thread {protocol.thread_of(f)})" for f in foreign})
        kinds = sorted({str(protocol.kind(f)) for f in foreign})
        raise SSOTViolation(
            f"user {user_id} received {len(foreign)} foreign event(s) ({', '.join(kinds)}) "
            f"of {', '.join(owners)}",
            [{"user_id": user_id, "thread_id": thread_id, "foreign_user": protocol.user_of(f),
              "foreign_thread": protocol.thread_of(f), "event": protocol.kind(f)} for f in foreign],
            keys=["a user received another user's events"])


def assert_latency_under(measured: Run | float | None, seconds: float, *, event: str | None = None) -> None:
    """The time from sending to ``event`` (default the final one) is under ``seconds``.

    The seeds' threshold check (#1036: under 2 s to agent_completed). A run whose
    event never arrived fails too: it did not arrive in time.
    """
    if isinstance(measured, Run):
        name = event or measured.protocol.final_event
        who = f"user {measured.user_id} thread {measured.thread_id}: "
        value = measured.latency(name)
    else:
        name, who, value = event or "the final event", "", measured
    if value is None:
        raise SSOTViolation(f"{who}{name} never arrived (limit {seconds:.3f} s)",
                            [{"event": name, "seconds": None, "limit": seconds}], keys=[f"{name} never arrived"])
    if value >= seconds:
        raise SSOTViolation(f"{who}{name} after {value:.3f} s, limit {seconds:.3f} s",
                            [{"event": name, "seconds": value, "limit": seconds}],
                            keys=[f"{name} over the {seconds:g} s limit"])
