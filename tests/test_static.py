"""Static scan: the runtime scan's answers from source, cached, prefiltered."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from pytest_ssot.scan.findings import ALIAS, IMPLEMENTATION, SHIM
from pytest_ssot.scan.static import (
    SummaryCache,
    find_importers,
    iter_source_files,
    required_literals,
    resolve_relative,
    scan_static,
    summarize_source,
)

FIXTURES = Path(__file__).parent / "fixtures_scan"


@pytest.fixture
def tree(tmp_path):
    """A private copy of a fixture root (the cache and edits must not touch the repo)."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURES / name, dest)
        return dest

    return copy


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_frag_package_from_source():
    result = scan_static(FIXTURES / "frag", "fragpkg")
    assert result.mode == "static" and not result.parse_errors
    assert {d.dotted for d in result.classes} == {
        "fragpkg.manager.WebSocketManager",
        "fragpkg.manager.WebSocketManager.NestedWebSocketManager",
        "fragpkg.unified.UnifiedWebSocketManager",
        "fragpkg.websocket_manager_factory.WebSocketManagerFactory",
    }
    kinds = {d.dotted: d.kind for d in result.functions}
    assert kinds == {
        "fragpkg.manager.get_websocket_manager": IMPLEMENTATION,
        "fragpkg.unified.get_websocket_manager": IMPLEMENTATION,
        "fragpkg.manager.WebSocketManager.NestedWebSocketManager.get_websocket_manager": IMPLEMENTATION,
        "fragpkg.compat.get_websocket_manager": SHIM,
        "fragpkg.legacy._make_manager": ALIAS,
    }
    [manager] = result.classes_named("WebSocketManager")
    assert manager.paths == ("fragpkg.WebSocketManager", "fragpkg.compat.LegacyWS", "fragpkg.manager.WebSocketManager")
    [shim] = [d for d in result.functions if d.kind == SHIM]
    assert shim.wraps == "fragpkg.manager.get_websocket_manager"
    [unified] = result.classes_named("UnifiedWebSocketManager")
    assert "fragpkg.reexport.UnifiedWebSocketManager" in unified.paths  # star import + __all__


def test_clean_package_from_source():
    result = scan_static(FIXTURES / "clean", "cleanpkg")
    assert [d.dotted for d in result.classes] == ["cleanpkg.websocket_manager.WebSocketManager"]
    [func] = result.functions
    assert func.kind == IMPLEMENTATION and len(func.paths) == 3


def test_alias_chasing_reaches_files_without_searched_names(tree):
    root = tree("frag")
    write(root, "fragpkg/far.py", "from .unified import WSMAlias as Z\nfrom .legacy import _make_manager as mk\n")
    result = scan_static(root, "fragpkg")
    [unified] = result.classes_named("UnifiedWebSocketManager")
    assert "fragpkg.far.Z" in unified.paths
    [alias] = [d for d in result.functions if d.kind == ALIAS]
    assert "fragpkg.far.mk" in alias.paths


def test_type_checking_imports_and_try_fallbacks_follow_runtime(tmp_path):
    write(tmp_path, "p/__init__.py", "")
    write(tmp_path, "p/real.py", "class RealWebSocketManager:\n    pass\n")
    write(tmp_path, "p/old.py", "class OldWebSocketManager:\n    pass\n")
    write(tmp_path, "p/user.py", (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .old import OldWebSocketManager as M\n"
        "try:\n    from .real import RealWebSocketManager as W\n"
        "except ImportError:\n    from .old import OldWebSocketManager as W\n"
    ))
    result = scan_static(tmp_path, "p")
    paths = {d.name: d.paths for d in result.classes}
    assert "p.user.W" in paths["RealWebSocketManager"]
    assert "p.user.M" not in paths["OldWebSocketManager"]
    assert "p.user.W" not in paths["OldWebSocketManager"]


@pytest.mark.skipif(sys.version_info >= (3, 12),
                    reason="badpkg/newsyntax.py uses PEP 701 f-strings, which this interpreter parses")
def test_parse_errors_are_reported_not_fatal():
    result = scan_static(FIXTURES / "bad", "badpkg")
    [error] = result.parse_errors
    assert error.file.endswith("badpkg/newsyntax.py") and error.line == 4
    assert error.python == sys.version.split()[0]
    assert error.needs and "3.12" in error.needs
    names = {d.name for d in result.classes}
    assert names == {"WebSocketManager", "BrokenWebSocketManager"}


def test_bytes_prefilter_skips_files_without_searched_names(tmp_path):
    write(tmp_path, "p/__init__.py", "")
    write(tmp_path, "p/unrelated.py", "def helper(:\n  this does not parse but holds no searched name\n")
    write(tmp_path, "p/other.py", "X = 1\n")
    write(tmp_path, "p/hit.py", "def get_websocket_manager():\n    pass\n")
    result = scan_static(tmp_path, "p")
    assert result.files_scanned == 4
    assert result.files_parsed == 1
    assert not result.parse_errors  # the broken file was never parsed
    assert [d.dotted for d in result.functions] == ["p.hit.get_websocket_manager"]


def test_cache_reparses_only_changed_files(tree, tmp_path):
    root = tree("frag")
    cache = tmp_path / "cache"
    cold = scan_static(root, "fragpkg", cache_dir=cache)
    assert cold.files_parsed == 8  # the empty sub/__init__.py holds no searched name
    warm = scan_static(root, "fragpkg", cache_dir=cache)
    assert warm.files_parsed == 0
    assert warm.to_json()["classes"] == cold.to_json()["classes"]
    assert warm.to_json()["functions"] == cold.to_json()["functions"]
    target = root / "fragpkg" / "unified.py"
    target.write_text(target.read_text() + "\n\nclass ExtraWebSocketManager:\n    pass\n")
    os.utime(target, ns=(1, 1))  # a different mtime even on coarse clocks
    changed = scan_static(root, "fragpkg", cache_dir=cache)
    assert changed.files_parsed == 1
    assert "ExtraWebSocketManager" in {d.name for d in changed.classes}


def test_cache_keeps_skip_verdicts_per_query(tmp_path):
    write(tmp_path, "p/__init__.py", "")
    write(tmp_path, "p/a.py", "def alpha():\n    pass\n")
    cache = tmp_path / "cache"
    scan_static(tmp_path, "p", functions=["beta"], cache_dir=cache)
    found = scan_static(tmp_path, "p", functions=["alpha"], cache_dir=cache)  # a new query re-reads
    assert [d.name for d in found.functions] == ["alpha"]
    again = scan_static(tmp_path, "p", functions=["beta"], cache_dir=cache)
    assert again.files_parsed == 0 and not again.functions


def test_cache_file_is_replaced_atomically_and_survives_garbage(tmp_path):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    cache = SummaryCache(cache_dir)
    cache.path.write_text("{not json")
    assert SummaryCache(cache_dir).entries == {}
    cache.put("/x.py", (1, 2), summary=None)
    cache.save()
    assert json.loads(cache.path.read_text())["/x.py"]["stamp"] == [1, 2]
    assert [p.name for p in cache_dir.iterdir()] == [cache.path.name]  # no temp file left behind


def test_foreign_cache_entries_are_misses_not_crashes(tmp_path):
    write(tmp_path, "p/__init__.py", "")
    write(tmp_path, "p/a.py", "def get_websocket_manager():\n    pass\n")
    cache_dir = tmp_path / "cache"
    scan_static(tmp_path, "p", cache_dir=cache_dir)
    cache = SummaryCache(cache_dir)
    data = {path: {"stamp": entry["stamp"], "summary": "junk", "skip": 3} for path, entry in cache.entries.items()}
    data["/elsewhere.py"] = 5
    cache.path.write_text(json.dumps(data))
    again = scan_static(tmp_path, "p", cache_dir=cache_dir)
    assert [d.dotted for d in again.functions] == ["p.a.get_websocket_manager"]


def test_importers_of_a_deprecated_module():
    sites = find_importers(FIXTURES / "frag", ["fragpkg.websocket_manager_factory"])
    assert [(s.importer, s.line) for s in sites] == [("fragpkg.sub.user", 1), ("fragpkg.sub.user", 5)]
    assert sites[1].statement.startswith("from .. import websocket_manager_factory")
    assert find_importers(FIXTURES / "clean", ["cleanpkg.websocket_manager_factory"]) == []


def test_importers_are_found_outside_the_scanned_package(tmp_path):
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/core/__init__.py", "")
    write(tmp_path, "app/server.py", "import app.core.old_factory as f\n")
    result = scan_static(tmp_path, "app.core", importers_of=["app.core.old_factory"])
    assert [(s.importer, s.line) for s in result.importers] == [("app.server", 1)]


def test_summary_records_definitions_with_decorator_lines():
    summary = summarize_source(b"import functools\n@functools.wraps(f)\ndef g():\n    pass\nclass A:\n    class B:\n        pass\n")
    assert summary["defs"] == [["g", "function", 2, "f", None], ["A", "class", 5, None, []], ["A.B", "class", 6, None, []]]


def test_relative_resolution():
    assert resolve_relative("a.b.c", False, "d", 1) == "a.b.d"
    assert resolve_relative("a.b", True, "d", 1) == "a.b.d"
    assert resolve_relative("a.b.c", False, "", 2) == "a"
    assert resolve_relative("a.b.c", False, "x.y", 0) == "x.y"


def test_iter_source_files_single_module_and_missing(tmp_path):
    write(tmp_path, "solo.py", "")
    assert [f.module for f in iter_source_files(tmp_path, "solo")] == ["solo"]
    assert list(iter_source_files(tmp_path, "absent")) == []


@pytest.mark.parametrize(
    "pattern, words",
    [(r"(?i)^(?=.*websocket)(?=.*manager)", (b"websocket", b"manager")), (r"a|b", None), (r"Foo(Bar)?Baz", (b"foo", b"baz"))],
)
def test_required_literals(pattern, words):
    import re

    assert required_literals(re.compile(pattern)) == words


def test_regex_without_literals_still_finds_classes(tmp_path):
    write(tmp_path, "p/__init__.py", "class Xy:\n    pass\nclass Zz:\n    pass\n")
    result = scan_static(tmp_path, "p", r"^(X|Q)y$")
    assert [d.name for d in result.classes] == ["Xy"]


def test_a_file_is_parsed_only_as_far_as_its_last_binding_line(tmp_path):
    """Words in strings, comments and function bodies need no parse; a binding stops the parse after it."""
    write(tmp_path, "p/__init__.py", "")
    write(tmp_path, "p/core.py", "class HubWebSocketManager:\n    pass\n")
    write(tmp_path, "p/mentions.py",
          '"""Uses the HubWebSocketManager."""\n# HubWebSocketManager = 1\n'
          "def f():\n    from p.core import HubWebSocketManager\n    websocket_manager = HubWebSocketManager()\n"
          "    return websocket_manager\n")
    write(tmp_path, "p/user.py",
          "from p.core import HubWebSocketManager\n\n\ndef later(:\n    this tail never parses\n")
    write(tmp_path, "p/broken.py", "def early(:\n    pass\nfrom p.core import HubWebSocketManager\n")
    result = scan_static(tmp_path, "p")
    [manager] = result.classes
    assert result.files_parsed == 3  # core, user and broken; never mentions
    # a syntax error before the last binding line is reported (that binding cannot be read);
    # so is one after it in a file a finding comes from: a full parse would drop its path
    assert manager.paths == ("p.core.HubWebSocketManager",)
    assert [os.path.basename(e.file) for e in result.parse_errors] == ["broken.py", "user.py"]
    assert result.syntax_unchecked == 1  # mentions.py names the class, binds nothing, was never parsed
    checked = scan_static(tmp_path, "p", check_syntax=True)
    assert checked.syntax_unchecked == 0 and checked.parse_errors == result.parse_errors
    assert checked.files_parsed == 3  # mentions.py compiled, not parsed: it holds no binding
