"""Two venvs a user could have: only pytest, and pytest with pytest-ssot's base install.

Both hold the same pytest (this interpreter's version), installed with pip from
a wheelhouse: filled once by ``pip download`` (the only step that may reach an
index), then every install is ``--no-index``. The wheelhouse and the venvs live
in a cache folder (``$SSOT_TEST_CACHE``, else ``ssot-test-cache`` inside the venv
running the tests, else the user's cache), so a warm run only reinstalls the
pytest-ssot wheel when it changed. A file lock keeps xdist workers from building
the same venv at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


class WheelhouseUnavailable(Exception):
    """``pip download`` could not fill the wheelhouse (no index reachable): the caller skips and says so."""


@dataclass(frozen=True)
class UserVenvs:
    only_pytest: Path  # each a venv's python
    with_ssot: Path


def cache_root() -> Path:
    if os.environ.get("SSOT_TEST_CACHE"):
        return Path(os.environ["SSOT_TEST_CACHE"])
    if sys.prefix != sys.base_prefix:  # inside a venv (./scripts/test's .venv): keep it there
        return Path(sys.prefix) / "ssot-test-cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pytest-ssot-tests"


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{what} failed:\n{done.stderr[-3000:]}")


def wheelhouse(root: Path, requirement: str) -> Path:
    """A folder of wheels that ``requirement`` and its dependencies install from offline."""
    key = hashlib.sha256(f"{requirement} {sys.version_info[:2]}".encode()).hexdigest()[:12]
    folder = root / f"wheelhouse-{key}"
    if (folder / ".complete").exists():
        return folder
    partial = root / f"wheelhouse-{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run([*PIP, "download", "--only-binary", ":all:", "--dest", str(partial), requirement],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise WheelhouseUnavailable(f"pip download {requirement} failed ({last}); run once with an index reachable")
    (partial / ".complete").write_text(requirement + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def _venv(path: Path, wheels: Path, requirements: list[str]) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        _run([sys.executable, "-m", "venv", "--without-pip", str(path)], f"venv {path}")
    _run([*PIP, "--python", str(python), "install", "--no-index", "--find-links", str(wheels), *requirements],
         f"pip install into {path}")
    return python


def user_venvs(ssot_wheel: Path, root: Path | None = None) -> UserVenvs:
    """Both venvs, built on first use and reused; the ssot one reinstalls ``ssot_wheel`` when it changed."""
    root = root or cache_root()
    pytest_requirement = f"pytest=={version('pytest')}"
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}-pytest{version('pytest')}"
    with locked(root):
        wheels = wheelhouse(root, pytest_requirement)
        only = root / f"only-pytest-{tag}"
        if not (only / ".complete").exists():
            _venv(only, wheels, [pytest_requirement])
            (only / ".complete").write_text("")
        ssot = root / f"with-ssot-{tag}"
        digest = hashlib.sha256(ssot_wheel.read_bytes()).hexdigest()
        stamp = ssot / ".installed-wheel"
        if not stamp.exists() or stamp.read_text() != digest:
            python = _venv(ssot, wheels, [pytest_requirement])
            _run([*PIP, "--python", str(python), "install", "--no-index", "--find-links", str(wheels),
                  "--force-reinstall", "--no-deps", str(ssot_wheel)], "pip install the pytest-ssot wheel")
            # its base dependencies come from the wheelhouse too: a missing one fails here, not later
            _run([*PIP, "--python", str(python), "install", "--no-index", "--find-links", str(wheels),
                  str(ssot_wheel)], "pip install the pytest-ssot wheel's dependencies")
            stamp.write_text(digest)
    return UserVenvs(only_pytest=only / "bin" / "python", with_ssot=ssot / "bin" / "python")


def clean_env() -> dict[str, str]:
    """The environment a user's shell would give: none of this run's pytest, ssot or python path settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "SSOT_", "COV_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
