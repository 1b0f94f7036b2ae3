"""One JSON message per line over a pipe: how the static scan talks to its worker (both ends).

Read with ``os.read`` only: a buffered reader could hold a whole line back
from ``select``, and the reader would wait for a message it already has.
"""

from __future__ import annotations

import json
import os
import select
from typing import Any


def encode(message: dict[str, Any]) -> bytes:
    """``message`` as one line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


class JsonLines:
    """The messages arriving on ``fd``, queued as they are read."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.queue: list[dict[str, Any]] = []
        self.closed = False  # the other end closed the pipe (or is gone)

    def poll(self, timeout: float | None) -> bool:
        """Read what arrives within ``timeout`` seconds (None: wait for it). Is a message queued, or the pipe closed?

        Raises ``OSError`` when the pipe is unusable, ``ValueError`` for a line that is not JSON.
        """
        while not self.queue and not self.closed:
            if not select.select([self.fd], [], [], timeout)[0]:
                return False
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.closed = True
                break
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            self.queue.extend(json.loads(line) for line in lines if line)
        return True

    def take(self) -> list[dict[str, Any]]:
        """Every queued message, oldest first."""
        messages, self.queue = self.queue, []
        return messages
