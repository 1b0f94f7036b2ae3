"""Child processes that die with their parent, however the parent ends.

The runtime scan and the import probes run in child interpreters that have
their own session (``start_new_session``: a timeout kills the whole group, and
a Ctrl-C in the terminal never reaches a target's half-imported code). The
price: the terminal's SIGINT misses them, so a parent that stopped waiting for
them left them running forever (a target that loops at import time kept a CPU
busy after the run). Three layers make sure it cannot:

* :func:`wait_or_kill` kills the child's group on *any* exception while the
  parent waits (``KeyboardInterrupt`` included) before it re-raises;
* :func:`install_signal_handlers` turns SIGTERM (and SIGHUP) in the parent into
  "kill every live child group, then die of the same signal", so a run
  stopped by CI or a supervisor takes its children along; ``atexit`` does the
  same at a normal exit;
* on Linux, :func:`die_with_parent` (a ``preexec_fn``) sets
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the child when the
  thread that started it ends, even after a SIGKILL of the parent. A backstop
  only, since it covers the child but not its own descendants.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1
_LIVE: dict[int, subprocess.Popen[Any]] = {}  # pid -> child whose group is ours to kill
_LOCK = threading.Lock()
_INSTALLED: set[int] = set()
_AT_EXIT: list[bool] = []  # kill_all registered with atexit (once)


def die_with_parent() -> None:
    """``preexec_fn``: ask the kernel to SIGKILL this child when its parent thread ends (Linux; else nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: the other layers remain
        pass


def preexec_for_child() -> Any:
    """The ``preexec_fn`` to pass: :func:`die_with_parent` only from the main thread.

    PDEATHSIG fires when the *thread* that forked ends, so a child started from a
    short-lived worker thread would die early; those children rely on the other layers.
    """
    return die_with_parent if threading.current_thread() is threading.main_thread() else None


def track(proc: subprocess.Popen[Any]) -> None:
    """Remember a live child (its own process group) so a signal or exit of ours ends it."""
    with _LOCK:
        _LIVE[proc.pid] = proc


def untrack(proc: subprocess.Popen[Any]) -> None:
    with _LOCK:
        _LIVE.pop(proc.pid, None)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the child's process group (the child itself if it has none of its own)."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signal.SIGKILL)
            return
    except (ProcessLookupError, PermissionError, AttributeError, OSError):
        pass
    try:
        proc.kill()
    except OSError:
        pass


def kill_all() -> None:
    """Kill every tracked child's group and reap it (bounded: SIGKILL cannot be ignored)."""
    with _LOCK:
        live = list(_LIVE.values())
        _LIVE.clear()
    for proc in live:
        if proc.poll() is None:
            kill_group(proc)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a zombie we cannot reap
                pass


def _kill_all_at_exit() -> None:
    if not _AT_EXIT:
        _AT_EXIT.append(True)
        atexit.register(kill_all)


def _on_signal(signum: int, frame: Any) -> None:
    kill_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # die of the same signal, as without the handler


def install_signal_handlers(signals: Sequence[int] = (signal.SIGTERM, signal.SIGHUP)) -> None:
    """Once per process, from the main thread: on these signals kill our children first, then die of it.

    A handler someone else installed (not the default action) is left alone.
    """
    _kill_all_at_exit()
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in signals:
        if signum in _INSTALLED:
            continue
        try:
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, _on_signal)
                _INSTALLED.add(signum)
        except (ValueError, OSError):  # pragma: no cover - not the main interpreter
            pass


def wait_or_kill(proc: subprocess.Popen[bytes], timeout: float,
                 input: bytes | None = None) -> tuple[bytes, bytes, bool]:
    """``proc.communicate(input, timeout)``; on a timeout, or any exception, kill its group first.

    Returns (stdout, stderr, timed_out). Any other exception (a KeyboardInterrupt
    from Ctrl-C) is re-raised after the group is dead and reaped.
    """
    track(proc)
    try:
        try:
            out, err = proc.communicate(input, timeout=timeout)
            return out, err, False
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            return out, err, True
        except BaseException:
            kill_group(proc)
            try:
                proc.communicate(timeout=5)
            except BaseException:  # noqa: BLE001 - the first exception is the one to raise
                pass
            raise
    finally:
        untrack(proc)


class Terminated(SystemExit):
    """Raised in the main thread on SIGTERM/SIGHUP by :func:`exit_on_signals`: ``with`` blocks clean up."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(128 + signum)


def exit_on_signals(signals: Sequence[int] = (signal.SIGTERM, signal.SIGHUP)) -> None:
    """For scripts that own servers and runs: SIGTERM/SIGHUP unwind like Ctrl-C, so every ``finally`` runs."""
    _kill_all_at_exit()
    for signum in signals:
        signal.signal(signum, _raise_terminated)


def call(command: Sequence[str], *, grace: float = 15.0, **popen: Any) -> int:
    """``subprocess.call`` whose child cannot outlive us: an exception here (Ctrl-C, :class:`Terminated`)
    passes SIGTERM on to the child, waits ``grace`` seconds for it to clean up, then kills it."""
    proc = subprocess.Popen(list(command), preexec_fn=preexec_for_child(), **popen)
    track(proc)
    try:
        return proc.wait()
    except BaseException:
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(grace)
            except BaseException:  # noqa: BLE001 - a second signal or the grace ran out: no more waiting
                kill_group(proc)
                proc.wait(5)
        raise
    finally:
        untrack(proc)
