"""``ssot history``: the static checks over the commits of a git range, from git objects.

For each selected commit the target's root is listed from git (``ls-tree`` for
the first, ``diff-tree`` from the previous one after that, many commits' diffs
in one process) and scanned by the unit tier's scanner through
:mod:`pytest_ssot.history.git_scan`; the blob cache makes a file whose blob was
seen at any earlier commit cost a dictionary look-up, and a
commit whose root tree did not change reuses the previous results whole. The
working tree and the index are never touched.

:func:`scan_history` returns a :class:`History`: per commit the check results
(:mod:`pytest_ssot.history.static_checks`), per issue and count the flags
(:mod:`pytest_ssot.history.flags`); :meth:`History.to_json` is the ``--json``
document (schema in README.md).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.config.catalog import ISSUE_TITLES
from pytest_ssot.history.git_objects import (DEFAULT_TIMEOUT, GITLINK, SYMLINK, Change, Commit, GitError, GitRepo,
                                             ObjectReader, apply_changes)
from pytest_ssot.history.incremental import ScanMemory, scan_tree, unseen_change
from pytest_ssot.history.git_scan import BlobCache, BlobFacts, GitTree, WalkMemo, virtual_root
from pytest_ssot.history.flags import Flag, find_flags
from pytest_ssot.core.progress import Progress
from pytest_ssot.history.static_checks import CHECKS, CheckResult, ScannedSnapshot, issues_with_checks, run_checks

SCHEMA = "ssot-history"
SCHEMA_VERSION = 1


class HistoryError(Exception):
    """Bad input for ``ssot history`` (not a repository, a bad range, a root outside the repository). One line."""


@dataclass
class CommitResult:
    """One selected commit: its checks, and what the run did to get them."""

    commit: Commit
    root_tree: str | None  # the object id of the target's root at this commit (None: absent)
    checks: dict[str, CheckResult]
    reused: bool = False  # the root's tree equals the previous commit's: results carried over
    notes: list[str] = field(default_factory=list)


@dataclass
class History:
    """What ``ssot history`` found over a range."""

    target: str
    repo: str
    root: str  # relative to the repository's top level ("" for the top level itself)
    package: str
    rev_range: str
    every: int | None
    first_parent: bool
    issues: dict[int, str]  # the configured issues considered (number -> status)
    commits: list[CommitResult]
    flags: list[Flag]
    stats: dict[str, Any]
    commit_url: str | None = None

    def counts(self, check: str) -> list[int]:
        return [c.checks[check].count for c in self.commits]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document (see README.md, "ssot history")."""
        static = issues_with_checks()
        by_commit: dict[str, list[Flag]] = {}
        for flag in self.flags:
            by_commit.setdefault(flag.commit, []).append(flag)
        commits = []
        previous: dict[str, CheckResult] | None = None
        for result in self.commits:
            entry: dict[str, Any] = {
                "commit": result.commit.sha, "parents": list(result.commit.parents), "date": result.commit.date,
                "author": result.commit.author, "subject": result.commit.subject,
                "root_tree": result.root_tree, "reused": result.reused,
                "changed": previous is None or _changed(previous, result.checks),
                "counts": {name: r.count for name, r in result.checks.items()},
                "states": {name: r.state for name, r in result.checks.items()},
                "appeared": {}, "disappeared": {},
                "checks": {name: r.to_json() for name, r in result.checks.items()},
                "flags": [f.to_json() for f in by_commit.get(result.commit.sha, [])],
                "notes": list(result.notes),
            }
            if previous is not None:
                for name, r in result.checks.items():
                    before, now = set(previous[name].items), set(r.items)
                    if now - before:
                        entry["appeared"][name] = sorted(now - before)
                    if before - now:
                        entry["disappeared"][name] = sorted(before - now)
            entry["changed"] = entry["changed"] or bool(entry["flags"])
            commits.append(entry)
            previous = result.checks
        return {
            "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "target": self.target, "repo": self.repo,
            "root": self.root, "package": self.package, "range": self.rev_range,
            "selection": {"every": self.every, "first_parent": self.first_parent},
            "commit_url": self.commit_url,
            "checks": {c.name: {"issues": list(c.issues), "counts": c.counts} for c in CHECKS},
            "issues": {str(n): {"title": ISSUE_TITLES.get(n, ""), "status": status,
                                "checks": list(static.get(n, ())),
                                "first_clean": next((f.commit for f in self.flags
                                                     if f.kind == "first_clean" and f.issue == n), None)}
                       for n, status in sorted(self.issues.items())},
            "commits": commits,
            "flags": [f.to_json() for f in self.flags],
            "stats": dict(self.stats),
        }


def _changed(before: dict[str, CheckResult], after: dict[str, CheckResult]) -> bool:
    return any(before[n].items != r.items or before[n].state != r.state for n, r in after.items())


def select(commits: list[Commit], every: int | None) -> list[Commit]:
    """Every ``every``-th commit, the first and the last always included (all if None)."""
    if not every or every <= 1 or len(commits) <= 2:
        return list(commits)
    picked = commits[::every]
    if picked[-1] is not commits[-1]:
        picked.append(commits[-1])
    return picked


def scan_history(
    target: Any,
    rev_range: str = "HEAD",
    *,
    repo: str | os.PathLike[str] | None = None,
    every: int | None = None,
    first_parent: bool = False,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    commit_url: str | None = None,
) -> History:
    """Run ``target``'s static checks over the commits of ``rev_range`` in ``repo`` (default: the target's root).

    Raises :class:`HistoryError` (one line) for input it cannot work with.
    """
    started = time.perf_counter()
    try:
        git = GitRepo(repo if repo is not None else target.root, timeout=timeout)
    except GitError as exc:
        raise HistoryError(str(exc)) from None
    root_real = os.path.realpath(target.root)
    root_rel = os.path.relpath(root_real, git.toplevel)
    if root_rel == ".":
        root_rel = ""
    elif root_rel.startswith(".."):
        raise HistoryError(f"target {target.name!r}: root {target.root} is not inside the git repository "
                           f"{git.toplevel}; run from the repository that holds it (--repo DIR)")
    root_rel = root_rel.replace(os.sep, "/")
    try:
        commits = select(git.log(rev_range, first_parent=first_parent), every)
    except GitError as exc:
        raise HistoryError(str(exc)) from None
    if not commits:
        raise HistoryError(f"revision range {rev_range!r} holds no commits; give one such as HEAD~20..HEAD")
    configured = dict(target.issues) or {n: "open" for n in issues_with_checks()}
    # one cache per scan: their queries differ, and a partial summary's verdicts are kept per query
    facts = BlobFacts()  # what holds of a blob for both scans
    caches = (BlobCache(facts), BlobCache(facts))
    vroot = virtual_root(git.toplevel, root_rel)
    memo = WalkMemo()  # what the file walk learns about a path holds at every commit
    memories: list[ScanMemory | None] = [None, None]  # what the last scanned commit's two scans left
    changed: set[str] = set()
    counters = {"narrowed": 0, "unseen": 0}
    inert: set[str] = set()  # files neither scan parsed nor the checks loaded at the last scanned commit
    tree: GitTree | None = None
    results: list[CommitResult] = []
    scans = 0
    try:
        with ObjectReader(git) as reader:
            tree_ids = [_root_tree(reader, commit, root_rel) for commit in commits]
            diffs = _diffs(git, tree_ids)
            listing: dict[str, tuple[str, str]] = {}
            previous_tree: str | None = None
            for i, (commit, tree_id) in enumerate(zip(commits, tree_ids)):
                if progress is not None and progress.due():
                    progress.update(f"{i}/{len(commits)} commits, {reader.objects_read} blobs read")
                if results and tree_id == previous_tree:
                    last = results[-1]
                    results.append(CommitResult(commit, tree_id, last.checks, reused=True, notes=list(last.notes)))
                    continue
                moved = True
                if tree_id is None:
                    listing, memories = {}, [None, None]
                elif previous_tree is None:
                    listing, memories = git.ls_tree(tree_id), [None, None]
                    reader.prefetch([oid for rel, (mode, oid) in listing.items()
                                     if rel.endswith(".py") and mode not in (SYMLINK, GITLINK)])
                else:
                    paths, moved = apply_changes(diffs[(previous_tree, tree_id)], listing)
                    changed = set(paths)
                previous_tree = tree_id
                # a symlink's bytes change with its target: never taken as unchanged
                changed |= {rel for rel, (mode, _oid) in listing.items() if mode == SYMLINK}
                # the same paths as the last scanned tree: its walk order and folders hold
                tree = GitTree(listing, reader, vroot, memo, same_paths=None if moved else tree)
                if not moved and changed and None not in memories and unseen_change(
                        tree, changed, memories, caches, inert):  # type: ignore[arg-type]
                    last = results[-1]
                    results.append(CommitResult(commit, tree_id, last.checks, reused=True, notes=list(last.notes)))
                    counters["unseen"] += 1
                    changed = set()
                    continue
                checks, notes, inert = _scan_commit(tree, caches, target, memories, changed, counters)
                changed = set()
                scans += 1
                if tree_id is None:
                    notes.insert(0, f"the target root {root_rel or '.'} does not exist at this commit")
                results.append(CommitResult(commit, tree_id, checks, notes=notes))
            blobs_read = reader.objects_read
    except GitError as exc:
        raise HistoryError(str(exc)) from None
    finally:
        if progress is not None:
            progress.done()
    if all(r.root_tree is None for r in results):
        raise HistoryError(f"target {target.name!r}: root {root_rel or '.'} exists in no commit of {rev_range!r}")
    flags = find_flags([(r.commit, r.checks) for r in results], configured, issues_with_checks())
    stats = {"commits": len(results), "scans": scans, "narrowed_scans": counters["narrowed"],
             "unseen_changes": counters["unseen"], "blobs_read": blobs_read,
             "blobs_summarised": len(set(caches[0].entries) | set(caches[1].entries)),
             "seconds": round(time.perf_counter() - started, 3)}
    return History(target.name, git.toplevel, root_rel, target.package, rev_range, every, first_parent, configured,
                   results, flags, stats, commit_url)


def _root_tree(reader: ObjectReader, commit: Commit, root_rel: str) -> str | None:
    """The object id of the target's root at ``commit`` (None: absent, or not a folder)."""
    found = reader.lookup(f"{commit.sha}:{root_rel}" if root_rel else f"{commit.sha}^{{tree}}")
    return found[1] if found and found[0] == "tree" else None


def _diffs(git: GitRepo, tree_ids: list[str | None], batch: int = 64
           ) -> dict[tuple[str, str], list[Change]]:
    """The changes of every step the run takes from one scanned root tree to the next, in few git processes.

    The steps are those of :func:`scan_history`'s loop: a commit whose root is
    the last one's is passed by, and after a commit without the root the next
    tree is listed whole.
    """
    pairs: list[tuple[str, str]] = []
    previous: str | None = None
    for i, tree_id in enumerate(tree_ids):
        if i and tree_id == previous:
            continue
        if previous is not None and tree_id is not None:
            pairs.append((previous, tree_id))
        previous = tree_id
    pairs = list(dict.fromkeys(pairs))
    diffs: dict[tuple[str, str], list[Change]] = {}
    for start in range(0, len(pairs), batch):
        chunk = pairs[start:start + batch]
        diffs.update(zip(chunk, git.diff_trees(chunk)))
    return diffs


def _scan_commit(tree: GitTree, caches: tuple[BlobCache, BlobCache], target: Any, memories: list[ScanMemory | None],
                 changed: set[str], counters: dict[str, int]) -> tuple[dict[str, CheckResult], list[str], set[str]]:
    """The static checks at one commit: the suites' two scans, from the commit's objects.

    ``memories`` holds each scan's :class:`ScanMemory` of the previous scanned
    commit (updated here); ``changed``: the paths that differ from it.
    """
    functions = [target.function_name]
    package, package_scan, memories[0] = scan_tree(tree, caches[0], target.package, target.class_pattern, functions,
                                                   target.deprecated_modules, target.exclude, memories[0], changed)
    codebase, codebase_scan, memories[1] = scan_tree(tree, caches[1], None, target.class_pattern, functions, (),
                                                      target.exclude, memories[1], changed)

    snapshot = ScannedSnapshot(package_scan, codebase_scan, package, lambda m: tree.module_file(m) is not None,
                               tree.submodules)
    checks = run_checks(snapshot, target)
    counters["narrowed"] += package.narrowed + codebase.narrowed
    notes = [f"{tree.rel(e.file)}:{e.line}: does not parse ({e.message}); the scan left it out"
             for e in codebase_scan.parse_errors]
    notes += [f"{rel}: a symlink or submodule git cannot read here; the scan left it out"
              for rel in sorted(tree.unreadable) if rel.endswith(".py")]
    loaded = {tree.rel(m.file.path) for scanner in (package, codebase) for m in scanner.modules.values()
              if m.summary is not None or not scanner.left_unread(m.file.path)}
    inert = (memories[0].unread & memories[1].unread) - loaded  # type: ignore[union-attr]
    return checks, notes, inert
