"""Files written all at once: readers see the old file or the new one, never half of it.

The scan cache, the report and the ledger are written this way (temp file beside
the target, then ``os.replace``), so concurrent xdist workers and a CI step that
uploads the file never see a partial write.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any


def write_json(path: Path, document: Mapping[str, Any], prefix: str) -> None:
    """Write ``document`` as indented JSON, atomically; streamed, so a big document is not held twice."""

    def dump(handle: Any) -> None:
        json.dump(document, handle, indent=2, sort_keys=False)
        handle.write("\n")

    atomic_write(path, dump, prefix=prefix)


def atomic_write_text(path: Path, text: str, prefix: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temp file and ``os.replace``.

    Readers see the old file or the new one, never half of it; the temp file is
    removed when anything fails.
    """
    atomic_write(path, lambda handle: handle.write(text), prefix)


def atomic_write(path: Path, write: Callable[[IO[str]], object], prefix: str) -> None:
    """Let ``write`` fill a temp file beside ``path``, then ``os.replace`` it: all or nothing.

    The file gets the mode a plain ``open(path, "w")`` would give it (0666 less
    the umask), not ``mkstemp``'s private 0600: a report is meant to be read by
    the CI's other steps and users.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else set back at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
