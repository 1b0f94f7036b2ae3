"""Per-issue results: collected per test, judged per issue, printed and written.

A record is plain JSON data from the start, so the same objects travel from
xdist workers to the controller, into ``--ssot-report`` files, and back in when
``ssot report merge`` combines the files of several CI jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _pytest.reports import TestReport

from pytest_ssot.config.catalog import title_for
from pytest_ssot.core.notes import notes_of
from pytest_ssot.core.violation import clip
from pytest_ssot.report.outcomes import (
    CONFIRMED,
    LOOKS_FIXED,
    NEW_VIOLATION,
    NOW_CLEAN_EFFECT,
    REGRESSION,
    IssueMark,
    looks_fixed_text,
    partly_fixed_text,
)

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)  # version 1 records lack the ledger fields; they read as unrecorded

VERDICT_LABELS = {
    "confirmed": "open as expected",
    "looks_fixed": "looks fixed",
    "regressed": "regressed",
    "holds": "holds",
    "failing": "failing",
    "passing": "passing",
    "inconclusive": "inconclusive (no check ran)",
    "broken": "broken (a test failed outside the fail-first table)",
    "improved": "improved: record it (--ssot-baseline-update)",
    "incomplete": "incomplete (the run was interrupted)",
}

# what an interrupted run may still say: the evidence it has against an issue; never that all is well
INCOMPLETE = "incomplete"
_KEPT_WHEN_INTERRUPTED = frozenset({"regressed", "broken", "failing"})

# a version-1 record read by this version: the fields the ledger added, empty
RECORD_DEFAULTS: dict[str, Any] = {"details": [], "check": None, "keys": [], "clean": None, "ledger": None,
                                   "new": [], "fixed": [], "waived": None, "reason": None, "locations": []}

TIMING_KEYS = frozenset({"duration", "generated_at", "time"})
# optional top-level fields about the run, kept through merges: see build_report
CONTEXT_KEYS = ("run", "events", "urls")

class TestOutcomes:
    """Folds the setup/call/teardown reports of each test into one record."""

    __test__ = False  # not a test class, despite the name

    def __init__(self) -> None:
        self._pending: dict[str, dict[str, Any]] = {}
        self.records: list[dict[str, Any]] = []

    def add(self, report: TestReport, mark: IssueMark) -> None:
        record = self._pending.setdefault(
            report.nodeid,
            {
                "nodeid": report.nodeid,
                "issue": mark.number,
                "title": mark.title,
                "tier": mark.tier,
                "guard": mark.guard,
                "outcome": "passed",
                "violation": None,
                "effect": None,
                "error": None,
                **{k: (list(v) if isinstance(v, list) else v) for k, v in RECORD_DEFAULTS.items()},
                "duration": 0.0,
            },
        )
        record["duration"] += report.duration
        violation = getattr(report, "ssot_violation", None)
        if violation is not None:
            record["violation"] = violation
        for first_only in ("error", "reason"):  # the first phase that failed says why
            value = getattr(report, f"ssot_{first_only}", None)
            if value is not None and record[first_only] is None:
                record[first_only] = value
        effect = getattr(report, "ssot_effect", None)
        if effect is not None:
            record["effect"] = effect
        for field_name in ("details", "check", "keys", "clean", "ledger", "new", "fixed", "waived", "locations"):
            value = getattr(report, f"ssot_{field_name}", None)
            if value is not None:
                record[field_name] = value
        notes = notes_of(report)
        if notes:  # only tests that noted something carry the field
            record["notes"] = notes
        outcome = _phase_outcome(report)
        if outcome is not None and _RANK[outcome] > _RANK[record["outcome"]]:
            record["outcome"] = outcome
        if report.when == "teardown":
            self.records.append(self._pending.pop(report.nodeid))

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        self.records.extend(dict(r) for r in records)


# a later phase can only make a test's outcome worse, never better
_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "failed": 2, "error": 3}


def _phase_outcome(report: TestReport) -> str | None:
    if report.when == "call":
        if report.skipped:
            return "xfailed" if hasattr(report, "wasxfail") else "skipped"
        return "failed" if report.failed else "passed"
    if report.failed:
        return "error"
    if report.skipped:
        return "xfailed" if hasattr(report, "wasxfail") else "skipped"
    return None


class RunMetrics:
    """Measurements of a run that belong to no single test.

    ``samples`` are distributions (e.g. seconds from message to agent_completed
    for every user of every run); ``ratchets`` are counted findings (e.g. the
    redundant manager classes), kept with their items so a rise can name what is
    new. Both merge across xdist workers and CI jobs.
    """

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.ratchets: dict[str, list[str]] = {}

    def add_samples(self, name: str, values: Iterable[float]) -> None:
        """Append measurements (seconds, counts...) to the distribution ``name``."""
        self.samples.setdefault(name, []).extend(float(v) for v in values)

    def set_ratchet(self, name: str, items: Iterable[str]) -> None:
        """Record the findings a ratchet counts; recording twice keeps the union."""
        merged = set(self.ratchets.get(name, [])) | {str(i) for i in items}
        self.ratchets[name] = sorted(merged)

    def to_json(self) -> dict[str, Any]:
        return {"samples": {k: list(v) for k, v in sorted(self.samples.items())},
                "ratchets": {k: list(v) for k, v in sorted(self.ratchets.items())}}

    def merge(self, data: Mapping[str, Any]) -> None:
        for name, values in data.get("samples", {}).items():
            self.add_samples(name, values)
        for name, items in data.get("ratchets", {}).items():
            self.set_ratchet(name, items)


def verdict(status: str | None, tests: list[Mapping[str, Any]], *, interrupted: bool = False) -> str:
    """One word for an issue; a run that did not finish never says ``holds``, ``looks_fixed`` or ``passing``.

    Only the bad news of an interrupted run stands (``regressed``, ``broken``,
    ``failing``): what ran found it. Everything else is ``incomplete``.
    """
    word = _verdict(status, tests)
    return word if not interrupted or word in _KEPT_WHEN_INTERRUPTED else INCOMPLETE


def _verdict(status: str | None, tests: list[Mapping[str, Any]]) -> str:
    """One word for an issue, from its status and its tests' records.

    ``broken`` wins over the fail-first verdicts: a test that errored, failed
    without a violation, or a guard that failed means the issue's evidence is
    incomplete, and "open as expected" or "holds" would hide it. ``inconclusive``
    when no check ran (every one skipped, e.g. for a key the target lacks): a
    skipped check is not a passing one.
    """
    failed = [t for t in tests if t["outcome"] in ("failed", "error")]
    # an error (setup or teardown) is never a cell of the fail-first table, whatever the call phase found:
    # a test that XFAILed with its violation and then errored in teardown is broken evidence
    errored = [t for t in failed if t["outcome"] == "error"]
    # a skipped check did not pass: with nothing run but skips, the issue is judged on nothing
    checks = [t for t in tests if not t["guard"]] or list(tests)
    nothing_ran = all(t["outcome"] == "skipped" for t in checks)
    if status is None:
        return "failing" if failed else "inconclusive" if nothing_ran else "passing"
    regressions = [t for t in failed if t["effect"] in (REGRESSION, NEW_VIOLATION)
                   or (t["violation"] and t["outcome"] == "failed" and t["effect"] is None)]
    unexplained = [t for t in failed if (t["effect"] is None or t in errored) and t not in regressions]
    if status == "resolved":
        return "regressed" if regressions else "broken" if unexplained else "inconclusive" if nothing_ran else "holds"
    ledger_regressions = [t for t in failed if t["effect"] in (REGRESSION, NEW_VIOLATION)]
    if unexplained or len(ledger_regressions) < len(regressions):
        return "broken"  # includes a guard that failed: the evidence of an open issue is incomplete
    if ledger_regressions:
        return "regressed"  # a new finding, or a check recorded clean that found one: never tolerated
    checks = [t for t in tests if not t["guard"] and t["outcome"] != "skipped"]
    if checks and all(t.get("clean") is True or t["effect"] == LOOKS_FIXED for t in checks):
        return "looks_fixed"  # every check that ran is clean
    if any(t["effect"] in (NOW_CLEAN_EFFECT, LOOKS_FIXED) for t in checks):
        return "improved"  # some checks clean that the ledger (if any) does not hold clean yet
    if any(t["effect"] == CONFIRMED for t in checks):
        return "confirmed"
    return "inconclusive"


def build_report(
    target: str | None,
    statuses: Mapping[int, str],
    records: Iterable[Mapping[str, Any]],
    metrics: RunMetrics | None = None,
    *,
    interrupted: bool = False,
    reuse_records: bool = False,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of ``--ssot-report``; tests sorted so xdist order does not show.

    ``interrupted``: the run stopped before its end (Ctrl-C, ``-x``): the document
    says so at the top, and no verdict claims more than the tests that ran show.
    ``reuse_records``: the records are the caller's to give away; they become the
    report's test entries in place instead of being copied (a big merge holds
    one copy of every test, not three).
    ``context``: what the run was (``run``: Python, plugin, commit, branch, CI
    URL; ``events``: the target's event names; ``urls``: link templates), added
    as top-level fields (see :data:`CONTEXT_KEYS`).
    """
    by_issue: dict[int, list[dict[str, Any]]] = {}
    for record in records:  # a record of an older version gets the fields it lacks, empty
        if reuse_records:
            for key, default in RECORD_DEFAULTS.items():
                if key not in record:
                    record[key] = list(default) if isinstance(default, list) else default  # type: ignore[index]
            entry = record
        else:
            entry = {**RECORD_DEFAULTS, **record}
        by_issue.setdefault(int(record["issue"]), []).append(entry)  # type: ignore[arg-type]
    measured = (metrics or RunMetrics()).to_json()
    issues: dict[str, Any] = {}
    for number in sorted(by_issue):
        tests = sorted(by_issue[number], key=lambda t: t["nodeid"])
        tell_looks_fixed(number, tests)
        status = statuses.get(number)
        titles = [t["title"] for t in tests if t.get("title")]
        issues[str(number)] = {
            "title": titles[0] if titles else title_for(number),
            "status": status,
            "verdict": verdict(status, tests, interrupted=interrupted),
            "counts": _counts(tests),
            "checks": check_summary(tests),
            "tests": [_without_issue(t) for t in tests],
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "target": target,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "interrupted": interrupted,
        "statuses": {str(n): s for n, s in sorted(statuses.items())},
        "issues": issues,
        "samples": measured["samples"],
        "ratchets": {name: {"count": len(items), "items": items} for name, items in measured["ratchets"].items()},
        **{key: value for key, value in (context or {}).items() if key in CONTEXT_KEYS and value},
    }


def tell_looks_fixed(number: int, tests: list[dict[str, Any]]) -> None:
    """Each "looks fixed" failure's reason, told with what the whole run shows (in place).

    A clean check of an open issue fails with "looks fixed: mark it resolved";
    while other checks of the issue still find violations, or other tests of it
    failed or errored without a verdict (its evidence is incomplete), that
    advice is wrong, and the reason says so instead. Recomputed from the
    records every time, so a merge of several runs tells what all of them show.
    """
    checks = [t for t in tests if not t["guard"]]
    regressed = sum(t["effect"] in (REGRESSION, NEW_VIOLATION) for t in checks)
    still = sum(bool(t["violation"]) for t in checks) - regressed
    unjudged = sum(t["outcome"] in ("failed", "error") and not t["violation"] and t["effect"] != LOOKS_FIXED
                   for t in tests)
    for t in tests:
        if t["effect"] == LOOKS_FIXED and t["outcome"] == "failed":
            t["reason"] = partly_fixed_text(number, still, unjudged, regressed) if still or unjudged or regressed \
                else looks_fixed_text(number)


def _without_issue(test: dict[str, Any]) -> dict[str, Any]:
    """A record as a report's test entry: the issue and title belong to the issue, not the test (in place)."""
    test.pop("issue", None)
    test.pop("title", None)
    return test


def _counts(tests: list[Mapping[str, Any]]) -> dict[str, int]:
    """Tests, violations found (whatever the status made of them), of those confirmed as expected, failures."""
    counts = {"tests": len(tests), "violations": 0, "violations_confirmed": 0, "failed": 0}
    for t in tests:
        counts["violations"] += bool(t["violation"])
        counts["violations_confirmed"] += t["effect"] == CONFIRMED
        counts["failed"] += t["outcome"] in ("failed", "error")
    return counts


def check_summary(tests: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Per issue: how many of its checks are clean, how many were waived, and what changed since the ledger.

    A check is a non-guard test; it is clean when it ran and found nothing.
    ``fixed`` and ``new`` are the finding keys that left or joined the ledger's
    entries; ``regressed`` the checks recorded clean that found something.
    """
    checks = [t for t in tests if not t["guard"]]
    return {
        "total": len(checks),
        "clean": sum(t.get("clean") is True for t in checks),
        "waived": sum(bool(t.get("waived")) for t in checks),
        "fixed": sorted({k for t in checks for k in t.get("fixed") or []}),
        "new": sorted({k for t in checks if t.get("ledger") == "new" for k in t.get("new") or []}),
        "regressed": sorted(t.get("check") or t["nodeid"] for t in checks if t.get("ledger") == "regressed"),
    }


def without_timings(value: Any) -> Any:
    """A copy of a report with every timing field removed, for comparisons."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def write_report(path: Path, document: Mapping[str, Any]) -> None:
    """Write atomically, so a CI job never uploads half a file; streamed, so a big report is not held twice."""
    from pytest_ssot.core.atomic_files import write_json  # local: only writing needs it

    write_json(path, document, prefix=".ssot-report-")


@dataclass(frozen=True)
class IssueRow:
    """One issue of one target, as the tables show it."""

    number: str
    title: str
    status: str | None
    tests: int
    failed: int
    violations: int
    verdict: str
    checks_clean: int = 0
    checks_total: int = 0

    @property
    def label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, self.verdict)


def issue_rows(part: Mapping[str, Any]) -> list[IssueRow]:
    """The per-issue rows of one target, in issue-number order."""
    rows = []
    for number in sorted(part["issues"], key=int):
        issue = part["issues"][number]
        counts = issue["counts"]
        checks = issue.get("checks") or check_summary([dict(RECORD_DEFAULTS, **t) for t in issue["tests"]])
        rows.append(IssueRow(number, issue.get("title") or "", issue.get("status"), counts["tests"],
                             counts["failed"], counts.get("violations", counts["violations_confirmed"]),
                             issue["verdict"], checks["clean"], checks["total"]))
    return rows


def table_lines(document: Mapping[str, Any]) -> list[str]:
    """The per-issue table the terminal summary ends with."""
    header = ("issue", "title", "status", "tests", "failed", "violations", "clean", "verdict")
    rows = [header]
    for r in issue_rows(document):
        rows.append((f"#{r.number}", _clip(r.title, 60), r.status or "-", str(r.tests), str(r.failed),
                     str(r.violations), f"{r.checks_clean}/{r.checks_total}", r.label))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _clip(text: str, width: int) -> str:
    return clip(text, width, "...")  # the terminal table: plain ASCII


def ledger_lines(document: Mapping[str, Any]) -> list[str]:
    """Per issue, what changed since the ledger: findings fixed, new findings, checks regressed, waivers."""
    lines = []
    for number in sorted(document["issues"], key=int):
        checks = document["issues"][number].get("checks") or {}
        parts = []
        if checks.get("fixed"):
            parts.append(f"{len(checks['fixed'])} fixed ({_clip(', '.join(checks['fixed']), 120)})")
        if checks.get("new"):
            parts.append(f"{len(checks['new'])} new ({_clip(', '.join(checks['new']), 120)})")
        if checks.get("regressed"):
            parts.append(f"{len(checks['regressed'])} check(s) regressed ({', '.join(checks['regressed'])})")
        if checks.get("waived"):
            parts.append(f"{checks['waived']} waived")
        if parts:
            lines.append(f"#{number} since the ledger: " + "; ".join(parts))
    return lines
