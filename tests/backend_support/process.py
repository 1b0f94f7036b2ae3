"""Run one state of the backend as a subprocess: ``python -m chatapp serve``."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping

from backend_support import state_root
from backend_support.tokens import ADMIN_USER, TEST_SECRET


@dataclass
class ServerProcess:
    """A running server: its URL, its process, and its log (stderr, kept in a file)."""

    state: str
    url: str
    proc: subprocess.Popen[bytes]
    log: IO[bytes] = field(repr=False)

    def logs(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        os.unlink(self.log.name)


def server_env(state: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a test server: its import root, the test secret and admin."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(state_root(state)),
        "CHATAPP_SECRET": TEST_SECRET,
        "CHATAPP_ADMIN_USER": ADMIN_USER,
        "CHATAPP_DB": ":memory:",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra or {})
    return env


def read_first_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The first line a server process prints (its URL), waiting at most ``timeout`` seconds."""
    assert proc.stdout is not None
    fd, buffer = proc.stdout.fileno(), b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"server printed no URL within {timeout} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"server exited with {proc.wait()} before printing its URL")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


def start_server(
    state: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 20.0
) -> ServerProcess:
    """Start ``python -m chatapp serve --port 0 ARGS`` in ``state`` and wait for its URL."""
    log = tempfile.NamedTemporaryFile(prefix=f"chatapp-{state}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatapp", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=state_root(state), env=server_env(state, env), stdout=subprocess.PIPE, stderr=log,
    )
    try:
        url = read_first_line(proc, timeout)
    except BaseException:
        ServerProcess(state, "", proc, log).stop()
        raise
    return ServerProcess(state, url, proc, log)


def run_chatapp(state: str, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run a one-shot ``python -m chatapp ARGS`` command in ``state``."""
    return subprocess.run(
        [sys.executable, "-m", "chatapp", *args], cwd=state_root(state), env=server_env(state),
        capture_output=True, text=True, timeout=timeout, check=False,
    )
