"""Static scan of a source tree: the runtime scan's questions, answered from ``ast``.

For code the test process never imported, or cannot import (its imports need
services, or a newer Python), the same result as :func:`introspect.scan_modules`
is computed from source: class and function definitions (nested in classes too),
``from X import Name`` / ``import X as Y`` re-exports, ``Name = Other`` aliases,
star imports and ``__all__``, plus every statement that imports a given module.

Parsing costs 20-130x reading the bytes, so a file is parsed only if its bytes
can contain a searched name; each parsed file's summary (query-independent) and
each "irrelevant for this query" verdict are cached by (path, size, mtime).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Pattern, Sequence

from pytest_ssot.findings import (
    ALIAS,
    CLASS,
    DEFAULT_FUNCTIONS,
    IMPLEMENTATION,
    SHIM,
    Definition,
    ImportSite,
    ParseError,
    ScanResult,
    compile_class_pattern,
    in_package,
    sort_definitions,
)

SUMMARY_VERSION = 3
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})
_PY = sys.version.split()[0]

# ---------------------------------------------------------------------------
# per-file summary (what a file defines, binds and imports; cached as JSON)
# ---------------------------------------------------------------------------
# defs:     [qualname, "class"|"function", line, wraps-expr|None]
# bindings: module-level, in execution order:
#   ["def", name, qualname] ["import", name, module] ["from", name, module, attr, level]
#   ["star", module, level] ["alias", name, dotted-expr] ["other", name]
# imports:  [line, module, level, [names], statement]  (anywhere in the file)


def summarize_source(source: bytes | str, filename: str = "<unknown>") -> dict[str, Any]:
    """Summarise one module's source; raises SyntaxError/ValueError if it won't parse."""
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
            wraps = None if is_class else _wraps_target(node)  # type: ignore[arg-type]
            self.s["defs"].append([qualname, CLASS if is_class else "function", _first_line(node), wraps])
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
def _definition_lines(file: str, size: int, mtime: int) -> dict[str, int]:
    try:
        summary = summarize_source(Path(file).read_bytes(), file)
    except (OSError, SyntaxError, ValueError):
        return {}
    return {qualname: line for qualname, _kind, line, _w in summary["defs"]}


def definition_lines(file: str) -> dict[str, int]:
    """qualname -> first line (decorators included) of every class/def in ``file``."""
    try:
        st = os.stat(file)
    except OSError:
        return {}
    return _definition_lines(file, st.st_size, st.st_mtime_ns)


# ---------------------------------------------------------------------------
# files of a tree
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    module: str
    path: str
    is_package: bool


def iter_source_files(root: str | os.PathLike[str], package: str | None = None) -> Iterator[SourceFile]:
    """Every ``.py`` file of ``package`` under ``root`` (the whole root if None)."""
    root_path = os.path.realpath(root)
    parts = package.split(".") if package else []
    base = os.path.join(root_path, *parts)
    if parts and not os.path.isdir(base):
        single = base + ".py"
        if os.path.isfile(single):
            yield SourceFile(package or "", single, False)
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, root_path)
        dir_parts = [] if rel == "." else rel.split(os.sep)
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(dirpath, filename)
            if filename == "__init__.py":
                yield SourceFile(".".join(dir_parts), path, True)
            else:
                yield SourceFile(".".join(dir_parts + [filename[:-3]]), path, False)


def module_file(root: str, module: str) -> SourceFile | None:
    """The file that defines ``module`` under ``root``, if any."""
    base = os.path.join(root, *module.split("."))
    init = os.path.join(base, "__init__.py")
    if os.path.isfile(init):
        return SourceFile(module, init, True)
    if os.path.isfile(base + ".py"):
        return SourceFile(module, base + ".py", False)
    return None


def resolve_relative(module: str, is_package: bool, target: str, level: int) -> str:
    """Absolute module named by ``from <level dots><target> import ...`` in ``module``."""
    if not level:
        return target
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join(p for p in parts + ([target] if target else []) if p)


# ---------------------------------------------------------------------------
# the cache
# ---------------------------------------------------------------------------


class SummaryCache:
    """Per-file summaries and skip verdicts, keyed by path and (size, mtime_ns).

    One JSON file, rewritten atomically (temp file + ``os.replace``) so that
    concurrent xdist workers never see a half-written cache; last writer wins.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None) -> None:
        self.path = Path(cache_dir) / f"static-v{SUMMARY_VERSION}.json" if cache_dir else None
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        if self.path is not None:
            try:
                data = json.loads(self.path.read_bytes())
                if type(data) is dict:
                    self.entries = data
            except (OSError, ValueError):
                pass

    def get(self, path: str, stamp: tuple[int, int]) -> dict[str, Any] | None:
        entry = self.entries.get(path)
        if entry is not None and entry.get("stamp") == list(stamp):
            return entry
        return None

    def put(self, path: str, stamp: tuple[int, int], **values: Any) -> None:
        entry = self.get(path, stamp)
        if entry is None:
            entry = self.entries[path] = {"stamp": list(stamp)}
        entry.update(values)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".static-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(self.entries, separators=(",", ":")))  # dumps: the C encoder
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.dirty = False


# ---------------------------------------------------------------------------
# the scan
# ---------------------------------------------------------------------------


@dataclass
class _Module:
    file: SourceFile
    summary: dict[str, Any] | None  # None: not parsed (irrelevant, or a parse error)
    _table: dict[str, list[Any]] | None = None
    _def_kinds: dict[str, list[Any]] | None = None

    def def_info(self, qualname: str) -> list[Any] | None:
        if self._def_kinds is None:
            self._def_kinds = {d[0]: d for d in (self.summary or {}).get("defs", [])}
        return self._def_kinds.get(qualname)


@dataclass
class _Query:
    pattern: Pattern[str]
    functions: frozenset[str]
    class_words: tuple[bytes, ...] | None  # lowercase literals all required; None: regex fallback
    importer_words: tuple[bytes, ...]
    search_classes: bool = True
    extra_words: set[bytes] = field(default_factory=set)
    # last components of modules that hold a match: a star import of one of them
    # re-exports it (known only once something matched, so it costs nothing before)
    star_words: set[bytes] = field(default_factory=set)

    def fingerprint(self) -> str:
        text = repr(
            (self.pattern.pattern, self.pattern.flags, self.search_classes, sorted(self.functions), self.class_words,
             self.importer_words, sorted(self.extra_words), sorted(self.star_words), SUMMARY_VERSION)
        )
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def relevant(self, data: bytes) -> bool:
        if self.star_words and b"import *" in data:
            if _RELATIVE_STAR.search(data) or any(word in data for word in self.star_words):
                return True
        for word in self.functions_b:
            if word in data:
                return True
        for word in self.importer_words:
            if word in data:
                return True
        for word in self.extra_words:
            if word in data:
                return True
        if not self.search_classes:
            return False
        if self.class_words is None:
            return any(self.pattern.search(w.decode()) for w in set(_IDENT.findall(data)))
        lowered = data.lower()
        return all(word in lowered for word in self.class_words)

    @functools.cached_property
    def functions_b(self) -> tuple[bytes, ...]:
        return tuple(f.encode() for f in self.functions)


_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_RELATIVE_STAR = re.compile(rb"from\s+\.+\s+import\s+\*")


def required_literals(pattern: Pattern[str]) -> tuple[bytes, ...] | None:
    """Lowercase ASCII literals every match of ``pattern`` must contain.

    They let a file be skipped with a substring test on its lowercased bytes
    (sound under any case flag). None: nothing usable, fall back to running the
    regex over the file's identifiers.
    """
    try:
        import re._parser as sre  # type: ignore[import-not-found]
    except ImportError:  # Python 3.10
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        parsed = sre.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    found: list[str] = []
    _collect_literals(list(parsed), found, sre)
    words = tuple(w.lower().encode() for w in found if len(w) >= 3 and w.isascii())
    return words or None


def _collect_literals(items: list[Any], found: list[str], sre: Any) -> None:
    consts = sre  # the op constants live on the parser module (via its constants import)
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append("".join(run))
            run.clear()

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        flush()
        if name == "ASSERT" and arg[0] == 1:  # lookahead: its literals are required
            _collect_literals(list(arg[1]), found, consts)
        elif name == "SUBPATTERN":
            _collect_literals(list(arg[-1]), found, consts)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and arg[0] >= 1:
            _collect_literals(list(arg[2]), found, consts)
    flush()


class StaticScanner:
    """One static scan over ``root``; build it, call :meth:`run`."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        package: str | None,
        class_pattern: str | Pattern[str] | None,
        functions: Sequence[str],
        importers_of: Sequence[str],
        cache_dir: str | os.PathLike[str] | None,
        nested: bool,
        python: str | None,
        classes: bool = True,
    ) -> None:
        self.root = os.path.realpath(root)
        self.package = package or ""
        pattern = compile_class_pattern(class_pattern)
        self.query = _Query(
            pattern=pattern,
            functions=frozenset(functions),
            class_words=required_literals(pattern),
            importer_words=tuple(m.rsplit(".", 1)[-1].encode() for m in importers_of),
            search_classes=classes,
        )
        self.importers_of = tuple(importers_of)
        self.cache = SummaryCache(cache_dir)
        self.nested = nested
        self.python = python
        self.modules: dict[str, _Module] = {}
        self.parse_errors: list[ParseError] = []
        self.files_parsed = 0
        self._unread: dict[str, bytes | None] = {}  # skipped paths -> bytes if read

    # -- loading ---------------------------------------------------------
    def _stamp(self, path: str) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns)

    def _parse(self, sf: SourceFile, data: bytes, stamp: tuple[int, int]) -> dict[str, Any] | None:
        self.files_parsed += 1
        try:
            summary = summarize_source(data, sf.path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            message = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}"
            needs = needs_python(data, exc)
            self.cache.put(sf.path, stamp, summary=None, error=[line, message], needs=needs)
            self.parse_errors.append(ParseError(sf.path, line, message, _PY, needs))
            return None
        self.cache.put(sf.path, stamp, summary=summary, error=None)
        return summary

    def _load(self, sf: SourceFile, fingerprint: str | None, force: bool = False) -> _Module:
        """Summary from cache, or parse the file if it may hold a searched name."""
        stamp = self._stamp(sf.path)
        entry = self.cache.get(sf.path, stamp) if stamp else None
        if entry is not None:
            if "summary" in entry:
                if entry["summary"] is None and entry.get("error"):
                    line, message = entry["error"]
                    self.parse_errors.append(ParseError(sf.path, line, message, _PY, entry.get("needs")))
                return _Module(sf, entry["summary"])
            if not force and fingerprint in entry.get("skip", ()):
                self._unread[sf.path] = None
                return _Module(sf, None)
        try:
            data = Path(sf.path).read_bytes()
        except OSError:
            return _Module(sf, None)
        if stamp is None:
            stamp = (len(data), 0)
        if force or self.query.relevant(data):
            return _Module(sf, self._parse(sf, data, stamp))
        self._unread[sf.path] = data
        return _Module(sf, None)

    def module(self, name: str) -> _Module | None:
        """A module under root, loaded on demand (parsed even if out of scope)."""
        mod = self.modules.get(name)
        if mod is not None:
            if mod.summary is None and mod.file.path in self._unread:
                del self._unread[mod.file.path]
                mod = self.modules[name] = self._load(mod.file, None, force=True)
            return mod
        sf = module_file(self.root, name)
        if sf is None:
            return None
        mod = self.modules[name] = self._load(sf, None, force=True)
        return mod

    # -- resolution ------------------------------------------------------
    def table(self, name: str, seen: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
        """Module-level name -> last binding (star imports expanded)."""
        mod = self.module(name)
        if mod is None or mod.summary is None:
            return {}
        if mod._table is not None:
            return mod._table
        table: dict[str, list[Any]] = {}
        for binding in mod.summary["bindings"]:
            if binding[0] == "star":
                source = resolve_relative(name, mod.file.is_package, binding[1], binding[2])
                if source in seen:
                    continue
                source_table = self.table(source, seen | {name})
                exported = self._exports(source, source_table)
                for exported_name in exported:
                    table[exported_name] = ["from", exported_name, source, exported_name, 0]
            else:
                table[binding[1]] = binding
        if not seen:
            mod._table = table
        return table

    def _exports(self, name: str, table: dict[str, list[Any]]) -> list[str]:
        mod = self.modules.get(name)
        declared = mod.summary.get("all") if mod and mod.summary else None
        return list(declared) if declared is not None else [n for n in table if not n.startswith("_")]

    def _exists(self, module: str) -> bool:
        return module in self.modules or module_file(self.root, module) is not None

    def resolve(self, module: str, name: str, depth: int = 0) -> tuple[str, str, str] | None:
        """("def", module, qualname) or ("module", module, "") for ``module.name``."""
        if depth > 50:
            return None
        binding = self.table(module).get(name)
        if binding is None:
            sub = f"{module}.{name}" if module else name
            return ("module", sub, "") if self._exists(sub) else None
        kind = binding[0]
        if kind == "def":
            return ("def", module, binding[2])
        if kind == "import":
            return ("module", binding[2], "")
        if kind == "from":
            mod = self.modules[module]
            source = resolve_relative(module, mod.file.is_package, binding[2], binding[4])
            if not self._exists(source):
                return None
            return self.resolve(source, binding[3], depth + 1)
        if kind == "alias":
            return self.resolve_dotted(module, binding[2], depth + 1)
        return None

    def resolve_dotted(self, module: str, dotted: str, depth: int = 0) -> tuple[str, str, str] | None:
        head, *rest = dotted.split(".")
        target = self.resolve(module, head, depth + 1)
        for part in rest:
            if target is None:
                return None
            if target[0] == "module":
                target = self.resolve(target[1], part, depth + 1)
            else:
                qualname = f"{target[2]}.{part}"
                owner = self.modules.get(target[1])
                target = ("def", target[1], qualname) if owner and owner.def_info(qualname) else None
        return target

    # -- the run ---------------------------------------------------------
    def run(self) -> ScanResult:
        started = time.perf_counter()
        scope = list(iter_source_files(self.root, self.package or None))
        fingerprint = self.query.fingerprint()
        for sf in scope:
            self.modules[sf.module] = self._load(sf, fingerprint)
        defs = self._match()
        # chase aliases: a file that binds a matched object under another name,
        # or re-exports an alias, contains one of these names
        while True:
            words = self._names_of(defs) - self.query.extra_words
            star_words = self._modules_of(defs) - self.query.star_words
            if not words and not star_words:
                break
            self.query.extra_words |= words
            self.query.star_words |= star_words
            reparsed = False
            for sf in scope:
                data = self._unread.get(sf.path, b"")
                if data is None:
                    data = Path(sf.path).read_bytes()
                if sf.path in self._unread and self.query.relevant(data):
                    del self._unread[sf.path]
                    self.modules[sf.module] = _Module(sf, self._parse(sf, data, self._stamp(sf.path) or (0, 0)))
                    reparsed = True
            if not reparsed:
                break
            for mod in self.modules.values():
                mod._table = None
            defs = self._match()
        final = self.query.fingerprint()
        for path in self._unread:
            stamp = self._stamp(path)
            if stamp:
                skips = (self.cache.get(path, stamp) or {}).get("skip", [])
                if final not in skips:
                    self.cache.put(path, stamp, skip=skips[-7:] + [final])
        importers = self._importers(scope) if self.importers_of else []
        self.cache.save()
        self._needs_check()
        classes, functions = self._definitions(defs)
        return ScanResult(
            mode="static",
            package=self.package,
            classes=classes,
            functions=functions,
            parse_errors=sorted(self.parse_errors, key=lambda e: e.file),
            importers=importers,
            files_scanned=len(scope),
            files_parsed=self.files_parsed,
            modules_scanned=len(scope),
            seconds=time.perf_counter() - started,
            python=_PY,
        )

    def _names_of(self, defs: dict[tuple[str, str], set[str]]) -> set[bytes]:
        names = set()
        for (module, qualname), paths in defs.items():
            names.add(qualname.split(".")[0].encode())
            names.update(p[len(self._scope_module(p)) + 1 :].split(".")[0].encode() for p in paths)
        return names

    def _modules_of(self, defs: dict[tuple[str, str], set[str]]) -> set[bytes]:
        modules = {module for module, _q in defs}
        modules.update(self._scope_module(p) for paths in defs.values() for p in paths)
        return {m.rsplit(".", 1)[-1].encode() for m in modules if m}

    def _scope_module(self, path: str) -> str:
        module = path
        while module and module not in self.modules:
            module = module.rpartition(".")[0]
        return module

    def _match(self) -> dict[tuple[str, str], set[str]]:
        """(module, qualname) of every matched definition -> its paths in scope."""
        paths: dict[tuple[str, str], set[str]] = {}
        bound_names: dict[tuple[str, str], set[str]] = {}
        in_scope = [m for m, mod in list(self.modules.items()) if in_package(m, self.package) and mod.summary]
        for modname in in_scope:
            for name in list(self.table(modname)):
                target = self.resolve(modname, name)
                if target and target[0] == "def":
                    key = (target[1], target[2])
                    paths.setdefault(key, set()).add(f"{modname}.{name}")
                    bound_names.setdefault(key, set()).add(name)
        matched: dict[tuple[str, str], set[str]] = {}
        for key, key_paths in paths.items():
            info = self.modules[key[0]].def_info(key[1])
            if info is None:
                continue
            own = key[1].rsplit(".", 1)[-1]
            names = bound_names[key] | {own}
            if self._matches(info[1], names):
                matched[key] = set(key_paths)
            if self.nested and info[1] == CLASS and in_package(key[0], self.package):
                self._match_nested(key, key_paths, matched)
        return matched

    def _match_nested(self, outer: tuple[str, str], outer_paths: set[str], matched: dict[tuple[str, str], set[str]]) -> None:
        module, qualname = outer
        mod = self.modules[module]
        if not any(p == f"{module}.{qualname}" for p in outer_paths):
            return  # nested definitions are visited where the class is defined
        prefix = qualname + "."
        for inner, kind, _line, _wraps in mod.summary["defs"]:  # type: ignore[index]
            if inner.startswith(prefix) and self._matches(kind, {inner.rsplit(".", 1)[-1]}):
                # every enclosing level must be a class for it to be reachable
                chain = inner[len(prefix):].split(".")
                if all((mod.def_info(prefix + ".".join(chain[:i])) or [0, ""])[1] == CLASS for i in range(1, len(chain))):
                    rel = inner[len(qualname):]
                    matched.setdefault((module, inner), set()).update(p + rel for p in outer_paths)

    def _matches(self, kind: str, names: set[str]) -> bool:
        if kind == CLASS:
            return self.query.search_classes and any(self.query.pattern.search(n) for n in names)
        return bool(names & self.query.functions)

    def _definitions(self, matched: dict[tuple[str, str], set[str]]) -> tuple[list[Definition], list[Definition]]:
        classes, functions = [], []
        for (module, qualname), paths in matched.items():
            mod = self.modules[module]
            _q, kind, line, wraps = mod.def_info(qualname)  # type: ignore[misc]
            name = qualname.rsplit(".", 1)[-1]
            common = dict(name=name, module=module, qualname=qualname, file=mod.file.path, line=line, paths=tuple(sorted(paths)))
            if kind == CLASS:
                classes.append(Definition(kind=CLASS, **common))  # type: ignore[arg-type]
                continue
            target = None
            if wraps:
                fkind = SHIM
                target = self._final_target(module, qualname, wraps)
            else:
                fkind = IMPLEMENTATION if name in self.query.functions else ALIAS
            functions.append(Definition(kind=fkind, wraps=target, **common))  # type: ignore[arg-type]
        return sort_definitions(classes), sort_definitions(functions)

    def _final_target(self, module: str, qualname: str, wraps: str) -> str | None:
        seen = {(module, qualname)}
        while True:
            target = self.resolve_dotted(module, wraps)
            if not target or target[0] != "def" or (target[1], target[2]) in seen:
                return None if not target or target[0] != "def" else f"{target[1]}.{target[2]}"
            module, qualname = target[1], target[2]
            seen.add((module, qualname))
            info = self.modules[module].def_info(qualname)
            if not info or not info[3]:
                return f"{module}.{qualname}"
            wraps = info[3]

    def _importers(self, scope: list[SourceFile]) -> list[ImportSite]:
        files = scope if not self.package else list(iter_source_files(self.root, None))
        sites = []
        for sf in files:
            mod = self.modules.get(sf.module)
            if mod is None or (mod.summary is None and mod.file.path in self._unread):
                mod = self.modules[sf.module] = self._load(sf, self.query.fingerprint())
            if mod.summary is None:
                continue
            for line, target, level, names, statement in mod.summary["imports"]:
                base = resolve_relative(sf.module, sf.is_package, target, level)
                for imported in [base] + [f"{base}.{n}" if base else n for n in names]:
                    hit = next((m for m in self.importers_of if imported == m or imported.startswith(m + ".")), None)
                    if hit:
                        sites.append(ImportSite(sf.module, sf.path, line, hit, statement))
                        break
        self.cache.save()
        return sorted(sites, key=lambda s: (s.file, s.line))

    def _needs_check(self) -> None:
        """Ask the target's interpreter (if given) whether it parses what we could not."""
        if not self.python or not self.parse_errors:
            return
        from pytest_ssot.probes import parses_with  # local: spawns a process

        verdicts = parses_with(self.python, [e.file for e in self.parse_errors])
        self.parse_errors = [
            ParseError(e.file, e.line, e.message, e.python, verdicts.get(e.file) or e.needs) for e in self.parse_errors
        ]


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
            return f"Python >= {version[0]}.{version[1]} ({feature}); this is Python {_PY}"
    return None


def scan_static(
    root: str | os.PathLike[str],
    package: str | None,
    class_pattern: str | Pattern[str] | None = None,
    functions: Sequence[str] = DEFAULT_FUNCTIONS,
    *,
    importers_of: Sequence[str] = (),
    cache_dir: str | os.PathLike[str] | None = None,
    nested: bool = True,
    python: str | None = None,
    classes: bool = True,
) -> ScanResult:
    """Scan ``package`` under ``root`` from source, importing nothing.

    ``importers_of`` lists modules (e.g. deprecated ones) whose importers across
    the whole root are reported in ``result.importers``. ``cache_dir`` keeps
    per-file summaries between runs (None: no cache). ``python``: the target's
    interpreter, asked about files this one cannot parse. ``classes=False``
    searches functions (and importers) only.
    """
    scanner = StaticScanner(root, package, class_pattern, functions, importers_of, cache_dir, nested, python, classes)
    return scanner.run()


def find_importers(
    root: str | os.PathLike[str],
    modules: Sequence[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[ImportSite]:
    """Every ``import``/``from ... import`` of ``modules`` (or below) in ``root``."""
    result = scan_static(root, None, functions=(), importers_of=modules, cache_dir=cache_dir, classes=False)
    return result.importers
