"""Property: the static scan's fast path (parse only up to the last binding line) changes no finding.

Hypothesis writes modules from every shape that can bind a searched name (plain,
renamed and multi-line parenthesised imports, ``import ... as``, aliases with a
backslash or parenthesised right-hand side, semicolons, star imports, nested
classes, a renamed function, rebinding to ``None`` later in the file) and puts
each in a random context: module level, ``if``/``try``/``if TYPE_CHECKING``
blocks, a function body, a class body, a string, a comment. The scan with the
fast path must equal the scan that parses every relevant file whole, for
every drawn tree; and, on fewer trees (each starts an interpreter), the
runtime scan.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ssot.scan import static
from pytest_ssot.scan.entry import scan_runtime, scan_static
from pytest_ssot.scan.static_resolve import ModuleSummary

PKG = "shapepkg"
CORE = f'''
class HubWebSocketManager:
    class InnerWebSocketManager:
        pass


def get_websocket_manager(user=None):
    return HubWebSocketManager()


def helper():
    return None
'''

SNIPPETS = [
    f"from {PKG}.core import HubWebSocketManager",
    f"from {PKG}.core import (\n    HubWebSocketManager as Alias{{k}},  # the manager\n    get_websocket_manager,\n)",
    f"from {PKG}.core import get_websocket_manager as gwm{{k}}",
    f"import {PKG}.core as core{{k}}\nX{{k}} = core{{k}}.HubWebSocketManager",
    f"import {PKG}.core\nY{{k}} = \\\n    {PKG}.core.HubWebSocketManager",
    f"import {PKG}.core\nZ{{k}} = (\n    {PKG}.core.get_websocket_manager\n)",
    "class Local{k}WebSocketManager:\n    class Deep{k}WebSocketManager:\n        pass",
    "def get_websocket_manager():\n    return 2",
    f"from {PKG}.core import helper as get_websocket_manager",
    f"W{{k}} = 1; from {PKG}.core import HubWebSocketManager as V{{k}}",
    "websocket_manager = None",
    f"from {PKG}.core import *",
    "HubWebSocketManager = None",
    f"from {PKG}.core import HubWebSocketManager as _H{{k}}\nQ{{k}} = _H{{k}}.InnerWebSocketManager",
    "def use_{k}(m: 'HubWebSocketManager'):\n    websocket_manager = m\n    return websocket_manager",
    f"from {PKG}.core import \\\n    get_websocket_manager as bs{{k}}",
    "class Holder{k}:\n    def get_websocket_manager(self):\n        return 1",
    "q{k} = ('\"\"\"', \"'''\", '#')\nfrom " + PKG + ".core import HubWebSocketManager as T{k}",
    "s{k} = 'a\\\nHubWebSocketManager = 1'",
    "call{k} = dict(\nwebsocket_manager=1,\nHubWebSocketManager=2,\n)",
    f"if False:\n    pass\nelse:\n    from {PKG}.core import HubWebSocketManager as E{{k}}",
]
CONTEXTS = ["top", "top", "if", "try", "typecheck", "func", "class", "string", "comment", "async", "tabs"]


def place(snippet: str, context: str, k: int) -> str:
    code = snippet.replace("{k}", str(k))
    if "import *" in code and context in ("func", "class", "async"):
        context = "if"  # a star import is a SyntaxError there
    if context == "top":
        return code
    if context == "string" and '"""' in code:
        context = "comment"  # it would close the string
    if context == "string":
        return f'_S{k} = """\n{code}\n"""'
    if context == "comment":
        return "\n".join("# " + line for line in code.splitlines())
    if context == "tabs":
        return "if True:\n" + textwrap.indent(code, "\t")
    header = {"async": f"async def _a{k}():", "if": "if True:", "try": "try:", "typecheck": "if TYPE_CHECKING:", "func": f"def _f{k}():",
              "class": f"class _C{k}:"}[context]
    body = header + "\n" + textwrap.indent(code, "    ")
    if context == "try":
        body += "\nexcept ImportError:\n    pass"
    return body


modules = st.lists(
    st.lists(st.tuples(st.sampled_from(range(len(SNIPPETS))), st.sampled_from(CONTEXTS)), min_size=1, max_size=6),
    min_size=1, max_size=4,
)


def write(root: Path, spec) -> None:
    pkg = root / PKG
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text(CORE)
    k = 0
    for i, parts in enumerate(spec):
        chunks = ["from typing import TYPE_CHECKING", "", "", "def filler(x):", '    """Docstring naming the',
                  '    HubWebSocketManager and get_websocket_manager."""', "    return x"]
        for snippet, context in parts:
            k += 1
            chunks += ["", "", place(SNIPPETS[snippet], context, k)]
        chunks += ["", "", "def tail():", "    return 1", ""]
        (pkg / f"m{i}.py").write_text("\n".join(chunks))


def whole(monkeypatch) -> None:
    """The reference: every relevant file parsed whole (the scan before the fast path)."""

    def parse_whole(self, sf, data, lowered=None):
        return ModuleSummary(sf, self._parse(sf, data))

    monkeypatch.setattr(static.StaticScanner, "_parse_partial", parse_whole)
    # a scan worker is another interpreter, which this patch does not reach: the reference is serial
    monkeypatch.setattr(static, "worth_a_second_process", lambda *args: False)


def key(result) -> tuple:
    def rows(defs):
        return sorted((d.module, d.qualname, d.kind, d.file, d.line, d.wraps, tuple(sorted(d.paths))) for d in defs)

    return rows(result.classes), rows(result.functions), rows(result.other_classes), result.parse_errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(modules)
def test_fast_path_equals_whole_parse(monkeypatch, spec):
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), spec)
        fast = scan_static(tmp, PKG)
        with monkeypatch.context() as m:
            whole(m)
            reference = scan_static(tmp, PKG)
        assert key(fast) == key(reference)
        with tempfile.TemporaryDirectory() as cache:  # and from the cache, cold then warm
            assert key(scan_static(tmp, PKG, cache_dir=cache)) == key(reference)
            assert key(scan_static(tmp, PKG, cache_dir=cache)) == key(reference)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules)
def test_fast_path_equals_runtime(spec):
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), spec)
        fast = scan_static(tmp, PKG)
        runtime = scan_runtime(tmp, PKG, timeout=60)
        assert runtime.import_errors == []
        for attr in ("classes", "functions", "other_classes"):
            got = sorted((d.module, d.qualname, d.kind, d.line, d.wraps, tuple(sorted(d.paths)))
                         for d in getattr(fast, attr))
            want = sorted((d.module, d.qualname, d.kind, d.line, d.wraps, tuple(sorted(d.paths)))
                          for d in getattr(runtime, attr))
            assert got == want, attr


@pytest.mark.parametrize("snippet", range(len(SNIPPETS)))
@pytest.mark.parametrize("context", sorted(set(CONTEXTS)))
def test_each_shape_in_each_context(tmp_path, monkeypatch, snippet, context):
    write(tmp_path, [[(snippet, context), (0, "func")]])
    fast = scan_static(tmp_path, PKG)
    whole(monkeypatch)
    assert key(fast) == key(scan_static(tmp_path, PKG))
