"""Scan the target's package for any names from inside a test: what ``ssot_scan`` hands out.

``ssot_runtime_scan`` searches only the target's ``function_name``; a check of
one's own (one ``dispatch_notification``, one ``*Dispatcher`` class) needs other
names. A scan costs a child interpreter importing the whole package (or a parse
of the tree), so results are kept for the session, one per (functions, class
pattern, mode): two checks asking the same question share one scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_ssot.core.violation import SSOTSetupError

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target
    from pytest_ssot.scan.findings import ScanResult

RUNTIME, STATIC = "runtime", "static"

ScanKey = tuple[tuple[str, ...], str, str]  # (function names, class pattern, mode)


class ScanArgumentError(SSOTSetupError, ValueError):
    """``ssot_scan`` was called with arguments no scan can answer (an empty name, a pattern that does not compile)."""


def scan_key(functions: str | Iterable[str], class_pattern: str | None, static: bool, target: Target) -> ScanKey:
    """The normalised cache key, or :class:`ScanArgumentError` naming the bad argument and the fix."""
    names = (functions,) if isinstance(functions, str) else tuple(functions)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ScanArgumentError(f"ssot_scan(functions=...): {name!r} is not a function name; pass names such "
                                    "as functions=(\"dispatch_notification\",)")
    pattern = target.class_pattern if class_pattern is None else class_pattern
    if not isinstance(pattern, str) or not pattern:
        raise ScanArgumentError(f"ssot_scan(class_pattern=...): {pattern!r} is not a regular expression; pass one "
                                "such as class_pattern=\"Dispatcher$\", or leave it out for the target's")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ScanArgumentError(f"ssot_scan(class_pattern={pattern!r}) does not compile: {exc}; "
                                "fix the regular expression") from None
    return tuple(sorted(set(names))), pattern, STATIC if static else RUNTIME


@dataclass
class SessionScans:
    """One scan per key for the whole session (per xdist worker), of the target's package."""

    target: Target
    cache_dir: Any = None  # the static scan's per-file cache (pytest's cache dir), or None
    # a scan that failed is kept failed: the next check asking the same gets the same error, not another child
    results: dict[ScanKey, ScanResult | Exception] = field(default_factory=dict)

    def scan(self, functions: str | Iterable[str] = (), class_pattern: str | None = None, *,
             static: bool = False) -> ScanResult:
        """The target's package scanned for ``functions`` and classes matching ``class_pattern``.

        Runtime by default (a child imports every submodule first); ``static=True``
        reads the source with ``ast`` instead. ``class_pattern`` defaults to the
        target's. A scan that saw no module of the package is an
        :class:`~pytest_ssot.scan.assertions.EmptyScanError`, never an empty result.
        """
        key = scan_key(functions, class_pattern, static, self.target)
        if key not in self.results:
            try:
                self.results[key] = self._run(key)
            except Exception as exc:
                self.results[key] = exc
        found = self.results[key]
        if isinstance(found, Exception):
            raise found
        return found

    __call__ = scan

    def _run(self, key: ScanKey) -> ScanResult:
        from pytest_ssot.scan import entry as scanners  # looked up per call: a test may count the calls

        names, pattern, mode = key
        target = self.target
        if mode == STATIC:
            result = scanners.scan_static(target.root, target.package, pattern, list(names),
                                          cache_dir=self.cache_dir, python=target.python, exclude=target.exclude)
        else:
            result = scanners.scan_runtime(target.root, target.package, pattern, list(names),
                                           python=target.python, exclude=target.exclude)
        return saw_package(result, target)


def saw_package(result: ScanResult, target: Target) -> ScanResult:
    """``result`` if the scan saw the target's package at all; else a one-line EmptyScanError."""
    from pytest_ssot.scan.assertions import EmptyScanError

    broken = [e for e in result.import_errors if e.module == target.package]
    if broken:
        raise EmptyScanError(f"the runtime scan could not import {target.package} from {target.root}: "
                             f"{broken[0].error_type}: {broken[0].message}")
    if not (result.modules_scanned or result.files_scanned):
        raise EmptyScanError(f"the {result.mode} scan found no module of {result.package or 'the tree'} "
                             f"under {target.root}; check the target's root and package")
    return result

