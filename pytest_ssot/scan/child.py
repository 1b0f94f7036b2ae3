"""A child interpreter that reports one JSON result: how every probe and the runtime scan run code.

An import cannot be taken back, a circular import leaves half-initialised
modules behind and a hang would hang the test run, so such code runs in a
fresh interpreter (the target's, if given): its own process group, killed as a
whole on a timeout, Ctrl-C or any exit of ours; no bytecode written into the
target's tree. The child's code starts with :data:`CHILD_PRELUDE` and ends by
calling its ``report(obj)``; :func:`run_child` returns that object.

Also here: whether a configured interpreter can run that code at all
(:func:`python_problem`), asked once before the first test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from pytest_ssot.core.children import kill_group, preexec_for_child, track, untrack, wait_or_kill
from pytest_ssot.core.violation import SSOTSetupError

_MARKER = "\n@@pytest-ssot-result@@"
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)  # pytest_ssot/, loaded by path in the child


class ProbeSetupError(SSOTSetupError, ValueError):
    """The probe could not be set up (no such interpreter, no such root).

    Deliberately not an SSOTViolation: a broken setup must never read as a
    confirmed violation.
    """


class ChildError(SSOTSetupError, RuntimeError):
    """A child interpreter died without reporting a result."""


def resolve_python(python: str | os.PathLike[str] | None) -> str:
    """The interpreter to run; a missing one is a ProbeSetupError, in one line."""
    if python is None:
        return sys.executable
    candidate = str(python)
    found = shutil.which(candidate) if os.sep not in candidate else candidate
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise ProbeSetupError(f"python interpreter not found or not executable: {candidate!r}")
    return found


def check_root(root: str | os.PathLike[str]) -> str:
    path = os.path.realpath(root)
    if not os.path.isdir(path):
        raise ProbeSetupError(f"import root is not a directory: {str(root)!r}")
    return path


@dataclass(frozen=True)
class ChildRun:
    payload: Any  # the JSON the child reported, None if it reported nothing
    stdout: str
    stderr: str
    returncode: int | None
    seconds: float
    timed_out: bool


def run_child(
    code: str, args: Sequence[str], *, python: str | None, cwd: str, timeout: float,
    on_stderr_line: Callable[[bytes], None] | None = None,
) -> ChildRun:
    """Run ``python -c code args`` isolated; kill its process group on timeout.

    ``-E`` ignores PYTHONPATH/PYTHONHOME surprises, ``-B`` writes no bytecode into
    the target tree; the child puts the root on ``sys.path`` itself.
    ``on_stderr_line`` is called with each line of the child's stderr as it comes
    (progress); stderr is still returned whole.
    """
    exe = resolve_python(python)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            [exe, "-E", "-B", "-c", code, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed as a whole
            preexec_fn=preexec_for_child(),  # and killed by the kernel if we die first (Linux)
        )
    except OSError as exc:
        raise ProbeSetupError(f"cannot start {exe!r}: {exc}") from None
    # a timeout, Ctrl-C or any exception while waiting kills the group: never left running
    if on_stderr_line is not None:
        out, err, timed_out = _stream(proc, timeout, on_stderr_line)
    else:
        out, err, timed_out = wait_or_kill(proc, timeout)
    seconds = time.perf_counter() - started
    stdout = out.decode("utf-8", "replace")
    payload = None
    at = stdout.rfind(_MARKER)
    if at >= 0:
        try:
            payload = json.loads(stdout[at + len(_MARKER) :].strip().splitlines()[0])
        except (ValueError, IndexError):
            payload = None
    return ChildRun(payload, stdout, err.decode("utf-8", "replace"), proc.returncode, seconds, timed_out)


def _stream(proc: subprocess.Popen[bytes], timeout: float, on_line: Callable[[bytes], None]) -> tuple[bytes, bytes, bool]:
    """``wait_or_kill`` with stderr read line by line (each passed to ``on_line``) as the child writes it."""
    out_chunks: list[bytes] = []
    err_lines: list[bytes] = []

    def read_out() -> None:
        out_chunks.append(proc.stdout.read())  # type: ignore[union-attr]

    def read_err() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            err_lines.append(line)
            try:
                on_line(line)
            except Exception:  # progress must never break the scan
                pass

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for reader in readers:
        reader.start()
    timed_out = False
    track(proc)
    try:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            proc.wait()
        except BaseException:  # Ctrl-C, SIGTERM's exit: the group dies first, then the exception goes on
            kill_group(proc)
            raise
    finally:
        untrack(proc)
    for reader in readers:
        reader.join()
    return b"".join(out_chunks), b"".join(err_lines), timed_out


# The child half of every probe. Stdlib only: it runs on the target's Python.
CHILD_PRELUDE = f"""
import sys, json, os, importlib, traceback
MARKER = {_MARKER!r}
def report(obj):
    sys.stdout.flush()
    sys.stdout.write(MARKER + json.dumps(obj) + "\\n")
    sys.stdout.flush()
    os._exit(0)  # threads the target started must not keep the child alive
def put_root_first(root):
    sys.path[:] = [root] + [p for p in sys.path if p not in ("", root, os.getcwd())]
def classify(module, exc):
    text = str(exc)
    name = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if name is not None and (module == name or module.startswith(name + ".")):
        outcome = "module_not_found"
    elif isinstance(exc, (ImportError, AttributeError)) and (
        "partially initialized module" in text or "circular import" in text
    ):
        outcome = "circular_import"
    else:
        outcome = "other_error"
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-12:])
    return dict(outcome=outcome, error_type=type(exc).__name__, message=text, missing=name, detail=tail)
def load_pytest_ssot(package_dir):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "pytest_ssot", os.path.join(package_dir, "__init__.py"),
        submodule_search_locations=[package_dir])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["pytest_ssot"] = mod
    spec.loader.exec_module(mod)
"""


MIN_TARGET_PYTHON = (3, 8)  # the probes' child code is stdlib-only Python 3.8
_GOOD_PYTHONS: set[str] = set()
_IS_PYTHON = "import sys; print('ssot-python', *sys.version_info[:3])"


def python_problem(python: str, timeout: float = 20.0) -> str | None:
    """Why ``python`` cannot run the probes (not a Python, too old, hangs), or None when it can.

    Asked once before the first test, so ``python = "/bin/true"`` is one line at
    configuration time instead of every probe failing in its own way.
    """
    if python in _GOOD_PYTHONS:  # asked before in this process (every configure of an in-process run)
        return None
    try:
        done = subprocess.run([python, "-E", "-c", _IS_PYTHON], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, preexec_fn=preexec_for_child())
    except subprocess.TimeoutExpired:
        return f"did not answer within {timeout:g}s"
    except OSError as exc:
        return f"cannot be started ({exc.strerror or exc})"
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 4 or words[0] != "ssot-python" or not all(w.isdigit() for w in words[1:]):
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        return f"is not a Python interpreter (exit {done.returncode}, {said[0][:120]})"
    version = tuple(int(w) for w in words[1:3])
    if version < MIN_TARGET_PYTHON:
        return f"is Python {'.'.join(words[1:])}, older than {'.'.join(map(str, MIN_TARGET_PYTHON))}"
    _VERSIONS.setdefault(python, ".".join(words[1:]))
    _GOOD_PYTHONS.add(python)
    return None


_VERSIONS: dict[str, str] = {}


def interpreter_version(python: str | None) -> str:
    """``X.Y.Z`` of an interpreter (cached; the running one costs nothing)."""
    exe = resolve_python(python)
    if exe == sys.executable:
        return sys.version.split()[0]
    if exe not in _VERSIONS:
        try:
            out = subprocess.run([exe, "-E", "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                                 text=True, timeout=30, stdin=subprocess.DEVNULL, preexec_fn=preexec_for_child())
            _VERSIONS[exe] = out.stdout.strip() or "?"
        except (OSError, subprocess.TimeoutExpired):  # only a label for the report: never a failure of its own
            _VERSIONS[exe] = "?"
    return _VERSIONS[exe]
