"""ssot report render --format markdown, and the numbers the renderers share."""

from __future__ import annotations

import json
import math

import pytest

from pytest_ssot.cli import main
from pytest_ssot.config.links import Linker
from pytest_ssot.report.merge import merge_reports
from pytest_ssot.report.markdown import confirmed_violations, issue_rows, render_markdown
from pytest_ssot.core.percentile import percentile
from pytest_ssot.report.svgchart import histogram, nice_ticks
from report_samples import HOSTILE, consolidated, fragmented, latency_samples, merged


def test_markdown_has_a_table_per_target_with_every_issue():
    text = render_markdown(merged())
    assert text.startswith("## SSOT report\n")
    assert text.index("### Target `demo-consolidated`") < text.index("### Target `demo-fragmented`")
    assert "| issue | title | status | tests | failed | violations | checks clean | verdict |" in text
    assert "| #824 | Manager fragmentation: one factory, one import path | open | 3 | 0 | 2 " \
           "| 0 of 2 | open as expected |" in text
    assert "| #1126 | Deprecated factory module dual pattern | resolved | 1 | 1 | 1 | 0 of 1 " \
           "| regressed |" in text
    assert "| #4242 | Our own consolidation | - | 1 | 0 | 0 | 0 of 1 | passing |" in text


def test_markdown_lists_every_finding_of_open_issues_violations():
    text = render_markdown(fragmented())
    assert "**#824: confirmed violations**" in text
    assert ("- `suites/issue_824/test_824_unit.py::test_single_authoritative_get_websocket_manager`: SSOT VIOLATION: "
            "Multiple different get\\_websocket\\_manager functions found:") in text
    # the findings themselves, not "(+2 lines)": which functions are duplicated
    assert "  - implementation chatapp.websocket\\_core.get\\_websocket\\_manager\n" in text
    assert "  - implementation chatapp.websocket\\_core.unified\\_manager.get\\_websocket\\_manager " \
           "(examples/fragmented/chatapp/websocket\\_core/unified\\_manager.py:41)" in text
    assert "lines)*" not in text
    # a report without finding keys: the message's other lines are the findings
    assert "  - &lt;class 'chatapp.websocket\\_core.manager.WebSocketManager'&gt;" in text
    # resolved issues list no violations even when a test carries text
    assert "confirmed violations" not in render_markdown(consolidated())


def test_markdown_lists_every_failure_with_its_reason_and_groups_a_shared_one():
    text = render_markdown(fragmented())
    assert "**Failed or errored: 4 tests**" in text
    assert ("- failed `suites/issue_889/test_889_unit.py::test_one_manager_per_user` (#889): "
            "\\[XPASS(strict)\\] issue 889 looks fixed: mark it resolved") in text
    assert "- error in 3 tests: ConnectionRefusedError: \\[Errno 111\\] Connect call failed" in text
    assert text.count("test_960_integration.py::test_server_") == 3
    assert "**Failed or errored: 1 test**" in render_markdown(consolidated())
    clean = json.loads(json.dumps(consolidated()))
    clean["issues"].pop("1126")
    assert "Failed or errored" not in render_markdown(clean)  # nothing failed: no section


def test_markdown_links_issues_and_findings_from_templates():
    linker = Linker(given={"issue": "https://tracker.example/issues/{issue}",
                           "source": "https://code.example/blob/{commit}/{path}#L{line}"})
    text = render_markdown(fragmented(), linker)
    assert "| [#824](https://tracker.example/issues/824) |" in text
    assert ("(https://code.example/blob/0123456789abcdef0123456789abcdef01234567/examples/fragmented/chatapp/"
            "websocket_core/unified_manager.py#L41)") in text
    assert "](" not in render_markdown(fragmented())  # no template, no link


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
    # pinned, not recomputed with render.latency: the 240 seeded samples of report_samples (nearest rank)
    assert "Latency from message to agent\\_completed: 240 samples, p50 36.0 ms, p99 189.0 ms" in text
    assert "Latency" not in render_markdown(consolidated())


def test_the_latency_title_names_the_targets_own_final_event():
    foreign = fragmented()
    foreign["events"] = ["job_queued", "job_started", "job_done"]
    text = render_markdown(foreign)
    assert "Latency from message to job\\_done: 240 samples" in text
    assert "agent" not in text.split("| ratchet |")[1]
    del foreign["events"]  # an older report: no event names recorded, so none is claimed
    assert "Latency from message to the final event: 240 samples" in render_markdown(foreign)


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
        ("960", "broken", "broken (a test failed outside the fail-first table)"),
        ("1036", "confirmed", "open as expected")]
    assert [(v.issue, len(v.findings)) for v in confirmed_violations(fragmented())] == [("824", 2), ("824", 2),
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
