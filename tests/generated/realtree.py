"""A real-shaped backend, generated: thousands of modules where the searched words are everywhere.

The stdlib barely mentions "websocket" or "manager", so a bytes prefilter skips
all of it and says nothing about the scan on a real backend, where a third of
the files name the manager somewhere. This writes such a tree under a temp dir
(never into the repo) and returns the truth it was built with, for the
scan-agreement tests (small trees) and ``benchmarks/scan_speed.py`` (the big one).

What a consumer module may hold, drawn per module: top-level imports of the
class and the factory (plain, renamed, multi-line parenthesised, ``import ... as``),
lazy imports inside functions, calls, attribute access (``self.websocket_manager``),
comments, docstrings, strings, type hints (quoted, and under ``if TYPE_CHECKING``),
``try``/``except ImportError`` imports, module-level aliases (``factory = get_...``),
and a lot of unrelated code around them. The core package holds the few true
definitions: two implementations, a nested manager class, a forwarding shim, a
star re-export honouring ``__all__``, an alias chain, a protocol, an enum and an
exception class, and test doubles under ``tests/`` (excluded by default).

The class name and factory name are parameters, so the same shapes are tested
with a foreign pair (``ConnectionHub``/``get_connection_hub``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

PROTOCOL, ENUM, EXCEPTION = "protocol", "enum", "exception"


@dataclass
class Words:
    first: str = "WebSocket"
    second: str = "Manager"
    function: str = "get_websocket_manager"

    @property
    def cls(self) -> str:
        return self.first + self.second

    @property
    def snake(self) -> str:
        return f"{self.first.lower()}_{self.second.lower()}"

    @property
    def pattern(self) -> str:
        return rf"(?i)^(?=.*{self.first.lower()})(?=.*{self.second.lower()})"


FOREIGN = Words("Connection", "Hub", "get_connection_hub")


@dataclass
class Truth:
    """(module, qualname) -> (kind, paths), as both scans must report them."""

    package: str
    classes: dict[tuple[str, str], tuple[str, frozenset[str]]] = field(default_factory=dict)
    functions: dict[tuple[str, str], tuple[str, frozenset[str]]] = field(default_factory=dict)
    others: dict[tuple[str, str], tuple[str, frozenset[str]]] = field(default_factory=dict)
    shim_targets: dict[str, str] = field(default_factory=dict)  # shim module -> final target
    files: int = 0
    lines: int = 0
    files_with_words: int = 0  # files whose bytes hold both class words (any case)
    files_with_function: int = 0
    excluded: int = 0

    def add(self, table: str, key: tuple[str, str], kind: str, path: str) -> None:
        entries = getattr(self, table)
        old_kind, paths = entries.get(key, (kind, frozenset()))
        entries[key] = (old_kind, paths | {path})


_VERBS = ["load", "save", "sync", "merge", "render", "check", "build", "apply", "fetch", "close", "open", "route"]
_NOUNS = ["order", "invoice", "user", "thread", "message", "session", "tenant", "report", "quota", "token",
          "profile", "event", "agent", "tool", "plan", "cursor", "batch", "audit"]


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(_VERBS)}_{rng.choice(_NOUNS)}_{rng.randrange(1000)}"


def _filler_function(rng: random.Random, name: str, indent: str = "") -> list[str]:
    a, b = rng.choice(_NOUNS), rng.choice(_NOUNS)
    body = [
        f"{indent}def {name}({a}_id: str, {b}: dict | None = None, *, limit: int = {rng.randrange(1, 500)}) -> dict:",
        f'{indent}    """{rng.choice(_VERBS).title()} the {a} for a {b}.',
        f"{indent}",
        f"{indent}    Returns a mapping of fields; raises ValueError when the {a} is unknown.",
        f'{indent}    """',
        f"{indent}    result = {{'id': {a}_id, 'kind': {a!r}, 'limit': limit}}",
        f"{indent}    if {b} is None:",
        f"{indent}        {b} = {{}}",
        f"{indent}    for key, value in sorted({b}.items()):",
        f"{indent}        if key.startswith('_'):  # private fields stay private",
        f"{indent}            continue",
        f"{indent}        result[key] = value",
        f"{indent}    total = sum(len(str(v)) for v in result.values())",
        f"{indent}    if total > limit * {rng.randrange(2, 9)}:",
        f"{indent}        raise ValueError(f'{{{a}_id}}: too large ({{total}} > {{limit}})')",
        f"{indent}    return result",
        "",
    ]
    return body


def _filler_class(rng: random.Random, name: str) -> list[str]:
    lines = [f"class {name}:", f'    """Keeps {rng.choice(_NOUNS)} state for one request."""', "",
             "    def __init__(self, store: dict | None = None) -> None:",
             "        self.store = store or {}", f"        self.{rng.choice(_NOUNS)}_count = 0", ""]
    for _ in range(rng.randrange(2, 5)):
        lines += _filler_function(rng, _ident(rng), "    ")
    return lines


class _Module:
    def __init__(self, name: str) -> None:
        self.name = name
        self.head: list[str] = []
        self.body: list[str] = []


def generate(
    root: Path,
    modules: int = 60,
    *,
    words: Words | None = None,
    seed: int = 0,
    package: str = "backend",
    lines_per_module: int = 60,
    mention_rate: float = 0.35,
) -> Truth:
    """Write the tree under ``root``; return its truth. ``modules`` consumer modules of about ``lines_per_module`` lines."""
    w = words or Words()
    rng = random.Random(seed)
    truth = Truth(package)
    cls, fn, snake = w.cls, w.function, w.snake
    pkg = package
    files: dict[str, str] = {}
    core = f"{pkg}.realtime"

    def put(module: str, text: str, is_package: bool = False) -> None:
        path = module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
        files[path] = text

    # -- the core: the few true definitions ---------------------------------
    put(pkg, '"""The backend."""\n', True)
    put(f"{pkg}.services", "", True)
    mgr, legacy = f"{core}.manager", f"{core}.legacy"
    put(mgr, f'''"""The {w.first} {w.second.lower()}: one per user."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["{cls}", "{fn}"]


class {cls}:
    """Sends events to one user's connections."""

    class Config:
        retries = 3

    class Pool{cls}:
        """Connections of one user."""

        def __init__(self) -> None:
            self.items: list[Any] = []

    def __init__(self, user_id: str | None = None) -> None:
        self.user_id = user_id
        self.lock = asyncio.Lock()

    async def send(self, event: dict) -> None:
        async with self.lock:
            pass


def {fn}(user_id: str | None = None) -> {cls}:
    """The manager for ``user_id``."""
    return {cls}(user_id)


def _helper() -> int:
    return 1
''')
    truth.add("classes", (mgr, cls), "class", f"{mgr}.{cls}")
    truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{mgr}.{cls}.Pool{cls}")
    truth.add("functions", (mgr, fn), "implementation", f"{mgr}.{fn}")
    put(legacy, f'''"""The old {w.second.lower()}, still imported by half the services."""

import enum
from typing import Protocol


class Legacy{cls}:
    def __init__(self, *args, **kwargs):
        self.args = args


def {fn}(user_id=None):
    return Legacy{cls}(user_id)


{cls}Compat = Legacy{cls}


class {cls}Protocol(Protocol):
    def send(self, event: dict) -> None: ...


class {cls}Mode(enum.Enum):
    SINGLE = 1
    SHARED = 2


class {cls}Error(RuntimeError):
    pass
''')
    truth.add("classes", (legacy, f"Legacy{cls}"), "class", f"{legacy}.Legacy{cls}")
    truth.add("classes", (legacy, f"Legacy{cls}"), "class", f"{legacy}.{cls}Compat")
    truth.add("functions", (legacy, fn), "implementation", f"{legacy}.{fn}")
    for suffix, kind in (("Protocol", PROTOCOL), ("Mode", ENUM), ("Error", EXCEPTION)):
        truth.add("others", (legacy, f"{cls}{suffix}"), kind, f"{legacy}.{cls}{suffix}")
    # the package re-exports through a multi-line parenthesised import
    put(core, f'''"""Realtime delivery."""

from .manager import (  # the one true manager
    {cls},
    {fn},
)

__all__ = [
    "{cls}",
    "{fn}",
]
''', True)
    truth.add("classes", (mgr, cls), "class", f"{core}.{cls}")
    truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{core}.{cls}.Pool{cls}")
    truth.add("functions", (mgr, fn), "implementation", f"{core}.{fn}")
    shim = f"{core}.shims"
    put(shim, f'''"""Old entry points kept for callers not yet moved."""

from .manager import {fn} as _impl


def {fn}(user_id=None):
    """Deprecated: forwards to the manager module."""
    return _impl(user_id)
''')
    truth.add("functions", (shim, fn), "shim", f"{shim}.{fn}")
    truth.add("functions", (mgr, fn), "implementation", f"{shim}._impl")
    truth.shim_targets[shim] = f"{mgr}.{fn}"
    star = f"{core}.everything"
    put(star, "from .manager import *  # noqa: F403\n")
    truth.add("classes", (mgr, cls), "class", f"{star}.{cls}")
    truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{star}.{cls}.Pool{cls}")
    truth.add("functions", (mgr, fn), "implementation", f"{star}.{fn}")
    compat = f"{core}.compat"
    put(compat, f'''try:
    from .manager import {cls} as _Mgr
except ImportError:  # pragma: no cover
    _Mgr = None

Manager = _Mgr
Chained = Manager
import {legacy} as legacy_mod
Older = legacy_mod.Legacy{cls}
''')
    for name in ("_Mgr", "Manager", "Chained"):
        truth.add("classes", (mgr, cls), "class", f"{compat}.{name}")
        truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{compat}.{name}.Pool{cls}")
    truth.add("classes", (legacy, f"Legacy{cls}"), "class", f"{compat}.Older")
    put(f"{pkg}.tests", "", True)
    put(f"{pkg}.tests.test_realtime", f"class Mock{cls}:\n    pass\n\n\ndef {fn}():\n    return Mock{cls}()\n")
    truth.excluded = 2  # tests/__init__.py and the test module

    # -- consumers: thousands of modules, a third of them naming the manager --
    domains = max(1, modules // 40)
    for d in range(domains):
        put(f"{pkg}.services.dom{d}", f'"""Domain {d}."""\n', True)
    for i in range(modules):
        d = i % domains
        modname = f"{pkg}.services.dom{d}.mod{i}"
        m = _Module(modname)
        m.head += [f'"""{rng.choice(_NOUNS).title()} handling for domain {d}."""', "",
                   "from __future__ import annotations", "", "import json", "import logging",
                   "from typing import TYPE_CHECKING, Any", ""]
        mentions = rng.random() < mention_rate
        shapes: set[str] = set()
        if mentions:
            shapes = {s for s in ("import", "multiline", "lazy", "attribute", "comment", "docstring", "string",
                                  "hint", "typecheck", "try", "alias", "importas", "legacy")
                      if rng.random() < {"import": 0.25, "multiline": 0.08, "lazy": 0.3, "attribute": 0.5,
                                         "comment": 0.5, "docstring": 0.4, "string": 0.3, "hint": 0.3,
                                         "typecheck": 0.15, "try": 0.05, "alias": 0.05, "importas": 0.1,
                                         "legacy": 0.08}[s]}
            if not shapes:
                shapes = {"comment"}
        if "import" in shapes:
            m.head.append(f"from {core} import {cls}")
            truth.add("classes", (mgr, cls), "class", f"{modname}.{cls}")
            truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{modname}.{cls}.Pool{cls}")
        if "multiline" in shapes:
            m.head += [f"from {mgr} import (", f"    {cls} as _{cls},", f"    {fn},  # the factory", ")"]
            truth.add("classes", (mgr, cls), "class", f"{modname}._{cls}")
            truth.add("classes", (mgr, f"{cls}.Pool{cls}"), "class", f"{modname}._{cls}.Pool{cls}")
            truth.add("functions", (mgr, fn), "implementation", f"{modname}.{fn}")
        if "importas" in shapes:
            m.head.append(f"import {mgr} as {snake}_module")
        if "legacy" in shapes:
            m.head.append(f"from {legacy} import Legacy{cls}, {fn} as legacy_{fn}")
            truth.add("classes", (legacy, f"Legacy{cls}"), "class", f"{modname}.Legacy{cls}")
            truth.add("functions", (legacy, fn), "implementation", f"{modname}.legacy_{fn}")
        if "typecheck" in shapes:
            m.head += ["", "if TYPE_CHECKING:", f"    from {mgr} import {cls}  # for hints only"]
        if "try" in shapes:
            m.head += ["", "try:", f"    from {core} import {fn} as _factory", "except ImportError:  # optional",
                       "    _factory = None"]
            truth.add("functions", (mgr, fn), "implementation", f"{modname}._factory")
        m.head += ["", "log = logging.getLogger(__name__)", ""]
        if "alias" in shapes:
            m.head += [f"from {core} import {fn} as _make", f"make_{snake} = _make", ""]
            truth.add("functions", (mgr, fn), "implementation", f"{modname}._make")
            truth.add("functions", (mgr, fn), "implementation", f"{modname}.make_{snake}")
        if "comment" in shapes:
            m.body.append(f"# The {w.first} {w.second.lower()} ({cls}) delivers these events; see {fn}().")
        if "string" in shapes:
            m.body.append(f'CHANNEL = "{snake}"  # which {cls} owns the channel')
            m.body.append(f"HELP = '''Call {fn}() then {cls}.send():")
            m.body.append(f"class {cls}Like:")
            m.body.append(f"def {fn}(): ...")
            m.body.append(f"from {core} import {cls}'''")
        m.body.append("")
        target_lines = lines_per_module
        k = 0
        while sum(1 for _ in m.head) + len(m.body) < target_lines:
            k += 1
            if rng.random() < 0.3:
                cname = f"{rng.choice(_NOUNS).title()}{rng.choice(_VERBS).title()}er{k}"
                block = _filler_class(rng, cname)
                if "attribute" in shapes and rng.random() < 0.5:
                    block += ["    async def notify(self, event: dict) -> None:",
                              f"        await self.{snake}.send(event)", ""]
                m.body += block + [""]
            else:
                fname = _ident(rng) + f"_{k}"
                block = _filler_function(rng, fname)
                if "docstring" in shapes and rng.random() < 0.3:
                    block.insert(2, f"    Events go out through the {cls}; never build one, call {fn}().")
                m.body += block + [""]
            if "lazy" in shapes and rng.random() < 0.3:
                m.body += [f"def notify_{k}(user_id: str, event: dict) -> None:",
                           f"    from {core} import {fn}  # lazy: avoids a cycle",
                           "",
                           f"    {snake} = {fn}(user_id)",
                           f"    {snake}.send(event)", "", ""]
            if "hint" in shapes and rng.random() < 0.3:
                m.body += [f"def attach_{k}(manager: \"{cls}\", payload: dict) -> \"{cls}\":",
                           "    manager.payload = payload", "    return manager", "", ""]
        put(modname, "\n".join(m.head + m.body) + "\n")

    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if "/tests/" in rel:
            continue
        truth.files += 1
        truth.lines += text.count("\n")
        low = text.lower()
        truth.files_with_words += w.first.lower() in low and w.second.lower() in low
        truth.files_with_function += fn in text
    return truth


def words_pattern(words: Words) -> re.Pattern[str]:
    return re.compile(words.pattern)
