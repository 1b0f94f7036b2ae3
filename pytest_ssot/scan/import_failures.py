"""Submodules that fail to import in the runtime scan: known, recovered, or new.

A real codebase can carry one broken module for months. Listing it in the
target's ``known_import_failures`` (module -> reason) acknowledges it: the #824
guard "every submodule imports" then reports it instead of erroring at every
commit. Anything not listed still fails the guard, naming the module. A module
that fails with ``cannot import name 'X' from 'M'`` is an importer left dangling
by a consolidation that removed ``X``: that is the consolidation's own breakage,
reported as an :class:`~pytest_ssot.SSOTViolation` keyed by dotted names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pytest_ssot.scan.assertions import EmptyScanError
from pytest_ssot.scan.findings import ModuleImportError
from pytest_ssot.core.violation import SSOTViolation, stable_text

__all__ = ["ImportTriage", "DanglingImport", "triage_import_errors", "assert_submodules_import"]

_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<source>[\w.]+)'")


@dataclass(frozen=True)
class DanglingImport:
    """``module`` imports ``name`` from ``source``, which no longer defines it."""

    module: str
    name: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.module} imports removed {self.source}:{self.name}"


@dataclass(frozen=True)
class ImportTriage:
    """The scan's import errors split against the target's ``known_import_failures``."""

    known: list[tuple[ModuleImportError, str]] = field(default_factory=list)  # (failure, the listed reason)
    recovered: list[str] = field(default_factory=list)  # listed, but imported fine this time
    unlisted: list[ModuleImportError] = field(default_factory=list)

    def notes(self) -> list[str]:
        """One line per known failure and per recovered module, for the run's notes."""
        lines = [f"known import failure {e.module}: {e.error_type}: {stable_text(e.message)} "
                 f"(listed: {reason})" for e, reason in self.known]
        lines += [f"{m} imports again: drop it from known_import_failures" for m in self.recovered]
        return lines


def dangling_import(error: ModuleImportError) -> DanglingImport | None:
    """The removed name a module failed on, if its error is ``cannot import name 'X' from 'M'``."""
    if error.error_type != "ImportError":
        return None
    match = _CANNOT_IMPORT.search(error.message)
    return DanglingImport(error.module, match["name"], match["source"]) if match else None


def triage_import_errors(errors: Iterable[ModuleImportError], known: Mapping[str, str]) -> ImportTriage:
    """Split ``errors`` into listed (with their reason), listed-but-recovered and unlisted."""
    errors = list(errors)
    failed = {e.module for e in errors}
    return ImportTriage(
        known=[(e, known[e.module]) for e in errors if e.module in known],
        recovered=sorted(m for m in known if m not in failed),
        unlisted=[e for e in errors if e.module not in known],
    )


def assert_submodules_import(triage: ImportTriage, package: str) -> None:
    """Fail on every unlisted import failure, naming each module; known ones are left to the notes.

    Only dangling imports of removed names: an SSOTViolation (the consolidation
    broke its importers). Any other unlisted failure: an ``EmptyScanError``, a
    setup error, since the scan did not see the module's definitions.
    """
    if not triage.unlisted:
        return
    dangling = [dangling_import(e) for e in triage.unlisted]
    lines = []
    for error, removed in zip(triage.unlisted, dangling):
        what = (f"imports {removed.name!r} from {removed.source}, which no longer defines it"
                if removed is not None else f"{error.error_type}: {error.message}")
        lines.append(f"- {error.module}: {what}")
    names = ", ".join(e.module for e in triage.unlisted)
    head = (f"{len(triage.unlisted)} submodule(s) of {package} failed to import in the runtime scan: {names}; "
            "their definitions were not seen (list a known one in known_import_failures with its reason):\n")
    if all(d is not None for d in dangling):
        raise SSOTViolation(
            f"SSOT VIOLATION: the consolidation left importers of removed names broken: {names}\n"
            + "\n".join(lines),
            [{"module": d.module, "imports": f"{d.source}:{d.name}"} for d in dangling if d is not None],
            keys=[d.key for d in dangling if d is not None],
        )
    raise EmptyScanError(head + "\n".join(lines))
