"""What a configured run prints at its end: the per-issue table last, and shared setup errors once.

pytest prints its short test summary in the ``finally`` of the terminal
reporter's own ``pytest_terminal_summary`` wrapper; the session plugin wraps
that hook outside it (``tryfirst``), so the table comes after the short summary,
just above pytest's final counts line: the last thing a reader sees.

When one exception fails the setup of many tests (a session fixture that
raised), pytest would print it once per test. For the summary only, the
duplicates are folded into the first report, which says how many tests share
it; the counts line still counts every error.

A clean check of an open issue fails as "looks fixed: mark it resolved" when
it runs; the summary shows it with what the whole run tells
(:func:`pytest_ssot.report.build.tell_looks_fixed`), the report's own words.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from _pytest._code.code import TerminalRepr

from pytest_ssot.report.build import ledger_lines, table_lines
from pytest_ssot.report.outcomes import LOOKS_FIXED


def summary_lines(document: Mapping[str, Any]) -> list[str]:
    """The table, every ratchet with its count, and what changed since the ledger."""
    lines = list(table_lines(document))
    for name, ratchet in sorted(document.get("ratchets", {}).items()):
        baseline = ratchet.get("baseline")
        since = f"baseline {baseline}, {ratchet.get('change')}" if baseline is not None else "no baseline"
        lines.append(f"ratchet {name}: {ratchet['count']} ({since})")
    return lines + ledger_lines(document)


def write_summary(terminal: Any, document: Mapping[str, Any] | None, *, update_mode: str,
                  written: list[Any], report_path: Any) -> None:
    """The run's per-issue verdicts and ledger changes, after pytest's short test summary."""
    if document is not None and document.get("interrupted") and update_mode:
        terminal.write_line("ssot: the run did not finish: the ledger was not updated", red=True)
    if document is None or not document["issues"]:
        return
    target = f"target {document['target']}" if document["target"] else "no target"
    stopped = "; INTERRUPTED: incomplete, no issue judged holds or fixed" if document.get("interrupted") else ""
    terminal.write_sep("=", f"SSOT issues ({target}){stopped}")
    for line in summary_lines(document):
        terminal.write_line(line)
    for change in written:
        terminal.write_line(change.describe())
    if update_mode:
        for number, issue in document["issues"].items():
            if issue["verdict"] == "looks_fixed":
                terminal.write_line(f"issue {number} looks fixed: every check is clean; mark it resolved "
                                    f"(set {number} = \"resolved\" in the target's [issues] table)", red=True)
    if report_path is not None:
        terminal.write_line(f"ssot report written to {report_path}")


class _Crash:
    """The one-line message pytest's short summary reads off a report (``longrepr.reprcrash.message``)."""

    def __init__(self, message: str, original: Any) -> None:
        self.message = message
        self.path = getattr(original, "path", "")
        self.lineno = getattr(original, "lineno", 0)


class SharedErrorRepr(TerminalRepr):
    """The first report's error, then the tests that failed with the very same one."""

    def __init__(self, original: Any, nodeids: list[str], phase: str) -> None:
        self.original = original
        self.nodeids = nodeids
        self.phase = phase
        crash = getattr(original, "reprcrash", None)
        lines = str(getattr(crash, "message", None) or original).strip().splitlines()
        self.reprcrash = _Crash(f"{len(nodeids)} tests share this {phase} error: {lines[0] if lines else 'error'}",
                                crash)

    def toterminal(self, tw: Any) -> None:
        if hasattr(self.original, "toterminal"):
            self.original.toterminal(tw)
        else:
            tw.line(str(self.original))
        shown = ", ".join(self.nodeids[:10]) + (f", ... ({len(self.nodeids) - 10} more)" if len(self.nodeids) > 10 else "")
        tw.line("")
        tw.line(f"the same error failed the {self.phase} of {len(self.nodeids)} tests: {shown}", red=True)


def error_signature(report: Any) -> tuple[Any, ...] | None:
    """What makes two error reports the same error: phase, crash place and message (None: not comparable)."""
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        return (report.when, longrepr)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        return None
    return (report.when, crash.path, crash.lineno, crash.message)


def retell_looks_fixed(stats: dict[str, list[Any]], document: Mapping[str, Any] | None) -> Callable[[], None]:
    """Show each "looks fixed" failure in ``stats`` with the reason the report tells; returns the undo.

    For the summary only, like :func:`fold_shared_errors`: the reports
    themselves (and junitxml, written as they came) keep the words the test
    failed with when it ran.
    """
    told = {t["nodeid"]: t["reason"] for issue in (document or {}).get("issues", {}).values()
            for t in issue["tests"] if t["effect"] == LOOKS_FIXED and t["outcome"] == "failed" and t.get("reason")}
    original = stats.get("failed")
    if not told or not original:
        return lambda: None
    shown = []
    for report in original:
        reason = told.get(report.nodeid) if getattr(report, "when", None) == "call" else None
        if reason is not None and report.longrepr != reason:
            report = copy.copy(report)
            report.longrepr = reason
        shown.append(report)
    stats["failed"] = shown

    def undo() -> None:
        stats["failed"] = original

    return undo


def fold_shared_errors(stats: dict[str, list[Any]]) -> Callable[[], None]:
    """Fold errors shared by several tests into their first report in ``stats``; returns the undo.

    Only the setup and teardown errors of tests (``stats["error"]``) are folded,
    and only for the summary: the undo puts the original list back, so the
    counts line and every other plugin see each error.
    """
    original = stats.get("error")
    if not original:
        return lambda: None
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for report in original:
        signature = error_signature(report) if getattr(report, "when", None) in ("setup", "teardown") else None
        groups.setdefault(signature if signature is not None else (id(report),), []).append(report)
    if all(len(group) == 1 for group in groups.values()):
        return lambda: None
    folded = []
    for group in groups.values():
        if len(group) == 1:
            folded.append(group[0])
            continue
        first = copy.copy(group[0])
        first.longrepr = SharedErrorRepr(group[0].longrepr, [r.nodeid for r in group], group[0].when)
        folded.append(first)
    stats["error"] = folded

    def undo() -> None:
        stats["error"] = original

    return undo
