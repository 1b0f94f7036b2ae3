"""What one source file defines, binds and imports: its summary, from ``ast``.

A summary does not depend on the query, so it is computed once per file
version and cached (:mod:`pytest_ssot.scan.summary_cache`); the static scan resolves
names over summaries only. Plain JSON-able lists, so the cache is one
``json.dumps`` away.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from pytest_ssot.scan.findings import CLASS

SUMMARY_VERSION = 6  # 4: class bases; forwarding functions; 5: partial summaries (cut, valid); 6: parses, nobind
PY_VERSION = sys.version.split()[0]

# defs:     [qualname, "class"|"function", line, delegate-expr|None, [base-expr, ...]|None]
#           delegate-expr: what a function delegates to (functools.wraps target, or the
#           callee of a body that only forwards its parameters); bases: classes only
# bindings: module-level, in execution order:
#   ["def", name, qualname] ["import", name, module] ["from", name, module, attr, level]
#   ["star", module, level] ["alias", name, dotted-expr] ["other", name]
# imports:  [line, module, level, [names], statement]  (anywhere in the file)


def summarize_source(source: bytes | str, filename: str = "<unknown>") -> dict[str, Any]:
    """Summarise one module's source; raises SyntaxError/ValueError if it won't parse.

    Warnings are ignored: an invalid escape in a string is the file's business,
    and a ``-W error`` filter in the scanning process must not make it a parse error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source, filename)
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    summary: dict[str, Any] = {"defs": [], "bindings": [], "imports": [], "all": None}
    _Summariser(summary, text.splitlines()).module(tree)
    return summary


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None)
    return decorators[0].lineno if decorators else node.lineno  # type: ignore[attr-defined]


def _dotted(node: ast.AST | None) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _wraps_target(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and deco.args:
            name = _dotted(deco.func)
            if name and name.rsplit(".", 1)[-1] == "wraps":
                return _dotted(deco.args[0]) or "?"
    return None


def _forward_target(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The callee, if the body only forwards every parameter to it (a plain shim).

    One statement after an optional docstring: ``[return] [await] f(params)``,
    where ``f`` is a dotted name not rooted in a parameter, and every argument
    is a parameter (``*args``/``**kwargs`` spread as such), each used once.
    """
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], (ast.Return, ast.Expr)):
        return None
    value = body[0].value
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    callee = _dotted(value.func)
    a = node.args
    params = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    star = a.vararg.arg if a.vararg else None
    dstar = a.kwarg.arg if a.kwarg else None
    if callee is None or callee.split(".")[0] in params + [star, dstar]:
        return None
    used: list[str] = []
    for arg in value.args:
        if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) and arg.value.id == star:
            used.append(star)
        elif isinstance(arg, ast.Name) and arg.id in params:
            used.append(arg.id)
        else:
            return None
    for kw in value.keywords:
        if kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == dstar:
            used.append(dstar)
        elif kw.arg is not None and isinstance(kw.value, ast.Name) and kw.value.id in params:
            used.append(kw.value.id)
        else:
            return None
    expected = params + [p for p in (star, dstar) if p]
    return callee if sorted(used) == sorted(expected) else None


def _base_names(node: ast.ClassDef) -> list[str]:
    """Each base as a dotted name (``Protocol[T]`` -> ``Protocol``; "?" if not a name)."""
    names = []
    for base in node.bases:
        if isinstance(base, ast.Subscript):
            base = base.value
        names.append(_dotted(base) or "?")
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (_dotted(test) or "").rsplit(".", 1)[-1] == "TYPE_CHECKING"


class _Summariser:
    def __init__(self, summary: dict[str, Any], lines: list[str]) -> None:
        self.s = summary
        self.lines = lines

    def module(self, tree: ast.Module) -> None:
        self.block(tree.body, top=True)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.record_import(node)

    def record_import(self, node: ast.Import | ast.ImportFrom) -> None:
        statement = self.lines[node.lineno - 1].strip() if node.lineno <= len(self.lines) else ""
        names = [a.name for a in node.names]
        if isinstance(node, ast.Import):
            for name in names:
                self.s["imports"].append([node.lineno, name, 0, [], statement])
        else:
            self.s["imports"].append([node.lineno, node.module or "", node.level, names, statement])

    def block(self, body: list[ast.stmt], top: bool, prefix: str = "") -> None:
        for node in body:
            self.statement(node, top, prefix)

    def statement(self, node: ast.stmt, top: bool, prefix: str) -> None:
        bind = self.s["bindings"].append if top else (lambda _b: None)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qualname = prefix + node.name
            is_class = isinstance(node, ast.ClassDef)
            if is_class:
                wraps, bases = None, _base_names(node)  # type: ignore[arg-type]
            else:
                wraps, bases = _wraps_target(node) or _forward_target(node), None  # type: ignore[arg-type]
            self.s["defs"].append([qualname, CLASS if is_class else "function", _first_line(node), wraps, bases])
            bind(["def", node.name, qualname])
            if is_class:  # nested definitions are reachable as Outer.Inner
                self.block(node.body, top=False, prefix=qualname + ".")
        elif not top:
            return
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bind(["import", alias.asname, alias.name])
                else:
                    head = alias.name.split(".")[0]
                    bind(["import", head, head])
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    bind(["star", node.module or "", node.level])
                else:
                    bind(["from", alias.asname or alias.name, node.module or "", alias.name, node.level])
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            source = _dotted(node.value) if node.value is not None else None
            for target in targets:
                if isinstance(target, ast.Name):
                    if target.id == "__all__":
                        self.s["all"] = _literal_names(node.value)
                    bind(["alias", target.id, source] if source else ["other", target.id])
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if node.target.id == "__all__" and self.s["all"] is not None:
                self.s["all"] = self.s["all"] + (_literal_names(node.value) or [])
        elif isinstance(node, ast.If):
            if _is_type_checking(node.test):
                self.block(node.orelse, top, prefix)
            else:
                self.block(node.body, top, prefix)
                self.block(node.orelse, top, prefix)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            # the fallback in a handler is what runs only if the body failed:
            # bind it first so the body's (normal) binding wins
            for handler in node.handlers:  # type: ignore[attr-defined]
                self.block(handler.body, top, prefix)
            for part in (node.body, node.orelse, node.finalbody):  # type: ignore[attr-defined]
                self.block(part, top, prefix)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            self.block(node.body, top, prefix)


def _literal_names(node: ast.AST | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


@functools.lru_cache(maxsize=256)
def _definitions(file: str, size: int, mtime: int) -> dict[str, list[Any]]:
    try:
        summary = summarize_source(Path(file).read_bytes(), file)
    except (OSError, SyntaxError, ValueError):
        return {}
    return {d[0]: d for d in summary["defs"]}


def definitions(file: str) -> dict[str, list[Any]]:
    """qualname -> the summary's def entry (see above) for every class/def in ``file``."""
    try:
        st = os.stat(file)
    except OSError:
        return {}
    return _definitions(file, st.st_size, st.st_mtime_ns)


def definition_lines(file: str) -> dict[str, int]:
    """qualname -> first line (decorators included) of every class/def in ``file``."""
    return {qualname: d[2] for qualname, d in definitions(file).items()}


def needs_python(source: bytes, exc: BaseException) -> str | None:
    """A best guess at the Python a file needs, when the syntax is a newer one."""
    text = source.decode("utf-8", "replace")
    message = str(getattr(exc, "msg", exc))
    checks = [
        ((3, 12), "f-string" in message, "PEP 701 f-string syntax"),
        ((3, 12), re.search(r"^\s*type\s+\w+(\[.*\])?\s*=", text, re.M) is not None, "the 'type' statement"),
        ((3, 12), re.search(r"^\s*(def|class)\s+\w+\[", text, re.M) is not None, "PEP 695 generics"),
        ((3, 11), re.search(r"^\s*except\s*\*", text, re.M) is not None, "except*"),
        ((3, 10), re.search(r"^\s*match\s+.+:\s*$", text, re.M) is not None, "the match statement"),
    ]
    for version, hit, feature in checks:
        if hit and sys.version_info[:2] < version:
            return f"Python >= {version[0]}.{version[1]} ({feature}); this is Python {PY_VERSION}"
    return None
