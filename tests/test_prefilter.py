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

from pytest_ssot.findings import compile_class_pattern
from pytest_ssot.introspect import scan_modules
from pytest_ssot.prefilter import NameTest, all_classes, bindings_may_hit, nested_may_hit


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


def test_prefilter_says_no_when_nothing_matches():
    module = _module("unrelated", "import os\nclass Config:\n    def get(self):\n        pass\ndef main():\n    pass\n")
    test = NameTest(compile_class_pattern(None), ["get_websocket_manager"])
    assert not bindings_may_hit(test, [vars(module)])
    assert not scan_modules("unrelated", modules={"unrelated": module}).classes


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
