"""ssot report render --format markdown, and the numbers the renderers share."""

from __future__ import annotations

import json
import math

import pytest

from pytest_ssot.cli import main
from pytest_ssot.merge import merge_reports
from pytest_ssot.render import confirmed_violations, issue_rows, render_markdown
from pytest_ssot.percentile import percentile
from pytest_ssot.svgchart import histogram, nice_ticks
from report_samples import HOSTILE, consolidated, fragmented, latency_samples, merged


def test_markdown_has_a_table_per_target_with_every_issue():
    text = render_markdown(merged())
    assert text.startswith("## SSOT report\n")
    assert text.index("### Target `demo-consolidated`") < text.index("### Target `demo-fragmented`")
    assert "| issue | title | status | tests | failed | violations | checks clean | verdict |" in text
    assert "| #824 | WebSocket manager fragmentation: one factory, one import path | open | 3 | 0 | 2 " \
           "| 0 of 2 | open as expected |" in text
    assert "| #1126 | Deprecated websocket\\_manager\\_factory dual pattern | resolved | 1 | 1 | 1 | 0 of 1 " \
           "| regressed |" in text
    assert "| #4242 | Our own consolidation | - | 1 | 0 | 0 | 0 of 1 | passing |" in text


def test_markdown_lists_first_lines_of_open_issues_violations():
    text = render_markdown(fragmented())
    assert "**#824: confirmed violations**" in text
    assert ("- `suites/issue_824/test_824_unit.py::test_single_authoritative_get_websocket_manager`: SSOT VIOLATION: "
            "Multiple different get\\_websocket\\_manager functions found: *(+2 lines)*") in text
    assert "unified_manager" not in text  # only first lines
    # resolved issues list no violations even when a test carries text
    assert "regression of SSOT issue 1126" not in render_markdown(consolidated())


def test_markdown_escapes_html_and_table_breaking_characters():
    text = render_markdown(fragmented())
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    row = next(line for line in text.splitlines() if line.startswith("| #1036 "))
    assert row.count(" | ") == 7  # the title's '|' is escaped, the row keeps 8 cells
    assert "\\| pipe" in row


def test_markdown_ratchets_and_latency():
    text = render_markdown(fragmented())
    assert "| manager\\_classes | 9 | 3 | rise |" in text
    assert "| import\\_paths | 14 | 16 | fall |" in text
    # pinned, not recomputed with render.latency: the 240 seeded samples of report_samples
    assert "Golden path to `agent_completed`: 240 samples, p50 36.1 ms, p99 188.6 ms" in text
    assert "Golden path" not in render_markdown(consolidated())


def test_markdown_shows_conflicts_first():
    flaky = json.loads(json.dumps(fragmented()))
    check = next(t for t in flaky["issues"]["824"]["tests"] if t["nodeid"].endswith("get_websocket_manager"))
    check.update(outcome="failed", effect="looks_fixed")
    document = merge_reports([("py3.10.json", fragmented()), ("py3.13.json", flaky)]).document
    text = render_markdown(document)
    assert text.index("1 conflict(s)") < text.index("### Target")
    assert "xfailed in py3.10.json, failed in py3.13.json" in text


def test_rows_and_violations_follow_the_document():
    rows = issue_rows(fragmented())
    assert [(r.number, r.verdict, r.label) for r in rows] == [
        ("824", "confirmed", "open as expected"), ("889", "looks_fixed", "looks fixed"),
        ("960", "inconclusive", "inconclusive (no check ran)"), ("1036", "confirmed", "open as expected")]
    assert [(v.issue, v.more_lines) for v in confirmed_violations(fragmented())] == [("824", 2), ("824", 2),
                                                                                     ("1036", 0)]
    assert confirmed_violations(fragmented())[2].text == HOSTILE


def test_cli_render_markdown_to_stdout_and_file(tmp_path, capsys):
    path = tmp_path / "all.json"
    path.write_text(json.dumps(merged()))
    assert main(["report", "render", str(path)]) == 0
    assert capsys.readouterr().out == render_markdown(merged())
    out = tmp_path / "summary.md"
    assert main(["report", "render", str(path), "--format", "markdown", "-o", str(out)]) == 0
    assert out.read_text() == render_markdown(merged())


def test_cli_renders_a_single_report_too(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(fragmented()))
    assert main(["report", "render", str(path)]) == 0
    assert "### Target `demo-fragmented`" in capsys.readouterr().out


# -- the numbers behind the chart


@pytest.mark.parametrize("q, expected", [(1, 1.0), (25, 1.0), (26, 2.0), (50, 2.0), (51, 3.0), (99, 4.0), (100, 4.0)])
def test_percentile_is_the_nearest_rank_a_measured_value(q, expected):
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == expected


@pytest.mark.parametrize("values, q", [([], 50), ([1.0], 0), ([1.0], 101)])
def test_percentile_of_nothing_or_out_of_range_is_an_error(values, q):
    with pytest.raises(ValueError):
        percentile(values, q)


@pytest.mark.parametrize("low, high", [(0.3, 187.2), (12.0, 12.0), (0.0012, 0.0097), (950, 4100)])
def test_nice_ticks_cover_the_range_with_round_steps(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5, 10)
    assert 2 <= len(ticks) <= 12


def test_histogram_counts_every_value_once():
    values = [v * 1000 for v in latency_samples()]
    edges = [0, 50, 100, 150, 200]
    counts = histogram(values, edges)
    assert sum(counts) == len(values)
    assert histogram([200.0], edges) == [0, 0, 0, 1]
    assert histogram([250.0], edges) == [0, 0, 0, 0]
