"""The runtime scan's bulk prefilter: it may say "maybe" wrongly, never "no" wrongly.

Each case hides a candidate where only one of the prefilter's tests can see it
(a code name, a binding key, a ``__name__``, a class nested two levels down, a
method), so a prefilter that skipped that test would make the scan miss it.
"""

from __future__ import annotations

import gc
import sys
import types

import pytest

from pytest_ssot.scan.findings import compile_class_pattern
from pytest_ssot.scan.introspect import scan_modules
from pytest_ssot.scan.prefilter import (
    NameTest,
    all_classes,
    bindings_may_hit,
    class_namespaces,
    keys_may_match,
    namespace_values,
    nested_may_hit,
)


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(source, vars(module))
    return module


CASES = {
    "defined under the name, bound under another": (
        "def make():\n    def get_websocket_manager():\n        return 1\n    return get_websocket_manager\n"
        "gwm = make()\ndel make\n",
        "functions",
    ),
    "class bound under a matching key": ("class Plain:\n    pass\nWebSocketManager = Plain\ndel Plain\n", "classes"),
    "class with a matching __name__ under another key": (
        "class WebSocketManager:\n    pass\nX = WebSocketManager\ndel WebSocketManager\n",
        "classes",
    ),
    "class nested two levels down": (
        "class Outer:\n    class Middle:\n        class DeepWebSocketManager:\n            pass\n",
        "classes",
    ),
    "method": ("class Holder:\n    def get_websocket_manager(self):\n        return 1\n", "functions"),
    "a name that matches only under IGNORECASE folding": (
        "Plain = type('Web\\u017focketManager', (), {})\n",
        "classes",
    ),
}


@pytest.mark.parametrize("source, found", CASES.values(), ids=list(CASES))
def test_every_hidden_candidate_passes_the_prefilter_and_is_found(source, found):
    test = NameTest(compile_class_pattern(None), ["get_websocket_manager"])
    gc.collect()  # classes left alive by earlier cases would answer for this one
    assert not nested_may_hit(test), "a live class already passes the prefilter: the case would prove nothing"
    name = "prefilter_case"
    module = _module(name, source)
    result = scan_modules(name, modules={name: module})
    assert getattr(result, found), f"the scan missed the candidate: {result}"
    assert bindings_may_hit(test, [vars(module)]) or nested_may_hit(test)
    # the scan's own call: every class alive given, keys and names tested before any value is typed
    assert bindings_may_hit(test, [vars(module)], all_classes()) or nested_may_hit(test, all_classes())


def test_prefilter_says_no_when_nothing_matches():
    module = _module("unrelated", "import os\nclass Config:\n    def get(self):\n        pass\ndef main():\n    pass\n")
    test = NameTest(compile_class_pattern(None), ["get_websocket_manager"])
    assert not bindings_may_hit(test, [vars(module)])
    assert not scan_modules("unrelated", modules={"unrelated": module}).classes


def test_prefilter_given_every_class_says_no_only_when_nothing_matches():
    test = NameTest(compile_class_pattern(None), ["get_websocket_manager"])
    plain = _module("unrelated", "import os\nclass Config:\n    def get(self):\n        pass\ndef main():\n    pass\n")
    assert not bindings_may_hit(test, [vars(plain)], [Config := vars(plain)["Config"], int])
    # a matching key sends the classes to the exact test: a class under it is a candidate, a number is not
    assert bindings_may_hit(test, [{"WebSocketManagerAlias": Config}], [Config])
    assert not bindings_may_hit(test, [{"WebSocketManagerSetting": 1}], [Config])
    # a class alive with a matching name, bound under another key
    hidden = type("WebSocketManager", (), {})
    assert bindings_may_hit(test, [{"Plain": hidden}], [Config, hidden])


def test_keys_with_a_nul_or_of_another_type_are_judged_one_by_one():
    test = NameTest(compile_class_pattern(r"Web.SocketManager"), [])
    assert keys_may_match(test, [{"Web\0SocketManager": 1, "other": 2}])  # the NUL must not split the key
    assert keys_may_match(test, [{1: 2, "WebXSocketManager": 3}])
    assert not keys_may_match(test, [{1: 2, "WebSocket": 3}])


def test_namespace_values_hold_every_function_and_class_of_every_module():
    namespaces = [vars(m) for m in list(sys.modules.values()) if type(m) is types.ModuleType]
    wanted = {id(v) for ns in namespaces for v in ns.values() if type(v) is types.FunctionType or isinstance(v, type)}
    assert wanted and wanted <= set(map(id, namespace_values(namespaces)))


def test_class_namespaces_hold_every_class_namespace():
    classes = all_classes()
    found = class_namespaces(classes)
    # a proxy's one referent is the namespace it shows
    held = {id(gc.get_referents(ns)[0]) for ns in found}
    missing = [c for c in classes if id(gc.get_referents(vars(c))[0]) not in held]
    assert not missing


def test_all_classes_reaches_classes_nested_and_local():
    def local():
        class LocalOnly:
            pass

        return LocalOnly

    held = local()
    assert any(c is held for c in all_classes())


# -- the hard cases: aliases under other keys, closure-made functions, hostile values --

HARD = {
    "alias": "def get_websocket_manager():\n    return 1\n",
    "alias_user": "from alias import get_websocket_manager as gwm\n",
    "closure": (
        "def make():\n    def get_websocket_manager():\n        return 2\n    return get_websocket_manager\n"
        "made = make()\ndel make\n"
    ),
    "closure_user": "from closure import made as other_name\n",
    "class_alias": "class WebSocketManager:\n    pass\nHidden = WebSocketManager\ndel WebSocketManager\n",
    "class_alias_user": "from class_alias import Hidden as AlsoHidden\n",
    "plain": "import os\nclass Config:\n    pass\ndef main():\n    pass\n",
}


class _Hostile:
    """Every hook raises: the scan must never call one."""

    def __getattribute__(self, name):
        raise AssertionError(f"__getattribute__({name!r}) called")

    def __eq__(self, other):
        raise AssertionError("__eq__ called")

    def __hash__(self):
        raise AssertionError("__hash__ called")


def _hard_modules() -> dict[str, types.ModuleType]:
    modules: dict[str, types.ModuleType] = {}
    for name, source in HARD.items():
        module = types.ModuleType(name)
        modules[name] = module
        saved = {k: sys.modules.get(k) for k in modules}
        sys.modules.update(modules)
        try:
            exec(source, vars(module))
        finally:
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v
    vars(modules["plain"])["proxy"] = _Hostile()
    vars(modules["alias_user"])["proxy"] = _Hostile()
    return modules


def test_every_path_to_a_hard_case_is_found():
    modules = _hard_modules()
    result = scan_modules("", modules=modules)
    paths = {p for d in result.functions + result.classes for p in d.paths}
    assert {"alias.get_websocket_manager", "alias_user.gwm", "closure.made", "closure_user.other_name",
            "class_alias.Hidden", "class_alias_user.AlsoHidden"} <= paths
    assert len(result.functions) == 2 and len(result.classes) == 1
