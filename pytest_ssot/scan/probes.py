"""Import probes in a fresh interpreter, so the test process never sees the import.

"Is the deprecated module gone?" cannot be asked in-process: an import leaves the
module (and everything it pulled in) in ``sys.modules``, a circular import leaves
half-initialised modules behind, and a hang would hang the test run. Each probe
runs a child interpreter (the target's, if given) with the target's import root
first on ``sys.path``, no bytecode written, and a time limit after which the
whole child process group is killed.

Also here, because it is the other "does this module exist?" question and must
not import either: :func:`find_submodules` lists a package's submodules from the
file system by name pattern, with an allow-list.
"""

from __future__ import annotations

import fnmatch
import json
import os
import pkgutil
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

IMPORTED = "imported"
MODULE_NOT_FOUND = "module_not_found"
OTHER_ERROR = "other_error"
CIRCULAR_IMPORT = "circular_import"
TIMEOUT = "timeout"
OUTCOMES = (IMPORTED, MODULE_NOT_FOUND, OTHER_ERROR, CIRCULAR_IMPORT, TIMEOUT)

DEFAULT_TIMEOUT = 10.0
_MARKER = "\n@@pytest-ssot-result@@"
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)  # pytest_ssot/, loaded by path in the child


class ProbeSetupError(SSOTSetupError, ValueError):
    """The probe could not be set up (no such interpreter, no such root).

    Deliberately not an SSOTViolation: a broken setup must never read as a
    confirmed violation.
    """


class ChildError(SSOTSetupError, RuntimeError):
    """A child interpreter died without reporting a result."""


@dataclass(frozen=True)
class ProbeResult:
    """How ``import module`` went in a fresh interpreter."""

    module: str
    outcome: str  # one of OUTCOMES
    error_type: str | None = None
    message: str | None = None
    missing: str | None = None  # ModuleNotFoundError.name, when one was raised
    seconds: float = 0.0
    timeout: float = DEFAULT_TIMEOUT
    python: str = ""
    detail: str = ""  # traceback tail or stderr tail, for the report

    def describe(self) -> str:
        if self.outcome == IMPORTED:
            return f"{self.module}: imported ({self.seconds:.2f}s)"
        if self.outcome == TIMEOUT:
            return f"{self.module}: import did not finish within the {self.timeout:g}s limit (child killed)"
        return f"{self.module}: {self.outcome} ({self.error_type}: {self.message})"


# -- child processes ------------------------------------------------------


def resolve_python(python: str | os.PathLike[str] | None) -> str:
    """The interpreter to run; a missing one is a ProbeSetupError, in one line."""
    if python is None:
        return sys.executable
    candidate = str(python)
    found = shutil.which(candidate) if os.sep not in candidate else candidate
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise ProbeSetupError(f"python interpreter not found or not executable: {candidate!r}")
    return found


def _check_root(root: str | os.PathLike[str]) -> str:
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
_CHILD_PRELUDE = f"""
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

_IMPORT_CHILD = (
    _CHILD_PRELUDE
    + """
root, module = sys.argv[1], sys.argv[2]
put_root_first(root)
try:
    importlib.import_module(module)
except BaseException as exc:
    report(classify(module, exc))
report(dict(outcome="imported"))
"""
)


def probe_import(
    module: str,
    root: str | os.PathLike[str],
    *,
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ProbeResult:
    """Import ``module`` in a fresh interpreter with ``root`` first on sys.path."""
    root_path = _check_root(root)
    run = run_child(_IMPORT_CHILD, [root_path, module], python=python, cwd=root_path, timeout=timeout)
    return _probe_result(module, run, timeout, python, f"no result within {timeout:g}s")


def _probe_result(name: str, run: ChildRun, timeout: float, python: str | None, timed_out: str) -> ProbeResult:
    """A probe child's run as a result: its report, or a timeout, or a child that died silently."""
    version = interpreter_version(python)
    if run.timed_out:
        return ProbeResult(name, TIMEOUT, "TimeoutError", timed_out,
                           seconds=run.seconds, timeout=timeout, python=version, detail=run.stderr[-2000:])
    if run.payload is None:
        return ProbeResult(name, OTHER_ERROR, "ChildExited",
                           f"child exited with code {run.returncode} without a result",
                           seconds=run.seconds, timeout=timeout, python=version, detail=run.stderr[-2000:])
    return ProbeResult(module=name, seconds=run.seconds, timeout=timeout, python=version, **run.payload)


_CALL_CHILD = (
    _CHILD_PRELUDE
    + """
import asyncio, inspect
root, factory_ref, context_ref, user_id = sys.argv[1:5]
put_root_first(root)
def load(ref):
    module, _, attr = ref.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
try:
    factory = load(factory_ref)
    context = load(context_ref)(user_id) if context_ref else None
    result = factory(context)
    if inspect.isawaitable(result):
        async def wait():
            return await result
        result = asyncio.run(wait())
except BaseException as exc:
    report(classify(factory_ref.partition(":")[0], exc))
report(dict(outcome="imported", message=type(result).__qualname__))
"""
)


def probe_factory_call(
    factory: str,
    root: str | os.PathLike[str],
    *,
    user_context: str | None = None,
    user_id: str = "user-001",
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ProbeResult:
    """Import ``factory`` ("module:attr") in a fresh interpreter and call it once.

    Catches what an import probe cannot: a factory that recurses or blocks only
    when called (the seed's infinite-loop timeout check). ``user_context`` names
    the callable making the argument; without it the factory gets None. Outcome
    ``imported`` means the call returned in time; ``message`` is its result type.
    """
    root_path = _check_root(root)
    run = run_child(_CALL_CHILD, [root_path, factory, user_context or "", user_id],
                    python=python, cwd=root_path, timeout=timeout)
    return _probe_result(factory, run, timeout, python, f"{factory}() did not return within {timeout:g}s")


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
        out = subprocess.run([exe, "-E", "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, timeout=30)
        _VERSIONS[exe] = out.stdout.strip() or "?"
    return _VERSIONS[exe]


# -- import paths in a child ------------------------------------------------

_PATHS_CHILD = (
    _CHILD_PRELUDE
    + """
root, package_dir, paths = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
put_root_first(root)
errors = {}
for path in paths:
    module = path.partition(":")[0]
    try:
        importlib.import_module(module)
    except BaseException as exc:
        errors[path] = "%s: %s" % (type(exc).__name__, exc)
load_pytest_ssot(package_dir)
from pytest_ssot.scan.introspect import resolve_import_paths
out = []
for r in resolve_import_paths(paths).resolutions:
    out.append(dict(path=r.path, object_id=r.object_id, definition=r.definition,
                    error=errors.get(r.path, r.error)))
report(out)
"""
)


def probe_import_paths(
    paths: Sequence[str],
    root: str | os.PathLike[str],
    *,
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """Import every ``module:Name`` in one fresh interpreter and say where each leads.

    Returns an :class:`~pytest_ssot.scan.introspect.ImportPathReport` whose
    ``object_id`` values are ids in the child (comparable with each other).
    """
    from pytest_ssot.scan.introspect import ImportPathReport, PathResolution

    root_path = _check_root(root)
    run = run_child(_PATHS_CHILD, [root_path, _PACKAGE_DIR, json.dumps(list(paths))],
                    python=python, cwd=root_path, timeout=timeout)
    if run.payload is None:
        why = "timed out" if run.timed_out else f"exited with code {run.returncode}"
        raise ChildError(f"import-path probe {why}: {run.stderr[-1000:]}")
    return ImportPathReport(tuple(PathResolution(**r) for r in run.payload))


# -- parsing with another interpreter --------------------------------------

_PARSE_CHILD = (
    _CHILD_PRELUDE
    + """
import ast
out = {}
for path in json.loads(sys.argv[1]):
    try:
        with open(path, "rb") as f:
            ast.parse(f.read(), path)
        out[path] = True
    except Exception:
        out[path] = False
report(dict(version=sys.version.split()[0], parsed=out))
"""
)


def parses_with(python: str, files: Sequence[str], timeout: float = 60.0) -> dict[str, str]:
    """file -> "parses with Python X.Y.Z (exe)" for files ``python`` can parse."""
    run = run_child(_PARSE_CHILD, [json.dumps(list(files))], python=python, cwd=os.getcwd(), timeout=timeout)
    if not run.payload:
        return {}
    version = run.payload["version"]
    return {f: f"Python {version} ({python}) parses it" for f, ok in run.payload["parsed"].items() if ok}


# -- submodules by file name -------------------------------------------------


def find_submodules(
    root: str | os.PathLike[str],
    package: str,
    pattern: str = "*factory*",
    *,
    allow: Sequence[str] = (),
    recursive: bool = False,
) -> list[str]:
    """Submodules of ``package`` whose name matches ``pattern`` (fnmatch, case-insensitive).

    Read from the file system (``pkgutil.iter_modules`` over the package's
    directory): nothing is imported. ``allow`` holds short or dotted names that
    are permitted. Returns dotted names, sorted.
    """
    base = Path(_check_root(root), *package.split("."))
    if not base.is_dir():
        raise ProbeSetupError(f"package {package!r} is not a directory under {str(root)!r}")
    return match_submodules(base, package, pattern, allow=allow, recursive=recursive,
                            iter_modules=lambda d: ((i.name, i.ispkg) for i in pkgutil.iter_modules([str(d)])),
                            join=lambda d, name: d / name)


def match_submodules(
    base: Any,
    package: str,
    pattern: str,
    *,
    allow: Sequence[str],
    recursive: bool,
    iter_modules: Callable[[Any], Any],
    join: Callable[[Any, str], Any],
) -> list[str]:
    """:func:`find_submodules` over any listing: ``iter_modules(dir)`` yields (name, is_package) as pkgutil does.

    The seam lets ``ssot history`` ask the same question of a git tree.
    """
    allowed = set(allow)
    found = []
    todo = [(base, package)]
    while todo:
        directory, prefix = todo.pop()
        for name, ispkg in iter_modules(directory):
            dotted = f"{prefix}.{name}"
            if fnmatch.fnmatch(name.lower(), pattern.lower()) and not ({name, dotted} & allowed):
                found.append(dotted)
            if recursive and ispkg:
                todo.append((join(directory, name), dotted))
    return sorted(found)
