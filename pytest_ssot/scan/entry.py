"""The facade the fixtures and the CLI call: one result type, three ways to get it.

* :func:`scan_modules` - in-process, over what ``sys.modules`` holds right now;
* :func:`scan_runtime` - in a child interpreter (the target's) that first imports
  the package and every submodule, so a duplicate in a module nobody imported
  yet is not invisible; a submodule that fails to import is an import error,
  not a duplicate, and the walk goes on (so is one that hangs or ends the
  interpreter);
* :func:`scan_static` - from source, importing nothing.
"""

from __future__ import annotations

import json
import os
import signal
from typing import Pattern, Sequence

from pytest_ssot.config.exclude import Exclusion, resolve_exclude
from pytest_ssot.scan.findings import DEFAULT_FUNCTIONS, ModuleImportError, ScanResult, compile_class_pattern
from pytest_ssot.scan.introspect import scan_modules
from pytest_ssot.core.progress import Progress
from pytest_ssot.scan.child import CHILD_PRELUDE, PACKAGE_DIR, ChildError, check_root, run_child
from pytest_ssot.scan.source_tree import iter_source_files
from pytest_ssot.scan.static import scan_static

__all__ = ["scan_modules", "scan_runtime", "scan_static", "RuntimeScanError"]

DEFAULT_SCAN_TIMEOUT = 120.0
_MAX_FAILED_MODULES = 5


class RuntimeScanError(ChildError):
    """The runtime scan's child died or hung without a result."""


_SCAN_CHILD = (
    CHILD_PRELUDE
    + """
root, package_dir, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
put_root_first(root)
# the scan's own channels, kept from before any target code runs: a module that
# replaces sys.stdout/sys.stderr (or closes fd 1/2) cannot silence the scan
OUT, ERR = os.dup(1), os.dup(2)
def put(fd, text):
    data = text.encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data):]
errors = []
failed = set()
skip = set(args["skip"])
for name in args["modules"]:
    if name in skip or any(name.startswith(f + ".") for f in failed):
        continue
    put(ERR, "@@importing %s\\n" % name)
    saved = sys.stdout, sys.stderr
    try:
        importlib.import_module(name)
    except BaseException as exc:
        failed.add(name)
        errors.append(dict(module=name, error_type=type(exc).__name__, message=str(exc)))
    finally:
        sys.stdout, sys.stderr = saved
    put(ERR, "@@imported %s\\n" % name)
load_pytest_ssot(package_dir)
from pytest_ssot.scan.introspect import scan_modules
result = scan_modules(args["package"], args["pattern"], args["functions"], nested=args["nested"],
                      exclude_modules=args["excluded_modules"])
data = result.to_json()
data["import_errors"] = errors
put(OUT, MARKER + json.dumps(data) + "\\n")
os._exit(0)
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
    exclude: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Import ``package`` and all its submodules in a child, then scan there.

    The modules imported are the files the static scan reads (see
    :func:`runtime_modules`): namespace subpackages included, symlink loops
    and excluded files (``exclude`` globs, default: test files) left out, no
    file twice under two names. ``python`` is the target's interpreter
    (default: this one). A submodule whose import hangs (killed with the child
    after ``timeout`` seconds) or ends the interpreter (``os._exit``, a
    signal) is reported as an import error and the scan is re-run without it
    (at most five such modules). Object ids in the result are ids in the child.
    ``progress`` (a :class:`~pytest_ssot.core.progress.Progress`) is told each module
    the child imports, as it imports it (shown only on a terminal, only when slow).
    """
    root_path = check_root(root)
    pattern = compile_class_pattern(class_pattern)
    modules, excluded_modules, excluded = runtime_modules(root_path, package, exclude)
    failed: list[ModuleImportError] = []
    while True:
        args = {
            "package": package,
            "pattern": pattern.pattern,
            "functions": list(functions),
            "nested": nested,
            "modules": modules,
            "excluded_modules": excluded_modules,
            "skip": [e.module for e in failed],
        }
        on_line = None
        if progress is not None and progress.enabled:
            done = [0]

            def on_line(line: bytes, done: list[int] = done, total: int = len(modules)) -> None:
                if line.startswith(b"@@imported "):
                    done[0] += 1
                    progress.update(f"{done[0]}/{total} modules imported ({line[11:].decode(errors='replace').strip()})")
        run = run_child(_SCAN_CHILD, [root_path, PACKAGE_DIR, json.dumps(args)],
                        python=python, cwd=root_path, timeout=timeout, on_stderr_line=on_line)
        if progress is not None:
            progress.done()
        if run.payload is not None:
            result = ScanResult.from_json(run.payload)
            result.import_errors = failed + result.import_errors
            result.excluded = excluded
            result.seconds = run.seconds
            return result
        last = _last_importing(run.stderr)
        if last is None or len(failed) >= _MAX_FAILED_MODULES:
            why = f"timed out after {timeout:g}s" if run.timed_out else f"exited with code {run.returncode}"
            raise RuntimeScanError(f"runtime scan of {package!r} {why}: {_tail(run.stderr)}")
        if run.timed_out:
            failed.append(ModuleImportError(last, "TimeoutError", f"import did not finish within {timeout:g}s"))
        else:
            failed.append(ModuleImportError(last, "InterpreterExit",
                                            f"importing it ended the interpreter ({_exit_reason(run.returncode)})"))


def runtime_modules(
    root: str, package: str, exclude: Sequence[str] | None
) -> tuple[list[str], list[str], dict[str, int]]:
    """(modules to import, excluded modules, exclude glob -> files) for ``package`` under ``root``.

    The same file walk as the static scan, so both scans see the same modules;
    names that are not identifiers cannot be imported and are left out.
    """
    exclusion = Exclusion(resolve_exclude(exclude))
    names = [sf.module for sf in iter_source_files(root, package, exclusion)]
    importable = [n for n in names if all(part.isidentifier() for part in n.split("."))]
    if package not in names:
        importable.insert(0, package)  # the package itself is always imported (found on sys.path if not here)
    return importable, list(exclusion.modules), dict(exclusion.counts)


def _exit_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _last_importing(stderr: str) -> str | None:
    """The module whose import was under way when the child stopped (None if none was)."""
    lines = [line for line in stderr.splitlines() if line.startswith(("@@importing ", "@@imported "))]
    if not lines or not lines[-1].startswith("@@importing "):
        return None
    return lines[-1][len("@@importing ") :]


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if not line.startswith(("@@importing ", "@@imported "))]
    return "\n".join(lines[-15:])
