"""Start a target's WebSocket server on an ephemeral loopback port, and stop it.

Two ways, same contract (the entry point is ``async app(host, port, *, ready)``,
runs until cancelled, and hands its ``ws://`` URL to ``ready``):

* :class:`ServerThread`: in this process, on its own event loop in a background
  thread, so it outlives any test's loop, serves sync and async tests alike and
  works in every pytest-asyncio mode;
* :class:`ServerProcess`: a separate process (``serve_app.py`` or any command that
  prints its URL first), for tests that need one and for the staging stand-in.

Both wait until the server accepts TCP connections, and turn a server that fails
to start into a :class:`ServerStartError` naming the entry point and its output,
within a time limit instead of a hang.
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from pytest_ssot.core.children import preexec_for_child, track, untrack
from pytest_ssot.core.violation import SSOTSetupError

START_TIMEOUT = 20.0
LOOPBACK = ("127.0.0.1", "::1")
SERVE_APP = Path(__file__).with_name("serve_app.py")


class ServerStartError(SSOTSetupError, RuntimeError):
    """The server did not come up: a broken setup, never a violation."""


def check_loopback(host: str) -> None:
    """The harness only ever binds loopback addresses."""
    if host not in LOOPBACK:
        raise ValueError(f"host {host!r} is not a loopback address; use one of {', '.join(LOOPBACK)}")


def wait_until_accepting(url: str, timeout: float) -> None:
    """Return once a TCP connect to the URL's host and port succeeds; TimeoutError otherwise."""
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1.0):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{url} accepts no connection ({exc})") from None
            time.sleep(0.02)


# --------------------------------------------------------------------------- in process


class ServerThread:
    """``app`` running on its own event loop in a daemon thread."""

    def __init__(self, app: Callable[..., Any], *, name: str = "app", host: str = "127.0.0.1") -> None:
        check_loopback(host)
        self.app, self.name, self.host = app, name, host
        self.url: str | None = None
        self._bound: Future[str] = Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=f"ssot-server-{name}", daemon=True)

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start serving; the URL once the server accepts connections."""
        self._thread.start()
        try:
            self.url = self._bound.result(timeout)
            wait_until_accepting(self.url, max(1.0, timeout))
        except BaseException as exc:
            self.stop()
            if isinstance(exc, ServerStartError):
                raise
            # concurrent.futures.TimeoutError is the builtin only from Python 3.11 on
            timed_out = isinstance(exc, (TimeoutError, FutureTimeout))
            what = f"gave no URL within {timeout} s" if timed_out else "did not start"
            raise ServerStartError(f"server {self.name} {what} ({exc or type(exc).__name__})") from None
        return self.url

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start(); nothing else listens in this thread
            if not self._bound.done():
                self._bound.set_exception(ServerStartError(
                    f"server {self.name} failed to start: {type(exc).__name__}: {exc}\n"
                    + "".join(traceback.format_exception(exc))))

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop, self._stop = loop, asyncio.Event()
        ready: asyncio.Future[str] = loop.create_future()
        task = loop.create_task(self.app(self.host, 0, ready=ready))  # port 0: an ephemeral port
        stopper = loop.create_task(self._stop.wait())
        done, _ = await asyncio.wait({ready, task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if ready in done and not self._bound.done():
            self._bound.set_result(ready.result())
        elif task in done:
            task.result()  # raises what the app raised; _run reports it
            raise RuntimeError("the entry point returned before handing its URL to ready")
        await stopper
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the server and join its thread (idempotent)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:
                pass  # the loop already ended
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- separate process


class ServerProcess:
    """A server process: its URL, and its stderr kept in a file for error messages."""

    def __init__(self, name: str, proc: subprocess.Popen[bytes], log: IO[bytes], url: str = "") -> None:
        self.name, self.proc, self.log, self.url = name, proc, log, url

    def __repr__(self) -> str:
        return f"ServerProcess({self.name!r}, url={self.url!r}, pid={self.proc.pid})"

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (then kill) the process and remove its log (idempotent)."""
        untrack(self.proc)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self.log.closed:
            self.log.close()
            try:
                os.unlink(self.log.name)
            except FileNotFoundError:
                pass

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def read_first_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The first line a process prints on stdout, waiting at most ``timeout`` seconds."""
    assert proc.stdout is not None
    fd, buffer = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no URL within {timeout} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"exited with {proc.wait()} before printing its URL")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


def start_process(command: Sequence[str], *, name: str, cwd: str | Path | None = None,
                  env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT) -> ServerProcess:
    """Start ``command`` (it prints its ``ws://`` URL first) and wait until the URL accepts connections."""
    log = tempfile.NamedTemporaryFile(prefix="ssot-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env is not None else None,
                            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                            preexec_fn=preexec_for_child())  # the kernel kills it if we die first (Linux)
    track(proc)  # and a SIGTERM or exit of ours stops it (pytest_ssot.core.children)
    server = ServerProcess(name, proc, log)
    try:
        server.url = read_first_line(proc, timeout)
        if not server.url.startswith(("ws://", "wss://")):
            raise RuntimeError(f"printed {server.url[:200]!r} instead of a ws:// URL")
        wait_until_accepting(server.url, timeout)
    except BaseException as exc:
        output = server.logs().strip()
        server.stop()
        tail = "\n".join(output.splitlines()[-30:]) or "(no output)"
        raise ServerStartError(f"server {name} did not start: {exc}\n--- its output ---\n{tail}") from None
    return server


def start_app_process(app: str, root: str | Path, *, python: str | None = None, host: str = "127.0.0.1",
                      env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT) -> ServerProcess:
    """The target's ``app`` (``module:attr``) in its own process, importing from ``root``."""
    check_loopback(host)
    root = Path(root).resolve()
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), full_env.get("PYTHONPATH", "")) if p)
    full_env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    command = [python or sys.executable, str(SERVE_APP), app, "--host", host, "--port", "0"]
    return start_process(command, name=app, cwd=root, env=full_env, timeout=timeout)
