"""Read a git repository's commits, trees and blobs, touching neither its working tree nor its index.

``ssot history`` judges old commits from their objects: ``git log`` for the
commits, ``git ls-tree`` / ``git diff-tree`` for the files under the target's
root, and one long-lived ``git cat-file --batch`` for their bytes. Nothing here
checks out, stashes or refreshes the index (no ``git status``), so a run leaves
``git status --porcelain`` and ``.git/index`` exactly as they were.

Every git process runs with a timeout, in its own process group, and dies with
its parent (see :mod:`pytest_ssot.core.children`); a failure is a :class:`GitError`
of one line.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from pytest_ssot.core.children import kill_group, preexec_for_child, track, untrack, wait_or_kill

DEFAULT_TIMEOUT = 60.0  # seconds for one git command, or for one object from cat-file

# git's modes (``ls-tree``): what a tree entry is
REGULAR, EXECUTABLE, SYMLINK, GITLINK = "100644", "100755", "120000", "160000"

_FIELD, _RECORD = "\x1f", "\x1e"


class GitError(Exception):
    """git could not answer: not a repository, a bad revision, a timeout. One line."""


@dataclass(frozen=True)
class Commit:
    """One commit as ``ssot history`` shows it."""

    sha: str
    parents: tuple[str, ...]
    date: str  # author date, strict ISO 8601
    author: str
    message: str

    @property
    def short(self) -> str:
        return self.sha[:10]

    @property
    def subject(self) -> str:
        return self.message.strip().splitlines()[0] if self.message.strip() else ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # never prompt, never take optional locks (a read must not rewrite the index), never page
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_PAGER="cat", LC_ALL="C")
    return env


class GitRepo:
    """One repository, addressed by any directory inside its working tree."""

    def __init__(self, directory: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        if not os.path.isdir(directory):
            raise GitError(f"{directory} is not a directory")
        self.directory = os.path.realpath(directory)
        out = self.run(["rev-parse", "--show-toplevel"], what=f"{directory} is not inside a git working tree")
        self.toplevel = os.path.realpath(out.strip())

    def run(self, args: list[str], *, what: str | None = None, input: str | None = None,
            timeout: float | None = None) -> str:
        """``git ARGS`` in the repository, ``input`` on its stdin; its stdout, or a :class:`GitError` (``what`` failed).

        ``timeout``: for a command doing the work of several (default: the repository's timeout).
        """
        limit = self.timeout if timeout is None else timeout
        proc = subprocess.Popen(["git", "-C", self.directory, *args],
                                stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                                start_new_session=True, preexec_fn=preexec_for_child())
        out, err, timed_out = wait_or_kill(
            proc, limit, None if input is None else input.encode("utf-8", "surrogateescape"))
        if timed_out:
            raise GitError(f"git {args[0]} took longer than {limit:g}s (killed)")
        if proc.returncode != 0:
            detail = _first_line(err.decode("utf-8", "replace"))
            raise GitError(f"{what}: {detail}" if what else f"git {args[0]} failed: {detail}")
        return out.decode("utf-8", "surrogateescape")

    def log(self, rev_range: str, *, first_parent: bool = False) -> list[Commit]:
        """Commits of ``rev_range`` (anything ``git log`` takes: ``HEAD``, ``a..b``), oldest first."""
        if not rev_range or rev_range.startswith("-"):
            raise GitError(f"bad revision range {rev_range!r}: give revisions such as HEAD~20..HEAD")
        fmt = _FIELD.join(("%H", "%P", "%aI", "%an", "%B")) + _RECORD
        args = ["log", "--no-color", "--topo-order", "--reverse", f"--format={fmt}"]
        if first_parent:
            args.append("--first-parent")
        out = self.run([*args, rev_range, "--"], what=f"bad revision range {rev_range!r}")
        commits = []
        for record in out.split(_RECORD):
            record = record.lstrip("\n")
            if not record:
                continue
            sha, parents, date, author, message = record.split(_FIELD, 4)
            commits.append(Commit(sha, tuple(parents.split()), date, author, message))
        return commits

    def ls_tree(self, tree: str) -> dict[str, tuple[str, str]]:
        """Every file below ``tree`` (an object id): path relative to it -> (mode, object id)."""
        out = self.run(["ls-tree", "-r", "-z", "--full-tree", tree])
        listing = {}
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                mode, _type, oid = meta.split()
                listing[path] = (mode, oid)
        return listing

    def diff_tree(self, old: str, new: str, listing: dict[str, tuple[str, str]]) -> tuple[list[str], bool]:
        """Apply the changes from tree ``old`` to tree ``new`` to ``listing`` (in place); see :func:`apply_changes`."""
        return apply_changes(self.diff_trees([(old, new)])[0], listing)

    def diff_trees(self, pairs: list[tuple[str, str]]) -> list[list[Change]]:
        """``git diff-tree -r`` of each (old, new) pair of trees: its changes, in git's order.

        One process for all of them (``--stdin``, which echoes each pair before
        its changes): a process per commit cost more than the diffs. Output that
        does not read as expected is asked again a pair at a time.
        """
        if not pairs:
            return []
        heads = [f"{old} {new}\n" for old, new in pairs]
        args = ["diff-tree", "-r", "-z", "--no-renames"]
        if len(pairs) > 1:
            # each diff keeps the budget it had in a process of its own
            found = _parse_changes(self.run([*args, "--stdin"], input="".join(heads),
                                            timeout=self.timeout * len(pairs)), heads)
            if found is not None:
                return found
        diffs = []
        for old, new in pairs:
            one = _parse_changes(self.run([*args, old, new]), [])
            if one is None:
                raise GitError(f"git diff-tree {old[:10]} {new[:10]}: output not understood")
            diffs += one
        return diffs


# one changed path: (status, path, new mode, new object id)
Change = tuple[str, str, str, str]


def _parse_changes(out: str, heads: list[str]) -> list[list[Change]] | None:
    """``diff-tree -r -z`` output, split at the echoed ``heads`` (none: one diff); None if it does not read so."""
    fields = out.split("\0")
    found: list[list[Change]] = [] if heads else [[]]
    at = 0  # the next head expected
    i = 0
    while i < len(fields):
        meta = fields[i]
        while at < len(heads) and meta.startswith(heads[at]):
            meta = meta[len(heads[at]):]
            found.append([])
            at += 1
        if not meta and i == len(fields) - 1:
            break
        if not meta.startswith(":") or i + 1 >= len(fields) or not found:
            return None
        _old_mode, new_mode, _old_oid, new_oid, status = meta[1:].split()
        found[-1].append((status, fields[i + 1], new_mode, new_oid))
        i += 2
    return found if len(found) == max(len(heads), 1) else None


def apply_changes(changes: list[Change], listing: dict[str, tuple[str, str]]) -> tuple[list[str], bool]:
    """Apply one diff's changes to ``listing`` (in place).

    Returns the paths changed, and whether a path was added or deleted (not only modified).
    """
    changed = []
    moved = False
    for status, path, new_mode, new_oid in changes:
        if status == "D":
            listing.pop(path, None)
        else:
            listing[path] = (new_mode, new_oid)
        changed.append(path)
        moved = moved or status in ("A", "D", "T")
    return changed, moved


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "git failed without a message"


class ObjectReader:
    """A long-lived ``git cat-file --batch``: object ids in, bytes out, each within the timeout.

    ``lookup`` answers ``<commit>:<path>`` (the id of a tree or blob, None if
    absent) through a second process in ``--batch-check`` mode. Use it as a
    context manager (or call :meth:`close`): both processes end with it.
    """

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.timeout = repo.timeout
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._buffers: dict[str, bytearray] = {}
        self.objects_read = 0
        self.bytes_read = 0
        # bytes read lately (least recently used out first, within memo_limit): the scans of one commit,
        # and the alias chase at a later one, test a file's bytes again
        self._recent: OrderedDict[str, bytes] = OrderedDict()
        self._recent_size = 0
        self.memo_limit = 128 << 20

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _proc(self, mode: str) -> subprocess.Popen[bytes]:
        proc = self._procs.get(mode)
        if proc is None:
            proc = subprocess.Popen(["git", "-C", self.repo.directory, "cat-file", mode], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(),
                                    start_new_session=True, preexec_fn=preexec_for_child())
            track(proc)
            self._procs[mode] = proc
            self._buffers[mode] = bytearray()
        return proc

    def _ask(self, mode: str, request: str) -> bytes:
        """Send one request line; the header line of the answer."""
        proc = self._proc(mode)
        try:
            proc.stdin.write(request.encode("utf-8", "surrogateescape") + b"\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        except OSError as exc:
            self.close()
            raise GitError(f"git cat-file stopped answering ({exc.strerror or exc})") from None
        return self._read_line(mode)

    def _fill(self, mode: str, deadline: float) -> None:
        proc = self._procs[mode]
        fd = proc.stdout.fileno()  # type: ignore[union-attr]
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                self.close()
                raise GitError(f"git cat-file gave no answer within {self.timeout:g}s (killed)")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            self.close()
            raise GitError("git cat-file ended unexpectedly")
        self._buffers[mode] += chunk

    def _read_line(self, mode: str) -> bytes:
        deadline = time.monotonic() + self.timeout
        buf = self._buffers[mode]
        while (end := buf.find(b"\n")) < 0:
            self._fill(mode, deadline)
            buf = self._buffers[mode]
        line = bytes(buf[:end])
        del buf[:end + 1]
        return line

    def _read_exact(self, mode: str, size: int) -> bytes:
        deadline = time.monotonic() + self.timeout
        while len(self._buffers[mode]) < size + 1:  # the content and its trailing newline
            self._fill(mode, deadline)
        buf = self._buffers[mode]
        data = bytes(buf[:size])
        del buf[:size + 1]
        return data

    def read(self, oid: str) -> bytes | None:
        """The bytes of blob ``oid`` (None if there is no such blob)."""
        data = self._recent.get(oid)
        if data is not None:
            self._recent.move_to_end(oid)
            return data
        header = self._ask("--batch", oid).split()
        if len(header) < 3 or header[1] == b"missing":
            return None
        data = self._read_exact("--batch", int(header[2]))
        self.objects_read += 1
        self.bytes_read += len(data)
        if header[1] != b"blob":
            return None
        if len(data) <= self.memo_limit:
            self._recent[oid] = data
            self._recent_size += len(data)
            while self._recent_size > self.memo_limit:
                self._recent_size -= len(self._recent.popitem(last=False)[1])
        return data

    def prefetch(self, oids: list[str]) -> None:
        """Read many blobs in one stream (a writer thread feeds the requests), into the memo, within its budget.

        A first commit's scan reads every file; one request at a time would wait
        on a round trip per file.
        """
        wanted = [oid for oid in dict.fromkeys(oids) if oid not in self._recent]
        if not wanted:
            return
        proc = self._proc("--batch")
        requests = "".join(f"{oid}\n" for oid in wanted).encode()

        def feed() -> None:
            try:
                proc.stdin.write(requests)  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
            except (OSError, ValueError):  # the reader gave up and closed the process: nothing left to feed
                pass

        writer = threading.Thread(target=feed, name="ssot-git-prefetch", daemon=True)
        writer.start()
        try:
            for oid in wanted:
                header = self._read_line("--batch").split()
                if len(header) < 3 or header[1] == b"missing":
                    continue
                data = self._read_exact("--batch", int(header[2]))
                self.objects_read += 1
                self.bytes_read += len(data)
                if header[1] == b"blob" and self._recent_size + len(data) <= self.memo_limit:
                    self._recent[oid] = data
                    self._recent_size += len(data)
        finally:
            writer.join(self.timeout)

    def lookup(self, spec: str) -> tuple[str, str] | None:
        """(type, object id) of ``spec`` (e.g. ``<sha>:src``), or None if it names nothing."""
        header = self._ask("--batch-check", spec).split()
        if len(header) < 3 or header[-1] in (b"missing", b"ambiguous"):
            return None
        return header[1].decode(), header[0].decode()

    def close(self) -> None:
        """End both processes (closing stdin lets them exit; a stuck one is killed)."""
        for proc in self._procs.values():
            try:
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                proc.wait(5)
            finally:
                if proc.stdout is not None:
                    proc.stdout.close()
                untrack(proc)
        self._procs.clear()
        self._buffers.clear()
