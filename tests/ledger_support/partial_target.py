"""A generated backend halfway through its consolidation: some checks of every issue fail, some pass.

The ledger exists for exactly this state, so its end-to-end tests need a target
that is neither the fragmented nor the consolidated demo, and whose findings
can be added or removed one at a time. :func:`write_target` writes ``relay``, a
small channel hub for per-user subscriptions (names share nothing with the
demo, so no check can pass by accident on a name the suites were written
against), and :func:`target_section` the pyproject table that points the
bundled suites at it. The knobs of :class:`Knobs` each add or remove findings:

- ``duplicate_hubs``: one more ``ChannelHub`` class each, a finding of #824's single
  class, #960's duplicate names, #1036's implementations and import paths, #1126's
  class uniqueness;
- ``deprecated_factory``: ``relay.hub.channel_hub_factory`` importable (#1126's
  import-should-fail, deprecated names and ``*factory*`` modules);
- ``factory_importers``: each module still importing it, one more finding of #1126's
  import-should-fail;
- ``shared_subscriptions``: a class-level dict every hub shares (#889 contamination,
  #960 session state and concurrent isolation);
- ``second_factories``: a module with a ``get_channel_hub`` and cache of its own (#824's
  functions and components, #960's factory consolidation).
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "relay.hub"
CANONICAL_MODULE = "relay.hub.channel_hub"
DEPRECATED_MODULE = "relay.hub.channel_hub_factory"
ISSUES = (824, 889, 960, 1036, 1126)


@dataclass(frozen=True)
class Knobs:
    """What the generated target still gets wrong; the defaults are the partial state the tests start from."""

    duplicate_hubs: tuple[str, ...] = ("legacy_hub", "mirror_hub")  # modules of relay.hub with another ChannelHub
    deprecated_factory: bool = True
    factory_importers: tuple[str, ...] = ("relay.hub.compat", "relay.api")
    shared_subscriptions: bool = True
    second_factories: tuple[str, ...] = ()  # modules of relay.hub with a get_channel_hub of their own

    def __post_init__(self) -> None:
        if self.factory_importers and not self.deprecated_factory:
            raise ValueError("modules that import the deprecated factory need it to exist (they would not import)")


SESSION = '''
"""Who a hub works for: one session per authenticated user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Session:
    user_id: str


def make_session(user_id: str) -> Session:
    if not user_id:
        raise ValueError("a session needs a user id")
    return Session(user_id)
'''

CHANNEL_HUB = '''
"""The single source of truth for channel hubs: one per user, only through ``get_channel_hub``."""

from __future__ import annotations

import threading
from typing import Any

from relay.session import Session

_TOKEN = object()
_LOCK = threading.Lock()
_HUBS: dict[Any, "ChannelHub"] = {{}}


class ChannelHub:
    """One user's channels: what they subscribed to and what was published to them."""
{shared}
    def __init__(self, session: Session, *, _token: object = None) -> None:
        if _token is not _TOKEN:
            raise RuntimeError("ChannelHub is not built directly: call "
                               "relay.hub.channel_hub.get_channel_hub(session), one hub per user")
        self.session = session
        self.inbox: list[str] = []
{own}
    def subscribe(self, channel: str) -> None:
        self.subscriptions.setdefault(channel, []).append(self.user_id)

    def publish(self, channel: str, message: str) -> None:
        if channel in self.subscriptions:
            self.inbox.append(message)

    @property
    def user_id(self) -> Any:
        return getattr(self.session, "user_id", None)


def get_channel_hub(session: Any) -> ChannelHub:
    """The user's hub (one shared hub without a session), created once under the lock."""
    user_id = None if session is None else session.user_id
    with _LOCK:
        hub = _HUBS.get(user_id)
        if hub is None:
            hub = _HUBS[user_id] = ChannelHub(session, _token=_TOKEN)
        return hub
'''

SHARED_SUBSCRIPTIONS = '''
    subscriptions: dict[str, list[str]] = {}  # class-level: every user's hub writes into this one dict
'''
OWN_SUBSCRIPTIONS = '''
        self.subscriptions: dict[str, list[str]] = {}
'''

DUPLICATE_HUB = '''
"""A copy of the hub kept for old callers (what the consolidation is removing)."""

from __future__ import annotations

from typing import Any


class ChannelHub:
    def __init__(self, session: Any) -> None:
        self.session = session
        self.inbox: list[str] = []
'''

SECOND_FACTORY = '''
"""A shortcut with its own cache: a second source of hubs next to the canonical one."""

from __future__ import annotations

from typing import Any

from relay.hub import channel_hub

_OWN: dict[Any, channel_hub.ChannelHub] = {}


def get_channel_hub(session: Any) -> channel_hub.ChannelHub:
    user_id = None if session is None else session.user_id
    if user_id not in _OWN:
        _OWN[user_id] = channel_hub.ChannelHub(session, _token=channel_hub._TOKEN)
    return _OWN[user_id]
'''

DEPRECATED_FACTORY = '''
"""Deprecated: use relay.hub.channel_hub.get_channel_hub. Kept while callers move over."""

from __future__ import annotations

from typing import Any

from relay.hub.channel_hub import ChannelHub, get_channel_hub


class ChannelHubFactory:
    def create(self, session: Any) -> ChannelHub:
        return get_channel_hub(session)


def create_channel_hub(session: Any) -> ChannelHub:
    return get_channel_hub(session)
'''

IMPORTER = '''
"""Still on the deprecated factory."""

from relay.hub.channel_hub_factory import create_channel_hub  # noqa: F401
'''


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _module_file(root: Path, dotted: str) -> Path:
    return root.joinpath(*dotted.split(".")).with_suffix(".py")


def write_target(root: Path, knobs: Knobs = Knobs()) -> Path:
    """Write ``relay`` under ``root`` as ``knobs`` say, replacing what an earlier call wrote; returns ``root``."""
    relay = root / "relay"
    shutil.rmtree(relay, ignore_errors=True)  # a module the knobs dropped must be gone, not left over
    _write(relay / "__init__.py", '"""relay: per-user channel hubs."""\n')
    _write(relay / "session.py", SESSION)
    _write(relay / "hub" / "__init__.py", '"""Channel hubs; import them from relay.hub.channel_hub."""\n')
    _write(relay / "hub" / "channel_hub.py", CHANNEL_HUB.format(
        shared=SHARED_SUBSCRIPTIONS if knobs.shared_subscriptions else "",
        own="" if knobs.shared_subscriptions else OWN_SUBSCRIPTIONS))
    for name in knobs.duplicate_hubs:
        _write(_module_file(root, f"{PACKAGE}.{name}"), DUPLICATE_HUB)
    for name in knobs.second_factories:
        _write(_module_file(root, f"{PACKAGE}.{name}"), SECOND_FACTORY)
    if knobs.deprecated_factory:
        _write(_module_file(root, DEPRECATED_MODULE), DEPRECATED_FACTORY)
    for importer in knobs.factory_importers:
        _write(_module_file(root, importer), IMPORTER)
    return root


def target_section(name: str, root: str, statuses: dict[int, str] | None = None) -> str:
    """``[tool.ssot.targets.NAME]`` for the generated target (every issue open unless ``statuses`` says)."""
    statuses = statuses or {n: "open" for n in ISSUES}
    issues = "\n".join(f'{n} = "{s}"' for n, s in sorted(statuses.items()))
    return f'''
[tool.ssot.targets.{name}]
root = "{root}"
package = "{PACKAGE}"
manager = "{CANONICAL_MODULE}:ChannelHub"
factory = "{CANONICAL_MODULE}:get_channel_hub"
user_context = "relay.session:make_session"
class_pattern = "^[A-Za-z]*Hub$"
function_name = "get_channel_hub"
user_id_attr = "session.user_id"
deprecated_modules = ["{DEPRECATED_MODULE}"]
deprecated_names = ["{DEPRECATED_MODULE}:ChannelHubFactory", "{DEPRECATED_MODULE}:create_channel_hub"]

[tool.ssot.targets.{name}.issues]
{issues}
'''


def write_project(project: Path, knobs: Knobs = Knobs(), *, name: str = "relay") -> Path:
    """A user's project: ``pyproject.toml`` selecting the target, the target under ``src/``; returns ``project``."""
    write_target(project / "src", knobs)
    (project / "pyproject.toml").write_text(f'[tool.ssot]\ntarget = "{name}"\n' + target_section(name, "src"),
                                            encoding="utf-8")
    return project
