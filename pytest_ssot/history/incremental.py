"""Scanning commit after commit, exactly, without scanning every file each time.

:func:`scan_tree` leaves out of a commit's scan the files the previous
commit's scan never parsed and that did not change, and checks afterwards
that nothing was lost; :func:`unseen_change` tells a commit whose edits no
scan can see (files nothing parsed, edited into bytes without a searched
word), whose results are then the previous ones. Both rest on how the
static scanner decides to read a file (:mod:`pytest_ssot.scan.static`,
:mod:`pytest_ssot.scan.static_query`); ``tests/test_history.py`` holds them to
the scans of ``git worktree`` checkouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Pattern, Sequence

from pytest_ssot.scan.findings import ScanResult
from pytest_ssot.history.git_objects import SYMLINK
from pytest_ssot.history.git_scan import BlobCache, BlobFacts, GitTree, GitTreeScanner
from pytest_ssot.scan.static_query import Query


@dataclass
class ScanMemory:
    """What one commit's scan leaves for the next: its queries, the words it chased, the files it never parsed."""

    fingerprints: list[str]
    words: frozenset[bytes]  # alias names
    star_words: frozenset[bytes]  # modules a star import of which re-exports a match
    unread: set[str]
    query: Query  # the last query the scan asked, the widest


def _memory(scanner: GitTreeScanner, unread: set[str]) -> ScanMemory:
    query = scanner.query
    return ScanMemory(scanner.queries, frozenset(query.extra_words), frozenset(query.star_words), unread,
                      query)


def unseen_change(tree: GitTree, changed: set[str], memories: Sequence[ScanMemory], caches: Sequence[BlobCache],
                  inert: set[str]) -> bool:
    """Would the scans of ``tree`` find exactly what the last ones found? (only modified files; never a false yes)

    Yes when every changed file was ``inert`` before (never parsed by either
    scan, nor loaded by the checks) and its new bytes hold nothing any scan
    parses for: no star import, and no word of the widest query either scan
    asked (:meth:`~pytest_ssot.scan.static_query.Query.relevant`, whose words only
    grow over a run); its blob never parsed before either. The scanner then
    leaves the file unread again, so every result is the same.
    """
    for rel in changed:
        oid = tree.listing.get(rel, ("", ""))[1]
        if rel not in inert or tree.listing[rel][0] == SYMLINK or any(
                "summary" in cache.entries.get(oid, ()) for cache in caches):
            return False
        data = tree.reader.read(oid)
        if data is None or b"import *" in data or any(m.query.relevant(data) for m in memories):
            return False
    return True


def _holds_any(tree: GitTree, facts: BlobFacts, rels: set[str], words: frozenset[bytes],
               star_words: frozenset[bytes]) -> bool:
    """Do the bytes of any of these files hold one of ``words``, or a star import and one of ``star_words``?

    A star word matters only to a file with a star import (the bytes test and
    the chase ask for ``import *`` first), so only those files are searched for
    it; whether a blob holds one is asked once per run.
    """
    if not words and not star_words:
        return False
    oids = {tree.oid_at(tree.path(rel)) for rel in rels}
    oids.discard(None)
    read = tree.reader.read
    if words and any(word in (read(oid) or b"") for oid in oids for word in words):  # type: ignore[arg-type]
        return True
    return bool(star_words) and any(word in (read(oid) or b"") for oid in oids if facts.star_import(oid, read)
                                    for word in star_words)


def scan_tree(
    tree: GitTree,
    cache: BlobCache,
    package: str | None,
    class_pattern: str | Pattern[str] | None,
    functions: Sequence[str],
    importers_of: Sequence[str],
    exclude: Sequence[str] | None,
    memory: ScanMemory | None = None,
    changed: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[GitTreeScanner, ScanResult, ScanMemory]:
    """Scan ``tree``; after a previous commit's scan (``memory``), only the files that may matter.

    A file the previous scan never parsed, unchanged since (``changed`` lists
    the paths that are not), is left out of the walk. The scanner parses a file
    it would otherwise leave unread only for a searched word with a binding
    shape in it, and each word is judged on its own; so a left-out file stays
    unread as long as it holds none of the alias words this run chased that the
    previous one did not, nor (if it star-imports) a new star word: its own
    bytes are searched for them. That, and that
    the run never loaded a left-out file to resolve a name, are checked after
    the run; a run that fails either is done again over every file.
    """
    if memory is not None:
        skip = memory.unread - changed
        scanner = GitTreeScanner(tree, cache, package, class_pattern, functions, importers_of, exclude, skip)
        result = scanner.run()
        loaded = {tree.rel(m.file.path) for m in scanner.modules.values()}
        after = _memory(scanner, skip | scanner.unread())
        # a run that chases where the previous did not parses every relative star import it left unread
        chased_anew = len(after.fingerprints) > 1 and len(memory.fingerprints) == 1
        if not loaded & skip and not chased_anew and not _holds_any(
                tree, cache.facts, skip, after.words - memory.words, after.star_words - memory.star_words):
            scanner.narrowed = True
            return scanner, result, after
    scanner = GitTreeScanner(tree, cache, package, class_pattern, functions, importers_of, exclude)
    result = scanner.run()
    return scanner, result, _memory(scanner, scanner.unread())
