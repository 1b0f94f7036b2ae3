"""SQLite persistence of threads and their events (standard library only).

Ownership lives here, next to the data: every read takes the asking user's id, so
no caller can forget the check. One connection, used from the event-loop thread
only; statements are tiny, so they run inline rather than in an executor.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    thread_id  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id  TEXT NOT NULL REFERENCES threads(thread_id),
    payload    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_thread ON events(thread_id, seq);
"""


class Store:
    """Threads owned by users, and the ordered events of each thread."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def create_thread(self, user_id: str) -> str:
        """A new thread owned by ``user_id``."""
        thread_id = uuid.uuid4().hex
        self._db.execute(
            "INSERT INTO threads (thread_id, user_id, created_at) VALUES (?, ?, ?)",
            (thread_id, user_id, time.time()),
        )
        return thread_id

    def owns(self, user_id: str, thread_id: str) -> bool:
        """True only if the thread exists and belongs to ``user_id``."""
        row = self._db.execute(
            "SELECT 1 FROM threads WHERE thread_id = ? AND user_id = ?", (thread_id, user_id)
        ).fetchone()
        return row is not None

    def append_event(self, thread_id: str, event: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO events (thread_id, payload) VALUES (?, ?)", (thread_id, json.dumps(event))
        )

    def history(self, user_id: str, thread_id: str) -> list[dict[str, Any]] | None:
        """The thread's events in order, or None when it is not ``user_id``'s thread."""
        if not self.owns(user_id, thread_id):
            return None
        rows = self._db.execute(
            "SELECT payload FROM events WHERE thread_id = ? ORDER BY seq", (thread_id,)
        ).fetchall()
        return [json.loads(payload) for (payload,) in rows]

    def close(self) -> None:
        self._db.close()
