"""The static scan's on-disk cache: per-file summaries and skip verdicts.

Cold runs are dominated by reading and (rarely) parsing files, warm runs by
loading this cache, so it is one JSON file written with the C encoder, once,
atomically (temp file + ``os.replace``): concurrent pytest-xdist workers never
see a half-written cache, the last writer wins, and a corrupt or foreign file
is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pytest_ssot.core.atomic_files import atomic_write_text
from pytest_ssot.scan.file_summary import SUMMARY_VERSION


class SummaryCache:
    """Per-file summaries and skip verdicts, keyed by path and (size, mtime_ns).

    A summary may be partial (``cut``: the offset its parse stopped at); it is
    used only for the queries listed in its ``valid`` (their fingerprints), as a
    ``skip`` verdict is, so a query with other words reads the file again.

    One JSON file, rewritten atomically (temp file + ``os.replace``) so that
    concurrent xdist workers never see a half-written cache; last writer wins.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None) -> None:
        self.path = Path(cache_dir) / f"static-v{SUMMARY_VERSION}.json" if cache_dir else None
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self.records = self.path is not None  # keep skip verdicts (worth it only where they are kept)
        if self.path is not None:
            try:
                data = json.loads(self.path.read_bytes())
                if type(data) is dict:
                    self.entries = data
            except (OSError, ValueError):
                pass

    @classmethod
    def in_memory(cls) -> SummaryCache:
        """A cache that records everything and is never written (a scan worker sends its entries instead)."""
        cache = cls(None)
        cache.records = True
        return cache

    def has(self, path: str) -> bool:
        """Is anything cached for ``path``? (if not, a cold read needs no ``stat`` first)"""
        return path in self.entries

    def get(self, path: str, stamp: tuple[int, int]) -> dict[str, Any] | None:
        """The entry for ``path`` if it was made for this version of the file."""
        entry = self.entries.get(path)
        if type(entry) is dict and entry.get("stamp") == list(stamp) and _well_formed(entry):
            return entry
        return None  # absent, stale, or foreign/garbled: a miss, never a crash

    def put(self, path: str, stamp: tuple[int, int], **values: Any) -> None:
        """Record ``values`` for this version of ``path`` (kept in memory until :meth:`save`)."""
        entry = self.get(path, stamp)
        if entry is None:
            entry = self.entries[path] = {"stamp": list(stamp)}
        entry.update(values)
        self.dirty = True

    def save(self) -> None:
        """Write everything once, atomically; a no-op if nothing changed."""
        if self.path is None or not self.dirty:
            return
        # dumps: the C encoder
        atomic_write_text(self.path, json.dumps(self.entries, separators=(",", ":")), prefix=".static-")
        self.dirty = False


def _well_formed(entry: dict[str, Any]) -> bool:
    """The shapes the scanner reads: summary dict|None, skip list, error [line, message]|None,
    cut int|None (where a partial summary stops), valid list|None (queries it suffices for),
    nobind list (queries whose words it holds with no line binding one), parses bool|None
    (this version of the file is proven to parse whole)."""
    summary, skip, error = entry.get("summary"), entry.get("skip", []), entry.get("error")
    cut, valid = entry.get("cut"), entry.get("valid")
    parses, nobind = entry.get("parses"), entry.get("nobind", [])
    return (
        (parses is None or type(parses) is bool)
        and type(nobind) is list
        and (summary is None or type(summary) is dict)
        and type(skip) is list
        and (error is None or (type(error) is list and len(error) == 2))
        and (cut is None or (type(cut) is int and cut >= 0))
        and (valid is None or type(valid) is list)
    )
