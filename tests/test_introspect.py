"""Runtime scan of sys.modules: aliases vs duplicates, shims, nesting, safety."""

from __future__ import annotations

import subprocess
import sys
import types
import warnings
from pathlib import Path

import pytest

from pytest_ssot.scan.findings import ALIAS, IMPLEMENTATION, SHIM
from pytest_ssot.scan.introspect import module_dict, resolve_import_paths, scan_modules, unwrap

FIXTURES = Path(__file__).parent / "fixtures_scan"


@pytest.fixture
def load_fixture(monkeypatch):
    """Import a fixture package in-process; drop it from sys.modules afterwards."""
    loaded: list[str] = []

    def load(root: str, *modules: str) -> None:
        monkeypatch.syspath_prepend(str(FIXTURES / root))
        for name in modules:
            __import__(name)
        loaded.extend(modules)

    yield load
    prefixes = {m.split(".")[0] for m in loaded}
    for name in list(sys.modules):
        if name.split(".")[0] in prefixes:
            del sys.modules[name]


ALL_FRAG = ["fragpkg", "fragpkg.manager", "fragpkg.unified", "fragpkg.compat", "fragpkg.legacy",
            "fragpkg.reexport", "fragpkg.websocket_manager_factory", "fragpkg.sub.user"]


def test_alias_is_one_object_with_several_paths(load_fixture):
    load_fixture("frag", *ALL_FRAG)
    result = scan_modules("fragpkg")
    [manager] = result.classes_named("WebSocketManager")
    assert manager.module == "fragpkg.manager"
    assert manager.paths == ("fragpkg.WebSocketManager", "fragpkg.compat.LegacyWS", "fragpkg.manager.WebSocketManager")
    assert manager.object_id == id(sys.modules["fragpkg.manager"].WebSocketManager)
    assert manager.file.endswith("fragpkg/manager.py") and manager.line == 4


def test_distinct_implementations_shims_and_aliases(load_fixture):
    load_fixture("frag", *ALL_FRAG)
    result = scan_modules("fragpkg")
    kinds = {(d.module, d.qualname): d.kind for d in result.functions}
    assert kinds == {
        ("fragpkg.manager", "get_websocket_manager"): IMPLEMENTATION,
        ("fragpkg.unified", "get_websocket_manager"): IMPLEMENTATION,
        ("fragpkg.manager", "WebSocketManager.NestedWebSocketManager.get_websocket_manager"): IMPLEMENTATION,
        ("fragpkg.compat", "get_websocket_manager"): SHIM,
        ("fragpkg.legacy", "_make_manager"): ALIAS,
    }
    [shim] = [d for d in result.functions if d.kind == SHIM]
    # functools.wraps copied __module__ from the canonical; the scan is not fooled
    assert sys.modules["fragpkg.compat"].get_websocket_manager.__module__ == "fragpkg.manager"
    assert shim.wraps == "fragpkg.manager.get_websocket_manager"
    assert shim.file.endswith("compat.py") and shim.line == 8
    [alias] = [d for d in result.functions if d.kind == ALIAS]
    assert alias.paths == ("fragpkg.legacy._make_manager", "fragpkg.legacy.get_websocket_manager")
    assert len(result.implementations("get_websocket_manager")) == 4


def test_nested_and_reexported_names(load_fixture):
    load_fixture("frag", *ALL_FRAG)
    result = scan_modules("fragpkg")
    [nested] = result.classes_named("NestedWebSocketManager")
    assert nested.qualname == "WebSocketManager.NestedWebSocketManager"
    assert "fragpkg.compat.LegacyWS.NestedWebSocketManager" in nested.paths
    [unified] = result.classes_named("UnifiedWebSocketManager")
    assert unified.paths == ("fragpkg.reexport.UnifiedWebSocketManager", "fragpkg.unified.UnifiedWebSocketManager",
                             "fragpkg.unified.WSMAlias")


def test_scan_sees_only_what_is_loaded_and_imports_nothing(load_fixture):
    load_fixture("frag", "fragpkg.manager")
    before = set(sys.modules)
    result = scan_modules("fragpkg")
    assert set(sys.modules) == before
    assert "fragpkg.unified" not in sys.modules
    assert [d.module for d in result.functions] == ["fragpkg.manager", "fragpkg.manager"]


def test_clean_package_has_one_of_each(load_fixture):
    load_fixture("clean", "cleanpkg", "cleanpkg.server")
    result = scan_modules("cleanpkg")
    assert [d.dotted for d in result.classes] == ["cleanpkg.websocket_manager.WebSocketManager"]
    [func] = result.functions
    assert func.kind == IMPLEMENTATION
    assert func.paths == ("cleanpkg.get_websocket_manager", "cleanpkg.server.get_websocket_manager",
                          "cleanpkg.websocket_manager.get_websocket_manager")


def test_resolve_import_paths(load_fixture):
    load_fixture("frag", *ALL_FRAG)
    same = resolve_import_paths(["fragpkg:WebSocketManager", "fragpkg.compat:LegacyWS",
                                 "fragpkg.manager:WebSocketManager"])
    assert same.same_object and same.distinct == 1
    assert same.resolutions[0].definition == "fragpkg.manager.WebSocketManager"
    different = resolve_import_paths(["fragpkg.manager:get_websocket_manager", "fragpkg.unified:get_websocket_manager"])
    assert not different.same_object and different.distinct == 2
    nested = resolve_import_paths(["fragpkg.manager:WebSocketManager.NestedWebSocketManager"])
    assert nested.resolutions[0].definition == "fragpkg.manager.WebSocketManager.NestedWebSocketManager"
    missing = resolve_import_paths(["fragpkg.not_loaded:X", "fragpkg:Nope", "no-colon"])
    assert [r.error is not None for r in missing.resolutions] == [True, True, True]
    assert not missing.same_object
    assert "fragpkg.not_loaded" not in sys.modules


# -- misbehaving modules and objects ------------------------------------------


class _Boom(Exception):
    pass


class _Hostile:
    """Every dunder a careless scanner might call raises."""

    def __getattr__(self, name):
        raise _Boom(name)

    def __getattribute__(self, name):
        raise _Boom(name)

    def __eq__(self, other):
        raise _Boom("eq")

    def __hash__(self):
        raise _Boom("hash")

    def __bool__(self):
        raise _Boom("bool")


class _LazyModule(types.ModuleType):
    """A lazy loader: any attribute access would import something."""

    def __getattr__(self, name):
        raise _Boom(f"module __getattr__ called for {name}")

    def __getattribute__(self, name):
        if name == "__dict__":
            raise _Boom("__dict__ via getattribute")
        return super().__getattribute__(name)


class _Meta(type):
    def __getattr__(cls, name):
        raise _Boom(name)

    def __eq__(cls, other):
        raise _Boom("meta eq")

    __hash__ = None  # unhashable class objects


def test_survives_hostile_modules_and_values():
    lazy = _LazyModule("hostile.lazy")
    vars_of_lazy = types.ModuleType.__dict__["__dict__"].__get__(lazy)
    vars_of_lazy.update({"proxy": _Hostile(), "get_websocket_manager": _Hostile()})
    plain = types.ModuleType("hostile.plain")
    exec(
        "class FakeWebSocketManager(metaclass=Meta):\n    pass\n"
        "def get_websocket_manager():\n    return 1\n",
        {"Meta": _Meta, "__name__": "hostile.plain"},
        vars(plain),
    )
    plain.__dict__["weird"] = _Hostile()
    modules = {
        "hostile.lazy": lazy,
        "hostile.plain": plain,
        "hostile.notamodule": _Hostile(),
        "hostile.none": None,
        "hostile.c": sys.modules["_json"],  # a C extension module
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = scan_modules("hostile", modules=modules)
    assert [d.name for d in result.classes] == ["FakeWebSocketManager"]
    assert [(d.name, d.kind) for d in result.functions] == [("get_websocket_manager", IMPLEMENTATION)]
    assert result.modules_scanned == 3  # lazy (via the raw dict), plain, the C module


def test_module_dict_bypasses_getattribute():
    lazy = _LazyModule("lazy")
    assert module_dict(lazy) is not None
    assert module_dict(_Hostile()) is None
    assert module_dict(None) is None


def test_unwrap_stops_on_cycles():
    def f():
        pass

    def g():
        pass

    f.__wrapped__ = g
    g.__wrapped__ = f
    assert unwrap(f) is g


def test_lru_cached_function_is_an_implementation(monkeypatch):
    import functools

    mod = types.ModuleType("cachedmod")

    @functools.lru_cache(maxsize=None)
    def get_websocket_manager():
        return 1

    mod.get_websocket_manager = get_websocket_manager
    result = scan_modules("cachedmod", modules={"cachedmod": mod})
    [func] = result.functions
    assert func.kind == IMPLEMENTATION and func.name == "get_websocket_manager"


HEAVY_SCRIPT = FIXTURES / "heavy_env.py"


def test_scan_everything_in_a_heavy_environment():
    """Import hypothesis, pytest, xdist, websockets and every stdlib module that
    imports cleanly (in a child: that pollutes), then scan all of sys.modules
    with warnings as errors, checking that the scan imported nothing."""
    proc = subprocess.run(
        [sys.executable, "-B", str(HEAVY_SCRIPT), "--check"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    counts = dict(line.split("=", 1) for line in proc.stdout.split() if "=" in line)
    assert int(counts["modules"]) > 1000
    assert counts["new_modules"] == "0"
