"""Where ``ssot scan`` keeps its static-scan cache: a tagged cache folder, never the scanned tree.

The folder is ``--cache-dir``, else ``$SSOT_CACHE_DIR``, else
``$XDG_CACHE_HOME/pytest-ssot``, else ``~/.cache/pytest-ssot``; each scanned root
gets its own subfolder, keyed by its real path. The folder carries a
``CACHEDIR.TAG`` (https://bford.info/cachedir/), so backup and archiving tools
skip it. Pytest runs keep theirs in pytest's own cache folder
(``.pytest_cache/d/ssot-static``), which pytest tags the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

TAG_NAME = "CACHEDIR.TAG"
TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
TAG_TEXT = (f"{TAG_SIGNATURE}\n"
            "# This file is a cache directory tag created by pytest-ssot (ssot scan).\n"
            "# For information about cache directory tags, see https://bford.info/cachedir/\n")


def default_cache_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$SSOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/pytest-ssot``, else ``~/.cache/pytest-ssot``."""
    if environ.get("SSOT_CACHE_DIR"):
        return Path(environ["SSOT_CACHE_DIR"]).expanduser()
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "pytest-ssot"


def ensure_tagged(home: Path) -> Path:
    """``home`` created if missing, with its ``CACHEDIR.TAG``; OSError when it cannot be written."""
    home.mkdir(parents=True, exist_ok=True)
    tag = home / TAG_NAME
    if not tag.is_file() or not tag.read_text(errors="replace").startswith(TAG_SIGNATURE):
        tag.write_text(TAG_TEXT)
    return home


def scan_cache_dir(root: str | os.PathLike[str], home: str | os.PathLike[str] | None = None,
                   environ: Mapping[str, str] = os.environ) -> Path:
    """The folder for ``root``'s static-scan cache inside the tagged cache home (created)."""
    real = os.path.realpath(root)
    key = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    tagged = ensure_tagged(Path(home).expanduser() if home else default_cache_home(environ))
    folder = tagged / "scans" / f"{os.path.basename(real) or 'root'}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
