"""Run one state of the backend as a subprocess: ``python -m chatapp serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import IO, Mapping

from pytest_ssot import servers
from pytest_ssot.servers import read_first_line
from backend_support import state_root
from backend_support.tokens import ADMIN_USER, TEST_SECRET


class ServerProcess(servers.ServerProcess):
    """A running server: its URL, its process, and its log (stderr, kept in a file)."""

    def __init__(self, state: str, url: str, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
        super().__init__(state, proc, log, url)
        self.state = state


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
