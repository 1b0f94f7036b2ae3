"""The facade the fixtures and the CLI call: one result type, three ways to get it.

* :func:`scan_modules` - in-process, over what ``sys.modules`` holds right now;
* :func:`scan_runtime` - in a child interpreter (the target's) that first imports
  the package and every submodule, so a duplicate in a module nobody imported
  yet is not invisible; a submodule that fails to import is an import error,
  not a duplicate, and the walk goes on;
* :func:`scan_static` - from source, importing nothing.
"""

from __future__ import annotations

import json
import os
from typing import Pattern, Sequence

from pytest_ssot.findings import DEFAULT_FUNCTIONS, ModuleImportError, ScanResult, compile_class_pattern
from pytest_ssot.introspect import scan_modules
from pytest_ssot.probes import _CHILD_PRELUDE, _PACKAGE_DIR, ChildError, _check_root, run_child
from pytest_ssot.static import scan_static

__all__ = ["scan_modules", "scan_runtime", "scan_static", "RuntimeScanError"]

DEFAULT_SCAN_TIMEOUT = 120.0
_MAX_HUNG_MODULES = 5


class RuntimeScanError(ChildError):
    """The runtime scan's child died or hung without a result."""


_SCAN_CHILD = (
    _CHILD_PRELUDE
    + """
import pkgutil
root, package_dir, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
put_root_first(root)
errors = []
skip = set(args["skip"])
def attempt(name):
    if name in skip:
        return None
    sys.stderr.write("@@importing %s\\n" % name)
    sys.stderr.flush()
    try:
        return importlib.import_module(name)
    except BaseException as exc:
        errors.append(dict(module=name, error_type=type(exc).__name__, message=str(exc)))
        return None
def walk(module, name):
    path = vars(module).get("__path__")
    if path is None:
        return
    for info in sorted(pkgutil.iter_modules(list(path), name + "."), key=lambda i: i.name):
        sub = attempt(info.name)
        if sub is not None and info.ispkg:
            walk(sub, info.name)
top = attempt(args["package"])
if top is not None:
    walk(top, args["package"])
load_pytest_ssot(package_dir)
from pytest_ssot.introspect import scan_modules
result = scan_modules(args["package"], args["pattern"], args["functions"], nested=args["nested"])
data = result.to_json()
data["import_errors"] = errors
report(data)
"""
)


def scan_runtime(
    root: str | os.PathLike[str],
    package: str,
    class_pattern: str | Pattern[str] | None = None,
    functions: Sequence[str] = DEFAULT_FUNCTIONS,
    *,
    python: str | None = None,
    timeout: float = DEFAULT_SCAN_TIMEOUT,
    nested: bool = True,
) -> ScanResult:
    """Import ``package`` and all its submodules in a child, then scan there.

    ``python`` is the target's interpreter (default: this one). A submodule
    whose import hangs is killed with the child after ``timeout`` seconds,
    reported as an import error, and the scan is re-run without it (at most
    five times). Object ids in the result are ids in the child.
    """
    root_path = _check_root(root)
    pattern = compile_class_pattern(class_pattern)
    hung: list[ModuleImportError] = []
    while True:
        args = {
            "package": package,
            "pattern": pattern.pattern,
            "functions": list(functions),
            "nested": nested,
            "skip": [e.module for e in hung],
        }
        run = run_child(_SCAN_CHILD, [root_path, _PACKAGE_DIR, json.dumps(args)],
                        python=python, cwd=root_path, timeout=timeout)
        if run.payload is not None:
            result = ScanResult.from_json(run.payload)
            result.import_errors = hung + result.import_errors
            result.seconds = run.seconds
            return result
        last = _last_importing(run.stderr)
        if not run.timed_out or last is None or len(hung) >= _MAX_HUNG_MODULES:
            why = f"timed out after {timeout:g}s" if run.timed_out else f"exited with code {run.returncode}"
            raise RuntimeScanError(f"runtime scan of {package!r} {why}: {_tail(run.stderr)}")
        hung.append(ModuleImportError(last, "TimeoutError", f"import did not finish within {timeout:g}s"))


def _last_importing(stderr: str) -> str | None:
    lines = [line for line in stderr.splitlines() if line.startswith("@@importing ")]
    return lines[-1][len("@@importing ") :] if lines else None


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if not line.startswith("@@importing ")]
    return "\n".join(lines[-15:])
