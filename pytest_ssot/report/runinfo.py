"""What a report records about the run itself: Python, plugin version, commit and branch.

Read once at the end of a run. Git is asked in a child with a time limit; outside
a repository (or without git) the commit and branch are simply absent, never a
guess. Source locations of findings are written relative to the repository's
top folder (or pytest's rootdir outside git), so a link template can point at
the same line on the project's web host.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GIT_TIMEOUT_SECONDS = 5.0


def git(args: list[str], cwd: Path) -> str | None:
    """``git ARGS`` in ``cwd``: its first output line, or None (not a repository, no git, too slow)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else None


def source_root(rootdir: Path) -> Path:
    """The folder finding paths are relative to: the git work tree's top, else pytest's rootdir."""
    top = git(["rev-parse", "--show-toplevel"], rootdir)
    return Path(top) if top else rootdir


def run_metadata(rootdir: Path, run_url: str | None = None) -> dict[str, Any]:
    """Python, plugin version, commit and branch (None outside git; branch None on a detached HEAD)."""
    from pytest_ssot.core.version import __version__

    commit = git(["rev-parse", "HEAD"], rootdir)
    branch = git(["rev-parse", "--abbrev-ref", "HEAD"], rootdir) if commit else None
    return {
        "python": sys.version.split()[0],
        "plugin": __version__,
        "commit": commit,
        "branch": None if branch == "HEAD" else branch,
        "url": run_url,
    }


def relative_location(file: Any, line: Any, root: Path) -> tuple[str, int] | None:
    """``(path relative to root, line)`` for a finding inside ``root``; None for anything else."""
    if not isinstance(file, str) or not file or type(line) is not int or line < 1:
        return None
    try:
        relative = Path(os.path.realpath(file)).relative_to(os.path.realpath(root))
    except ValueError:  # outside the project (site-packages, a temporary folder): nothing to link to
        return None
    return relative.as_posix(), line


def finding_locations(findings: list[Any], root: Path) -> list[dict[str, Any]]:
    """Every finding that names a file and line inside ``root``: its key, path and line."""
    from pytest_ssot.core.violation import finding_key

    found = []
    for finding in findings:
        data = finding.to_json() if hasattr(finding, "to_json") else finding
        if not isinstance(data, Mapping):
            data = getattr(data, "__dict__", {})
        where = relative_location(data.get("file"), data.get("line"), root)
        if where is not None:
            found.append({"finding": finding_key(finding), "path": where[0], "line": where[1]})
    return found
