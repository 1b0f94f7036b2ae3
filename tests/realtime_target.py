"""A small generated codebase, ``realtime``, to run the bundled suites against in pytester.

Nothing like the demo's names: a ``ConnectionManager`` handed out per user by
``get_connection_manager``, a user context from ``make_context``, no ``app``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUITES = REPO / "suites"

TARGET = """
[tool.ssot]
target = "rt"

[tool.ssot.targets.rt]
root = "."
package = "realtime"
manager = "realtime.connection_manager:ConnectionManager"
factory = "realtime.connection_manager:get_connection_manager"
user_context = "realtime.context:make_context"
class_pattern = "ConnectionManager"
function_name = "get_connection_manager"

[tool.ssot.targets.rt.thresholds]
concurrent_users = [8]
"""

CONTEXT = """
class UserContext:
    def __init__(self, user_id):
        self.user_id = user_id


def make_context(user_id):
    return UserContext(user_id)
"""

# between the cache miss and the store, every concurrent caller yields: each builds its own manager
RACY_FACTORY = """
import asyncio

_managers = {}


class ConnectionManager:
    def __init__(self, user_context):
        self.user_context = user_context


async def get_connection_manager(user_context):
    manager = _managers.get(user_context.user_id)
    if manager is None:
        await asyncio.sleep(0)
        manager = _managers[user_context.user_id] = ConnectionManager(user_context)
    return manager
"""

LOCKED_FACTORY = """
import asyncio

_managers = {}
_lock = asyncio.Lock()


class ConnectionManager:
    def __init__(self, user_context):
        self.user_context = user_context


async def get_connection_manager(user_context):
    async with _lock:
        manager = _managers.get(user_context.user_id)
        if manager is None:
            await asyncio.sleep(0)
            manager = _managers[user_context.user_id] = ConnectionManager(user_context)
        return manager
"""


def write_target(root: Path, *, factory: str = LOCKED_FACTORY, extra_toml: str = "",
                 modules: dict[str, str] | None = None, root_toml: str = "") -> Path:
    """The ``realtime`` package and its pyproject under ``root``; returns the pyproject.

    ``root_toml``: more keys of ``[tool.ssot]`` (e.g. ``urls``); ``extra_toml``: more tables, appended.
    """
    package = root / "realtime"
    package.mkdir(parents=True, exist_ok=True)
    files = {"__init__": "", "context": CONTEXT, "connection_manager": factory, **(modules or {})}
    for name, source in files.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source))
    pyproject = root / "pyproject.toml"
    head = TARGET.replace('target = "rt"\n', 'target = "rt"\n' + textwrap.dedent(root_toml), 1)
    pyproject.write_text(head + textwrap.dedent(extra_toml))
    return pyproject


def run_suites(pytester: pytest.Pytester, paths: Sequence[str], *options: str) -> pytest.RunResult:
    """The bundled suites (``paths`` relative to ``suites/``) against the generated target, in a subprocess."""
    return pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider", f"--rootdir={pytester.path}",
                                         "-c", str(pytester.path / "pyproject.toml"),
                                         *(str(SUITES / p) for p in paths), *options, timeout=300)
