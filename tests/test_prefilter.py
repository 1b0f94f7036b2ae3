"""The runtime scan's bulk prefilter: it may say "maybe" wrongly, never "no" wrongly.

Each case hides a candidate where only one of the prefilter's tests can see it
(a code name, a binding key, a ``__name__``, a class nested two levels down, a
method), so a prefilter that skipped that test would make the scan miss it.
"""

from __future__ import annotations

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
    name = "prefilter_case"
    module = _module(name, source)
    result = scan_modules(name, modules={name: module})
    assert getattr(result, found), f"the scan missed the candidate: {result}"
    test = NameTest(compile_class_pattern(None), ["get_websocket_manager"])
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
