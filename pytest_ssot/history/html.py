"""The history section of the HTML dashboard: each count over the commits, flags marked, points linked.

One small inline-SVG chart per count (their scales differ too much to share an
axis: three functions, hundreds of import paths), one point per commit; with a
``commit_url`` template (``https://host/o/r/commit/{commit}``) every point is a
link to its commit. Regressions are marked on the count that rose, claims
that the code does not show and first clean commits on the counts of their
issue. No script, everything escaped, like the rest of the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from pytest_ssot.history.table import FLAG_LABELS
from pytest_ssot.report.svgchart import nice_ticks

WIDTH, HEIGHT = 880, 130
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 22, 18

CSS = """
.history-chart { max-width: 100%; height: auto; display: block; margin: 2px 0 10px; }
.history-chart text { font-size: 11px; fill: #59636e; }
.history-chart .title { font-size: 12.5px; fill: #1f2328; font-weight: 600; }
.history-chart .grid line { stroke: #eaeef2; }
.history-chart polyline { fill: none; stroke: #0969da; stroke-width: 2; }
.history-chart circle { fill: #0969da; }
.history-chart circle.violation { fill: #bf8700; }
.history-chart circle.flag-regression { fill: #cf222e; stroke: #82071e; }
.history-chart .flag-claimed_not_shown line { stroke: #cf222e; stroke-dasharray: 4 3; stroke-width: 1.5; }
.history-chart .flag-first_clean line { stroke: #1a7f37; stroke-dasharray: 4 3; stroke-width: 1.5; }
.history-chart .flag-claim_unjudged line { stroke: #8c959f; stroke-dasharray: 2 3; stroke-width: 1.5; }
table.history-flags td:first-child { white-space: nowrap; }
"""


def commit_link(template: str | None, sha: str) -> str | None:
    """The template with ``{commit}`` (and ``{short}``) filled in, or None without a template."""
    if not template:
        return None
    return template.replace("{commit}", sha).replace("{short}", sha[:10])


def _chart(name: str, doc: Mapping[str, Any], what: str) -> str:
    commits = doc["commits"]
    counts = [c["counts"][name] for c in commits]
    ticks = [t for t in nice_ticks(0, max(max(counts), 1), 3) if t == int(t)]
    top = max(ticks[-1], 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(commits) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(commits) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - v / top * plot_h

    issues = set(doc["checks"][name]["issues"])
    label = f"{name}: {what}; {counts[0]} at the first commit, {counts[-1]} at the last"
    parts = [f'<svg class="history-chart" data-check="{escape(name)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
             f"<title>{escape(label)}</title>",
             f'<text class="title" x="{LEFT}" y="14">{escape(name)}</text>'
             f'<text x="{LEFT + 8 + 7.5 * len(name):.0f}" y="14">{escape(what)}</text>',
             '<g class="grid">' + "".join(
                 f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
                 f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{int(t)}</text>' for t in ticks) + "</g>"]
    for i, entry in enumerate(commits):  # flags of this count's issues: a vertical line at the commit
        for flag in entry["flags"]:
            if flag["kind"] != "regression" and flag.get("issue") in issues:
                parts.append(f'<g class="flag flag-{escape(flag["kind"])}" data-commit="{escape(entry["commit"])}">'
                             f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{TOP}" y2="{y(0):.1f}"/>'
                             f"<title>{escape(FLAG_LABELS[flag['kind']])}: {escape(flag['text'])}</title></g>")
    for i in sorted({0, len(commits) - 1}):
        anchor = "start" if i == 0 else "end"
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 3}" text-anchor="{anchor}">{escape(commits[i]["commit"][:10])}'
                     "</text>")
    if len(commits) > 1:
        parts.append('<polyline points="' + " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(counts)) + '"/>')
    for i, entry in enumerate(commits):
        state = entry["states"][name]
        rose = [f for f in entry["flags"] if f["kind"] == "regression" and f.get("check") == name]
        classes = state + (" flag-regression" if rose else "")
        tip = f"{entry['commit'][:10]} {entry['subject']}: {name} {counts[i]} ({state})"
        tip += "".join(f"; {FLAG_LABELS['regression']}: {f['text']}" for f in rose)
        point = (f'<circle class="{escape(classes)}" data-commit="{escape(entry["commit"])}" data-count="{counts[i]}" '
                 f'cx="{x(i):.1f}" cy="{y(counts[i]):.1f}" r="{5 if rose else 3.5}"><title>{escape(tip)}</title>'
                 "</circle>")
        href = commit_link(doc.get("commit_url"), entry["commit"])
        parts.append(f'<a href="{escape(href)}">{point}</a>' if href else point)
    parts.append("</svg>")
    return "".join(parts)


def history_section(doc: Mapping[str, Any]) -> str:
    """The ``<section>`` for one ``ssot history --json`` document."""
    commits = doc["commits"]
    first, last = commits[0], commits[-1]
    out = ['<section class="history" id="history" data-target="' + escape(doc["target"]) + '">',
           f"<h2>History of target {escape(doc['target'])}</h2>",
           f'<p class="note">{len(commits)} commit(s) of <code>{escape(doc["range"])}</code>, '
           f"{escape(first['commit'][:10])} ({escape(first['date'][:10])}) to {escape(last['commit'][:10])} "
           f"({escape(last['date'][:10])}); the static checks of root <code>{escape(doc['root'] or '.')}</code>, "
           f"package <code>{escape(doc['package'])}</code>."
           + ("" if doc.get("commit_url") else " No commit URL template was given (--commit-url), so points "
              "are not links.") + "</p>"]
    flags = doc["flags"]
    if flags:
        out.append('<table class="history-flags"><thead><tr><th>commit</th><th>flag</th><th>what</th></tr>'
                   "</thead><tbody>")
        for flag in flags:
            sha = escape(flag["commit"][:10])
            href = commit_link(doc.get("commit_url"), flag["commit"])
            cell = f'<a href="{escape(href)}"><code>{sha}</code></a>' if href else f"<code>{sha}</code>"
            out.append(f'<tr data-flag="{escape(flag["kind"])}"><td>{cell}</td>'
                       f"<td>{escape(FLAG_LABELS.get(flag['kind'], flag['kind']))}</td>"
                       f"<td>{escape(flag['text'])}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append('<p class="note">No flags: no unshown claim, no regression, no issue became clean.</p>')
    for name, meta in doc["checks"].items():
        if all(c["states"][name] == "skipped" for c in commits):
            continue
        out.append(_chart(name, doc, meta["counts"]))
    out.append("</section>")
    return "\n".join(out)


def history_page(doc: Mapping[str, Any]) -> str:
    """A standalone page holding only the history section (``ssot history --html FILE``)."""
    from pytest_ssot.report.dashboard import CSS as DASHBOARD_CSS

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>SSOT history: {escape(doc['target'])}</title><style>{DASHBOARD_CSS}{CSS}</style></head>\n"
            f"<body>\n{history_section(doc)}\n</body></html>\n")


def add_to_dashboard(page: str, doc: Mapping[str, Any]) -> str:
    """The dashboard ``page`` with the history section (and its styles) added at the end of its body."""
    section = f"<style>{CSS}</style>\n{history_section(doc)}\n"
    at = page.rfind("</body>")
    return page[:at] + section + page[at:] if at >= 0 else page + section
