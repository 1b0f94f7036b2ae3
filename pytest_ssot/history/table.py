"""The terminal view of ``ssot history``: one row per commit that changed something, then the flags.

Rendered from the ``--json`` document, so the table, the JSON and the
dashboard section cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_ssot.core.violation import clip

FLAG_LABELS = {"claimed_not_shown": "CLAIMED, NOT SHOWN", "claim_unjudged": "claim not judged",
               "regression": "REGRESSION", "first_clean": "first clean"}
SUBJECT_WIDTH = 44


def change_cells(entry: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[str]:
    """``name a->b`` for each count that moved (every non-zero count on the first row), state changes marked."""
    cells = []
    for name, count in entry["counts"].items():
        state = entry["states"][name]
        if previous is None:
            if count or state == "violation":
                cells.append(f"{name} {count}" + ("!" if state == "violation" else ""))
            continue
        before, before_state = previous["counts"][name], previous["states"][name]
        if count != before or state != before_state or name in entry["appeared"] or name in entry["disappeared"]:
            moved = f"{name} {before}->{count}" if count != before else f"{name} {count} (items changed)"
            if state != before_state:
                moved += f" [{before_state}->{state}]"
            cells.append(moved)
    return cells


def render_table(doc: Mapping[str, Any]) -> str:
    """The whole terminal report for one ``History.to_json()`` document."""
    commits = doc["commits"]
    stats = doc.get("stats", {})
    where = doc["root"] or "."
    lines = [f"ssot history of target {doc['target']!r} ({where}, package {doc['package']}): "
             f"{len(commits)} commit(s) of {doc['range']}"
             + (f", every {doc['selection']['every']}th" if doc["selection"].get("every") else "")
             + (", first parents" if doc["selection"].get("first_parent") else "")]
    rows = [("commit", "date", "subject", "changes", "flags")]
    previous = None
    for entry in commits:
        if previous is None or entry["changed"]:
            flags = ", ".join(_flag_cell(f) for f in entry["flags"])
            rows.append((entry["commit"][:10], entry["date"][:10], clip(entry["subject"], SUBJECT_WIDTH),
                         ", ".join(change_cells(entry, previous)) or "-", flags))
        previous = entry
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]
                     + (f"  | {row[4]}" if row[4] else ""))
    if len(rows) - 1 < len(commits):
        lines.append(f"({len(commits) - len(rows) + 1} commit(s) changed nothing the checks count: not shown)")
    flags = doc["flags"]
    lines.append(f"flags ({len(flags)}):" if flags else "flags: none")
    for flag in flags:
        lines.append(f"- {flag['commit'][:10]} {FLAG_LABELS.get(flag['kind'], flag['kind'])}: {flag['text']}")
        for check, items in flag["findings"].items():
            if flag["kind"] != "regression" or not flag["returning"]:
                lines.extend(f"    {check}: {item}" for item in items)
    notes = [(entry["commit"][:10], note) for entry in commits if not entry["reused"] for note in entry["notes"]]
    for sha, note in notes:
        lines.append(f"note {sha}: {note}")
    last = commits[-1]
    lines.append("at " + last["commit"][:10] + ": " + ", ".join(
        f"{name} {count}" + ("!" if last["states"][name] == "violation" else "")
        for name, count in last["counts"].items() if last["states"][name] != "skipped")
        + "  (! = violation)")
    if stats:
        lines.append(f"{stats.get('commits', len(commits))} commits, {stats.get('scans', '?')} scanned "
                     f"(the rest reuse an unchanged root), {stats.get('blobs_read', '?')} blobs read, "
                     f"{stats.get('seconds', 0):.2f}s")
    return "\n".join(lines) + "\n"


def _flag_cell(flag: Mapping[str, Any]) -> str:
    label = FLAG_LABELS.get(flag["kind"], flag["kind"])
    if flag.get("issue") is not None:
        return f"{label} #{flag['issue']}"
    return f"{label} {flag.get('check') or ''}".strip()
