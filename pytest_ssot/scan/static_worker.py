"""The static scan's second process: half of a cold load, and syntax proofs, on the other core.

A cold scan of a real-shaped tree spends its time in two places: judging the
files that name a searched word (line tests, prefix parses), and proving that
every file a finding comes from parses whole (:mod:`~pytest_ssot.scan.static_syntax`).
Both are per-file and independent, so a second interpreter takes half of the
first and whatever it can of the second:

* **load**: the child runs a :class:`~pytest_ssot.scan.static.StaticScanner` over
  its half of the files with an in-memory cache and sends the cache entries back.
  The parent files them in its own cache and loads those files through the warm
  path, which the cache tests hold equal to the cold one: the answer is the
  serial answer (the parent's cache file too, apart from where entries came from);
* **proofs**: the child then proves its partial files parse, in order, and any
  the parent adds. When the parent needs proofs it takes the child's verdicts and
  proves the rest itself from the other end of the list, so both cores work
  until the last needed file is known. A verdict counts only for the version of
  the file the parent sees (size and mtime).

The child is a plain ``python -S`` running :func:`pytest_ssot.scan.static_child.child_main`: it
reads JSON lines on stdin and writes JSON lines on stdout. It ends when its stdin
closes (however the parent ends: the kernel closes the pipe), is SIGKILLed with
its parent on Linux (``PR_SET_PDEATHSIG``) and is tracked by
:mod:`pytest_ssot.core.children` for signals and exit. If it fails at any point
the parent does the rest itself: slower, never a different answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Iterable, Sequence

from pytest_ssot.core import children
from pytest_ssot.scan.json_lines import JsonLines, encode
from pytest_ssot.scan.source_tree import SourceFile

SAMPLE_FILES = 256  # cold files, spread over the tree, loaded and timed before the rest is projected from them
# a worker starts in ~0.1 s. The load is only about a quarter of a cold scan that names the words (the
# proofs and the alias chase, which the worker shares, come after it). Measured: a 4,000-file real-shaped
# tree loads in 0.45 s of its 1.6 s in one process (1.0 s with a worker) and projects 0.41-0.49 s from a
# sample spread over it, 0.38-0.40 s from its first 256 files (the sample of then), under the 0.4 s this
# once was; the stdlib, which barely names the words, projects 0.04 s (0.2 s from a cold page cache).
MIN_PROJECTED_SECONDS = 0.25
_READ_LIMIT = 600.0  # seconds: a child that says nothing for this long is given up on


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worth_a_second_process(remaining_files: int, projected_seconds: float, parallel: bool | None) -> bool:
    """Start a worker for the rest of a cold load? ``parallel`` True/False decides; None: when the
    rest is projected to take a while (the sample's pace; a tree that barely names the words loads in
    a fraction of it) and a second CPU is there. POSIX only (``select`` on pipes), and only where
    this interpreter can be started again (an embedded one has no ``sys.executable``)."""
    if os.name != "posix" or not sys.executable or remaining_files < 2:
        return False
    if parallel is not None:
        return parallel
    return projected_seconds >= MIN_PROJECTED_SECONDS and cpus() >= 2


class ScanWorker:
    """The parent's handle on one child (see the module docstring); :meth:`close` it in a ``finally``."""

    def __init__(self, job: dict[str, Any]) -> None:
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child can never block on it
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        code = ("import sys; sys.path.insert(0, sys.argv[1]); "
                "from pytest_ssot.scan.static_child import child_main; child_main()")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-S", "-c", code, package_parent],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                preexec_fn=children.preexec_for_child(), bufsize=0,
            )
        except BaseException:
            self._stderr.close()
            raise
        children.track(self.proc)
        for pipe in (self.proc.stdin, self.proc.stdout):  # the job and the load answer fit: no writer waits
            _widen(pipe)
        self._inbox_pipe = JsonLines(self.proc.stdout.fileno())  # type: ignore[union-attr]
        self.alive = True
        self.failure: str | None = None  # why the parent did the child's share itself
        self.proofs: dict[str, tuple[bool, list[int]]] = {}  # path -> (parses, stamp it was proven for)
        self._queued: list[str] = []  # every path handed to the child for a proof, in its order
        self._inbox: list[dict[str, Any]] = []  # messages read but not yet asked for
        self.paths = {path for _module, path, _pkg in job["files"]}  # the files the child loads
        self._send(job)

    # -- the pipe ----------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        if not self.alive:
            return
        try:
            self.proc.stdin.write(encode(message))  # type: ignore[union-attr]
        except (BrokenPipeError, OSError, ValueError):
            try:
                self._died(f"it exited with code {self.proc.wait(1)}")
            except subprocess.TimeoutExpired:
                self._died("it stopped reading")

    def _died(self, why: str) -> None:
        if self.alive:
            self.alive = False
            err = b""
            try:
                self._stderr.seek(0)
                err = self._stderr.read()[-4096:]
            except (OSError, ValueError):
                pass
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            self.failure = f"scan worker: {why}" + (f" ({last[0]})" if last[0] else "")

    def _lines(self, timeout: float) -> list[dict[str, Any]]:
        """Messages that arrive within ``timeout`` seconds (0: only those already there)."""
        if not self.alive:
            return []
        try:
            self._inbox_pipe.poll(timeout)
        except json.JSONDecodeError:
            self._died("it wrote something that is not a message")
        except (OSError, ValueError) as exc:  # our end of the pipe is unusable: no answer will come
            self._died(f"its pipe failed ({exc})")
        messages = self._inbox_pipe.take()
        if not messages and self._inbox_pipe.closed:
            try:
                self._died(f"it exited with code {self.proc.wait(5)}")
            except subprocess.TimeoutExpired:
                self._died("it closed its output")
        return messages

    def _take(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """File a proof verdict; return any other message."""
        if type(message.get("load")) is dict and message["load"].get("mismatch"):
            self._died("it built another query from the same job")
            return None
        if "proved" in message:
            for path, ok, stamp in message["proved"]:
                self.proofs[path] = (bool(ok), stamp)
            return None
        return message

    # -- the two jobs --------------------------------------------------------
    def _wait_for(self, kind: str, fingerprint: str) -> Any:
        """The body of the next ``kind`` message for this query (None: the child failed)."""
        deadline = time.monotonic() + _READ_LIMIT
        while self.alive:
            for i, message in enumerate(self._inbox):
                body = message.get(kind)
                if type(body) is dict and body.get("fingerprint") == fingerprint:
                    del self._inbox[i]
                    return body
            if time.monotonic() > deadline:
                self._died(f"no answer in {_READ_LIMIT:.0f} s")
                break
            for message in self._lines(1.0):
                other = self._take(message)
                if other is not None:
                    self._inbox.append(other)
        return None

    def split(self, fingerprint: str) -> list[str] | None:
        """Take back half of the files the child has not loaded yet (None: it failed)."""
        self._send({"split": fingerprint})
        gave = self._wait_for("gave", fingerprint)
        if gave is None:
            return None
        self.paths.difference_update(gave["paths"])
        return gave["paths"]

    def loaded(self, fingerprint: str) -> dict[str, Any] | None:
        """The child's load results (None: it failed, or answered another query; the parent loads its files)."""
        load = self._wait_for("load", fingerprint)
        if load is not None:
            self._queued[:0] = load.get("queue") or []  # the child proves its own partial files first
        return load

    def ask_chase(self, unseen: Sequence[bytes], star_words: Iterable[bytes], fingerprint: str) -> None:
        """Ask the child which of its files one round of the alias chase must parse (see :meth:`chased`)."""
        self._send({"chase": {"unseen": [w.decode("latin-1") for w in unseen],
                              "stars": sorted(w.decode("latin-1") for w in star_words), "fingerprint": fingerprint}})

    def chased(self, fingerprint: str) -> set[str] | None:
        """The child's files that round must parse (None: it failed; the parent judges them itself)."""
        chased = self._wait_for("chased", fingerprint)
        return None if chased is None else set(chased["paths"])

    def queue_proofs(self, paths: Iterable[str]) -> None:
        """Ask the child to prove these too, after what it has (the parent may need them later)."""
        paths = [p for p in paths if p not in self.proofs]
        if paths:
            self._queued.extend(paths)
            self._send({"prove": paths})

    def prove(self, paths: Sequence[str], stamp_of: Callable[[str], Sequence[int]],
              prove_here: Callable[[str], bool]) -> dict[str, bool]:
        """A verdict for each path: the child's where it has one for this version, else the parent's own.

        The child is told to prove these first, in this order; the parent works
        from the end of it, so they meet in between.
        """
        order = {p: i for i, p in enumerate(self._queued)}
        pending = sorted(dict.fromkeys(paths), key=lambda p: order.get(p, len(order)))
        self._send({"need": [p for p in pending if p not in self.proofs]})  # before the rest of its queue
        verdicts: dict[str, bool] = {}
        while pending:
            for message in self._lines(0):
                other = self._take(message)
                if other is not None:
                    self._inbox.append(other)
            still = []
            for path in pending:
                known = self.proofs.get(path)
                if known is not None and list(known[1]) == list(stamp_of(path)):
                    verdicts[path] = known[0]
                else:
                    still.append(path)
            pending = still
            if pending:
                path = pending.pop()
                verdicts[path] = prove_here(path)
        return verdicts

    def close(self) -> None:
        """End the child now (its remaining proofs are not needed) and reap it."""
        self.alive = False
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            children.kill_group(self.proc)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass
        for stream in (self.proc.stdout, self._stderr):
            if stream is not None:
                stream.close()
        children.untrack(self.proc)



def job_for(scanner: Any, files: Sequence[SourceFile]) -> dict[str, Any]:
    """What the child needs to load ``files`` as ``scanner`` would (its query, not its state)."""
    pattern = scanner.query.pattern
    return {
        "root": scanner.root, "package": scanner.package or None,
        "pattern": [pattern.pattern, pattern.flags], "functions": sorted(scanner.query.functions),
        "importers_of": list(scanner.importers_of), "nested": scanner.nested,
        "classes": scanner.query.search_classes, "check_syntax": scanner.check_syntax,
        "fingerprint": scanner.query.fingerprint(),
        "files": [[sf.module, sf.path, sf.is_package] for sf in files],
    }


_F_SETPIPE_SZ = 1031  # Linux's fcntl for a pipe's buffer size
_PIPE_SIZE = 1 << 20  # the default /proc/sys/fs/pipe-max-size


def _widen(pipe: Any) -> None:
    """A 1 MB pipe buffer where the system allows it: a job of thousands of paths is written
    while the child is still starting, instead of the parent waiting for it (~90 ms here)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, OSError, ValueError, AttributeError):
        pass  # not Linux, or a lower limit: writes just wait a little

