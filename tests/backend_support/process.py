"""Run one state of the backend as a subprocess: ``python -m chatapp serve``."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Mapping

from pytest_ssot.ws.servers import ServerProcess, start_process
from backend_support import state_root
from backend_support.tokens import ADMIN_USER, TEST_SECRET

__all__ = ["ServerProcess", "server_env", "start_server", "run_chatapp"]


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
    """Start ``python -m chatapp serve --port 0 ARGS`` in ``state``; once its URL accepts connections.

    A :class:`pytest_ssot.ws.servers.ServerProcess` named ``state``: ``.url``, ``.logs()``, ``.stop()``.
    """
    command = [sys.executable, "-m", "chatapp", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    return start_process(command, name=state, cwd=state_root(state), env=server_env(state, env), timeout=timeout)


def run_chatapp(state: str, *args: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run a one-shot ``python -m chatapp ARGS`` command in ``state``."""
    return subprocess.run(
        [sys.executable, "-m", "chatapp", *args], cwd=state_root(state), env=server_env(state),
        capture_output=True, text=True, timeout=timeout, check=False,
    )
