"""The runtime prefilter's bulk strings give the exact walk's answer, on foreign names.

The fast "no" reads every module key and every class name alive as one
lowered string, finds the namespaces a required word lands in by offset, looks
class namespaces up as it reads them and cuts qualnames only at their dots.
Each test here holds it to the slow answer (every module walked value by
value, no prefilter) on a query of its own (``ledger``/``broker`` words, a
``fetch_quota_ledger`` function): violating inputs, where a hidden candidate
sits exactly where one shortcut would lose it, and clean ones, where the words
are everywhere but never together.
"""

from __future__ import annotations

import gc
import re
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ssot.scan import introspect
from pytest_ssot.scan.introspect import scan_modules
from pytest_ssot.scan.prefilter import NameTest, all_classes, class_keys_in, keys_may_match, nested_may_hit

PATTERN = r"(?i)^(?=.*ledger)(?=.*broker)"
FUNCTION = "fetch_quota_ledger"


def _test(functions=(FUNCTION,)) -> NameTest:
    return NameTest(re.compile(PATTERN), functions)


def _exact_names(names) -> bool:
    return any(re.search(PATTERN, n) for n in names)


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(source, vars(module))
    return module


def _answer(result):
    """What a scan found, without timings."""
    return [(d.module, d.qualname, d.kind, d.paths) for d in result.classes + result.functions + result.other_classes]


def _slow(monkeypatch, modules):
    """The exact walk over every module: the prefilter answers "maybe" for everything."""
    with monkeypatch.context() as patch:
        patch.setattr(introspect, "bindings_may_hit", lambda *args, **kwargs: True)
        patch.setattr(introspect, "nested_may_hit", lambda *args, **kwargs: True)
        return _answer(scan_modules("", PATTERN, [FUNCTION], modules=modules))


# the words everywhere, never in one name: what a real tree looks like to the prefilter
CLEAN = {
    "orders.ledger": "class Ledger:\n    class Entry:\n        pass\nledger_total = 0\ndef post_ledger():\n    pass\n",
    "orders.broker": "class Broker:\n    def fetch_quota(self):\n        pass\nbroker_url = 'x'\n",
    "orders.both": "class Ledger:\n    pass\nBrokerSide = Ledger\nLEDGER = 1\nBROKER = 2\n",
    "orders.odd_keys": "globals()['ledger\\0broker_split'] = 1\nglobals()['Ledger\\u017fX'] = 2\n",
}

# one hidden candidate each, where a single shortcut would lose it
VIOLATING = {
    "alias key": "class Plain:\n    pass\nLedgerBrokerAlias = Plain\ndel Plain\n",
    "hidden __name__": "class LedgerBroker:\n    pass\nQuiet = LedgerBroker\ndel LedgerBroker\n",
    "nested two deep": "class Outer:\n    class Middle:\n        class DeepLedgerBroker:\n            pass\n",
    "method": "class Holder:\n    def fetch_quota_ledger(self):\n        return 1\n",
    "code name under another key": (
        "def make():\n    def fetch_quota_ledger():\n        return 2\n    return fetch_quota_ledger\nhandle = make()\ndel make\n"
    ),
    "key with a NUL between the words": "class Plain:\n    pass\nglobals()['Ledger\\0Broker'] = Plain\ndel Plain\n",
    "Kelvin sign folds to k": "Plain = type('LedgerBro\\u212aer', (), {})\n",
    "nested under a key and qualname with a NUL": (
        "class Outer:\n    pass\nclass Inner:\n    pass\nInner.__qualname__ = 'Outer.Ledger\\0Broker'\n"
        "setattr(Outer, 'Ledger\\0Broker', Inner)\ndel Inner\n"
    ),
}


def _clean_modules() -> dict[str, types.ModuleType]:
    return {name: _module(name, source) for name, source in CLEAN.items()}


def test_clean_tree_fast_answer_equals_the_slow_walk(monkeypatch):
    modules = _clean_modules()
    fast = _answer(scan_modules("", PATTERN, [FUNCTION], modules=modules))
    assert fast == _slow(monkeypatch, modules) == []


@pytest.mark.parametrize("source", VIOLATING.values(), ids=list(VIOLATING))
def test_hidden_candidate_fast_answer_equals_the_slow_walk(monkeypatch, source):
    gc.collect()  # classes left alive by earlier cases would answer for this one
    assert not nested_may_hit(_test()), "a live class already passes the prefilter: the case would prove nothing"
    modules = {**_clean_modules(), "orders.hidden": _module("orders.hidden", source)}
    slow = _slow(monkeypatch, modules)
    assert slow, "the slow walk must find the hidden candidate, or the case proves nothing"
    assert _answer(scan_modules("", PATTERN, [FUNCTION], modules=modules)) == slow


def test_keys_found_by_offset_only_in_their_own_namespace():
    test = _test()
    spread = [{"ledger_a": 1, "broker_b": 2}, {"Ledger": 1}, {"x": 1, "BROKER": 2}]
    assert not keys_may_match(test, spread)  # the words in every namespace, never in one key
    assert not keys_may_match(test, [{"led": 1, "gerbroker": 2}])  # met only where two keys touch
    assert keys_may_match(test, spread + [{"y": 1, "my_ledger_broker": 2}])
    assert keys_may_match(test, [{"Ledger\0Broker": 1}])  # a NUL inside the key does not cut it
    assert keys_may_match(test, [{"LedgerBro\u212aer": 1}])  # non-ASCII: judged by the regex
    assert keys_may_match(test, [{1: 2, "LedgerBroker": 3}])  # a key of another type


def test_class_names_after_the_keys_are_cut_at_their_nuls():
    test = _test()
    assert not keys_may_match(test, [{"ledger": 1}], ["BrokerSide", "LedgerRow"])
    assert keys_may_match(test, [{"ledger": 1}], ["BrokerSide", "RowLedgerBroker"])
    assert keys_may_match(test, [], ["LedgerBroker"])
    assert not keys_may_match(test, [], [])


def test_nested_tails_and_class_keys():
    gc.collect()
    test = _test()
    classes = all_classes()
    assert not nested_may_hit(test, classes), "a live class already matches: the case would prove nothing"
    top = type("LedgerBroker", (), {})  # a top-level class: no nested key can match
    assert not nested_may_hit(test, all_classes())
    inner = type("Inner", (), {})
    inner.__qualname__ = "Shell.AuditLedgerBroker"
    assert nested_may_hit(test, all_classes())
    del inner
    holder = type("Holder", (), {FUNCTION: lambda self: 1})
    assert class_keys_in(test, [top, holder]) and not class_keys_in(test, [top])
    two = _test((FUNCTION, "other_name"))  # several names: the namespaces read once for all
    assert class_keys_in(two, [top, holder]) and not class_keys_in(two, [top])


WORD_PIECES = st.sampled_from(["ledger", "Broker", "LEDGER", "broker", "led", "ger", "x", "_", "\0", "\u212a", "ſ", "."])
NAMES = st.lists(WORD_PIECES, min_size=1, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(NAMES, max_size=6), max_size=6), st.lists(NAMES, max_size=6))
def test_keys_may_match_never_says_no_to_a_match(key_lists, class_names):
    namespaces = [dict.fromkeys(keys, 0) for keys in key_lists]
    exact = _exact_names([k for ns in namespaces for k in ns]) or _exact_names(class_names)
    # the pattern's words decide it exactly, so "maybe" is exact too
    assert keys_may_match(_test(), namespaces, class_names) == exact
