"""Helpers for tests that signal real processes: own process groups, bounded waits, cleanup on failure.

Every process is started in a new session the test owns (its group id is its
pid), so a signal reaches only what the test started. A process is identified
by pid *and* start time (``/proc/PID/stat`` field 22), so a reused pid never
passes for a survivor; a zombie counts as ended (it no longer runs, and PID 1
of a container may never reap it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Proc = tuple[int, str]  # pid, start time


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing one
    head, _, rest = text.rpartition(")")
    return [head.split(" (")[0], "comm"] + rest.split()


def identity(pid: int) -> Proc | None:
    fields = _stat(pid)
    return (pid, fields[21]) if fields else None


def running(proc: Proc) -> bool:
    """Alive and not a zombie, and the same process (start time) as when it was recorded."""
    fields = _stat(proc[0])
    return bool(fields) and fields[21] == proc[1] and fields[2] not in ("Z", "X")


def descendants(root: int) -> set[Proc]:
    """``root`` and every process below it, whatever session or group they moved to."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                parents[int(entry)] = int(fields[3])
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                frontier.append(child)
    return {p for p in (identity(pid) for pid in found) if p is not None}


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    """Poll until ``predicate()`` is truthy; its value, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate() or None


def port_free(host: str, port: int) -> bool:
    """Nothing accepts on ``host:port`` (loopback only): the connection is refused."""
    assert host in ("127.0.0.1", "::1", "localhost")
    try:
        with socket.create_connection((host, port), timeout=2.0):
            return False
    except OSError:
        return True


class Group:
    """A started process group and every process of it the test has seen (killed at the end if still running)."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc, self.log, self.known = proc, log, set()

    def snapshot(self) -> set[Proc]:
        """Every process below the top one now; remembered for the final cleanup."""
        now = descendants(self.proc.pid)
        self.known |= now
        return now

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def survivors(self, procs: set[Proc]) -> list[str]:
        """The processes of ``procs`` still running, with their command lines (for the failure message)."""
        alive = []
        for proc in sorted(procs):
            if running(proc):
                try:
                    cmd = Path(f"/proc/{proc[0]}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
                except OSError:
                    cmd = "?"
                alive.append(f"{proc[0]}: {cmd}")
        return alive


def _interruptible() -> None:
    """Undo an inherited SIG_IGN for SIGINT (a shell's background job has one), as a terminal's job would have."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def process_group(command: Sequence[str], *, log: Path, **popen: Any) -> Iterator[Group]:
    """Start ``command`` in a new session; on the way out kill whatever of it is left (even if the test failed)."""
    handle = open(log, "wb")
    proc = subprocess.Popen(list(command), stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_interruptible, **popen)
    group = Group(proc, log)
    try:
        yield group
    finally:
        with _suppress():
            group.snapshot()
        with _suppress():
            os.killpg(proc.pid, signal.SIGKILL)
        for known in group.known:
            if running(known):
                with _suppress():
                    os.kill(known[0], signal.SIGKILL)
        with _suppress():
            proc.wait(10)
        handle.close()


@contextmanager
def _suppress() -> Iterator[None]:
    try:
        yield
    except (OSError, subprocess.TimeoutExpired):
        pass


def pids_in_file(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split() if line.strip().isdigit()]
    except OSError:
        return []
