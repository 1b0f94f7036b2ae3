"""The bundled suites' static checks, as counts: what ``ssot history`` follows commit by commit.

These are the checks that need no import and no server, judged by the suites'
own assertions (:mod:`pytest_ssot.scan.assertions`) on the suites' own scans: the
package scan with the importers of the deprecated modules (``ssot_static_scan``)
and the whole-root scan (``ssot_codebase_scan``). Where a suite asks a live
interpreter (is the deprecated module still importable? is the name still
there?), the check here asks the source: is the module's file in the tree, does
the module still bind the name. Each check gives the count it follows, the
items it counted (stable dotted names), and its state:

* ``clean`` / ``violation`` — the assertion passed / raised :class:`SSOTViolation`;
* ``unjudged`` — it could not tell (e.g. no factory function found at all: the
  assertion's :class:`~pytest_ssot.scan.assertions.EmptyScanError`), with the reason;
* ``skipped`` — the target lists nothing for it (no deprecated modules).

A :class:`Snapshot` is one version of the tree: a checkout on disk
(:func:`checkout_snapshot`) or a commit's objects (:mod:`pytest_ssot.history.build`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from pytest_ssot.scan.assertions import (
    EmptyScanError,
    assert_max_implementations,
    assert_max_import_paths,
    assert_no_duplicate_class_names,
    assert_no_forbidden_submodules,
    assert_no_importers,
    assert_single_class,
    assert_single_function,
    assert_single_source_module,
)
from pytest_ssot.scan.findings import ScanResult, in_package
from pytest_ssot.core.violation import SSOTViolation, finding_key

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target
    from pytest_ssot.scan.static_resolve import Resolver

CLEAN, VIOLATION, UNJUDGED, SKIPPED = "clean", "violation", "unjudged", "skipped"
FACTORY_PATTERN = "*factory*"


class Snapshot(Protocol):
    """One version of the target's tree, as the static checks read it."""

    package_scan: ScanResult  # the package, with importers of the deprecated modules across the root
    codebase_scan: ScanResult  # the whole root

    def module_exists(self, module: str) -> bool: ...

    def binds(self, module: str, name: str) -> bool: ...

    def submodules(self, package: str, pattern: str, allow: tuple[str, ...]) -> list[str] | None:
        """Matching submodules, recursively (None: the package is no folder here)."""


@dataclass(frozen=True)
class CheckResult:
    """One check at one version of the tree."""

    check: str
    state: str
    count: int
    items: tuple[str, ...]
    reason: str | None = None  # the violation's first line, or why it is unjudged/skipped

    def to_json(self) -> dict[str, object]:
        return {"state": self.state, "count": self.count, "items": list(self.items), "reason": self.reason}


@dataclass(frozen=True)
class StaticCheck:
    """A static check of the bundled suites: its name, the issues whose suites run it, what it counts."""

    name: str
    issues: tuple[int, ...]
    counts: str
    run: Callable[[Snapshot, Target], CheckResult]


def _judge(name: str, items: list[str], assertion: Callable[[], object]) -> CheckResult:
    """Run the suite's assertion: clean, a violation (its first line), or unjudged (an empty scan)."""
    items_t = tuple(sorted(set(items)))
    try:
        assertion()
    except SSOTViolation as exc:
        return CheckResult(name, VIOLATION, len(items_t), items_t, exc.message.strip().splitlines()[0])
    except EmptyScanError as exc:
        return CheckResult(name, UNJUDGED, len(items_t), items_t, str(exc).splitlines()[0])
    return CheckResult(name, CLEAN, len(items_t), items_t)


def _functions(s: Snapshot, t: Target) -> CheckResult:
    found = s.package_scan.implementations(t.function_name)
    return _judge("functions", [d.dotted for d in found],
                  lambda: assert_single_function(s.package_scan, t.function_name))


def _source_modules(s: Snapshot, t: Target) -> CheckResult:
    modules = [d.module for d in s.package_scan.implementations(t.function_name)]
    return _judge("source_modules", modules, lambda: assert_single_source_module(s.package_scan, t.function_name))


def _manager_classes(s: Snapshot, t: Target) -> CheckResult:
    limit = t.thresholds.max_redundant_implementations
    return _judge("manager_classes", [d.dotted for d in s.package_scan.classes],
                  lambda: assert_max_implementations(s.package_scan, limit))


def _other_classes(s: Snapshot, t: Target) -> CheckResult:
    """Protocols, enums and exceptions the class pattern matches: listed with their kind, never a violation."""
    return _judge("other_classes", [f"{d.kind} {d.dotted}" for d in s.package_scan.other_classes], lambda: None)


def _class_named(s: Snapshot, t: Target) -> CheckResult:
    name = t.manager_class_name
    return _judge("class_named", [d.dotted for d in s.package_scan.classes_named(name)],
                  lambda: assert_single_class(s.package_scan, name))


def _import_paths(s: Snapshot, t: Target) -> CheckResult:
    name, scan = t.manager_class_name, s.package_scan
    paths = scan.all_paths(scan.classes_named(name) + scan.functions_named(name))
    return _judge("import_paths", paths,
                  lambda: assert_max_import_paths(scan, name, limit=t.thresholds.max_import_paths + 1))


def _duplicate_class_names(s: Snapshot, t: Target) -> CheckResult:
    try:
        assert_no_duplicate_class_names(s.package_scan)
        keys: list[str] = []
    except SSOTViolation as exc:
        keys = list(exc.keys)
    return _judge("duplicate_class_names", keys, lambda: assert_no_duplicate_class_names(s.package_scan))


def _codebase_classes(s: Snapshot, t: Target) -> CheckResult:
    return _judge("codebase_classes", [d.dotted for d in s.codebase_scan.classes],
                  lambda: assert_max_implementations(s.codebase_scan, 1))


def _skipped(name: str, key: str, target: Target) -> CheckResult:
    return CheckResult(name, SKIPPED, 0, (), f"target {target.name!r} lists no {key}")


def _deprecated_modules(s: Snapshot, t: Target) -> CheckResult:
    if not t.deprecated_modules:
        return _skipped("deprecated_modules", "deprecated_modules", t)
    present = [m for m in t.deprecated_modules if s.module_exists(m)]

    def assertion() -> None:
        if present:
            raise SSOTViolation(f"SSOT VIOLATION: deprecated module(s) still in the tree: {', '.join(present)}",
                                [{"module": m} for m in present], keys=[f"module {m}" for m in present])
    return _judge("deprecated_modules", present, assertion)


def _deprecated_names(s: Snapshot, t: Target) -> CheckResult:
    if not t.deprecated_names:
        return _skipped("deprecated_names", "deprecated_names", t)
    defined = [ref for ref in t.deprecated_names if s.binds(*ref.split(":", 1))]

    def assertion() -> None:
        if defined:
            raise SSOTViolation(f"SSOT VIOLATION: deprecated name(s) still defined: {', '.join(defined)}",
                                [{"name": r} for r in defined], keys=defined)
    return _judge("deprecated_names", defined, assertion)


def _deprecated_importers(s: Snapshot, t: Target) -> CheckResult:
    if not t.deprecated_modules:
        return _skipped("deprecated_importers", "deprecated_modules", t)
    sites = [site for site in s.package_scan.importers
             if any(in_package(site.imported, m) for m in t.deprecated_modules)]
    return _judge("deprecated_importers", [finding_key(site) for site in sites],
                  lambda: assert_no_importers(sites, t.deprecated_modules))


def _forbidden_factory_modules(s: Snapshot, t: Target) -> CheckResult:
    found = s.submodules(t.package, FACTORY_PATTERN, t.allowed_factory_modules)
    if found is None:
        return CheckResult("forbidden_factory_modules", UNJUDGED, 0, (),
                           f"package {t.package!r} is not a folder at this version")
    return _judge("forbidden_factory_modules", found, lambda: assert_no_forbidden_submodules(found, FACTORY_PATTERN))


# in the order the table and the chart show them; the issues as the bundled suites map them
CHECKS: tuple[StaticCheck, ...] = (
    StaticCheck("functions", (824, 960), "distinct implementations of the factory function", _functions),
    StaticCheck("source_modules", (824,), "modules defining those implementations", _source_modules),
    StaticCheck("manager_classes", (824,), "classes matching the class pattern (implementations)", _manager_classes),
    StaticCheck("other_classes", (), "protocols, enums and exceptions matching it (listed, not counted)",
                _other_classes),
    StaticCheck("class_named", (824, 1126), "distinct classes under the canonical class name", _class_named),
    StaticCheck("import_paths", (960,), "import paths to the canonical class", _import_paths),
    StaticCheck("duplicate_class_names", (960,), "classes sharing a name with another class", _duplicate_class_names),
    StaticCheck("codebase_classes", (1036,), "matching classes across the whole root", _codebase_classes),
    StaticCheck("deprecated_modules", (1126,), "deprecated modules still in the tree", _deprecated_modules),
    StaticCheck("deprecated_names", (1126,), "deprecated names still defined", _deprecated_names),
    StaticCheck("deprecated_importers", (1126,), "modules importing a deprecated module", _deprecated_importers),
    StaticCheck("forbidden_factory_modules", (1126,), "*factory* modules beyond the allow-list",
                _forbidden_factory_modules),
)


def run_checks(snapshot: Snapshot, target: Target) -> dict[str, CheckResult]:
    """Every static check on one version of the tree, by name."""
    return {check.name: check.run(snapshot, target) for check in CHECKS}


def issues_with_checks() -> dict[int, tuple[str, ...]]:
    """issue -> the names of its static checks."""
    out: dict[int, list[str]] = {}
    for check in CHECKS:
        for issue in check.issues:
            out.setdefault(issue, []).append(check.name)
    return {issue: tuple(names) for issue, names in sorted(out.items())}


def binds(resolver: Resolver, module: str, name: str) -> bool:
    """Does ``module`` bind ``name`` (``Outer.Inner`` too) at module level, as ``from module import name`` needs?"""
    if resolver.full(module) is None:
        return False
    head = name.split(".")[0]
    if head not in resolver.table(module) and not resolver._exists(f"{module}.{head}"):
        return False
    return "." not in name or resolver.resolve_dotted(module, name) is not None


@dataclass
class ScannedSnapshot:
    """A :class:`Snapshot` from two finished scanners (the package one resolves names afterwards)."""

    package_scan: ScanResult
    codebase_scan: ScanResult
    resolver: Resolver
    exists: Callable[[str], bool]
    list_submodules: Callable[[str, str, tuple[str, ...]], list[str] | None]

    def module_exists(self, module: str) -> bool:
        return self.exists(module)

    def binds(self, module: str, name: str) -> bool:
        return binds(self.resolver, module, name)

    def submodules(self, package: str, pattern: str, allow: tuple[str, ...]) -> list[str] | None:
        return self.list_submodules(package, pattern, allow)


def checkout_snapshot(target: Target, root: str | Path | None = None, parallel: bool | None = False) -> ScannedSnapshot:
    """The target's tree on disk (``root`` instead of the target's own, e.g. a checkout), scanned without a cache.

    ``parallel`` as in ``scan_static``: False (one process) is history's own way of scanning, None lets a
    slow cold load take a second process, as the unit tier's scans do.
    """
    from pytest_ssot.scan.child import ProbeSetupError
    from pytest_ssot.scan.submodules import find_submodules
    from pytest_ssot.scan.source_tree import module_file
    from pytest_ssot.scan.static import StaticScanner

    if root is not None:
        target = dataclasses.replace(target, root=Path(root))
    here = str(target.root)
    package = StaticScanner(here, target.package, target.class_pattern, [target.function_name],
                            target.deprecated_modules, None, True, None, exclude=target.exclude, parallel=parallel)
    codebase = StaticScanner(here, None, target.class_pattern, [target.function_name], (), None, True, None,
                             exclude=target.exclude, parallel=parallel)

    def submodules(pkg: str, pattern: str, allow: tuple[str, ...]) -> list[str] | None:
        try:
            return find_submodules(here, pkg, pattern, allow=allow, recursive=True)
        except ProbeSetupError:
            return None

    return ScannedSnapshot(package.run(), codebase.run(), package,
                           lambda m: module_file(package.root, m) is not None, submodules)
