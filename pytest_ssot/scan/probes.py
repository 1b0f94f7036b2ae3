"""Import probes in a fresh interpreter, so the test process never sees the import.

"Is the deprecated module gone?" cannot be asked in-process: an import leaves the
module (and everything it pulled in) in ``sys.modules``, a circular import leaves
half-initialised modules behind, and a hang would hang the test run. Each probe
runs a child interpreter (the target's, if given) with the target's import root
first on ``sys.path``, no bytecode written, and a time limit after which the
whole child process group is killed (:mod:`pytest_ssot.scan.child` runs it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Sequence

from pytest_ssot.scan.child import (
    CHILD_PRELUDE,
    PACKAGE_DIR,
    ChildError,
    ChildRun,
    check_root,
    interpreter_version,
    run_child,
)

IMPORTED = "imported"
MODULE_NOT_FOUND = "module_not_found"
OTHER_ERROR = "other_error"
CIRCULAR_IMPORT = "circular_import"
TIMEOUT = "timeout"
OUTCOMES = (IMPORTED, MODULE_NOT_FOUND, OTHER_ERROR, CIRCULAR_IMPORT, TIMEOUT)

DEFAULT_TIMEOUT = 10.0


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


_IMPORT_CHILD = (
    CHILD_PRELUDE
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
    root_path = check_root(root)
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
    CHILD_PRELUDE
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
    root_path = check_root(root)
    run = run_child(_CALL_CHILD, [root_path, factory, user_context or "", user_id],
                    python=python, cwd=root_path, timeout=timeout)
    return _probe_result(factory, run, timeout, python, f"{factory}() did not return within {timeout:g}s")


# -- import paths in a child ------------------------------------------------

_PATHS_CHILD = (
    CHILD_PRELUDE
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

    root_path = check_root(root)
    run = run_child(_PATHS_CHILD, [root_path, PACKAGE_DIR, json.dumps(list(paths))],
                    python=python, cwd=root_path, timeout=timeout)
    if run.payload is None:
        why = "timed out" if run.timed_out else f"exited with code {run.returncode}"
        raise ChildError(f"import-path probe {why}: {run.stderr[-1000:]}")
    return ImportPathReport(tuple(PathResolution(**r) for r in run.payload))


# -- parsing with another interpreter --------------------------------------

_PARSE_CHILD = (
    CHILD_PRELUDE
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
