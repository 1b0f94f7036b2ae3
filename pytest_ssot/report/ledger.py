"""The ledger: per target and per check, the findings that check last confirmed.

A real consolidation lands check by check, so an issue's status ("open") is the
knob for people while the ledger is the evidence for CI: committed once (run
with ``--ssot-baseline-update``), it keeps CI green until something gets worse
(a finding the ledger does not hold fails at once, even while the issue is
open) or better (a check that became clean fails until it is recorded; a check
recorded clean that finds anything is a regression). Ratchets (counted items
such as the manager classes) are entries of the same file and judged by the
same :func:`judge`. The model is Betterer's results file: keyed by content,
written only on request, never by CI on its own.

The file (``schema_version`` 2; a version-1 ratchet baseline is still read)::

    {"schema_version": 2,
     "targets": {"NAME": {
        "checks": {"824": {"test_824_unit.py::test_single_function": ["function a.b.get_x", ...],
                           "test_824_unit.py::test_one_class": []}},      # [] = recorded clean
        "ratchets": {"manager_classes": ["a.b.XManager", ...]}}}}

A check's id is its test module's file name plus the test's name inside it,
so the same check has the same id from a checkout, from site-packages
(``--pyargs``), under xdist and on any machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)

# what a check's comparison with the ledger found
UNRECORDED = "unrecorded"  # the ledger holds nothing for this check
KNOWN = "known"  # the same findings as recorded
PROGRESS = "progress"  # a strict subset of the recorded findings
NEW = "new"  # a finding the ledger does not hold
NOW_CLEAN = "now_clean"  # recorded findings, none found now
CLEAN = "clean"  # recorded clean, clean now
REGRESSED = "regressed"  # recorded clean, a finding now

__all__ = ["Judgement", "Ledger", "LedgerUpdate", "RatchetRise", "check_id", "judge", "load_ledger"]


class RatchetRise(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """A ratchet counted an item the ledger does not hold: a regression like a new finding, not a broken test.

    A subclass of pytest's own ``fail`` outcome, so it prints as one line; the
    plugin tells it apart to report the check as a new violation (verdict
    ``regressed``) rather than a failure outside the fail-first table.
    """

    __module__ = "builtins"  # shown as "RatchetRise: ...", the way pytest shows its own "Failed: ..."

    def __init__(self, message: str, new: Iterable[str]) -> None:
        super().__init__(message, pytrace=False)
        self.new = tuple(new)


def check_id(nodeid: str, file_name: str) -> str:
    """``test_mod.py::Class::test_x[p]``: the test's file name and its name inside it.

    The rootdir-relative part of a node id changes with the install location
    (a checkout's ``suites/issue_824/`` vs site-packages), so only the file's
    own name is kept.
    """
    inside = nodeid.split("::", 1)[1] if "::" in nodeid else nodeid
    return f"{file_name}::{inside}"


@dataclass(frozen=True)
class Judgement:
    """One check's findings this run against what the ledger recorded for it."""

    state: str
    found: tuple[str, ...]
    recorded: tuple[str, ...] | None
    new: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()

    def progress_text(self) -> str:
        total = len(self.recorded or ())
        return f"{len(self.fixed)} of {total} fixed"


def judge(recorded: Iterable[str] | None, found: Iterable[str]) -> Judgement:
    """Compare ``found`` (the keys a check found; empty when clean) with ``recorded`` (None: no entry)."""
    now = tuple(sorted(set(found)))
    if recorded is None:
        return Judgement(UNRECORDED, now, None)
    before = tuple(sorted(set(recorded)))
    new = tuple(k for k in now if k not in before)
    fixed = tuple(k for k in before if k not in now)
    if not before:
        return Judgement(REGRESSED if now else CLEAN, now, before, new=new)
    if new:
        return Judgement(NEW, now, before, new=new, fixed=fixed)
    if not now:
        return Judgement(NOW_CLEAN, now, before, fixed=fixed)
    return Judgement(PROGRESS if fixed else KNOWN, now, before, fixed=fixed)


@dataclass
class Ledger:
    """One target's entries: ``checks[issue][check id]`` and ``ratchets[name]``, each a list of keys."""

    checks: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    ratchets: dict[str, list[str]] = field(default_factory=dict)

    def recorded(self, issue: int, check: str) -> list[str] | None:
        return self.checks.get(str(issue), {}).get(check)

    def issue_recorded_clean(self, issue: int, checks: Iterable[str]) -> bool:
        """True when every one of ``checks`` (at least one) is recorded clean for ``issue``."""
        entries = [self.recorded(issue, c) for c in checks]
        return bool(entries) and all(e == [] for e in entries)

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": {n: {c: sorted(keys) for c, keys in sorted(by.items())}
                       for n, by in sorted(self.checks.items(), key=lambda kv: int(kv[0])) if by},
            "ratchets": {name: sorted(items) for name, items in sorted(self.ratchets.items())},
        }


def _usage(path: Path, what: str) -> pytest.UsageError:
    return pytest.UsageError(f"--ssot-baseline {path}: {what}; fix the file, or recreate it with "
                             "--ssot-baseline-update")


def read_document(path: Path) -> dict[str, Any]:
    """The whole ledger file, checked for shape; a one-line UsageError otherwise."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise _usage(path, "not a ledger: nested too deeply") from None
    except (OSError, ValueError) as exc:  # ValueError: bad JSON, bad UTF-8, an integer too long to convert
        raise _usage(path, f"not readable JSON ({str(exc).splitlines()[0][:200]})") from None
    if not isinstance(document, dict) or document.get("schema_version") not in READABLE_VERSIONS:
        raise _usage(path, f"expected schema_version {SCHEMA_VERSION} (or a version-1 baseline)")
    targets = document.get("targets", {})
    if not isinstance(targets, dict):
        raise _usage(path, "'targets' must be an object")
    return document


def _is_key_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(k, str) for k in value)


def _target_ledger(path: Path, document: Mapping[str, Any], target: str) -> Ledger:
    entries = document.get("targets", {}).get(target) or {}
    where = f"targets.{target}"
    if not isinstance(entries, dict):
        raise _usage(path, f"{where} must be an object")
    if document["schema_version"] == 1:  # {name: {"count": N, "items": [...]}}: ratchets only
        ratchets = {}
        for name, entry in entries.items():
            if not (isinstance(entry, dict) and _is_key_list(entry.get("items"))):
                raise _usage(path, f'{where}.{name} must be {{"count": N, "items": ["..."]}}')
            ratchets[name] = list(entry["items"])
        return Ledger(ratchets=ratchets)
    checks, ratchets = entries.get("checks", {}), entries.get("ratchets", {})
    if not isinstance(checks, dict) or not isinstance(ratchets, dict):
        raise _usage(path, f"{where}.checks and {where}.ratchets must be objects")
    for number, by_check in checks.items():
        if not str(number).isdigit() or not isinstance(by_check, dict):
            raise _usage(path, f"{where}.checks.{number} must be an issue number holding an object")
        for check, keys in by_check.items():
            if not _is_key_list(keys):
                raise _usage(path, f"{where}.checks.{number}.{check} must be a list of finding keys")
    for name, items in ratchets.items():
        if not _is_key_list(items):
            raise _usage(path, f"{where}.ratchets.{name} must be a list of items")
    return Ledger({str(n): {c: list(k) for c, k in by.items()} for n, by in checks.items()},
                  {name: list(items) for name, items in ratchets.items()})


def load_ledger(path: Path, target: str, *, must_exist: bool) -> Ledger:
    """``target``'s ledger from ``path`` (empty when the file or the target has none).

    A missing file is an error unless it is about to be written
    (``must_exist=False``); any other problem is a one-line UsageError.
    """
    if not path.exists():
        if must_exist:
            raise pytest.UsageError(f"--ssot-baseline {path}: file does not exist; fix: create it with "
                                    "--ssot-baseline-update, or point to the right file")
        return Ledger()
    return _target_ledger(path, read_document(path), target)


@dataclass(frozen=True)
class LedgerUpdate:
    """One entry written back: what it held and what it holds now."""

    entry: str  # "#824 test_x.py::test_y" or "ratchet manager_classes"
    before: tuple[str, ...] | None
    after: tuple[str, ...]
    accepted: tuple[str, ...] = ()  # new findings written only because accepting was asked for

    def describe(self) -> str:
        after = "clean" if not self.after else f"{len(self.after)} finding(s)"
        if self.before is None:
            return f"ledger {self.entry}: recorded {after}"
        text = f"ledger {self.entry}: {len(self.before)} -> {after}"
        if self.accepted:
            text += " (ACCEPTED new: " + ", ".join(self.accepted) + ")"
        return text


def _update(entry: str, recorded: Iterable[str] | None, found: Iterable[str],
            accept_new: bool) -> LedgerUpdate | None:
    """What one entry should hold after this run, or None to leave it as it is.

    Falls and checks that became clean are written, and an entry the ledger
    does not hold yet is recorded as found; a new finding in a known entry
    only with ``accept_new``.
    """
    judgement = judge(recorded, found)
    if judgement.state in (UNRECORDED, PROGRESS, NOW_CLEAN):
        return LedgerUpdate(entry, judgement.recorded, judgement.found)
    if judgement.state in (NEW, REGRESSED) and accept_new:
        return LedgerUpdate(entry, judgement.recorded, judgement.found, judgement.new)
    return None


def updated(ledger: Ledger, records: Iterable[Mapping[str, Any]], ratchets: Mapping[str, Iterable[str]],
            statuses: Mapping[int, str], *, accept_new: bool) -> tuple[Ledger, list[LedgerUpdate]]:
    """The ledger after this run's records, and what changed.

    Only checks of open issues that reached a result (clean or a violation) are
    written: a check that errored or was skipped leaves its entry alone.
    """
    new = Ledger({n: dict(by) for n, by in ledger.checks.items()}, dict(ledger.ratchets))
    changes: list[LedgerUpdate] = []
    for record in sorted(records, key=lambda r: (int(r["issue"]), r.get("check") or "")):
        issue, check = int(record["issue"]), record.get("check")
        if record.get("guard") or statuses.get(issue) != "open" or check is None or record.get("clean") is None:
            continue
        change = _update(f"#{issue} {check}", ledger.recorded(issue, check), record.get("keys") or [], accept_new)
        if change is not None:
            new.checks.setdefault(str(issue), {})[check] = list(change.after)
            changes.append(change)
    for name, items in sorted(ratchets.items()):
        change = _update(f"ratchet {name}", ledger.ratchets.get(name), items, accept_new)
        if change is not None:
            new.ratchets[name] = list(change.after)
            changes.append(change)
    return new, changes


def write_ledger(path: Path, target: str, ledger: Ledger) -> None:
    """Write ``target``'s ledger into ``path``, keeping the other targets; atomic, sorted, stable bytes."""
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "targets": {}}
    if path.exists():
        old = read_document(path)
        for name in old.get("targets", {}):
            if name != target:
                document["targets"][name] = _target_ledger(path, old, name).to_json()
    document["targets"][target] = ledger.to_json()
    document["targets"] = dict(sorted(document["targets"].items()))
    from pytest_ssot.core.atomic_files import write_json  # local: only writing needs it

    write_json(path, document, prefix=".ssot-ledger-")


def change_of(count: int, baseline: int | None) -> str:
    """A ratchet's ``rise`` / ``fall`` / ``same`` against its baseline, ``new`` when there is none."""
    if baseline is None:
        return "new"
    return "rise" if count > baseline else "fall" if count < baseline else "same"


def ratchet_annotations(ratchets: Mapping[str, Mapping[str, Any]], ledger: Ledger) -> dict[str, dict[str, Any]]:
    """The report's ratchets with ``baseline`` (the recorded count) and ``change`` added."""
    out = {}
    for name, entry in ratchets.items():
        recorded = ledger.ratchets.get(name)
        baseline = None if recorded is None else len(recorded)
        out[name] = dict(entry, baseline=baseline, change=change_of(entry["count"], baseline))
    return out


class Recorder:
    """What ``ssot_record`` hands tests: the run's metrics, with ratchets held to the ledger on the spot."""

    def __init__(self, metrics: Any, ledger: Ledger | None, *, accept_new: bool = False) -> None:
        self.metrics = metrics
        self.ledger = ledger
        self.accept_new = accept_new

    def add_samples(self, name: str, values: Iterable[float]) -> None:
        self.metrics.add_samples(name, values)

    def set_ratchet(self, name: str, items: Iterable[str]) -> None:
        """Record the items a ratchet counts; fail the test if any item is not in the ledger.

        The failure is a plain test failure, not an SSOTViolation: a rise is a
        regression even while the issue itself is still open.
        """
        items = [str(i) for i in items]
        self.metrics.set_ratchet(name, items)
        if self.ledger is None or self.accept_new:
            return
        judgement = judge(self.ledger.ratchets.get(name), items)
        if judgement.state in (NEW, REGRESSED):
            raise RatchetRise(f"ratchet {name} rose: {len(judgement.found)} now, {len(judgement.recorded or ())} in "
                              "the ledger; new: " + ", ".join(judgement.new), judgement.new)
