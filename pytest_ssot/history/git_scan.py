"""The static scanner fed from git objects: one commit's tree instead of a checkout.

An adapter, not a second scanner: :class:`GitTreeScanner` is the
:class:`~pytest_ssot.scan.static.StaticScanner` with its four contacts with the file
system replaced — which files there are (:meth:`source_files`), which file is a
module (:meth:`module_file`), their bytes (:meth:`_read`) and their version
(:meth:`_stamp`). Everything else (the bytes test, partial parses, the alias
chase, matching, kinds) is the unit tier's own code, so a count from a commit's
objects equals the count from its checkout.

:class:`BlobCache` is the scanner's summary cache keyed by blob id instead of
path and mtime: a blob scanned at one commit (under any path) is never read or
parsed again at another, and its skip verdicts carry over too. :class:`BlobFacts`
holds what is true of a blob whatever the query (it parses; the alias chase's
verdict for given words), shared by a run's two scans.

The file walk follows :func:`pytest_ssot.scan.source_tree.iter_source_files`'s rules
(same order, skipped folders, excluded globs, module names), and
:meth:`GitTree.iter_modules` follows ``pkgutil.iter_modules``; the tests hold
both to the file system's answer on checkouts of the same commits. git cannot
follow symbolic links to folders or into submodules, so those are not entered
(the walk does not enter symlinked folders either); a symlinked ``.py`` file is
read through its target when the target is a file of the tree.
:mod:`pytest_ssot.history.incremental` scans commit after commit without
scanning every file each time.
"""

from __future__ import annotations

import functools
import inspect
import os
import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Pattern, Sequence

from pytest_ssot.config.exclude import Exclusion
from pytest_ssot.scan.findings import ImportSite, ScanResult
from pytest_ssot.history.git_objects import GITLINK, SYMLINK, ObjectReader
from pytest_ssot.scan.submodules import match_submodules
from pytest_ssot.scan.source_tree import SKIP_DIRS, SourceFile
from pytest_ssot.scan.static import StaticScanner
from pytest_ssot.scan.static_resolve import ModuleSummary
from pytest_ssot.scan.summary_cache import SummaryCache


_SKIP, _KEEP, _EXCLUDED = "skip", "keep", "excluded"


@dataclass
class WalkMemo:
    """What the walk learns about a path, true at every commit: kept across a history run."""

    # relative path -> (its place in the walk's order, its SourceFile)
    files: dict[str, tuple[list[tuple[int, str]], SourceFile]] = field(default_factory=dict)
    # (walk base, exclude globs) -> relative path -> skip | keep | excluded
    verdicts: dict[tuple[str, tuple[str, ...]], dict[str, str]] = field(default_factory=dict)


class GitTree:
    """The files under the target's root at one commit: relative path -> (mode, blob id)."""

    def __init__(self, listing: dict[str, tuple[str, str]], reader: ObjectReader, vroot: str,
                 memo: WalkMemo | None = None, same_paths: GitTree | None = None) -> None:
        self.listing = listing
        self.reader = reader
        self.vroot = vroot  # a path that exists nowhere: a stray file-system read finds nothing
        self._prefix = vroot + "/"
        self._content: dict[str, str | None] = {}
        self._by_path: dict[str, str | None] = {}  # scanner path -> content blob, asked a lot
        self._walk: list[str] | None = None
        self._memo = memo if memo is not None else WalkMemo()
        self._dirs: dict[str, dict[str, bool]] | None = None
        self.unreadable: set[str] = set()  # symlinks git cannot follow, by relative path
        self.outside: set[str] = set()  # symlinks out of the root: a file at a checkout, no bytes here
        self._submodules: dict[tuple[str, str, tuple[str, ...]], list[str] | None] = {}
        self._walks: dict[tuple[str, tuple[str, ...]], list[tuple[SourceFile, str | None]]] = {}
        if same_paths is not None:
            # the very same paths as ``same_paths`` (only blobs changed): its walks, folders and listings hold
            self._walk, self._dirs, self._submodules = same_paths._walk, same_paths._dirs, same_paths._submodules
            if not any(mode == SYMLINK for mode, _oid in listing.values()):  # a link's target may have moved
                self._walks = same_paths._walks

    # -- paths -----------------------------------------------------------
    def path(self, rel: str) -> str:
        return self._prefix + rel

    def rel(self, path: str) -> str | None:
        return path[len(self._prefix):] if path.startswith(self._prefix) else None

    def content_oid(self, rel: str) -> str | None:
        """The blob holding the bytes a checkout would read at ``rel`` (a symlink's target's)."""
        try:
            return self._content[rel]
        except KeyError:
            pass
        oid = None
        seen = set()
        current = rel
        while current in self.listing and current not in seen:
            seen.add(current)
            mode, blob = self.listing[current]
            if mode == GITLINK:
                break
            if mode != SYMLINK:
                oid = blob
                break
            current = self._link_target(current) or ""
            if not current:
                self.outside.add(rel)
        if oid is None:
            self.unreadable.add(rel)
        self._content[rel] = oid
        return oid

    def _link_target(self, rel: str) -> str | None:
        """Where the symlink at ``rel`` points, relative to the root (None: outside it, or absolute)."""
        data = self.reader.read(self.listing[rel][1]) or b""
        target = data.decode("utf-8", "surrogateescape")
        if target.startswith("/"):
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        return None if joined.startswith("../") or joined == ".." else joined

    def oid_at(self, path: str) -> str | None:
        """The content blob of a scanner path (None: no such file, or git cannot read it)."""
        try:
            return self._by_path[path]
        except KeyError:
            rel = self.rel(path)
            oid = self._by_path[path] = self.content_oid(rel) if rel is not None else None
            return oid

    def read(self, path: str) -> bytes | None:
        oid = self.oid_at(path)
        return self.reader.read(oid) if oid is not None else None

    def is_file(self, rel: str) -> bool:
        """``os.path.isfile`` at a checkout: a file, or a symlink to one (out of the root: taken as one, unread)."""
        return rel in self.listing and (self.content_oid(rel) is not None or rel in self.outside)

    def is_dir(self, rel: str) -> bool:
        return rel == "" or rel in self._index()

    # -- the scanner's questions -------------------------------------------
    def source_files(self, package: str | None, exclude: Exclusion | None) -> Iterator[SourceFile]:
        """:func:`~pytest_ssot.scan.source_tree.iter_source_files` over this tree, in its order."""
        parts = package.split(".") if package else []
        base = "/".join(parts)
        if parts and not self.is_dir(base):
            if self.is_file(base + ".py"):
                if exclude and exclude.match(base + ".py"):
                    exclude.modules.append(package or "")
                else:
                    yield SourceFile(package or "", self.path(base + ".py"), False)
            return
        start = base + "/" if base else ""
        globs = exclude.globs if exclude else ()
        walked = self._walks.get((start, globs))
        if walked is None:
            walked = self._walks[(start, globs)] = list(self._walk_from(start, globs, exclude))
        for sf, excluded in walked:  # the walk of these paths, replayed: exclusions counted again
            if excluded is not None:
                exclude.match(excluded)  # type: ignore[union-attr]  # counted per glob
                exclude.modules.append(sf.module)  # type: ignore[union-attr]
            else:
                yield sf

    def _walk_from(self, start: str, globs: tuple[str, ...], exclude: Exclusion | None
                   ) -> Iterator[tuple[SourceFile, str | None]]:
        """(file, None) for each file the walk yields, (file, its path) for each it excludes, in order."""
        verdicts = self._memo.verdicts.setdefault((start, globs), {})
        files = self._memo.files
        for rel in self._ordered():
            verdict = verdicts.get(rel)
            if verdict is None:
                verdict = _SKIP
                if rel.startswith(start) and not any(d in SKIP_DIRS or d.startswith(".")
                                                     for d in rel[len(start):].split("/")[:-1]):
                    verdict = _EXCLUDED if exclude and exclude.covers(rel) else _KEEP
                verdicts[rel] = verdict
            if verdict is _SKIP:
                continue
            if self.listing[rel][0] == SYMLINK and self._inside(rel, start):
                continue  # scanned under its real name
            yield files[rel][1], rel if verdict is _EXCLUDED else None

    def _ordered(self) -> list[str]:
        """Every ``.py`` path in the walk's order: a folder's files (by name) before its subfolders (by name)."""
        if self._walk is None:
            memo = self._memo.files
            for rel, (mode, _oid) in self.listing.items():
                if rel not in memo and rel.endswith(".py"):
                    parts = rel.split("/")
                    is_package = parts[-1] == "__init__.py"
                    module = ".".join(parts[:-1] if is_package else parts[:-1] + [parts[-1][:-3]])
                    memo[rel] = ([(1, d) for d in parts[:-1]] + [(0, parts[-1])], SourceFile(module, self.path(rel),
                                                                                         is_package))
            self._walk = sorted((rel for rel, (mode, _oid) in self.listing.items()
                                 if mode != GITLINK and rel.endswith(".py")), key=lambda rel: memo[rel][0])
        return self._walk

    def _inside(self, rel: str, start: str) -> bool:
        """Does the symlink at ``rel`` point below ``start`` (the walk's base)?"""
        seen = set()
        current: str | None = rel
        while current is not None and current in self.listing and self.listing[current][0] == SYMLINK:
            if current in seen:
                return False
            seen.add(current)
            current = self._link_target(current)
        return current is not None and current.startswith(start)

    def module_file(self, module: str) -> SourceFile | None:
        """:func:`~pytest_ssot.scan.source_tree.module_file` over this tree."""
        base = "/".join(module.split("."))
        if self.is_file(base + "/__init__.py"):
            return SourceFile(module, self.path(base + "/__init__.py"), True)
        if self.is_file(base + ".py"):
            return SourceFile(module, self.path(base + ".py"), False)
        return None

    def _index(self) -> dict[str, dict[str, bool]]:
        """folder -> {entry name: is a folder} (symlinks and submodules are not folders here)."""
        if self._dirs is None:
            dirs: dict[str, dict[str, bool]] = {"": {}}
            for rel, (mode, _oid) in self.listing.items():
                parts = rel.split("/")
                for i in range(len(parts) - 1):
                    folder = "/".join(parts[:i])
                    dirs.setdefault(folder, {})[parts[i]] = True
                    dirs.setdefault("/".join(parts[:i + 1]), {})
                dirs.setdefault("/".join(parts[:-1]), {}).setdefault(parts[-1], False)
            self._dirs = dirs
        return self._dirs

    def iter_modules(self, directory: str) -> Iterator[tuple[str, bool]]:
        """``pkgutil.iter_modules([directory])`` at a checkout: (name, is_package), sorted by file name."""
        entries = self._index().get(directory, {})
        yielded = set()
        for name in sorted(entries):
            modname = _module_name(name)
            if modname == "__init__" or modname in yielded:
                continue
            ispkg = False
            if not modname and entries[name] and "." not in name:
                modname = name
                inner = self._index().get(f"{directory}/{name}" if directory else name, {})
                if not any(_module_name(child) == "__init__" for child in inner):
                    continue  # a folder without __init__: pkgutil passes it by
                ispkg = True
            if modname and "." not in modname:
                yielded.add(modname)
                yield modname, ispkg


    def submodules(self, package: str, pattern: str, allow: tuple[str, ...]) -> list[str] | None:
        """:func:`~pytest_ssot.scan.submodules.find_submodules` (recursive) over this tree; None if the package is no folder."""
        key = (package, pattern, allow)
        if key not in self._submodules:
            base = package.replace(".", "/")
            self._submodules[key] = None if not self.is_dir(base) else match_submodules(
                base, package, pattern, allow=allow, recursive=True, iter_modules=self.iter_modules,
                join=lambda folder, name: f"{folder}/{name}" if folder else name)
        return self._submodules[key]


@functools.lru_cache(maxsize=4096)
def _module_name(file_name: str) -> str | None:
    return inspect.getmodulename(file_name)


@dataclass
class BlobFacts:
    """What holds of a blob whatever the query asked: shared by a run's caches (both scans, every commit).

    ``parses``: blobs proven to parse whole. ``chase``: (blob, question) -> the
    alias chase's verdict (may these words be bound in it?), the question being
    the words judged and, for a partial file, where its parse stopped
    (:meth:`~pytest_ssot.scan.static.StaticScanner._chase_verdict`): a later
    commit whose query changed asks the same question of the same blobs.
    ``stars``: does a blob hold a star import (:func:`~pytest_ssot.history.incremental.scan_tree` asks).
    """

    parses: set[str] = field(default_factory=set)
    chase: dict[tuple[str, tuple[Any, ...]], bool] = field(default_factory=dict)
    stars: dict[str, bool] = field(default_factory=dict)

    def star_import(self, oid: str, read: Callable[[str], bytes | None]) -> bool:
        """Do the bytes of blob ``oid`` hold ``import *``? (read once per run)"""
        holds = self.stars.get(oid)
        if holds is None:
            holds = self.stars[oid] = b"import *" in (read(oid) or b"")
        return holds


class BlobCache(SummaryCache):
    """The scanner's summary cache, keyed by the blob a path holds at the current commit (in memory)."""

    def __init__(self, facts: BlobFacts | None = None) -> None:
        super().__init__(None)
        self.records = True  # the scanner records its skip verdicts here too (kept in memory across commits)
        self.tree: GitTree | None = None
        self.facts = facts if facts is not None else BlobFacts()
        # (path, modules searched for importers) -> (the summary, its file, the sites found in it)
        self.sites: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], SourceFile, tuple[ImportSite, ...]]] = {}

    def _oid(self, path: str) -> str | None:
        return self.tree.oid_at(path) if self.tree is not None else None

    def has(self, path: str) -> bool:
        oid = self._oid(path)
        return oid is not None and oid in self.entries

    def get(self, path: str, stamp: tuple[int, int]) -> dict[str, Any] | None:
        oid = self._oid(path)
        entry = self.entries.get(oid) if oid is not None else None
        if entry is not None and "parses" not in entry and oid in self.facts.parses:
            entry["parses"] = True  # proven by the other scan
        return entry

    def put(self, path: str, stamp: tuple[int, int], **values: Any) -> None:
        oid = self._oid(path)
        if oid is not None:
            self.entries.setdefault(oid, {}).update(values)
            if values.get("parses") is True:
                self.facts.parses.add(oid)

    def save(self) -> None:
        """Nothing to write: the cache lives as long as one ``ssot history`` run."""


class GitTreeScanner(StaticScanner):
    """:class:`~pytest_ssot.scan.static.StaticScanner` over a :class:`GitTree` (see the module docstring).

    ``skip``: relative paths left out of the walk (still counted by the exclude
    globs and in ``files_scanned``); see :func:`scan_tree` for when that is exact.
    """

    def __init__(
        self,
        tree: GitTree,
        cache: BlobCache,
        package: str | None,
        class_pattern: str | Pattern[str] | None,
        functions: Sequence[str],
        importers_of: Sequence[str] = (),
        exclude: Sequence[str] | None = None,
        skip: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        super().__init__(tree.vroot, package, class_pattern, functions, importers_of, None, True, None,
                         exclude=exclude)
        self.root = tree.vroot
        self.tree = tree
        cache.tree = tree
        self.cache = cache
        self.facts = cache.facts
        self.skip = skip
        self._skip_paths = {tree.path(rel) for rel in skip}
        self.walked: int | None = None  # files in scope, the skipped ones included
        self.narrowed = False  # set by scan_tree when the run without the skipped files was exact

    def source_files(self, package: str | None, exclusion: Exclusion) -> Iterator[SourceFile]:
        files = list(self.tree.source_files(package, exclusion))
        if self.walked is None:
            self.walked = len(files)
        return iter([sf for sf in files if sf.path not in self._skip_paths] if self.skip else files)

    def run(self) -> ScanResult:
        result = super().run()
        result.files_scanned = result.modules_scanned = self.walked or 0
        return result

    def unread(self) -> set[str]:
        """Files of the walk the run never parsed (relative paths); an exact run never needed them."""
        return {rel for rel in map(self.tree.rel, self._unread) if rel is not None}

    def module_file(self, module: str) -> SourceFile | None:
        try:
            return self.files[module]
        except KeyError:
            sf = self.files[module] = self.tree.module_file(module)
            return sf

    def _stamp(self, path: str) -> tuple[int, int] | None:
        return (0, 0) if self.tree.oid_at(path) is not None else None

    def _sites(self, sf: SourceFile, mod: ModuleSummary) -> list[ImportSite]:
        """The importer sites of a file, found once per summary (its imports do not change with the commit)."""
        key = (sf.path, self.importers_of)
        known = self.cache.sites.get(key)
        if known is not None and known[0] is mod.summary and known[1] == sf:
            return list(known[2])
        sites = super()._sites(sf, mod)
        if mod.summary is not None:
            self.cache.sites[key] = (mod.summary, sf, tuple(sites))
        return sites

    def _chase_verdict(self, path: str, key: tuple[Any, ...], judge: Callable[[], bool]) -> bool:
        oid = self.tree.oid_at(path)
        if oid is None:
            return judge()
        memo = self.facts.chase
        try:
            return memo[(oid, key)]
        except KeyError:
            verdict = memo[(oid, key)] = judge()
            return verdict

    def _read(self, path: str) -> bytes | None:
        return self.tree.read(path)


def virtual_root(toplevel: str, root_rel: str) -> str:
    """Where a commit's files seem to live: beside the real root, under a name that exists nowhere."""
    real = os.path.realpath(os.path.join(toplevel, root_rel)) if root_rel else os.path.realpath(toplevel)
    return real + "@git"
