"""Imports that failed inside the target and were swallowed.

#889's "validation bypass": a factory imports its validator inside
``try: ... except ImportError: pass``; the validator's module was renamed, so
validation is silently skipped on every call and nothing fails. Watching
``__import__`` while the factory runs shows it: an import of one of the
target's own modules failed, and the call still returned normally. Failed
imports of other packages are ignored - an optional third-party dependency
guarded by ``except ImportError`` is a legitimate pattern.
"""

from __future__ import annotations

import builtins
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pytest_ssot.scan.findings import in_package
from pytest_ssot.core.violation import SSOTViolation

__all__ = ["FailedImport", "record_failed_imports", "assert_no_swallowed_imports"]

_lock = threading.Lock()


@dataclass(frozen=True)
class FailedImport:
    """An import of ``module`` that raised ``error`` at ``site`` (file:line of the import)."""

    module: str
    error: str
    site: str


def _absolute(name: str, globals_: Any, level: int) -> str:
    if level == 0 or not isinstance(globals_, dict):
        return name
    package = globals_.get("__package__") or ""
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{name}" if name else base


@contextmanager
def record_failed_imports(prefixes: tuple[str, ...]) -> Iterator[list[FailedImport]]:
    """Record every failed import of a module under ``prefixes`` while the block runs.

    ``from pkg import missing_submodule`` fails inside ``__import__`` too, so both
    spellings are seen. The original ``__import__`` is restored on exit, also
    when the block raises.
    """
    failures: list[FailedImport] = []
    owner = threading.get_ident()  # other threads (an in-process server) import on their own account
    with _lock:
        original = builtins.__import__

        def recording_import(name: str, globals: Any = None, locals: Any = None,
                             fromlist: Any = (), level: int = 0) -> Any:
            try:
                return original(name, globals, locals, fromlist, level)
            except ImportError as exc:
                if threading.get_ident() != owner:
                    raise
                module = _absolute(name, globals, level)
                wanted = [module, *(f"{module}.{item}" for item in fromlist or ())]
                if any(in_package(m, p) for m in wanted for p in prefixes):
                    caller = sys._getframe(1)
                    failures.append(FailedImport(module, f"{type(exc).__name__}: {exc}",
                                                 f"{caller.f_code.co_filename}:{caller.f_lineno}"))
                raise

        builtins.__import__ = recording_import
    try:
        yield failures
    finally:
        with _lock:
            if builtins.__import__ is recording_import:
                builtins.__import__ = original
            # else someone patched it after us: leave theirs in place rather than undo it


def assert_no_swallowed_imports(failures: list[FailedImport], what: str = "the factory") -> None:
    """Raise if any recorded import failed although ``what`` returned normally."""
    if failures:
        raise SSOTViolation(
            f"SSOT VIOLATION: {what} swallowed {len(failures)} failed import(s) of the target's own modules "
            "(validation silently skipped):\n"
            + "\n".join(f"- {f.site}: import {f.module} -> {f.error}" for f in failures),
            [vars(f) for f in failures],
        )
