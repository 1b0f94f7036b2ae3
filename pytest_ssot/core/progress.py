"""A status line for long work, on a terminal only.

A scan of a large tree, or a runtime scan importing hundreds of modules, can
take longer than a user waits in silence. :class:`Progress` writes one line to
stderr, rewritten in place (``\\r``), once the work has run for ``delay``
seconds and then at most every ``interval`` seconds; it writes nothing at all
when stderr is not a terminal (CI logs, pipes, ``--json`` consumers), and it
clears its line when the work ends, so the real output is never interleaved
with it. Nothing here touches stdout.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Rate-limited, terminal-only status line (see the module docstring)."""

    def __init__(self, label: str, stream: TextIO | None = None, *, delay: float = 2.0, interval: float = 0.25,
                 enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError, OSError):
                enabled = False
        self.enabled = enabled
        self.delay = delay
        self.interval = interval
        self.started = time.monotonic()
        self._next = self.started + delay
        self._width = 0

    def due(self) -> bool:
        """Would :meth:`update` write now? (cheap: call it before building the text)"""
        return self.enabled and time.monotonic() >= self._next

    def update(self, text: str) -> None:
        """Show ``text`` if it is time to (never before ``delay``, at most every ``interval``)."""
        if not self.due():
            return
        now = time.monotonic()
        self._next = now + self.interval
        line = f"{self.label}: {text} ({now - self.started:.0f}s)"
        pad = max(0, self._width - len(line))
        self._width = len(line)
        try:
            self.stream.write("\r" + line + " " * pad)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def done(self) -> None:
        """Clear the line, if one was written."""
        if self._width:
            try:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._width = 0
        self.enabled = False
