"""Parse errors of the static scan against a full parse, with syntax errors planted everywhere.

The scan parses a file only as far as its last binding line, so a syntax error
past it is found only if the file is proven to parse otherwise
(:mod:`pytest_ssot.scan.static_syntax`). The reference is the scan that parses every
file the words prefilter passes whole (``whole`` from ``test_scan_shapes``):

* ``check_syntax=True`` equals it exactly: findings and parse errors;
* by default every finding is the reference's (a file a finding comes from is
  proven to parse or read whole), and each parse error it does not report is in
  a file ``syntax_unchecked`` counts; with every clean file's ``__pycache__``
  entry in place, that count is exactly the number of errors not reported.
"""

from __future__ import annotations

import ast
import compileall
import json
import os
import py_compile
import re
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ssot.scan import static
from pytest_ssot.cli import render_table
from pytest_ssot.scan.entry import scan_static
from pytest_ssot.scan.static import StaticScanner
from pytest_ssot.scan.static_syntax import MAGIC_NUMBER, PycProof, parses, pyc_header_proves
from pytest_ssot.scan.file_summary import summarize_source
from tests.generated.realtree import generate
from tests.test_scan_shapes import CONTEXTS, CORE, PKG, SNIPPETS, key, place, whole

BROKEN = "def broken_{k}(:\n    pass"


def findings(result) -> tuple:
    return key(result)[:3]


def errors(result) -> set[str]:
    return {e.file for e in result.parse_errors}


def reference(monkeypatch, root, package, **kw):
    """The full parse's result; ``result.parsed`` lists the files it parsed (the candidates)."""
    parsed: set[str] = set()
    parse = static.StaticScanner._parse

    def recording(self, sf, data):
        parsed.add(sf.path)
        return parse(self, sf, data)

    with monkeypatch.context() as m:
        whole(m)
        m.setattr(static.StaticScanner, "_parse", recording)
        result = scan_static(root, package, **kw)
    result.parsed = parsed
    return result


def check_against_reference(monkeypatch, root: Path, package: str, pyc_everywhere: bool) -> tuple:
    """The three properties of the module docstring; returns (default, reference) results."""
    ref = reference(monkeypatch, root, package)
    checked = scan_static(root, package, check_syntax=True)
    assert key(checked) == key(ref)
    assert checked.syntax_unchecked == 0
    fast = scan_static(root, package)
    assert findings(fast) == findings(ref)
    assert errors(fast) <= errors(ref)
    missed = len(errors(ref) - errors(fast))
    if pyc_everywhere:
        assert fast.syntax_unchecked == missed
    else:
        assert missed <= fast.syntax_unchecked <= len(ref.parsed) - len(errors(fast))
    assert (fast.syntax_note() is None) == (fast.syntax_unchecked == 0)
    return fast, ref


# -- property: drawn modules, an error planted between any two chunks -----------

modules = st.lists(
    st.tuples(
        st.lists(st.tuples(st.sampled_from(range(len(SNIPPETS))), st.sampled_from(CONTEXTS)), min_size=1, max_size=5),
        st.one_of(st.none(), st.integers(min_value=0, max_value=12)),  # where the broken statement goes
    ),
    min_size=1, max_size=4,
)


def package(root: Path, name: str, core: str, **modules: str) -> Path:
    """``name/__init__.py``, ``name/core.py`` holding ``core``, and ``modules`` (file stem -> source)."""
    pkg = root / name
    pkg.mkdir()
    for stem, text in {"__init__": "", "core": core, **modules}.items():
        (pkg / f"{stem}.py").write_text(text)
    return pkg


HUB = "class HubWebSocketManager:\n    pass\n"


def write_broken(root: Path, spec) -> None:
    pkg = package(root, PKG, CORE)
    k = 0
    for i, (parts, at) in enumerate(spec):
        chunks = ["from typing import TYPE_CHECKING", "def filler(x):\n    return x  # HubWebSocketManager"]
        for snippet, context in parts:
            k += 1
            chunks.append(place(SNIPPETS[snippet], context, k))
        chunks.append("def tail():\n    return 1")
        if at is not None:  # before, between or after the binding lines, or in a file that has none
            chunks.insert(min(at, len(chunks)), BROKEN.replace("{k}", str(i)))
        (pkg / f"m{i}.py").write_text("\n\n\n".join(chunks) + "\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(modules, st.booleans())
def test_parse_errors_match_the_full_parse(monkeypatch, spec, pyc):
    with tempfile.TemporaryDirectory() as tmp:
        write_broken(Path(tmp), spec)
        if pyc:
            compile_tree(tmp)
        check_against_reference(monkeypatch, Path(tmp), PKG, pyc)
        with tempfile.TemporaryDirectory() as cache:  # the cache keeps the verdicts: cold and warm agree
            cold = scan_static(tmp, PKG, cache_dir=cache)
            warm = scan_static(tmp, PKG, cache_dir=cache)
            assert key(warm) == key(cold) and warm.syntax_unchecked == cold.syntax_unchecked
            full = scan_static(tmp, PKG, cache_dir=cache, check_syntax=True)
            after = scan_static(tmp, PKG, cache_dir=cache)  # every candidate known now
            assert key(after) == key(full) and after.syntax_unchecked == 0


def compile_tree(root) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compileall.compile_dir(str(root), quiet=2)


# -- the real-shaped tree, an error planted at each kind of place ---------------

def top_binding_lines(text: str, words: tuple[str, ...]) -> list[int]:
    """Indexes (0-based) of the first lines of module-level statements that bind a searched word."""
    return [node.lineno - 1 for node in ast.parse(text).body
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign))
            and any(w in (ast.get_source_segment(text, node) or "") for w in words)]


def plant(path: Path, where: str) -> None:
    lines = path.read_text().splitlines()
    broken = BROKEN.replace("{k}", where)
    if where == "before":
        lines.insert(0, broken)
    elif where == "between":
        last = top_binding_lines(path.read_text(), ("WebSocketManager", "get_websocket_manager"))[-1]
        lines.insert(last, broken)
    else:
        lines.append(broken)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("pyc", [False, True], ids=["no-pycache", "pycache"])
def test_planted_errors_on_a_real_shaped_tree(tmp_path, monkeypatch, pyc):
    truth = generate(tmp_path, 120, seed=5)
    scanner = StaticScanner(tmp_path, truth.package, None, ["get_websocket_manager"], (), None, True, None)
    clean = scanner.run()
    paths = {Path(p) for d in clean.classes + clean.functions for p in [d.file]}
    finding_files = sorted(Path(scanner.modules[scanner._scope_module(p)].file.path)
                           for d in clean.classes + clean.functions for p in d.paths)
    partial = [p for p in dict.fromkeys(finding_files) if str(p) in scanner._partial and p not in paths]
    twice = [p for p in partial
             if len(top_binding_lines(p.read_text(), ("WebSocketManager", "get_websocket_manager"))) >= 2]
    nobind = sorted(Path(p) for p in scanner.syntax.unchecked)
    wordless = sorted(Path(m.file.path) for m in scanner.modules.values() if m.summary is None
                      and m.file.path not in scanner.syntax.candidates and "mod" in m.file.path)
    assert len(partial) >= 3 and twice and nobind and wordless
    planted = {"before": partial[0], "between": twice[-1], "after": partial[1], "nobind": nobind[0],
               "wordless": wordless[0]}
    assert len(set(planted.values())) == len(planted)
    for where, path in planted.items():
        plant(path, where)
    if pyc:
        compile_tree(tmp_path)
    fast, ref = check_against_reference(monkeypatch, tmp_path, truth.package, pyc)
    want = {str(planted[w]) for w in ("before", "between", "after", "nobind")}
    assert errors(ref) == want  # the wordless file is no candidate: a full parse never read it either
    # every file a finding came from is exact: its error is reported and its paths are gone
    assert errors(fast) == want - {str(planted["nobind"])}
    assert findings(fast) != findings(clean)
    if pyc:  # only the file that binds nothing is left: its error is the one not reported
        assert fast.syntax_unchecked == 1
    assert "--check-syntax" in render_table(fast)


# -- the proofs one by one ----------------------------------------------------

def test_a_pyc_proves_only_the_version_it_was_written_for(tmp_path):
    src = tmp_path / "m.py"
    src.write_bytes(b"x = 1\n")
    py_compile.compile(str(src), doraise=True)
    proof = PycProof()
    st_ = os.stat(src)
    data = src.read_bytes()
    assert proof.proves(str(src), data, (st_.st_size, st_.st_mtime_ns))
    assert not proof.proves(str(src), data, (st_.st_size + 1, st_.st_mtime_ns))  # size differs
    assert not proof.proves(str(src), data, (st_.st_size, st_.st_mtime_ns + 5 * 10**9))  # mtime differs
    assert not PycProof().proves(str(tmp_path / "other.py"), data, (st_.st_size, st_.st_mtime_ns))  # no pyc


def test_a_hash_based_pyc_proves_its_source_only(tmp_path):
    src = tmp_path / "m.py"
    src.write_bytes(b"x = 1\n")
    py_compile.compile(str(src), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    stamp = (0, 0)  # a hash-based pyc ignores size and mtime
    assert PycProof().proves(str(src), b"x = 1\n", stamp)
    assert not PycProof().proves(str(src), b"x = 2\n", stamp)
    assert not PycProof().proves(str(src), None, stamp)  # no bytes: nothing to hash


def test_a_pyc_header_of_another_interpreter_or_format_proves_nothing():
    stamp = (6, 1_700_000_000 * 10**9)
    good = MAGIC_NUMBER + (0).to_bytes(4, "little") + (1_700_000_000).to_bytes(4, "little") + (6).to_bytes(4, "little")
    assert pyc_header_proves(good, None, stamp)
    assert not pyc_header_proves(b"\x00\x00\r\n" + good[4:], None, stamp)  # another magic number
    assert not pyc_header_proves(good[:4] + (4).to_bytes(4, "little") + good[8:], None, stamp)  # unknown flag
    assert not pyc_header_proves(good[:12], None, stamp)  # truncated


def test_symtable_proves_a_file_parses_and_never_warns():
    assert parses(b"x = 1\n", "m.py")
    assert not parses(b"def f(:\n", "m.py")
    assert not parses(b"nonlocal x\n", "m.py")  # symtable rejects it, ast parses it: the caller parses whole
    assert parses("# -*- coding: latin-1 -*-\nx = '\xe9'\n".encode("latin-1"), "m.py")  # the cookie is read
    assert not parses(b"x = '\xff'\n", "m.py")  # not UTF-8, no cookie
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parses(b"x = 1\nif x is 1:\n    y = '\\d'\n", "m.py")  # SyntaxWarning, DeprecationWarning


def test_a_file_symtable_rejects_but_ast_parses_is_no_parse_error(tmp_path, monkeypatch):
    package(tmp_path, "p", HUB, user="from p.core import HubWebSocketManager\nnonlocal x\n")
    fast = scan_static(tmp_path, "p")
    assert fast.parse_errors == [] and key(fast) == key(reference(monkeypatch, tmp_path, "p"))
    assert fast.classes[0].paths == ("p.core.HubWebSocketManager", "p.user.HubWebSocketManager")


def test_warnings_as_errors_do_not_make_parse_errors(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summarize_source(b"import re\nPATTERN = '\\d+'\n")  # an invalid escape: a warning, not an error


def test_a_stale_pyc_leaves_the_file_unchecked(tmp_path):
    doc = package(tmp_path, "p", HUB, doc='"""Talks about the HubWebSocketManager."""\n') / "doc.py"
    assert scan_static(tmp_path, "p").syntax_unchecked == 1
    compile_tree(tmp_path)
    assert scan_static(tmp_path, "p").syntax_unchecked == 0
    doc.write_text('"""Talks about the HubWebSocketManager."""\ndef f(:\n')  # changed after its pyc
    os.utime(doc, ns=(os.stat(doc).st_atime_ns, os.stat(doc).st_mtime_ns + 3 * 10**9))
    stale = scan_static(tmp_path, "p")
    assert stale.syntax_unchecked == 1 and stale.parse_errors == []
    assert [os.path.basename(e.file) for e in scan_static(tmp_path, "p", check_syntax=True).parse_errors] == ["doc.py"]


def test_ssot_scan_says_what_it_did_not_check_and_checks_it_when_asked(tmp_path, capsys):
    from pytest_ssot.cli import main

    package(tmp_path, "p", HUB, doc='"""Talks about the HubWebSocketManager."""\ndef f(:\n')
    assert main(["scan", "--root", str(tmp_path), "--package", "p", "--static", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "syntax not checked in 1 file that" in out and "parse error" not in out
    assert main(["scan", "--root", str(tmp_path), "--package", "p", "--static", "--no-cache", "--check-syntax"]) == 0
    out = capsys.readouterr().out
    assert "syntax not checked" not in out and "parse error:" in out and "doc.py:2" in out
    assert main(["scan", "--root", str(tmp_path), "--package", "p", "--no-cache", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["syntax_unchecked"] == 1
