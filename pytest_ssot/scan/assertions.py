"""Assertions over scan and probe results: each raises SSOTViolation, and only that.

The messages follow the seed reports ("SSOT VIOLATION: Multiple different
<function> functions found:" then one line per function), in the names that
were searched for (never the seeds' own when the target names others), and every
violation carries its structured findings for the JSON report. A probe that
could not tell (the import failed for an unrelated reason) raises
:class:`ProbeError`, never SSOTViolation: a broken test must not pass for an
expected failure of an open issue.
"""

from __future__ import annotations

from typing import NoReturn, Sequence

from pytest_ssot.scan.findings import (
    DEFAULT_MAX_IMPLEMENTATIONS,
    DEFAULT_MAX_IMPORT_PATHS,
    Definition,
    ImportSite,
    ScanResult,
    leaf_names,
)
from pytest_ssot.scan.introspect import ImportPathReport
from pytest_ssot.scan.probes import (
    CIRCULAR_IMPORT,
    IMPORTED,
    MODULE_NOT_FOUND,
    OTHER_ERROR,
    TIMEOUT,
    ProbeResult,
)
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation


class EmptyScanError(SSOTSetupError, LookupError):
    """The scan found nothing to judge: a wrong package, root, pattern or name.

    A check that passes (or fails) on an empty scan says nothing about the code,
    so zero findings where one is expected is a setup error, not a verdict.
    """


class ProbeError(SSOTSetupError, RuntimeError):
    """A probe ended in an outcome that is neither a pass nor a violation."""

    def __init__(self, message: str, result: ProbeResult) -> None:
        super().__init__(message)
        self.result = result


def _lines(defs: Sequence[Definition]) -> str:
    return "\n".join(f"- {d.dotted} {d.where()}" for d in defs)


def _raise(message: str, findings: Sequence[object]) -> NoReturn:
    items = [f.to_json() if hasattr(f, "to_json") else getattr(f, "__dict__", f) for f in findings]
    raise SSOTViolation(message, items)


def _searched(result: ScanResult, name: str | None) -> str:
    """``name``, or the one function the scan searched for (a scan that searched several needs a name)."""
    if name is not None:
        return name
    if len(result.searched_functions) != 1:
        raise ValueError(f"the scan searched for {result.searched_functions or 'no function'}: "
                         "pass the name to judge")
    return result.searched_functions[0]


def assert_single_function(result: ScanResult, name: str | None = None) -> Definition:
    """Exactly one implementation of ``name`` (default: the one function the scan searched for); shims are fine.

    Returns the one implementation. Zero is an :class:`EmptyScanError`: the scan
    looked in the wrong place (or for the wrong name), which says nothing either way.
    """
    name = _searched(result, name)
    found = result.implementations(name)
    if len(found) == 1:
        return found[0]
    if not found:
        searched = f" (the scan searched for {', '.join(result.searched_functions)})" \
            if result.searched_functions else ""
        raise EmptyScanError(f"no {name} function found in {result.package or 'the scanned modules'}; "
                             f"check the name, and the target's package and root{searched}")
    _raise(f"SSOT VIOLATION: Multiple different {name} functions found:\n{_lines(found)}", found)


def assert_single_source_module(result: ScanResult, name: str | None = None) -> None:
    """Every implementation of ``name`` (default: the one function searched for) comes from one module."""
    name = _searched(result, name)
    modules = sorted({d.module for d in result.implementations(name)})
    if len(modules) > 1:
        listing = "\n".join(f"- {m}" for m in modules)
        _raise(
            f"SSOT VIOLATION: {name} functions imported from different modules:\n{listing}\n"
            "This violates SSOT principle.",
            result.implementations(name),
        )


def assert_max_implementations(
    result: ScanResult,
    max_count: int = DEFAULT_MAX_IMPLEMENTATIONS,
    label: str = "manager",
) -> None:
    """At most ``max_count`` distinct classes matched the scan's class pattern; ``label`` names them in the message."""
    if len(result.classes) > max_count:
        _raise(
            f"Too many redundant {label} implementations found: {len(result.classes)} "
            f"(max acceptable: {max_count})\nFound implementations:\n"
            + "\n".join(f"- {d.dotted}" for d in result.classes),
            result.classes,
        )


def assert_single_class(result: ScanResult, name: str) -> Definition:
    """Exactly one class named ``name`` exists among the scanned modules."""
    found = result.classes_named(name)
    if not found:
        raise EmptyScanError(f"no class named {name} found in {result.package or 'the scanned modules'}; "
                             "check the target's package, root, manager and class_pattern")
    if len(found) != 1:
        _raise(f"SSOT VIOLATION: expected exactly one {name} class, found {len(found)}:\n{_lines(found)}", found)
    return found[0]


def assert_max_import_paths(
    result: ScanResult,
    name: str | None = None,
    limit: int = DEFAULT_MAX_IMPORT_PATHS,
) -> None:
    """Fewer than ``limit`` import paths lead to the objects named ``name`` (all if None)."""
    defs = result.classes + result.functions if name is None else \
        result.classes_named(name) + result.functions_named(name)
    paths = result.all_paths(defs)
    if len(paths) >= limit:
        what = name or "the scanned classes and functions"
        listing = "\n".join(f"- {p}" for p in paths)
        _raise(f"SSOT VIOLATION: {len(paths)} import paths for {what} (must be fewer than {limit}):\n{listing}", defs)


def assert_paths_resolve_to_one(report: ImportPathReport) -> None:
    """Every ``module:Name`` path resolves, and all to the same object."""
    if report.same_object:
        return
    listing = "\n".join(
        f"- {r.path} -> {r.definition} (id={r.object_id})" if r.object_id is not None else f"- {r.path} -> {r.error}"
        for r in report.resolutions
    )
    _raise(
        f"SSOT VIOLATION: import paths lead to {report.distinct} different objects"
        f"{' (some did not resolve)' if any(r.object_id is None for r in report.resolutions) else ''}:\n{listing}",
        [r.__dict__ for r in report.resolutions],
    )


def import_site_lines(sites: Sequence[ImportSite]) -> str:
    """One ``- file:line (importer): statement`` line per import site."""
    return "\n".join(f"- {s.file}:{s.line} ({s.importer}): {s.statement}" for s in sites)


def assert_no_importers(sites: Sequence[ImportSite], modules: Sequence[str] = ()) -> None:
    """Nobody imports the (deprecated) modules any more."""
    if sites:
        what = ", ".join(modules) or ", ".join(sorted({s.imported for s in sites}))
        _raise(f"SSOT VIOLATION: {len(sites)} import(s) of deprecated {what} remain:\n{import_site_lines(sites)}",
               list(sites))


def assert_no_forbidden_submodules(found: Sequence[str], pattern: str = "*factory*") -> None:
    """No submodule matching ``pattern`` outside the allow-list (see ``find_submodules``)."""
    if found:
        _raise(
            f"SSOT VIOLATION: Forbidden factory modules detected: {list(found)} (pattern {pattern!r}). "
            "This indicates dual pattern fragmentation has been reintroduced.",
            [{"module": m} for m in found],
        )


def assert_not_importable(result: ProbeResult, accept_import_error: bool = True) -> None:
    """The (deprecated) module is gone: importing it fails with ModuleNotFoundError.

    ``accept_import_error``: a module that still exists but raises ImportError on
    purpose ("moved to ...") counts as gone too, as in the seeds' own checks.
    """
    if result.outcome == MODULE_NOT_FOUND:
        return
    if result.outcome == IMPORTED:
        _raise(f"SSOT VIOLATION: deprecated module {result.module} still imports ({result.seconds:.2f}s)", [result])
    if result.outcome == OTHER_ERROR and accept_import_error and result.error_type in _IMPORT_ERRORS:
        return
    # a hang, a cycle or a crash says the module is there but broken - not whether it is gone
    raise ProbeError(f"cannot judge whether {result.module} is gone: {result.outcome} "
                     f"({result.error_type}: {result.message})\n{result.detail}", result)


def assert_importable(result: ProbeResult) -> None:
    """The canonical module imports cleanly, without a cycle or a hang."""
    if result.outcome == IMPORTED:
        return
    if result.outcome == MODULE_NOT_FOUND:
        _raise(f"SSOT VIOLATION: canonical module {result.module} does not exist ({result.message})", [result])
    _probe_problem(result)


def _probe_problem(result: ProbeResult) -> None:
    if result.outcome == CIRCULAR_IMPORT:
        _raise(
            f"SSOT VIOLATION: circular import while importing {result.module}: "
            f"{result.error_type}: {result.message}",
            [result],
        )
    if result.outcome == TIMEOUT:
        _raise(
            f"SSOT VIOLATION: importing {result.module} hangs: no result within the "
            f"{result.timeout:g}s limit (child process killed)",
            [result],
        )
    raise ProbeError(
        f"cannot judge {result.module}: import failed with {result.error_type}: {result.message}\n{result.detail}",
        result,
    )


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def assert_no_duplicate_class_names(result: ScanResult) -> None:
    """No two distinct classes among the matched ones share a name (#960, #1126).

    Two different ``WebSocketManager`` classes mean callers get a different class
    depending on the module they import from; aliases of one class are fine.
    """
    by_name: dict[str, list[Definition]] = {}
    for definition in result.classes:
        for name in leaf_names(definition):
            by_name.setdefault(name, []).append(definition)
    duplicated = {name: defs for name, defs in sorted(by_name.items()) if len(defs) > 1}
    if duplicated:
        _raise(
            "SSOT VIOLATION: duplicate manager classes (one name, several classes):\n"
            + "\n".join(f"{name}:\n{_lines(defs)}" for name, defs in duplicated.items()),
            [d for defs in duplicated.values() for d in defs],
        )
