"""Server settings, read once from the environment so tests can override each one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from chatapp.auth import default_secret

ADMIN_ENV = "CHATAPP_ADMIN_USER"
DB_ENV = "CHATAPP_DB"
MAX_FRAME_ENV = "CHATAPP_MAX_FRAME_BYTES"
DEFAULT_ADMIN_USER = "admin"
DEFAULT_MAX_FRAME_BYTES = 64 * 1024
# asyncio's default listen backlog is 100: with 500 simultaneous connects about 1 %
# of SYNs are dropped and retransmitted a second later. The kernel caps this at
# net.core.somaxconn (4096 on current kernels).
DEFAULT_BACKLOG = 1024


@dataclass(frozen=True)
class Settings:
    """What a running server needs besides host and port."""

    secret: str = field(default_factory=default_secret)
    admin_user_id: str = DEFAULT_ADMIN_USER
    db_path: str = ":memory:"
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    backlog: int = DEFAULT_BACKLOG

    @classmethod
    def from_env(cls) -> "Settings":
        """Settings from ``CHATAPP_*`` variables; the database defaults to memory, never the repo."""
        return cls(
            secret=default_secret(),
            admin_user_id=os.environ.get(ADMIN_ENV) or DEFAULT_ADMIN_USER,
            db_path=os.environ.get(DB_ENV) or ":memory:",
            max_frame_bytes=int(os.environ.get(MAX_FRAME_ENV) or DEFAULT_MAX_FRAME_BYTES),
        )
