"""Merge the ``--ssot-report`` files of several CI jobs into one document.

A CI matrix runs one job per tier x Python version (and maybe per target), so
no single file holds an issue's full picture. Merging keeps every test once,
recomputes each issue's verdict from the combined records with the same
:func:`pytest_ssot.report.build.build_report` a single run uses, and *reports* a test
that two jobs saw end differently instead of silently picking one.

The merged document always has the multi-target shape::

    {"schema_version": 2, "generated_at": ISO, "sources": ["a.json", ...],
     "targets": {NAME: <per-target report>}, "conflicts": [<conflict>, ...]}

where each per-target report has the shape of a single ``--ssot-report`` file
plus ``"sources"`` (the files it came from) and ``"conflicts"`` (its own). A
report written without a target is keyed ``"(none)"`` and keeps ``"target": null``.
Merged documents can be merged again. Reports of schema version 1 (before the
ledger) are read too: their tests count as not compared with a ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_ssot.report.ledger import change_of
from pytest_ssot.report.build import (
    CONTEXT_KEYS,
    READABLE_SCHEMA_VERSIONS,
    SCHEMA_VERSION,
    RunMetrics,
    build_report,
)

NO_TARGET = "(none)"

# when two jobs disagree, the merged record keeps the worse outcome, so the
# recomputed verdict errs towards "something is wrong" (and the conflict is listed)
_SEVERITY = {"passed": 0, "skipped": 1, "xfailed": 2, "failed": 3, "error": 4}


class ReportError(Exception):
    """A file that cannot be merged or rendered: unreadable, not JSON, wrong schema."""


@dataclass
class MergeResult:
    """The merged document and the disagreements found on the way."""

    document: dict[str, Any]
    conflicts: list[dict[str, Any]] = field(default_factory=list)


MAX_INT_DIGITS = 4000  # below Python's own limit on converting digits to int (4300 by default)
MAX_DEPTH = 200  # a report nests about 6 levels; far deeper is no report, and would exhaust the parser's stack


def load_report(path: Path) -> dict[str, Any]:
    """Read one report (single or merged), refusing anything this version cannot read correctly.

    Every refusal is one line naming the file and where in it: a JSON path
    (``issues.824.tests[3].keys``) for a wrong shape, a line and column for text
    that is no report at all (too deeply nested, an integer of thousands of digits).
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not an ssot report: not UTF-8 text") from None
    where = _too_deep(text)
    if where:
        raise ReportError(f"{path}: not an ssot report: nested deeper than {MAX_DEPTH} levels at {where}")
    try:
        document = json.loads(text, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:  # pragma: no cover - _too_deep refuses such nesting first
        raise ReportError(f"{path}: not an ssot report: nested too deeply") from None
    except ValueError as exc:  # an integer of more digits than a report ever holds
        raise ReportError(f"{path}: not an ssot report: {exc} at {_long_int_at(text)}") from None
    del text  # parsed: a big report must not be held twice
    check_document(document, str(path))
    return document


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(digits.lstrip('-'))} digits")
    return int(digits)


def _line_col(text: str, at: int) -> str:
    line = text.count("\n", 0, at) + 1
    return f"line {line}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def _long_int_at(text: str) -> str:
    found = re.search(r"\d{%d,}" % (MAX_INT_DIGITS + 1), text)
    return _line_col(text, found.start()) if found else "an unknown place"


def _too_deep(text: str) -> str | None:
    """Where brackets outside strings nest deeper than MAX_DEPTH, or None (cheap: one scan, only when needed)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_col(text, match.start())
        elif token in "]}":
            depth -= 1
    return None


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_document(document: Any, name: str) -> None:
    """Refuse another schema version or a malformed document with one line naming the file and the place."""
    from pytest_ssot.report.schema import ShapeError, check_shape

    if not isinstance(document, dict) or "schema_version" not in document:
        raise ReportError(f"{name}: not an ssot report: no schema_version")
    version = document["schema_version"]
    if type(version) is not int or version not in READABLE_SCHEMA_VERSIONS:
        readable = " or ".join(map(str, READABLE_SCHEMA_VERSIONS))
        raise ReportError(
            f"{name}: schema_version {repr(version)[:40]}, but this pytest-ssot reads schema_version {readable}; "
            "merge and render reports written by the same pytest-ssot version"
        )
    try:
        check_shape(document)
    except ShapeError as exc:
        raise ReportError(f"{name}: not an ssot report: {exc}") from None
    except RecursionError:  # pragma: no cover - the parser refuses such nesting first
        raise ReportError(f"{name}: not an ssot report: nested too deeply to be one") from None


def is_merged(document: Mapping[str, Any]) -> bool:
    """True for the multi-target shape that ``merge`` writes."""
    return isinstance(document.get("targets"), dict)


def targets_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The per-target reports of a single or merged document, in name order."""
    if is_merged(document):
        return [document["targets"][k] for k in sorted(document["targets"])]
    return [dict(document)]


def merge_reports(named: Iterable[tuple[str, Mapping[str, Any]]], *, consume: bool = False) -> MergeResult:
    """Merge ``(source name, document)`` pairs; conflicts are returned and written into the document.

    ``consume``: the documents are the caller's to give away (``ssot report
    merge`` loaded them for this alone): their test records are reused in place
    instead of copied, so a big merge holds each test once.
    """
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    sources: list[str] = []
    for source, document in named:
        check_document(document, source)
        sources.append(source)
        for part in targets_of(document):
            key = part.get("target") or NO_TARGET
            # a merged input carries its own sources: keep naming the original files
            origin = ", ".join(part["sources"]) if part.get("sources") else source
            groups.setdefault(key, []).append((origin, part))
    targets: dict[str, Any] = {}
    conflicts: list[dict[str, Any]] = []
    for key in sorted(list(groups)):
        merged = _merge_target(groups.pop(key), consume)
        targets[key] = merged
        conflicts.extend(merged["conflicts"])
    document = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sources": sources,
        "targets": targets,
        "conflicts": conflicts,
    }
    return MergeResult(document, conflicts)


def _merge_target(parts: list[tuple[str, Mapping[str, Any]]], consume: bool = False) -> dict[str, Any]:
    target = parts[0][1].get("target")
    label = target or NO_TARGET
    conflicts: list[dict[str, Any]] = list(_earlier_conflicts(parts))
    statuses, status_conflicts = _merge_statuses(label, parts)
    conflicts.extend(status_conflicts)
    records, test_conflicts = _merge_tests(label, parts, consume)
    conflicts.extend(test_conflicts)
    metrics = RunMetrics()
    for _source, part in parts:
        metrics.merge({
            "samples": part.get("samples", {}),
            "ratchets": {name: r.get("items", []) for name, r in part.get("ratchets", {}).items()},
        })
    # one interrupted job makes the merged picture incomplete too: its verdicts say so
    interrupted = any(part.get("interrupted") is True for _source, part in parts)
    document = build_report(target, statuses, records, metrics, interrupted=interrupted, reuse_records=True,
                            context=_latest_context(parts))
    document["ratchets"] = _with_baselines(document["ratchets"], parts)
    document["sources"] = [source for source, _part in parts]
    document["conflicts"] = conflicts
    return document


def _latest_context(parts: list[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The run, event names and link templates of the most recent part that has each (a trend orders by it)."""
    ordered = sorted((part for _source, part in parts), key=lambda p: str(p.get("generated_at") or ""))
    context: dict[str, Any] = {}
    for part in ordered:
        context.update({key: part[key] for key in CONTEXT_KEYS if part.get(key)})
    return context


def _earlier_conflicts(parts: list[tuple[str, Mapping[str, Any]]]) -> Iterable[dict[str, Any]]:
    for _source, part in parts:
        yield from part.get("conflicts", [])


def _merge_statuses(
    label: str, parts: list[tuple[str, Mapping[str, Any]]]
) -> tuple[dict[int, str], list[dict[str, Any]]]:
    seen: dict[int, dict[str, str]] = {}
    for source, part in parts:
        for number, status in (part.get("statuses") or {}).items():
            if status is None:
                continue
            seen.setdefault(int(number), {})[source] = status
    statuses: dict[int, str] = {}
    conflicts: list[dict[str, Any]] = []
    for number, by_source in sorted(seen.items()):
        statuses[number] = next(iter(by_source.values()))
        if len(set(by_source.values())) > 1:
            conflicts.append({"kind": "status", "target": label, "issue": str(number),
                              "reports": [{"source": s, "status": v} for s, v in by_source.items()]})
    return statuses, conflicts


def _merge_tests(
    label: str, parts: list[tuple[str, Mapping[str, Any]]], consume: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for source, part in parts:
        for number, issue in part["issues"].items():
            for test in issue["tests"]:
                record = test if consume else dict(test)  # build_report reuses it: one copy at most
                record["issue"], record["title"] = int(number), issue.get("title")
                seen.setdefault(test["nodeid"], []).append((source, record))
    records: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for nodeid in sorted(seen):
        copies = seen[nodeid]
        # the worst outcome wins; among equals the first file's copy (stable sort)
        worst = max(copies, key=lambda c: _SEVERITY[c[1]["outcome"]])[1]
        records.append(worst)
        if len({(c["outcome"], c["issue"]) for _s, c in copies}) > 1:
            conflicts.append({
                "kind": "test", "target": label, "issue": str(worst["issue"]), "nodeid": nodeid,
                "kept": worst["outcome"],
                "reports": [{"source": s, "outcome": c["outcome"], "effect": c["effect"],
                             "issue": str(c["issue"])} for s, c in copies],
            })
    return records, conflicts


def _with_baselines(ratchets: dict[str, Any], parts: list[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Carry a ratchet's baseline through the merge and recompute its change from the merged count."""
    for name, ratchet in ratchets.items():
        baselines = [p.get("ratchets", {}).get(name, {}).get("baseline") for _s, p in parts]
        baseline = next((b for b in baselines if isinstance(b, int)), None)
        changes = {p.get("ratchets", {}).get(name, {}).get("change") for _s, p in parts}
        if baseline is not None:
            ratchet["baseline"] = baseline
            ratchet["change"] = change_of(ratchet["count"], baseline)
        elif "new" in changes:
            ratchet["change"] = "new"
    return ratchets


def conflict_lines(conflicts: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per conflict, for stderr and the rendered summaries."""
    lines = []
    for c in conflicts:
        if c["kind"] == "status":
            seen = ", ".join(f"{r['status']} in {r['source']}" for r in c["reports"])
            lines.append(f"conflict: {c['target']} issue #{c['issue']} has different statuses: {seen}")
        else:
            seen = ", ".join(f"{r['outcome']} in {r['source']}" for r in c["reports"])
            lines.append(f"conflict: {c['target']} {c['nodeid']}: {seen} (kept {c['kept']})")
    return lines
