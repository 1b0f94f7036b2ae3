"""The package as a user gets it: a wheel built from this checkout, installed into a throw-away venv.

Offline: the wheel is built without isolation (the build backend comes from the
test extra) and installed without an index. The venv borrows the dependencies
(pytest, xdist, hypothesis, websockets) from the interpreter running the tests
through a ``.pth`` line: a directory added that way has its own ``.pth`` files
ignored, so this checkout's editable install stays out and ``pytest_ssot`` can
only come from the wheel.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


@contextmanager
def build_lock() -> Iterator[None]:
    """One build of this checkout at a time: builds share its build/ and egg-info folders (xdist workers)."""
    key = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"pytest-ssot-build-{key}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_sdist(out: Path) -> Path:
    """The sdist of this checkout, built in place by setuptools (no isolation, no index); its path."""
    with build_lock():
        built = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
                                "print(b.build_sdist(sys.argv[1]))", str(out)],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    return out / built.stdout.strip().splitlines()[-1]


def build_wheel(out: Path) -> Path:
    """``pip wheel`` of this checkout into ``out``; the wheel's path."""
    with build_lock():
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out),
             str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = out.glob("pytest_ssot-*.whl")
    return wheel


def venv_with_wheel(wheel: Path, venv: Path) -> Path:
    """A venv holding ``wheel`` (and this interpreter's other packages); its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
         str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python
