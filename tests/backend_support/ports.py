"""A loopback port nothing listens on, for tests of "the server does not answer"."""

from __future__ import annotations

import socket


def unused_loopback_port() -> int:
    """A port the OS just handed out on 127.0.0.1 and that is closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
