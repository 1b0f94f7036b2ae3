"""What a report says, as data and as markdown for a CI job summary.

The data here (issue rows, failures, violations with their findings, latency,
run facts) is shared by the markdown summary and the HTML dashboard, and the
issue rows by the terminal table too, so all three show the same numbers.
Every title comes from the report: its target names, its issues' titles and
the target's configured event names; nothing here names a particular codebase.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from pytest_ssot.config.links import Linker
from pytest_ssot.report.merge import NO_TARGET, conflict_lines, targets_of
from pytest_ssot.core.percentile import LATENCY_SAMPLES, percentile
from pytest_ssot.report.build import issue_rows, ledger_lines


@dataclass(frozen=True)
class Violation:
    """A violation an open issue's check confirmed, with the test that found it and its findings."""

    issue: str
    nodeid: str
    text: str
    keys: tuple[str, ...] = ()
    locations: tuple[Mapping[str, Any], ...] = field(default=())

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def findings(self) -> list[str]:
        """Its findings: the ledger's keys, or (a report without keys) the message's other lines."""
        if self.keys:
            return list(self.keys)
        return [line.strip().lstrip("-").strip() for line in self.text.strip().splitlines()[1:] if line.strip()]


    def located_findings(self) -> list[tuple[str, Mapping[str, Any] | None]]:
        """Each finding with its source location (path, line) when the report has one; then located findings
        the keys do not name (a check whose keys are coarser than its findings)."""
        located = {loc["finding"]: loc for loc in self.locations}
        listed = [(finding, located.pop(finding, None)) for finding in self.findings]
        return listed + [(finding, loc) for finding, loc in located.items()]


@dataclass(frozen=True)
class Failure:
    """A test that failed or errored, and why in one line."""

    issue: str
    nodeid: str
    outcome: str
    reason: str
    locations: tuple[Mapping[str, Any], ...] = ()  # where its findings are (a regression's duplicates)


_EFFECT_REASONS = {
    "looks_fixed": "the issue looks fixed: mark it resolved",
    "now_clean": "check now clean while the issue is open: record it (--ssot-baseline-update)",
    "new_violation": "a finding the ledger does not hold",
}


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
                found.append(Violation(number, test["nodeid"], test.get("violation") or "",
                                       tuple(test.get("keys") or ()), tuple(test.get("locations") or ())))
    return found


def failures(part: Mapping[str, Any]) -> list[Failure]:
    """Every test that failed or errored, each with its one-line reason (recorded, or read off older fields)."""
    found = []
    for number in sorted(part["issues"], key=int):
        for test in part["issues"][number]["tests"]:
            if test["outcome"] in ("failed", "error"):
                found.append(Failure(number, test["nodeid"], test["outcome"], reason_of(test),
                                     tuple(test.get("locations") or ())))
    return found


def reason_of(test: Mapping[str, Any]) -> str:
    """Why a test failed, in one line: the recorded reason; for an older report its error, effect or violation."""
    for text in (test.get("reason"), test.get("error")):
        if text:
            return str(text).strip().splitlines()[0]
    if test.get("effect") in _EFFECT_REASONS:
        new = test.get("new") or []
        return _EFFECT_REASONS[test["effect"]] + (f": {'; '.join(new)}" if new else "")
    violation = (test.get("violation") or "").strip()
    return violation.splitlines()[0] if violation else "failed (no reason recorded)"


def grouped_failures(found: Sequence[Failure]) -> list[tuple[str, str, list[Failure]]]:
    """Failures with the same outcome and reason together (one fixture failing many tests is one line)."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for f in found:
        groups.setdefault((f.outcome, f.reason), []).append(f)
    return [(outcome, reason, members) for (outcome, reason), members in groups.items()]


def final_event(part: Mapping[str, Any]) -> str | None:
    """The target's last configured event (what a latency is measured to), if the report recorded the events."""
    events = part.get("events") or []
    return str(events[-1]) if events else None


def latency_title(part: Mapping[str, Any]) -> str:
    event = final_event(part)
    return f"Latency from message to {event}" if event else "Latency from message to the final event"


def latency(part: Mapping[str, Any]) -> tuple[int, float, float] | None:
    """(samples, p50 ms, p99 ms) of the recorded latencies, or None when nothing was measured."""
    values = part.get("samples", {}).get(LATENCY_SAMPLES) or []
    if not values:
        return None
    ms = [v * 1000.0 for v in values]
    return len(ms), percentile(ms, 50), percentile(ms, 99)


def ratchet_rows(part: Mapping[str, Any]) -> list[tuple[str, int, int | None, str | None]]:
    """(name, count, baseline, change) per ratchet; baseline/change are None until recorded."""
    return [(name, r["count"], r.get("baseline"), r.get("change"))
            for name, r in sorted(part.get("ratchets", {}).items())]


def run_facts(part: Mapping[str, Any]) -> list[str]:
    """What the run recorded about itself: Python, plugin version, commit and branch, when."""
    run = part.get("run") or {}
    facts = []
    if run.get("python"):
        facts.append(f"Python {run['python']}")
    if run.get("plugin"):
        facts.append(f"pytest-ssot {run['plugin']}")
    if run.get("commit"):
        facts.append(f"commit {str(run['commit'])[:12]}" + (f" on {run['branch']}" if run.get("branch") else ""))
    if run.get("time"):
        facts.append(f"run {run['time']}")
    return facts


INTERRUPTED_NOTE = ("Interrupted run: incomplete. Only the tests that finished are listed; "
                    "no issue is judged holds, passing or fixed from it.")


def render_markdown(document: Mapping[str, Any], linker: Linker | None = None) -> str:
    """A job-summary page: per target, the issue table, failures, open violations with findings, ratchets, latency."""
    lines: list[str] = ["## SSOT report", ""]
    conflicts = document.get("conflicts") or []
    if conflicts:
        lines += [f"> **{len(conflicts)} conflict(s)**: jobs disagree; the worse outcome was kept.", ">"]
        lines += [f"> - {_md(line)}" for line in conflict_lines(conflicts)]
        lines.append("")
    for part in targets_of(document):
        lines += _target_markdown(part, (linker or Linker()).for_part(part))
    return "\n".join(lines).rstrip() + "\n"


def _link(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else text


def _target_markdown(part: Mapping[str, Any], links: Linker) -> list[str]:
    lines = [f"### Target `{_code(target_name(part))}`", ""]
    facts = run_facts(part)
    run_url = links.run(part.get("run"))
    if facts or run_url:
        lines += [_md(" · ".join(facts)) + (f" · {_link('CI run', run_url)}" if run_url else ""), ""]
    if part.get("interrupted"):
        lines += [f"> **{INTERRUPTED_NOTE}**", ""]
    rows = issue_rows(part)
    if not rows:
        return lines + ["No SSOT tests ran for this target.", ""]
    lines += ["| issue | title | status | tests | failed | violations | checks clean | verdict |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| {_link('#' + _md(r.number), links.issue(r.number))} | {_md(r.title)} | "
                     f"{_md(r.status or '-')} | {r.tests} | {r.failed} "
                     f"| {r.violations} | {r.checks_clean} of {r.checks_total} | {_md(r.label)} |")
    lines.append("")
    changes = ledger_lines(part)
    if changes:
        lines += [f"- {_md(line)}" for line in changes] + [""]
    failed = failures(part)
    if failed:
        lines += [f"**Failed or errored: {len(failed)} test{'s' if len(failed) != 1 else ''}**", ""]
        for outcome, reason, members in grouped_failures(failed):
            if len(members) == 1:
                lines.append(f"- {outcome} `{_code(members[0].nodeid)}` (#{members[0].issue}): {_md(reason)}")
            else:
                lines.append(f"- {outcome} in {len(members)} tests: {_md(reason)}")
                lines += [f"  - `{_code(m.nodeid)}` (#{m.issue})" for m in members]
        lines.append("")
    violations = confirmed_violations(part)
    for number in dict.fromkeys(v.issue for v in violations):
        lines += [f"**#{number}: confirmed violations**", ""]
        for v in (v for v in violations if v.issue == number):
            lines.append(f"- `{_code(v.nodeid)}`: {_md(v.first_line)}")
            for finding, location in v.located_findings():
                lines.append(f"  - {_md(finding)}{_md_location(location, links, part)}")
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
        lines += [f"{_md(latency_title(part))}: {n} samples, p50 {p50:.1f} ms, p99 {p99:.1f} ms", ""]
    return lines


def _md_location(location: Mapping[str, Any] | None, links: Linker, part: Mapping[str, Any]) -> str:
    """`` (path:line)``, linked to the source when a template is set; nothing for a finding without a line."""
    if not location:
        return ""
    text = _md(f"{location['path']}:{location['line']}")
    return f" ({_link(text, links.source(location['path'], location['line'], part.get('run')))})"


def _md(text: str) -> str:
    """Text safe inside a markdown table cell or list item: no HTML, no stray markup."""
    flat = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", escape(flat, quote=False))


def _code(text: str) -> str:
    """Text safe inside a code span: no backtick to close it, no line break to end the line."""
    return " ".join(str(text).replace("`", "'").split())
