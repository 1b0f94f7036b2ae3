"""Is a deprecated module really gone, and does nothing still import it?

#1126's lesson: deleting a deprecated module is only half the fix. Modules that
still import it break at run time, so "removed" means the import fails in a
fresh interpreter *and* no module of the tree imports it any more. Checking a
name (``module:Name``) covers the common halfway state where the module stays
but the deprecated class or function is meant to be gone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pytest_ssot.scan.assertions import assert_not_importable, import_site_lines
from pytest_ssot.scan.findings import ImportSite, in_package
from pytest_ssot.scan.probes import DEFAULT_TIMEOUT, IMPORTED, MODULE_NOT_FOUND, probe_import, probe_import_paths
from pytest_ssot.core.violation import SSOTViolation

__all__ = ["assert_module_removed", "assert_name_removed"]


def _importers_of(module: str, importers: Sequence[ImportSite]) -> list[ImportSite]:
    return [s for s in importers if in_package(s.imported, module)]


def assert_module_removed(
    module: str,
    root: str | os.PathLike[str],
    importers: Sequence[ImportSite],
    *,
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """``import module`` fails with ModuleNotFoundError, and no module imports it.

    ``importers`` comes from a static scan (``scan_static(importers_of=...)``).
    An import that fails for another reason is a :class:`ProbeError`: a broken
    module is not evidence that the deprecated one is gone.
    """
    problems: list[str] = []
    findings: list[object] = []
    try:
        assert_not_importable(probe_import(module, root, python=python, timeout=timeout))
    except SSOTViolation as exc:
        problems.append(exc.message)
        findings.extend(exc.findings)
    dangling = _importers_of(module, importers)
    if dangling:
        problems.append(
            f"SSOT VIOLATION: {len(dangling)} module(s) still import deprecated {module}:\n"
            + import_site_lines(dangling)
        )
        findings.extend(vars(s) for s in dangling)
    if problems:
        raise SSOTViolation("\n".join(problems), findings)


def assert_name_removed(
    reference: str,
    root: str | os.PathLike[str],
    *,
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """``from module import Name`` fails: the module is gone, or no longer has the name."""
    module, _, name = reference.partition(":")
    probe = probe_import(module, root, python=python, timeout=timeout)
    if probe.outcome == MODULE_NOT_FOUND:
        return
    if probe.outcome != IMPORTED:
        assert_not_importable(probe)  # a circular import or hang is a violation, anything else a ProbeError
        return
    resolution = probe_import_paths([reference], root, python=python, timeout=timeout).resolutions[0]
    if resolution.object_id is not None:
        raise SSOTViolation(
            f"SSOT VIOLATION: deprecated {name} is still importable: from {module} import {name} "
            f"-> {resolution.definition}",
            [vars(resolution)],
        )
