"""Ratchets: counts the seeds track (manager classes, import paths...) may only go down.

A consolidation takes weeks; between "9 implementations" and "1" a team wants
every merge to keep the count from rising. The baseline file holds, per target
and ratchet, the count and the items counted. A test that records a ratchet
(``ssot_record.set_ratchet``) fails at once when the count rises above the
baseline, naming the new items; a fall passes and is reported, and
``--ssot-baseline-update`` writes the lower number back - never a higher one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_ssot.report import RunMetrics, change_of, write_report

SCHEMA_VERSION = 1

__all__ = ["Baseline", "RatchetChange", "Recorder", "load_baseline", "write_lowered"]


@dataclass(frozen=True)
class RatchetChange:
    """How one ratchet's count compares with its baseline."""

    name: str
    count: int
    baseline: int | None
    new_items: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return change_of(self.count, self.baseline)


Baseline = Mapping[str, Mapping[str, Any]]  # ratchet name -> {"count": int, "items": [...]}


def load_baseline(path: Path, target: str, *, must_exist: bool) -> dict[str, dict[str, Any]]:
    """The baseline of ``target`` from ``path`` ({} when the file or the target has none).

    A missing file is an error unless it is about to be written
    (``must_exist=False``); any other problem is a one-line UsageError.
    """
    if not path.exists():
        if must_exist:
            raise pytest.UsageError(f"--ssot-baseline {path}: file does not exist; fix: create it with "
                                    "--ssot-baseline-update, or point to the right file")
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"--ssot-baseline {path}: not readable JSON ({exc}); fix the file or "
                                "recreate it with --ssot-baseline-update") from None
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise pytest.UsageError(f"--ssot-baseline {path}: expected schema_version {SCHEMA_VERSION}; "
                                "fix: recreate it with --ssot-baseline-update")
    entries = (document.get("targets") or {}).get(target) or {}
    for name, entry in entries.items():
        if not (isinstance(entry, dict) and type(entry.get("count")) is int and entry["count"] >= 0
                and isinstance(entry.get("items"), list) and all(isinstance(i, str) for i in entry["items"])):
            raise pytest.UsageError(f"--ssot-baseline {path}: targets.{target}.{name} must be "
                                    '{"count": N, "items": ["..."]}; fix the entry or recreate the file '
                                    "with --ssot-baseline-update")
    return {name: dict(entry) for name, entry in entries.items()}


def compare(name: str, items: Iterable[str], baseline: Baseline) -> RatchetChange:
    current = sorted(set(items))
    entry = baseline.get(name)
    if entry is None:
        return RatchetChange(name, len(current), None)
    before = set(entry.get("items", []))
    return RatchetChange(name, len(current), int(entry["count"]), tuple(i for i in current if i not in before))


class Recorder:
    """What ``ssot_record`` hands tests: the run's metrics, with ratchets checked on the spot."""

    def __init__(self, metrics: RunMetrics, baseline: Baseline | None) -> None:
        self.metrics = metrics
        self.baseline = baseline

    def add_samples(self, name: str, values: Iterable[float]) -> None:
        self.metrics.add_samples(name, values)

    def set_ratchet(self, name: str, items: Iterable[str]) -> None:
        """Record the items a ratchet counts; fail the test if the count rose above the baseline.

        The failure is a plain test failure, not an SSOTViolation: a rise is a
        regression even while the issue itself is still open.
        """
        items = [str(i) for i in items]
        self.metrics.set_ratchet(name, items)
        if self.baseline is None:
            return
        change = compare(name, items, self.baseline)
        if change.kind == "rise":
            pytest.fail(
                f"ratchet {name} rose from {change.baseline} to {change.count} (baseline); new: "
                + ", ".join(change.new_items or ("(items renamed)",)),
                pytrace=False,
            )


def annotate(ratchets: Mapping[str, Mapping[str, Any]], baseline: Baseline) -> dict[str, dict[str, Any]]:
    """The report's ratchets with ``baseline`` and ``change`` added."""
    out = {}
    for name, entry in ratchets.items():
        change = compare(name, entry["items"], baseline)
        out[name] = dict(entry, baseline=change.baseline, change=change.kind)
    return out


def write_lowered(path: Path, target: str, ratchets: Mapping[str, Mapping[str, Any]]) -> list[RatchetChange]:
    """Write falls (and ratchets the file lacks) back to ``path``; rises are never written."""
    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "targets": {}}
    if path.exists():
        document = json.loads(path.read_text(encoding="utf-8"))
    current = document.setdefault("targets", {}).setdefault(target, {})
    written = []
    for name, entry in sorted(ratchets.items()):
        change = compare(name, entry["items"], current)
        if change.kind in ("fall", "new"):
            current[name] = {"count": change.count, "items": sorted(entry["items"])}
            written.append(change)
    if written:
        write_report(path, document)  # atomic: a CI job never reads half a baseline
    return written
