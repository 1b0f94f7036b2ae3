"""A run ends after its report, whatever threads the target left running.

Target code may start a non-daemon thread in process (a manager's heartbeat,
a background flusher) and never stop it. Python joins every non-daemon thread
before it exits, so pytest wrote its report and summary and then never
returned. Just before Python would join them (``threading``'s own exit hook,
which runs before that join), :class:`ThreadWatch` names each non-daemon thread
still running, one line each on stderr (name and target function), and ends
the process with pytest's exit status. It acts only at the exit of the
process, so an in-process run (pytester) never ends its host. ``--ssot-wait-for-threads`` keeps Python's behaviour (waiting).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable


def thread_line(thread: threading.Thread) -> str:
    """``name (target module.function)`` of a thread, for the one line that names it."""
    target = getattr(thread, "_target", None) or type(thread).run
    where = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"
    return f"{thread.name} (target {where})"


class ThreadWatch:
    """At interpreter exit, ends the process instead of joining the non-daemon threads a run left behind."""

    def __init__(self, *, wait: bool = False) -> None:
        self.wait = wait
        self._registered = False

    def leaked(self) -> list[threading.Thread]:
        """Non-daemon threads still alive (never the main thread, never the one asking)."""
        main = threading.main_thread()
        return [t for t in threading.enumerate()
                if t.is_alive() and not t.daemon and t is not main and t is not threading.current_thread()]

    def at_exit(self, status: Callable[[], int]) -> None:
        """Arrange the check for the moment Python would start joining threads (once)."""
        if self._registered:
            return
        self._registered = True
        register = getattr(threading, "_register_atexit", None)  # 3.9+: runs before non-daemon threads are joined
        if register is None:  # pragma: no cover - older Pythons: check now
            self._exit_if_leaked(status)
            return
        try:
            register(lambda: self._exit_if_leaked(status))
        except RuntimeError:  # pragma: no cover - the interpreter is already shutting down
            self._exit_if_leaked(status)

    def _exit_if_leaked(self, status: Callable[[], int]) -> None:
        leaked = self.leaked()
        if not leaked:
            return
        if self.wait:
            for t in leaked:
                print(f"ssot: waiting for thread {thread_line(t)} the run left running (--ssot-wait-for-threads)",
                      file=sys.stderr, flush=True)
            return
        code = status()
        for t in leaked:
            print(f"ssot: thread {thread_line(t)} still running after the run; exiting with status {code} "
                  "without waiting for it (--ssot-wait-for-threads waits)", file=sys.stderr)
        from pytest_ssot.core.children import kill_all

        kill_all()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
