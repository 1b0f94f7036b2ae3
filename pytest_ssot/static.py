"""Static scan of a source tree: the runtime scan's questions, answered from ``ast``.

For code the test process never imported, or cannot import (its imports need
services, or a newer Python), the same result as :func:`introspect.scan_modules`
is computed from source: class and function definitions (nested in classes too),
``from X import Name`` / ``import X as Y`` re-exports, ``Name = Other`` aliases,
star imports and ``__all__``, plus every statement that imports a given module.

This module runs the scan: load (cache, bytes test, parse), match, chase
aliases, report. Its parts live beside it, one job each:
:mod:`~pytest_ssot.summary` (one file's AST summary),
:mod:`~pytest_ssot.summary_cache` (the on-disk cache),
:mod:`~pytest_ssot.static_query` (search terms and the bytes test),
:mod:`~pytest_ssot.static_resolve` (name resolution over summaries),
:mod:`~pytest_ssot.source_tree` (files and module names). Their public names
are importable from here too.
"""

from __future__ import annotations

import builtins
import os
import time
from typing import Any, Pattern, Sequence

from pytest_ssot.findings import (
    ALIAS,
    CLASS,
    DEFAULT_FUNCTIONS,
    ENUM,
    EXCEPTION,
    IMPLEMENTATION,
    PROTOCOL,
    SHIM,
    Definition,
    ImportSite,
    ParseError,
    ScanResult,
    compile_class_pattern,
    in_package,
    sort_definitions,
    split_classes,
)
from pytest_ssot.exclude import Exclusion, resolve_exclude
from pytest_ssot.kinds import base_kind
from pytest_ssot.literals import required_literals
from pytest_ssot.source_tree import SKIP_DIRS, SourceFile, iter_source_files, module_file, resolve_relative
from pytest_ssot.static_query import Query
from pytest_ssot.static_resolve import ModuleSummary, Resolver
from pytest_ssot.summary import PY_VERSION, SUMMARY_VERSION, definition_lines, needs_python, summarize_source
from pytest_ssot.summary_cache import SummaryCache

__all__ = [
    "SKIP_DIRS",
    "SUMMARY_VERSION",
    "SourceFile",
    "StaticScanner",
    "SummaryCache",
    "definition_lines",
    "find_importers",
    "iter_source_files",
    "module_file",
    "needs_python",
    "required_literals",
    "resolve_relative",
    "scan_static",
    "summarize_source",
]


_BUILTINS = vars(builtins)


class StaticScanner(Resolver):
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
        exclude: Sequence[str] | None = None,
    ) -> None:
        self.exclusion = Exclusion(resolve_exclude(exclude))
        self.root = os.path.realpath(root)
        self.package = package or ""
        pattern = compile_class_pattern(class_pattern)
        self.query = Query(
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
        self.modules: dict[str, ModuleSummary] = {}
        self.files: dict[str, SourceFile | None] = {}
        self.parse_errors: list[ParseError] = []
        self.files_parsed = 0
        self._unread: dict[str, bytes | None] = {}  # skipped paths -> bytes if read
        self._stamps: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns), one stat or fstat each

    # -- loading ---------------------------------------------------------
    def _stamp(self, path: str) -> tuple[int, int] | None:
        stamp = self._stamps.get(path)
        if stamp is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
            stamp = self._stamps[path] = (st.st_size, st.st_mtime_ns)
        return stamp

    def _read(self, path: str) -> bytes | None:
        """The file's bytes; its stamp comes from the same open (``fstat``), not another ``stat``."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            data = os.read(fd, st.st_size + 1)
            if len(data) != st.st_size:  # a short read, or the file changed since fstat: read to the end
                chunks = [data]
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
                data = b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)
        self._stamps.setdefault(path, (st.st_size, st.st_mtime_ns))
        return data

    def _parse(self, sf: SourceFile, data: bytes) -> dict[str, Any] | None:
        self.files_parsed += 1
        stamp = self._stamps.get(sf.path) or (len(data), 0)
        try:
            summary = summarize_source(data, sf.path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            message = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}"
            needs = needs_python(data, exc)
            self.cache.put(sf.path, stamp, summary=None, error=[line, message], needs=needs)
            self.parse_errors.append(ParseError(sf.path, line, message, PY_VERSION, needs))
            return None
        self.cache.put(sf.path, stamp, summary=summary, error=None)
        return summary

    def _load(self, sf: SourceFile, fingerprint: str | None, force: bool = False) -> ModuleSummary:
        """Summary from cache, or parse the file if it may hold a searched name."""
        path = sf.path
        if self.cache.has(path):  # only then is a stat worth it: a cold run reads anyway
            stamp = self._stamp(path)
            entry = self.cache.get(path, stamp) if stamp else None
            if entry is not None:
                if "summary" in entry:
                    if entry["summary"] is None and entry.get("error"):
                        line, message = entry["error"]
                        self.parse_errors.append(ParseError(path, line, message, PY_VERSION, entry.get("needs")))
                    return ModuleSummary(sf, entry["summary"])
                if not force and fingerprint in entry.get("skip", ()):
                    self._unread[path] = None
                    return ModuleSummary(sf, None)
        data = self._read(path)
        if data is None:
            return ModuleSummary(sf, None)
        if force or self.query.relevant(data):
            return ModuleSummary(sf, self._parse(sf, data))
        self._unread[path] = data
        return ModuleSummary(sf, None)

    def module(self, name: str) -> ModuleSummary | None:
        """A module under root, loaded on demand (parsed even if out of scope)."""
        mod = self.modules.get(name)
        if mod is not None:
            if mod.summary is None and mod.file.path in self._unread:
                del self._unread[mod.file.path]
                mod = self.modules[name] = self._load(mod.file, None, force=True)
            return mod
        sf = self.module_file(name)
        if sf is None:
            return None
        mod = self.modules[name] = self._load(sf, None, force=True)
        return mod

    # -- the run ---------------------------------------------------------
    def run(self) -> ScanResult:
        started = time.perf_counter()
        scope = list(iter_source_files(self.root, self.package or None, self.exclusion))
        self.scope_modules = {sf.module for sf in scope}
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
                if sf.path not in self._unread:
                    continue
                data = self._unread[sf.path]
                if data is None:
                    data = self._read(sf.path) or b""
                if self.query.relevant(data):
                    del self._unread[sf.path]
                    self.modules[sf.module] = ModuleSummary(sf, self._parse(sf, data))
                    reparsed = True
            if not reparsed:
                break
            for mod in self.modules.values():
                mod._table = None
            defs = self._match()
        importers = self._importers(scope) if self.importers_of else []
        self._record_skips()
        self.cache.save()
        self._needs_check()
        classes, functions = self._definitions(defs)
        classes, other_classes = split_classes(classes)
        return ScanResult(
            mode="static",
            package=self.package,
            classes=classes,
            functions=functions,
            other_classes=other_classes,
            excluded=dict(self.exclusion.counts),
            parse_errors=sorted(self.parse_errors, key=lambda e: e.file),
            importers=importers,
            files_scanned=len(scope),
            files_parsed=self.files_parsed,
            modules_scanned=len(scope),
            seconds=time.perf_counter() - started,
            python=PY_VERSION,
            class_pattern=self.query.pattern.pattern if self.query.search_classes else None,
            searched_functions=sorted(self.query.functions),
        )

    def _record_skips(self) -> None:
        """Remember "irrelevant for this query" for every file left unread (stamps already known)."""
        final = self.query.fingerprint()
        for path in self._unread:
            stamp = self._stamp(path)
            if stamp:
                skips = (self.cache.get(path, stamp) or {}).get("skip", [])
                if final not in skips:
                    self.cache.put(path, stamp, skip=skips[-7:] + [final])

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
        # excluded files are read for name resolution only, never matched
        in_scope = [m for m, mod in list(self.modules.items())
                    if m in self.scope_modules and in_package(m, self.package) and mod.summary]
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
            if info is None or self._excluded_file(self.modules[key[0]].file.path):
                continue  # a test double stays one when shipped code imports it
            own = key[1].rsplit(".", 1)[-1]
            names = bound_names[key] | {own}
            if self._matches(info[1], names):
                matched[key] = set(key_paths)
            if self.nested and info[1] == CLASS and in_package(key[0], self.package):
                self._match_nested(key, key_paths, matched)
        return matched

    def _excluded_file(self, path: str) -> bool:
        if not self.exclusion:
            return False
        rel = os.path.relpath(path, self.root)
        return not rel.startswith("..") and self.exclusion.covers(rel.replace(os.sep, "/"))

    def _match_nested(self, outer: tuple[str, str], outer_paths: set[str], matched: dict[tuple[str, str], set[str]]) -> None:
        module, qualname = outer
        mod = self.modules[module]
        if not any(p == f"{module}.{qualname}" for p in outer_paths):
            return  # nested definitions are visited where the class is defined
        prefix = qualname + "."
        for entry in mod.summary["defs"]:  # type: ignore[index]
            inner, kind = entry[0], entry[1]
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
            _q, kind, line, wraps = mod.def_info(qualname)[:4]  # type: ignore[index]
            name = qualname.rsplit(".", 1)[-1]
            common = dict(name=name, module=module, qualname=qualname, file=mod.file.path, line=line, paths=tuple(sorted(paths)))
            if kind == CLASS:
                classes.append(Definition(kind=self._class_kind(module, qualname), **common))  # type: ignore[arg-type]
                continue
            target = None
            if wraps and self._delegates_to_function(module, wraps):
                fkind = SHIM
                target = self._final_target(module, qualname, wraps)
            else:
                fkind = IMPLEMENTATION if name in self.query.functions else ALIAS
            functions.append(Definition(kind=fkind, wraps=target, **common))  # type: ignore[arg-type]
        return sort_definitions(classes), sort_definitions(functions)

    def _class_kind(self, module: str, qualname: str, depth: int = 0) -> str:
        """CLASS, or PROTOCOL/ENUM/EXCEPTION by the rules of :mod:`pytest_ssot.kinds`."""
        info = self.modules[module].def_info(qualname) if module in self.modules else None
        bases = (info[4] if info and len(info) > 4 else None) or []
        resolved = [(base, self.resolve_dotted(module, base) if base != "?" else None) for base in bases]
        if depth == 0 and any(b.rpartition(".")[2] == "Protocol" and not (t and t[0] == "def") for b, t in resolved):
            return PROTOCOL
        for base, target in resolved:
            if target and target[0] == "def":
                kind = self._class_kind(target[1], target[2], depth + 1) if depth < 30 else CLASS
            else:
                kind = base_kind(base) or CLASS
            if kind in (ENUM, EXCEPTION):
                return kind
        return CLASS

    def _delegates_to_function(self, module: str, wraps: str) -> bool:
        """A delegation to a class (``return Manager(ctx)``) builds something: not a shim."""
        target = self.resolve_dotted(module, wraps)
        if target and target[0] == "def":
            info = self.modules[target[1]].def_info(target[2])
            return not (info and info[1] == CLASS)
        head = wraps.split(".")[0]
        if target is None and "." not in wraps and head in _BUILTINS:
            return not isinstance(_BUILTINS[head], type)
        return True  # outside the tree: delegation all the same

    def _final_target(self, module: str, qualname: str, wraps: str) -> str | None:
        """The function a delegation chain ends at (None if its first step leaves the tree)."""
        seen = {(module, qualname)}
        current = None
        while True:
            target = self.resolve_dotted(module, wraps)
            if not target or target[0] != "def":
                return current
            info = self.modules[target[1]].def_info(target[2])
            if info and info[1] == CLASS:
                return current  # a constructor call ends the chain at the function making it
            module, qualname = target[1], target[2]
            current = f"{module}.{qualname}"
            if (module, qualname) in seen or not info or not info[3]:
                return current
            seen.add((module, qualname))
            wraps = info[3]

    def _importers(self, scope: list[SourceFile]) -> list[ImportSite]:
        files = scope if not self.package else list(iter_source_files(self.root, None, Exclusion(self.exclusion.globs)))
        sites = []
        fingerprint = self.query.fingerprint()
        for sf in files:
            mod = self.modules.get(sf.module)
            if mod is None:  # outside the scanned package; a file left unread holds no importer word
                mod = self.modules[sf.module] = self._load(sf, fingerprint)
            if mod.summary is None:
                continue
            for line, target, level, names, statement in mod.summary["imports"]:
                base = resolve_relative(sf.module, sf.is_package, target, level)
                for imported in [base] + [f"{base}.{n}" if base else n for n in names]:
                    hit = next((m for m in self.importers_of if in_package(imported, m)), None)
                    if hit:
                        sites.append(ImportSite(sf.module, sf.path, line, hit, statement))
                        break
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
    exclude: Sequence[str] | None = None,
) -> ScanResult:
    """Scan ``package`` under ``root`` from source, importing nothing.

    ``importers_of`` lists modules (e.g. deprecated ones) whose importers across
    the whole root are reported in ``result.importers``. ``cache_dir`` keeps
    per-file summaries between runs (None: no cache). ``python``: the target's
    interpreter, asked about files this one cannot parse. ``classes=False``
    searches functions (and importers) only. ``exclude``: root-relative globs of
    files left out (None: :data:`~pytest_ssot.exclude.DEFAULT_EXCLUDE`, test
    files and test doubles; ``()``: none); ``result.excluded`` counts them.
    """
    scanner = StaticScanner(root, package, class_pattern, functions, importers_of, cache_dir, nested, python, classes,
                            exclude)
    return scanner.run()


def find_importers(
    root: str | os.PathLike[str],
    modules: Sequence[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> list[ImportSite]:
    """Every ``import``/``from ... import`` of ``modules`` (or below) in ``root``, outside excluded files."""
    result = scan_static(root, None, functions=(), importers_of=modules, cache_dir=cache_dir, classes=False,
                         exclude=exclude)
    return result.importers
