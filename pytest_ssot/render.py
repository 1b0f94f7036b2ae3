"""What a report says, as data and as markdown for a CI job summary.

The violation lists here, and the issue rows (:func:`pytest_ssot.report.issue_rows`,
which the terminal table is built from too), are shared by the markdown summary
and the HTML dashboard, so all three always show the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from pytest_ssot.merge import NO_TARGET, conflict_lines, targets_of
from pytest_ssot.report import LATENCY_SAMPLES, issue_rows, ledger_lines
from pytest_ssot.percentile import percentile


@dataclass(frozen=True)
class Violation:
    """A violation an open issue's check confirmed, with the test that found it."""

    issue: str
    nodeid: str
    text: str

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def more_lines(self) -> int:
        return max(len(self.text.strip().splitlines()) - 1, 0)


def target_name(part: Mapping[str, Any]) -> str:
    return part.get("target") or NO_TARGET


def confirmed_violations(part: Mapping[str, Any]) -> list[Violation]:
    """Each open issue's confirmed violations: what the consolidation still has to remove."""
    found = []
    for number in sorted(part["issues"], key=int):
        issue = part["issues"][number]
        if issue.get("status") != "open":
            continue
        for test in issue["tests"]:
            if test.get("effect") == "confirmed":
                found.append(Violation(number, test["nodeid"], test.get("violation") or ""))
    return found


def latency(part: Mapping[str, Any]) -> tuple[int, float, float] | None:
    """(samples, p50 ms, p99 ms) of the golden path, or None when nothing was measured."""
    values = part.get("samples", {}).get(LATENCY_SAMPLES) or []
    if not values:
        return None
    ms = [v * 1000.0 for v in values]
    return len(ms), percentile(ms, 50), percentile(ms, 99)


def ratchet_rows(part: Mapping[str, Any]) -> list[tuple[str, int, int | None, str | None]]:
    """(name, count, baseline, change) per ratchet; baseline/change are None until recorded."""
    return [(name, r["count"], r.get("baseline"), r.get("change"))
            for name, r in sorted(part.get("ratchets", {}).items())]


INTERRUPTED_NOTE = ("Interrupted run: incomplete. Only the tests that finished are listed; "
                    "no issue is judged holds, passing or fixed from it.")


def render_markdown(document: Mapping[str, Any]) -> str:
    """A job-summary page: per target, the issue table, open violations, ratchets, latency."""
    lines: list[str] = ["## SSOT report", ""]
    conflicts = document.get("conflicts") or []
    if conflicts:
        lines += [f"> **{len(conflicts)} conflict(s)**: jobs disagree; the worse outcome was kept.", ">"]
        lines += [f"> - {_md(line)}" for line in conflict_lines(conflicts)]
        lines.append("")
    for part in targets_of(document):
        lines += _target_markdown(part)
    return "\n".join(lines).rstrip() + "\n"


def _target_markdown(part: Mapping[str, Any]) -> list[str]:
    lines = [f"### Target `{_code(target_name(part))}`", ""]
    if part.get("interrupted"):
        lines += [f"> **{INTERRUPTED_NOTE}**", ""]
    rows = issue_rows(part)
    if not rows:
        return lines + ["No SSOT tests ran for this target.", ""]
    lines += ["| issue | title | status | tests | failed | violations | checks clean | verdict |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| #{_md(r.number)} | {_md(r.title)} | {_md(r.status or '-')} | {r.tests} | {r.failed} "
                     f"| {r.violations} | {r.checks_clean} of {r.checks_total} | {_md(r.label)} |")
    lines.append("")
    changes = ledger_lines(part)
    if changes:
        lines += [f"- {_md(line)}" for line in changes] + [""]
    violations = confirmed_violations(part)
    for number in dict.fromkeys(v.issue for v in violations):
        lines += [f"**#{number}: confirmed violations**", ""]
        for v in (v for v in violations if v.issue == number):
            more = f" *(+{v.more_lines} line{'s' if v.more_lines > 1 else ''})*" if v.more_lines else ""
            lines.append(f"- `{_code(v.nodeid)}`: {_md(v.first_line)}{more}")
        lines.append("")
    ratchets = ratchet_rows(part)
    if ratchets:
        lines += ["| ratchet | count | baseline | change |", "| --- | ---: | ---: | --- |"]
        for name, count, baseline, change in ratchets:
            lines.append(f"| {_md(name)} | {count} | {'-' if baseline is None else baseline} | {_md(change or '-')} |")
        lines.append("")
    measured = latency(part)
    if measured:
        n, p50, p99 = measured
        lines += [f"Golden path to `agent_completed`: {n} samples, p50 {p50:.1f} ms, p99 {p99:.1f} ms", ""]
    return lines


def _md(text: str) -> str:
    """Text safe inside a markdown table cell or list item: no HTML, no stray markup."""
    flat = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", escape(flat, quote=False))


def _code(text: str) -> str:
    """Text safe inside a code span: no backtick to close it, no line break to end the line."""
    return " ".join(str(text).replace("`", "'").split())
