"""A generated codebase with none of the seeds' words: ``ledgerbook.sync``, for pytester runs.

A ``ReplicaCoordinator`` handed out per account by ``get_coordinator``, an
account context from ``make_context``, a ``dispatch_notification`` function (or
two, in two modules). Nothing here says websocket, chat, agent or demo: whatever
of those words a run prints came from the plugin, not from the target.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUITES = REPO / "suites"
# the seeds' words that must never reach a foreign target's output, report or dashboard
SEED_WORDS = ("websocket", "chatapp", "agent_completed", "demo-user", "get_websocket_manager")

CONFIG = """
[tool.ssot]
target = "books"

[tool.ssot.targets.books]
root = "."
package = "ledgerbook.sync"
manager = "ledgerbook.sync.coordinator:ReplicaCoordinator"
factory = "ledgerbook.sync.coordinator:get_coordinator"
user_context = "ledgerbook.sync.context:make_context"
class_pattern = "Coordinator$"
function_name = "get_coordinator"
user_id_attr = "context.account_id"
events = ["replica_joined", "entries_synced", "ledger_closed"]

[tool.ssot.targets.books.thresholds]
concurrent_users = [8]
"""

CONTEXT = """
class AccountContext:
    def __init__(self, account_id):
        self.account_id = account_id


def make_context(account_id):
    return AccountContext(account_id)
"""

# one coordinator per account, created under a lock: the per-account checks pass
COORDINATOR = """
import threading

_coordinators = {}
_lock = threading.Lock()


class ReplicaCoordinator:
    def __init__(self, context):
        self.context = context
        self.replicas = []
%(interface)s

def get_coordinator(context):
    key = getattr(context, "account_id", None)
    with _lock:
        coordinator = _coordinators.get(key)
        if coordinator is None:
            coordinator = _coordinators[key] = ReplicaCoordinator(context)
        return coordinator
"""

# connect / disconnect / emit / is_connected: the interface the event checks drive
INTERFACE = """
    async def connect(self, link):
        self.replicas.append(link)

    async def disconnect(self, link=None):
        self.replicas = [] if link is None else [r for r in self.replicas if r is not link]

    def is_connected(self):
        return bool(self.replicas)

    async def emit(self, event_type, *, thread_id, run_id, data):
        import json
        frame = {"type": event_type, "user_id": self.context.account_id, "thread_id": thread_id,
                 "run_id": run_id, "data": data}
        for link in list(self.replicas):
            send = getattr(link, "send", None)
            if send is not None:
                await send(json.dumps(frame))
        return frame
"""

# a second coordinator class and factory left from before a consolidation: a new coordinator per call
LEGACY_COORDINATOR = """
class ReplicaCoordinator:
    registry = {}

    def __init__(self, context):
        self.context = context
        self.replicas = []
%(interface)s

def get_coordinator(context):
    coordinator = ReplicaCoordinator(context)
    ReplicaCoordinator.registry[getattr(context, "account_id", None)] = coordinator
    return coordinator
"""

DISPATCH = """
def dispatch_notification(account_id, text):
    return {"account": account_id, "text": text}
"""

LEGACY_DISPATCH = """
def dispatch_notification(account_id, text, *, urgent=False):
    return {"account": account_id, "text": text, "urgent": urgent}
"""


def write_foreign_target(root: Path, *, interface: bool = True, dispatchers: int = 1, legacy: bool = False,
                         extra_toml: str = "", config: str = CONFIG) -> Path:
    """``ledgerbook.sync`` under ``root`` with ``dispatchers`` modules defining ``dispatch_notification``.

    ``interface``: the coordinator has connect/disconnect/emit/is_connected;
    ``legacy``: a second ``ReplicaCoordinator`` and ``get_coordinator`` in ``legacy_coordinator``.
    """
    package = root / "ledgerbook" / "sync"
    package.mkdir(parents=True, exist_ok=True)
    (root / "ledgerbook" / "__init__.py").write_text("")
    files = {"__init__": "", "context": CONTEXT,
             "coordinator": COORDINATOR % {"interface": INTERFACE if interface else ""}}
    files.update({("dispatch" if n == 0 else f"dispatch_v{n + 1}"): (DISPATCH if n == 0 else LEGACY_DISPATCH)
                  for n in range(dispatchers)})
    if legacy:
        files["legacy_coordinator"] = LEGACY_COORDINATOR % {"interface": INTERFACE if interface else ""}
    for name, source in files.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(textwrap.dedent(config) + textwrap.dedent(extra_toml))
    return pyproject


def run_plugin(pytester: pytest.Pytester, *args: str, timeout: float = 300) -> pytest.RunResult:
    """pytest with the plugin against the project in ``pytester.path``, in a subprocess."""
    return pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider", f"--rootdir={pytester.path}",
                                         "-c", str(pytester.path / "pyproject.toml"), *args, timeout=timeout)


def run_bundled(pytester: pytest.Pytester, paths: Sequence[str], *options: str) -> pytest.RunResult:
    """The bundled suites (``paths`` relative to ``suites/``) against the project in ``pytester.path``."""
    return run_plugin(pytester, *(str(SUITES / p) for p in paths), *options)


def seed_words_in(text: str) -> list[str]:
    """Every seed word in ``text`` (case-insensitive), each with the line it is on."""
    hits = []
    for line in text.splitlines():
        lowered = line.lower()
        hits += [f"{word!r} in: {line.strip()[:200]}" for word in SEED_WORDS if word in lowered]
    return hits
