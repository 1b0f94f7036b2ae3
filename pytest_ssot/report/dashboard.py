"""The HTML dashboard: one self-contained file for a CI artefact.

Everything is inline (CSS, SVG) and there is no script, so the page opens from
an artefact download, offline, under any content-security policy; the only URLs
are the links the configured templates make (issue, source line, CI run).
Every piece of report text is escaped: violations quote code and contain ``<``
and ``>``. A section appears only for data the report has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

from pytest_ssot.config.links import Linker
from pytest_ssot.report.merge import conflict_lines, targets_of
from pytest_ssot.core.percentile import LATENCY_SAMPLES
from pytest_ssot.report.markdown import (
    INTERRUPTED_NOTE,
    confirmed_violations,
    failures,
    grouped_failures,
    issue_rows,
    latency,
    latency_title,
    ledger_lines,
    ratchet_rows,
    run_facts,
    target_name,
)
from pytest_ssot.report.svgchart import latency_svg, trend_svg
from pytest_ssot.report.trend import RunPoint, issue_series, trends

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px 32px 48px; color: var(--fg); background: var(--bg);
       font: 14px/1.45 "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 8px; }
.meta, .note { color: var(--muted); }
nav a { margin-right: 14px; color: #0969da; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
table.ratchets { width: auto; min-width: 60%; }
table.ratchets details { margin: 0; }
td ul { margin: 4px 0 0; padding-left: 18px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
         border: 1px solid transparent; white-space: nowrap; }
.v-confirmed { background: #fff8c5; border-color: #d4a72c; color: #6b4b00; }
.v-looks_fixed { background: #ddf4ff; border-color: #54aeff; color: #0a3069; }
.v-improved { background: #ddf4ff; border-color: #54aeff; color: #0a3069; }
.v-incomplete { background: #eaeef2; border-color: #afb8c1; color: #424a53; }
.v-inconclusive { background: #eaeef2; border-color: #afb8c1; color: #424a53; }
.v-broken { background: #ffebe9; border-color: #cf222e; color: #82071e; }
.v-regressed, .v-failing { background: #ffebe9; border-color: #ff8182; color: #82071e; }
.v-holds, .v-passing { background: #dafbe1; border-color: #4ac26b; color: #116329; }
.change-rise { color: #cf222e; font-weight: 600; }
.change-fall { color: #1a7f37; font-weight: 600; }
.conflicts { border: 1px solid #ff8182; background: #ffebe9; padding: 8px 16px; border-radius: 6px; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
      white-space: pre-wrap; word-break: break-word; margin: 4px 0 10px; font-size: 12.5px; }
code { font-size: 12.5px; }
.run-facts { color: var(--muted); margin: -6px 0 10px; }
ul.failures { margin: 4px 0 12px; padding-left: 20px; }
ul.failures li { margin: 3px 0; }
.outcome { font-weight: 600; color: #82071e; }
.findings { margin: 2px 0 6px; padding-left: 20px; font-size: 12.5px; }
.latency-chart, .trend-chart { max-width: 100%; height: auto; }
.trend-chart text { font-size: 11px; fill: var(--muted); }
.trend-chart .grid line { stroke: #eaeef2; }
a { color: #0969da; }
.latency-chart text { font-size: 11px; fill: var(--muted); }
.latency-chart .axis-label { font-size: 12px; fill: var(--fg); }
.latency-chart .axis line { stroke: #8c959f; }
.latency-chart .grid line { stroke: #eaeef2; }
.latency-chart .bar { fill: #54aeff; }
.latency-chart .marker line { stroke-width: 2; stroke-dasharray: 5 3; }
.latency-chart .p50 line { stroke: #1a7f37; } .latency-chart .p50 text { fill: #1a7f37; font-weight: 600; }
.latency-chart .p99 line { stroke: #cf222e; } .latency-chart .p99 text { fill: #cf222e; font-weight: 600; }
"""


def render_html(document: Mapping[str, Any], linker: Linker | None = None,
                history: list[Mapping[str, Any]] | None = None) -> str:
    """The whole dashboard page for a single or merged report.

    ``linker``: link templates given on the command line (over the report's own);
    ``history``: several reports over time, for a trend per target (``document`` among them).
    """
    parts = targets_of(document)
    sources = document.get("sources") or []
    meta = f"generated {document.get('generated_at', '?')}"
    if sources:
        meta += f" from {len(sources)} report file{'s' if len(sources) != 1 else ''}"
    runs = trends(history or [])
    if runs:
        meta += f"; trend over {max(len(points) for points in runs.values())} runs"
    body = [f"<header><h1>SSOT dashboard</h1><p class=\"meta\">{escape(meta)}</p>"]
    if len(parts) > 1:
        body.append("<nav>" + "".join(
            f'<a href="#{_anchor(target_name(p))}">{escape(target_name(p))}</a>' for p in parts) + "</nav>")
    body.append("</header>")
    conflicts = document.get("conflicts") or []
    if conflicts:
        body.append(f'<section class="conflicts"><h2>{len(conflicts)} conflict(s): jobs disagree</h2>'
                    "<p>The merged report kept the worse outcome of each.</p><ul>"
                    + "".join(f"<li>{escape(line)}</li>" for line in conflict_lines(conflicts)) + "</ul></section>")
    linker = linker or Linker()
    body += [_target_section(part, linker.for_part(part), runs.get(target_name(part), [])) for part in parts]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>SSOT dashboard</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def _link(text: str, url: str | None, kind: str) -> str:
    """Escaped ``text``, inside a link when there is a URL (``kind``: issue, source or run, for the tests)."""
    if not url:
        return escape(text)
    return f'<a class="link-{kind}" href="{escape(url)}" rel="noopener noreferrer">{escape(text)}</a>'


def _target_section(part: Mapping[str, Any], links: Linker, points: list[RunPoint]) -> str:
    name = target_name(part)
    out = [f'<section class="target" id="{_anchor(name)}" data-target="{escape(name)}">',
           f"<h2>Target {escape(name)}</h2>"]
    facts = [escape(f) for f in run_facts(part)]
    run_url = links.run(part.get("run"))
    if run_url:
        facts.append(_link("CI run", run_url, "run"))
    if facts:
        out.append(f'<p class="run-facts">{" · ".join(facts)}</p>')
    if part.get("interrupted"):
        out.append(f'<p class="interrupted"><strong>{escape(INTERRUPTED_NOTE)}</strong></p>')
    rows = issue_rows(part)
    if rows:
        out.append('<table class="issues"><thead><tr><th>issue</th><th>title</th><th>status</th>'
                   '<th class="num">tests</th><th class="num">failed</th><th class="num">violations</th>'
                   '<th class="num">checks clean</th><th>verdict</th></tr></thead><tbody>')
        for r in rows:
            out.append(
                f'<tr data-issue="{escape(r.number)}" data-verdict="{escape(r.verdict)}">'
                f"<td>{_link('#' + r.number, links.issue(r.number), 'issue')}</td><td>{escape(r.title)}</td>"
                f"<td>{escape(r.status or '-')}</td>"
                f'<td class="num">{r.tests}</td><td class="num">{r.failed}</td><td class="num">{r.violations}</td>'
                f'<td class="num" data-clean="{r.checks_clean}">{r.checks_clean} of {r.checks_total}</td>'
                f'<td><span class="badge v-{escape(r.verdict)}">{escape(r.label)}</span></td></tr>'
            )
        out.append("</tbody></table>")
        changes = ledger_lines(part)
        if changes:
            out.append('<ul class="ledger">' + "".join(f"<li>{escape(line)}</li>" for line in changes) + "</ul>")
    else:
        out.append('<p class="note">No SSOT tests ran for this target.</p>')
    # what went wrong first; then the numbers; the violations' full text (often long) last
    out += _failures(part, links)
    out += _trend(points)
    out += _ratchets(part)
    out += _latency(part)
    out += _violations(part, links)
    out.append("</section>")
    return "\n".join(out)


def _source(location: Mapping[str, Any], links: Linker, part: Mapping[str, Any]) -> str:
    """``path:line`` of a finding, linked to the source line when a template is set."""
    place = f"{location['path']}:{location['line']}"
    return _link(place, links.source(location["path"], location["line"], part.get("run")), "source")


def _failures(part: Mapping[str, Any], links: Linker) -> list[str]:
    found = failures(part)
    if not found:
        return []
    out = [f"<h3>Failed or errored: {len(found)} test{'s' if len(found) != 1 else ''}</h3>", '<ul class="failures">']
    for outcome, reason, members in grouped_failures(found):
        if len(members) == 1:
            f = members[0]
            located = "".join(f"<li>{escape(loc['finding'])} ({_source(loc, links, part)})</li>"
                              for loc in f.locations)
            out.append(f'<li class="failure" data-nodeid="{escape(f.nodeid)}" data-issue="{escape(f.issue)}">'
                       f'<span class="outcome">{escape(outcome)}</span> <code>{escape(f.nodeid)}</code> '
                       f"(#{escape(f.issue)}): {escape(reason)}"
                       + (f'<ul class="findings">{located}</ul>' if located else "") + "</li>")
            continue
        listed = "".join(f'<li class="failure" data-nodeid="{escape(f.nodeid)}" data-issue="{escape(f.issue)}">'
                         f"<code>{escape(f.nodeid)}</code> (#{escape(f.issue)})</li>" for f in members)
        out.append(f'<li class="failure-group" data-count="{len(members)}"><span class="outcome">{escape(outcome)}'
                   f"</span> in {len(members)} tests: {escape(reason)}<ul>{listed}</ul></li>")
    out.append("</ul>")
    return out


def _trend(points: list[RunPoint]) -> list[str]:
    if len(points) < 2:
        return []
    labels = [p.time[:16].replace("T", " ") or f"run {i + 1}" for i, p in enumerate(points)]
    violations = {f"#{n}": values for n, values in issue_series(points, "violations").items()}
    clean = issue_series(points, "checks_clean")
    totals = issue_series(points, "checks_total")
    out = [f"<h3>Trend over {len(points)} runs</h3>", '<figure class="chart trend">'
           + trend_svg(labels, violations, "violations") + "</figure>",
           '<table class="trend"><thead><tr><th>issue</th>'
           + "".join(f"<th>{escape(label)}</th>" for label in labels) + "</tr></thead><tbody>"]
    for number in clean:
        cells = "".join(
            "<td>-</td>" if c is None else f"<td>{c} of {t} clean, {v} violation{'s' if v != 1 else ''}</td>"
            for c, t, v in zip(clean[number], totals[number], violations[f"#{number}"]))
        out.append(f'<tr data-trend-issue="{escape(number)}"><td>#{escape(number)}</td>{cells}</tr>')
    out.append("</tbody></table>")
    return out


def _violations(part: Mapping[str, Any], links: Linker) -> list[str]:
    violations = confirmed_violations(part)
    if not violations:
        return []
    titles = {r.number: r.title for r in issue_rows(part)}
    out = ['<h3>Confirmed violations of open issues</h3>', '<div class="violations">']
    for number in dict.fromkeys(v.issue for v in violations):
        mine = [v for v in violations if v.issue == number]
        out.append(f'<details open data-issue="{escape(number)}"><summary>#{escape(number)} '
                   f"{escape(titles.get(number, ''))} ({len(mine)})</summary>")
        for v in mine:
            items = []
            for finding, loc in v.located_findings():
                where = ""
                if loc:
                    where = f" ({_source(loc, links, part)})"
                items.append(f"<li>{escape(finding)}{where}</li>")
            listed = f'<ul class="findings">{"".join(items)}</ul>' if items else ""
            out.append(f'<div class="violation"><code>{escape(v.nodeid)}</code> {escape(v.first_line)}{listed}'
                       f"<details><summary>full message</summary><pre>{escape(v.text)}</pre></details></div>")
        out.append("</details>")
    out.append("</div>")
    return out


def _ratchets(part: Mapping[str, Any]) -> list[str]:
    rows = ratchet_rows(part)
    if not rows:
        return []
    out = ["<h3>Ratchets</h3>", '<table class="ratchets"><thead><tr><th>ratchet</th><th class="num">count</th>'
           '<th class="num">baseline</th><th class="num">difference</th><th>change</th></tr></thead><tbody>']
    items = {name: r.get("items", []) for name, r in part.get("ratchets", {}).items()}
    for name, count, baseline, change in rows:
        diff = "-" if baseline is None else f"{count - baseline:+d}"
        listed = "".join(f"<li>{escape(str(i))}</li>" for i in items.get(name, []))
        found = f"<details><summary>{escape(name)}</summary><ul>{listed}</ul></details>" if listed else escape(name)
        out.append(
            f'<tr data-ratchet="{escape(name)}"><td>{found}</td><td class="num">{count}</td>'
            f'<td class="num">{"-" if baseline is None else baseline}</td><td class="num">{diff}</td>'
            f'<td class="change-{escape(change or "none")}">{escape(change or "no baseline")}</td></tr>'
        )
    out.append("</tbody></table>")
    return out


def _latency(part: Mapping[str, Any]) -> list[str]:
    measured = latency(part)
    if measured is None:
        return []  # a target without latency samples has no latency section
    title = latency_title(part)
    n, p50, p99 = measured
    return [f"<h3>{escape(title)}</h3>",
            f'<p class="note">{n} samples; p50 {p50:.1f} ms, p99 {p99:.1f} ms</p>',
            f'<figure class="chart">{latency_svg(part["samples"][LATENCY_SAMPLES], title=title.lower())}</figure>']


def _anchor(name: str) -> str:
    return "target-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "none")
