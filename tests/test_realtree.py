"""The scans on a generated real-shaped backend: static == runtime == the generated truth.

The tree (``tests/generated/realtree.py``) names the searched words in a third of
its files (imports, calls, attributes, comments, docstrings, strings, hints) and
holds the few true definitions behind aliases, re-exports, multi-line and
conditional imports, a star import, nested classes and a forwarding shim. Small
here (seconds); ``benchmarks/scan_speed.py`` times the big one.
"""

from __future__ import annotations

import pytest

from pytest_ssot.scan.findings import SHIM
from pytest_ssot.scan.entry import scan_runtime, scan_static
from tests.generated.realtree import FOREIGN, Words, generate


def observed(defs) -> dict:
    return {(d.module, d.qualname): (d.kind, frozenset(d.paths)) for d in defs}


def located(defs) -> set:
    return {(d.module, d.qualname, d.file, d.line, d.wraps) for d in defs}


def check(result, truth) -> None:
    assert observed(result.classes) == truth.classes, result.mode
    assert observed(result.functions) == truth.functions, result.mode
    assert observed(result.other_classes) == truth.others, result.mode
    assert result.excluded == {"**/tests/**": truth.excluded}, result.mode
    shims = {d.module: d.wraps for d in result.functions if d.kind == SHIM}
    assert shims == truth.shim_targets, result.mode


@pytest.mark.parametrize("words", [Words(), FOREIGN], ids=["websocket", "foreign"])
@pytest.mark.parametrize("seed", [0, 1])
def test_static_runtime_and_truth_agree_on_a_real_shaped_tree(tmp_path, words, seed):
    truth = generate(tmp_path, 80, words=words, seed=seed)
    assert truth.files_with_words / truth.files > 0.25  # the words are everywhere
    static = scan_static(tmp_path, truth.package, words.pattern, [words.function])
    runtime = scan_runtime(tmp_path, truth.package, words.pattern, [words.function], timeout=120)
    assert runtime.import_errors == [] and static.parse_errors == []
    check(static, truth)
    check(runtime, truth)
    assert located(static.classes) == located(runtime.classes)
    assert located(static.functions) == located(runtime.functions)
    assert located(static.other_classes) == located(runtime.other_classes)


def test_cached_scan_agrees_cold_and_warm(tmp_path):
    truth = generate(tmp_path / "tree", 80, seed=3)
    cache = tmp_path / "cache"
    cold = scan_static(tmp_path / "tree", truth.package, cache_dir=cache)
    warm = scan_static(tmp_path / "tree", truth.package, cache_dir=cache)
    check(cold, truth)
    check(warm, truth)
    assert warm.files_parsed == 0
