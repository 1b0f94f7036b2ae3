"""Several reports of one project over time: per target and issue, clean checks and violations per run.

``ssot report render a.json b.json c.json`` renders the most recent report and,
from all of them, a trend: runs are ordered by the time each recorded (the
run's own time, else when the report was written), never by file name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_ssot.report.merge import targets_of
from pytest_ssot.report.build import IssueRow, issue_rows


@dataclass(frozen=True)
class RunPoint:
    """One run of one target: when, and its issue rows."""

    time: str
    rows: dict[str, IssueRow]


def run_time(part: Mapping[str, Any]) -> str:
    """When a report's run happened (ISO 8601, UTC), as recorded; "" when it recorded nothing."""
    run = part.get("run") or {}
    return str(run.get("time") or part.get("generated_at") or "")


def latest(documents: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The most recent of several reports (a merged one counts by its newest target)."""
    return max(documents, key=lambda d: max((run_time(p) for p in targets_of(d)), default=""))


def trends(documents: Sequence[Mapping[str, Any]]) -> dict[str, list[RunPoint]]:
    """Per target name, its runs in time order; only targets seen in two runs or more."""
    by_target: dict[str, list[RunPoint]] = {}
    for document in documents:
        for part in targets_of(document):
            name = part.get("target") or "(none)"
            by_target.setdefault(name, []).append(RunPoint(run_time(part), {r.number: r for r in issue_rows(part)}))
    return {name: sorted(points, key=lambda p: p.time) for name, points in sorted(by_target.items())
            if len(points) >= 2}


def issue_series(points: Sequence[RunPoint], value: str) -> dict[str, list[int | None]]:
    """Per issue, ``value`` ("violations" or "checks_clean") in each run; None where the run lacks the issue."""
    numbers = sorted({n for p in points for n in p.rows}, key=int)
    return {n: [getattr(p.rows[n], value) if n in p.rows else None for p in points] for n in numbers}
