"""Static scan of a source tree: the runtime scan's questions, answered from ``ast``.

For code the test process never imported, or cannot import (its imports need
services, or a newer Python), the same result as :func:`introspect.scan_modules`
is computed from source: class and function definitions (nested in classes too),
``from X import Name`` / ``import X as Y`` re-exports, ``Name = Other`` aliases,
star imports and ``__all__``, plus every statement that imports a given module.

This module runs the scan: load (cache, bytes test, line test, parse), match,
chase aliases, report. A file whose bytes hold a searched word is parsed only
as far as its last line that may bind a searched name in code outside function
bodies (:class:`~pytest_ssot.scan.static_query.LineTest`); the parse of that prefix
proves the cut is a statement boundary, and a module whose prefix lacks a name
that resolution asks for is read whole (:meth:`StaticScanner.full`). The alias
chase reads the rest of every partial file for each new name it adds, so a
name bound after the cut is never missed. Its parts live beside it, one job each:
:mod:`~pytest_ssot.scan.file_summary` (one file's AST summary),
:mod:`~pytest_ssot.scan.summary_cache` (the on-disk cache),
:mod:`~pytest_ssot.scan.static_query` (search terms and the bytes test),
:mod:`~pytest_ssot.scan.static_resolve` (name resolution over summaries),
:mod:`~pytest_ssot.scan.static_cut` (where a partial parse stops, what the chase reads),
:mod:`~pytest_ssot.scan.static_definitions` (the kind of each matched definition),
:mod:`~pytest_ssot.scan.static_syntax` (parse proofs),
:mod:`~pytest_ssot.scan.static_worker` (a second process for a slow cold load),
:mod:`~pytest_ssot.scan.source_tree` (files and module names). Their public names
are importable from here too.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable, Iterator, Pattern, Sequence

from pytest_ssot.scan.findings import (
    CLASS,
    DEFAULT_FUNCTIONS,
    ImportSite,
    ParseError,
    ScanResult,
    compile_class_pattern,
    in_package,
    split_classes,
)
from pytest_ssot.config.exclude import Exclusion, resolve_exclude
from pytest_ssot.core.progress import Progress
from pytest_ssot.core.literals import required_literals
from pytest_ssot.scan.source_tree import SKIP_DIRS, SourceFile, iter_source_files, module_file, resolve_relative
from pytest_ssot.scan.static_cut import chase_hits_rest, chase_hits_unread, code_end, statement_boundary
from pytest_ssot.scan.static_definitions import DefinitionKinds
from pytest_ssot.scan.static_query import LineTest, Query
from pytest_ssot.scan.static_resolve import ModuleSummary, Resolver
from pytest_ssot.scan.static_syntax import SyntaxLedger, parses
from pytest_ssot.scan.static_worker import SAMPLE_FILES, ScanWorker, job_for, worth_a_second_process
from pytest_ssot.scan.file_summary import PY_VERSION, SUMMARY_VERSION, definition_lines, needs_python, summarize_source
from pytest_ssot.scan.summary_cache import SummaryCache

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
        progress: Progress | None = None,
        check_syntax: bool = False,
        parallel: bool | None = False,
    ) -> None:
        self.progress = progress
        self.check_syntax = check_syntax
        self.parallel = parallel  # a second process for half a cold load and the proofs (None: when worth it)
        self.worker: ScanWorker | None = None
        self.worker_files = 0  # files the second process loaded
        self.worker_note: str | None = None  # why it did not (a failure; the answer is the same)
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
        self.syntax = SyntaxLedger()
        self._touched: set[str] | None = None  # modules whose bindings a finding was resolved through
        self.nested = nested
        self.python = python
        self.modules: dict[str, ModuleSummary] = {}
        self.files: dict[str, SourceFile | None] = {}
        self.parse_errors: list[ParseError] = []
        self._parsed: set[str] = set()  # paths parsed (in part or whole) in this run
        self._unread: dict[str, bytes | None] = {}  # skipped paths -> bytes if read
        self._stamps: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns), one stat or fstat each
        self._partial: dict[str, bytes | None] = {}  # partially parsed paths -> bytes if read
        self._upgrades = 0  # partial modules read whole so far
        self._cuts: dict[str, int] = {}  # partially parsed paths -> where their parse stopped
        self._fingerprints: list[str] = []  # every query this run asked (the alias chase grows it)

    # -- loading ---------------------------------------------------------
    def source_files(self, package: str | None, exclusion: Exclusion) -> Iterator[SourceFile]:
        """The ``.py`` files of ``package`` under root (a seam: ``ssot history`` lists them from git objects)."""
        return iter_source_files(self.root, package, exclusion)

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
        self._parsed.add(sf.path)
        self.syntax.candidates.add(sf.path)
        self.syntax.checked.add(sf.path)
        stamp = self._stamps.get(sf.path) or (len(data), 0)
        try:
            summary = summarize_source(data, sf.path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            message = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}"
            needs = needs_python(data, exc)
            self.cache.put(sf.path, stamp, summary=None, error=[line, message], needs=needs, cut=None, valid=None)
            self.parse_errors.append(ParseError(sf.path, line, message, PY_VERSION, needs))
            return None
        self.cache.put(sf.path, stamp, summary=summary, error=None, cut=None, valid=None)
        return summary

    def _parse_partial(self, sf: SourceFile, data: bytes, lowered: bytes | None = None) -> ModuleSummary:
        """Parse only as far as the last line that may bind a searched name (the whole file if need be).

        With ``check_syntax`` a file not proven to parse (:mod:`~pytest_ssot.scan.static_syntax`)
        is parsed whole first, as the full parse did: its summary, or its parse error.
        """
        self.syntax.candidates.add(sf.path)
        stamp = self._stamps.get(sf.path) or (len(data), 0)
        if self.check_syntax and not self.syntax.prove(sf.path, data, stamp, parse_it=True, cache=self.cache):
            return ModuleSummary(sf, self._parse(sf, data))
        test = LineTest(self.query)
        end = code_end(test, data, lowered)
        if end is None:  # the words are only in strings, comments and function bodies
            self._unread[sf.path] = data
            return ModuleSummary(sf, None)
        cut = statement_boundary(data, end) if end >= 0 else len(data)
        if cut < len(data):
            try:
                summary = summarize_source(data[:cut], sf.path)
            except (SyntaxError, ValueError):
                summary = None  # the cut is not a statement boundary (a string, brackets): parse it all
            # A name the prefix binds may be bound again after the cut. That matters only
            # for a name bound to a matched definition, which becomes a chase word, and
            # the chase reads the rest of every partial file for each new word.
            if summary is not None:
                self._parsed.add(sf.path)
                stamp = self._stamps.get(sf.path) or (len(data), 0)
                self.cache.put(sf.path, stamp, summary=summary, error=None, cut=cut, valid=[])
                self._partial[sf.path] = data
                self._cuts[sf.path] = cut
                return ModuleSummary(sf, summary, partial=True)
        return ModuleSummary(sf, self._parse(sf, data))

    def full(self, name: str) -> ModuleSummary | None:
        mod = self.module(name)
        if mod is not None and mod.partial:
            path = mod.file.path
            data = self._partial.pop(path, None)
            if data is None:
                data = self._read(path) or b""
            mod = self.modules[name] = ModuleSummary(mod.file, self._parse(mod.file, data))
            self._upgrades += 1
            for other in self.modules.values():
                other._table = None
        return mod

    def _load(self, sf: SourceFile, fingerprint: str | None, force: bool = False) -> ModuleSummary:
        """Summary from cache, or parse the file if it may hold a searched name."""
        path = sf.path
        if self.cache.has(path):  # only then is a stat worth it: a cold run reads anyway
            stamp = self._stamp(path)
            entry = self.cache.get(path, stamp) if stamp else None
            if entry is not None:
                # a verdict that needs a syntax check with check_syntax falls through to the read
                trusted = not self.check_syntax or self.syntax.known(path, entry)
                if "summary" in entry and entry.get("cut") is not None:
                    if force:
                        pass  # read and parsed whole below
                    elif fingerprint in (entry.get("valid") or ()) and trusted:
                        self.syntax.candidates.add(path)
                        self.syntax.known(path, entry)
                        self._partial[path] = None
                        return ModuleSummary(sf, entry["summary"], partial=True)
                elif "summary" in entry:
                    self.syntax.checked.add(path)
                    self.syntax.candidates.add(path)
                    if entry["summary"] is None and entry.get("error"):
                        line, message = entry["error"]
                        self.parse_errors.append(ParseError(path, line, message, PY_VERSION, entry.get("needs")))
                    return ModuleSummary(sf, entry["summary"])
                if not force and fingerprint in entry.get("skip", ()):
                    self._unread[path] = None
                    return ModuleSummary(sf, None)
                if not force and fingerprint in entry.get("nobind", ()) and trusted:
                    self.syntax.candidates.add(path)  # relevant, no binding line: unread, as in the cold run
                    self.syntax.known(path, entry)
                    self._unread[path] = None
                    return ModuleSummary(sf, None)
        data = self._read(path)
        if data is None:
            return ModuleSummary(sf, None)
        if force:
            return ModuleSummary(sf, self._parse(sf, data))
        lowered = data.lower() if self.query.search_classes and self.query.class_words else None
        if self.query.relevant(data, lowered):
            return self._parse_partial(sf, data, lowered)
        self._unread[path] = data
        return ModuleSummary(sf, None)

    def module(self, name: str) -> ModuleSummary | None:
        """A module under root, loaded on demand (parsed even if out of scope; maybe only partly, see :meth:`full`)."""
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
    @property
    def queries(self) -> list[str]:
        """The fingerprint of every query this run asked, in order (the alias chase only widens it)."""
        return list(self._fingerprints)

    def left_unread(self, path: str) -> bool:
        """Did the run leave ``path`` unread (no line of it may bind a searched name)?"""
        return path in self._unread

    def run(self) -> ScanResult:
        try:
            return self._run()
        finally:
            if self.worker is not None:
                self.worker_note = self.worker_note or self.worker.failure
                self.worker.close()
                self.worker = None

    def _load_scope(self, scope: list[SourceFile], fingerprint: str) -> None:
        """Load every file in scope; half the rest of a slow cold load in a second process (:mod:`.static_worker`).

        A sample of the cold files, spread evenly from the first to the last, is
        loaded here first and timed (a tree's first packages need not be like the
        rest); the rest is projected at its pace, so a tree that barely names the
        words never starts a worker.
        """
        cold = [sf for sf in scope if not self.cache.has(sf.path)]
        loaded: dict[str, ModuleSummary] = {}
        theirs = self._start_worker(cold, fingerprint) if self.parallel is True else set()
        if self.parallel is None and len(cold) > SAMPLE_FILES:
            last = len(cold) - 1
            sample = [cold[i * last // (SAMPLE_FILES - 1)] for i in range(SAMPLE_FILES)]  # the first to the last
            started = time.perf_counter()
            for sf in sample:
                loaded[sf.path] = self._load(sf, fingerprint)
            pace = (time.perf_counter() - started) / len(sample)
            rest = [sf for sf in cold if sf.path not in loaded]
            theirs = self._start_worker(rest, fingerprint, pace * len(rest))
        progress = self.progress
        by_path = {sf.path: sf for sf in scope}
        for i, sf in enumerate(scope):
            if sf.path not in theirs and sf.path not in loaded:
                loaded[sf.path] = self._load(sf, fingerprint)
            if progress is not None and not i & 127 and progress.due():
                progress.update(f"{i}/{len(scope)} files scanned, {len(self._parsed)} parsed")
        if theirs:  # done with ours: take back half of what the worker has not reached, then its results
            gave = self.worker.split(fingerprint) if self.worker is not None else None
            for path in gave or ():
                theirs.discard(path)
                loaded[path] = self._load(by_path[path], fingerprint)
            self._take_worker_load(theirs, fingerprint)
        for sf in scope:  # in scope order, as a serial load
            self.modules[sf.module] = loaded[sf.path] if sf.path in loaded else self._load(sf, fingerprint)

    def _start_worker(self, files: list[SourceFile], fingerprint: str, projected: float = 0.0) -> set[str]:
        """Hand every other one of ``files`` (cold, not loaded yet) to a worker; the paths it took."""
        if not worth_a_second_process(len(files), projected, self.parallel):
            return set()
        theirs = files[1::2]
        try:
            self.worker = ScanWorker(job_for(self, theirs))
        except OSError as exc:
            self.worker_note = f"scan worker: could not start ({exc})"
            return set()
        return {sf.path for sf in theirs}

    def _take_worker_load(self, theirs: set[str], fingerprint: str) -> None:
        """File the worker's cache entries, so its files load through the warm path (or here, if it failed)."""
        worker = self.worker
        assert worker is not None
        worker.queue_proofs([p for p in self._partial if p not in self.syntax.checked])
        load = worker.loaded(fingerprint)
        if load is None:
            self.worker_note = worker.failure or "scan worker: it answered another query"
            worker.close()
            self.worker = None
            return
        for path, entry in load["entries"].items():
            if path in theirs:
                self.cache.entries[path] = entry
                self.cache.dirty = True
        self._parsed.update(p for p in load["parsed"] if p in theirs)
        self.worker_files = len(theirs)

    def _ask_worker_chase(self, unseen: list[bytes], star_words: set[bytes], fingerprint: str) -> set[str]:
        """Have the worker judge its own files for this round of the chase; the paths it will answer for."""
        if self.worker is None or not self.worker.alive or not self.worker_files:
            return set()
        self.worker.ask_chase(unseen, star_words, fingerprint)
        return self.worker.paths

    def _chase_file(self, sf: SourceFile, fingerprint: str, unseen: list[bytes], test: LineTest,
                    star_words: set[bytes], hit: bool | None) -> bool:
        """Parse ``sf`` (more) if a new word may be bound in it; ``hit``: the worker's verdict (None: judge here).

        True if a summary changed.
        """
        path = sf.path
        if path in self._partial:  # a new word bound after the cut: read it whole
            if not unseen or hit is False:
                return False
            cached = self.cache.get(path, self._stamp(path) or (0, 0)) or {}
            if fingerprint in (cached.get("valid") or ()):
                return False
            if hit is None:
                cut = cached.get("cut") or self._cuts.get(path, 0)

                def judge_rest() -> bool:
                    data = self._partial[path]
                    if data is None:
                        data = self._partial[path] = self._read(path) or b""
                    return chase_hits_rest(test, data[cut:])
                hit = self._chase_verdict(path, ("rest", cut, test.key), judge_rest)
            if hit:
                self.full(sf.module)
            return hit
        if path not in self._unread or hit is False:
            return False
        data = self._unread[path]
        if data is None:
            cached = self.cache.get(path, self._stamp(path) or (0, 0)) or {}
            if fingerprint in (cached.get("skip") or ()) or fingerprint in (cached.get("nobind") or ()):
                return False  # a verdict for this very query
            data = self._unread[path] = self._read(path) or b""
        if hit is None:
            judged = data
            hit = self._chase_verdict(path, ("unread", test.key, frozenset(star_words)),
                                      lambda: chase_hits_unread(test, unseen, star_words, judged))
        if not hit:
            return False
        del self._unread[path]
        entry = self.cache.get(path, self._stamp(path) or (0, 0))  # by path or by blob, as the cache keys it
        if entry is not None:  # "skip"/"nobind" verdicts (a worker's, for the first query) give way to the parse
            entry.pop("skip", None)
            entry.pop("nobind", None)
        mod = self.modules[sf.module] = self._parse_partial(sf, data)
        return mod.summary is not None

    def _chase_verdict(self, path: str, key: tuple[Any, ...], judge: Callable[[], bool]) -> bool:
        """``judge()``: may this round's words be bound in ``path`` (``key`` names the question)?

        A seam: ``ssot history`` keeps the verdicts per blob, for the commits after.
        """
        return judge()

    def _run(self) -> ScanResult:
        started = time.perf_counter()
        scope = list(self.source_files(self.package or None, self.exclusion))
        self.scope_modules = {sf.module for sf in scope}
        fingerprint = self.query.fingerprint()
        self._fingerprints.append(fingerprint)
        progress = self.progress
        self._load_scope(scope, fingerprint)
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
            fingerprint = self.query.fingerprint()
            self._fingerprints.append(fingerprint)
            if progress is not None:
                progress.update(f"following aliases of {len(defs)} definitions, {len(self._parsed)} files parsed")
            reparsed = False
            # a word the pattern matches, or a searched function name, was searched for
            # already: every file (and the rest of every partial one) was judged on it
            unseen = [w for w in words if not self._searched(w)]
            unseen_words = LineTest(self.query, exact=sorted(unseen), classes=False)
            theirs = self._ask_worker_chase(unseen, star_words, fingerprint)
            for sf in scope:
                if sf.path not in theirs:
                    reparsed |= self._chase_file(sf, fingerprint, unseen, unseen_words, star_words, None)
            if theirs:  # the worker judged its own files meanwhile
                hits = self.worker.chased(fingerprint) if self.worker is not None else None
                for sf in scope:
                    if sf.path in theirs:
                        hit = None if hits is None else sf.path in hits
                        reparsed |= self._chase_file(sf, fingerprint, unseen, unseen_words, star_words, hit)
            if not reparsed:
                break
            for mod in self.modules.values():
                mod._table = None
            defs = self._match()
        importers = self._importers(scope) if self.importers_of else []
        for path in self.syntax.unchecked:  # the pyc may vouch for what was not parsed whole
            data = self._unread.get(path) or self._partial.get(path)
            self.syntax.prove(path, data, self._stamp(path) or (0, 0), parse_it=False, cache=self.cache,
                              read=self._read)
        self._record_skips()
        self.cache.save()
        self._needs_check()
        if progress is not None:
            progress.done()
        classes, functions = DefinitionKinds(self, self.query.functions).of(defs)
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
            files_parsed=len(self._parsed),
            syntax_unchecked=len(self.syntax.unchecked),
            modules_scanned=len(scope),
            seconds=time.perf_counter() - started,
            python=PY_VERSION,
            class_pattern=self.query.pattern.pattern if self.query.search_classes else None,
            searched_functions=sorted(self.query.functions),
        )

    def _searched(self, word: bytes) -> bool:
        """Was ``word`` a searched name from the start (a function, or a class name the pattern matches)?"""
        name = word.decode("utf-8", "replace")
        return name in self.query.functions or (self.query.search_classes and self.query.pattern.search(name) is not None)

    def _record_skips(self) -> None:
        """Remember "irrelevant" (unread) and "the prefix suffices" (partial) for every query this run asked.

        The chase's queries only grow, so a verdict for the last holds for every earlier one.
        """
        if not self.cache.records:
            return
        fps = list(dict.fromkeys(self._fingerprints))
        candidates = self.syntax.candidates
        irrelevant = [p for p in self._unread if p not in candidates]
        # "nobind": the bytes hold a word but no line binds one (a candidate of the full parse, unread)
        nobind = [p for p in self._unread if p in candidates]
        for paths, key in ((irrelevant, "skip"), (nobind, "nobind"), (self._partial, "valid")):
            for path in paths:
                stamp = self._stamp(path)
                if stamp:
                    entry = self.cache.get(path, stamp) or {}
                    known = entry.get(key) or []
                    if key == "valid" and entry.get("cut") is None:
                        continue
                    if any(fp not in known for fp in fps):
                        self.cache.put(path, stamp, **{key: [fp for fp in known if fp not in fps][-8:] + fps})

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
        """:meth:`_match_once` until no partial module was read whole on the way.

        Resolving a name a partial module lacks reads that module whole; its own
        names may then hold paths the pass already went by. So does a module a
        finding goes through that is not proven to parse (:meth:`_check_finding_files`).
        """
        while True:
            upgrades = self._upgrades
            matched = self._match_once()
            if self._upgrades == upgrades:
                self._check_finding_files(matched)
                if self._upgrades == upgrades:
                    return matched

    def table(self, name: str, seen: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
        if self._touched is not None:
            self._touched.add(name)
        return super().table(name, seen)

    def _check_finding_files(self, matched: dict[tuple[str, str], set[str]]) -> None:
        """Every partial module a finding is defined in, bound in or resolved through must parse whole.

        A full parse would have dropped all findings of a file with a syntax
        error past the cut. Such a file is proven to parse (cache, pyc,
        ``symtable``) or else read whole, which reports its error as the full
        parse did; the caller then matches again.
        """
        self._touched = touched = {module for module, _q in matched}
        try:
            for paths in matched.values():
                for path in paths:
                    module = self._scope_module(path)
                    self.resolve(module, path[len(module) + 1:].split(".")[0])
            DefinitionKinds(self, self.query.functions).of(matched)  # kinds through bases, shims through delegation
        finally:
            self._touched = None
        self._prove_whole(touched)

    def _prove_whole(self, names: Iterable[str]) -> None:
        """Partial modules' files proven to parse (cache, pyc, :func:`.parses`, on both cores), or read whole."""
        todo: dict[str, str] = {}
        for name in sorted(names):
            mod = self.modules.get(name)
            if mod is None or not mod.partial or mod.file.path in self.syntax.checked:
                continue
            path = mod.file.path
            stamp = self._stamp(path) or (0, 0)
            if self.syntax.known(path, self.cache.get(path, stamp)):
                continue
            if not self.syntax.prove(path, self._partial.get(path), stamp, parse_it=False, cache=self.cache,
                                     read=self._read):
                todo[path] = name
        if not todo:
            return
        verdicts = self._parse_proofs(list(todo))
        for path, name in todo.items():
            if verdicts[path]:
                self.syntax.proven(path, self._stamp(path) or (0, 0), self.cache)
            else:
                self.full(name)

    def _parse_proofs(self, paths: list[str]) -> dict[str, bool]:
        """Does each partial file parse whole? The worker's verdicts where it has them, the rest here."""
        def here(path: str) -> bool:
            data = self._partial.get(path)
            if data is None:
                data = self._partial[path] = self._read(path) or b""
            return parses(data, path)

        if self.worker is not None and self.worker.alive:
            return self.worker.prove(paths, lambda p: self._stamp(p) or (0, 0), here)
        return {path: here(path) for path in paths}

    def _match_once(self) -> dict[tuple[str, str], set[str]]:
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
                matched.setdefault(key, set()).update(key_paths)  # nested paths may be there already
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

    def _importers(self, scope: list[SourceFile]) -> list[ImportSite]:
        files = scope if not self.package else list(self.source_files(None, Exclusion(self.exclusion.globs)))
        sites = []
        fingerprint = self.query.fingerprint()
        unproven = []
        for sf in files:
            mod = self.modules.get(sf.module)
            if mod is None:  # outside the scanned package; a file left unread holds no importer word
                mod = self.modules[sf.module] = self._load(sf, fingerprint)
            found = self._sites(sf, mod)
            if found and mod.partial and mod.file.path not in self.syntax.checked:
                unproven.append(sf)  # a file with an importer site must parse whole
            else:
                sites += found
        self._prove_whole(sf.module for sf in unproven)
        for sf in unproven:
            sites += self._sites(sf, self.modules[sf.module])
        return sorted(sites, key=lambda s: (s.file, s.line))

    def _sites(self, sf: SourceFile, mod: ModuleSummary) -> list[ImportSite]:
        if mod.summary is None:
            return []
        sites = []
        for line, target, level, names, statement in mod.summary["imports"]:
            base = resolve_relative(sf.module, sf.is_package, target, level)
            for imported in [base] + [f"{base}.{n}" if base else n for n in names]:
                hit = next((m for m in self.importers_of if in_package(imported, m)), None)
                if hit:
                    sites.append(ImportSite(sf.module, sf.path, line, hit, statement))
                    break
        return sites

    def _needs_check(self) -> None:
        """Ask the target's interpreter (if given) whether it parses what we could not."""
        if not self.python or not self.parse_errors:
            return
        from pytest_ssot.scan.probes import parses_with  # local: spawns a process

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
    progress: Progress | None = None,
    check_syntax: bool = False,
    parallel: bool | None = None,
) -> ScanResult:
    """Scan ``package`` under ``root`` from source, importing nothing.

    ``importers_of`` lists modules (e.g. deprecated ones) whose importers across
    the whole root are reported in ``result.importers``. ``cache_dir`` keeps
    per-file summaries between runs (None: no cache). ``python``: the target's
    interpreter, asked about files this one cannot parse. ``classes=False``
    searches functions (and importers) only. ``exclude``: root-relative globs of
    files left out (None: :data:`~pytest_ssot.config.exclude.DEFAULT_EXCLUDE`, test
    files and test doubles; ``()``: none); ``result.excluded`` counts them.
    ``progress``: a :class:`~pytest_ssot.core.progress.Progress` told how far the
    scan is (it writes only to a terminal, and only when the scan is slow).

    A file is read only if its bytes hold a searched word, and parsed only as
    far as its last line that may bind a searched name in code outside
    function bodies (``result.files_parsed`` counts files parsed in part or
    whole); see :mod:`pytest_ssot.scan.static_query`.

    Every file a finding comes from (or is resolved through) is known to
    parse whole, so findings are the full parse's. Other files the words
    prefilter passed are syntax-checked only when a valid ``__pycache__`` entry
    vouches for them; ``result.syntax_unchecked`` counts the rest, whose parse
    errors a full parse would have listed. ``check_syntax=True`` checks every
    such file (``symtable``, then ``ast`` where that fails): ``parse_errors``
    are then exactly the full parse's; see :mod:`pytest_ssot.scan.static_syntax`.

    ``parallel``: a second process loads half of a cold scan and proves files
    parse beside this one (:mod:`pytest_ssot.scan.static_worker`); None (the
    default) when the rest of a cold load, projected from 256 of its files spread
    over the tree, would take 0.25 s or more and a second CPU is there; True
    always; False never.
    The result is the same either way.
    """
    scanner = StaticScanner(root, package, class_pattern, functions, importers_of, cache_dir, nested, python, classes,
                            exclude, progress, check_syntax, parallel)
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
