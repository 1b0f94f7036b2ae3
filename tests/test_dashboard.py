"""The HTML dashboard as markup: self-contained, escaped, chart numbers right.

tests/test_dashboard_browser.py loads the same page in headless chromium.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from pytest_ssot.cli import main
from pytest_ssot.report.dashboard import render_html
from pytest_ssot.config.links import Linker
from pytest_ssot.core.percentile import percentile
from pytest_ssot.report.svgchart import latency_svg
from report_samples import HOSTILE, consolidated, fragmented, latency_samples, merged

_LOADING_TAGS = {"script", "link", "iframe", "object", "embed", "img", "base", "video", "audio", "source"}
_URL_ATTRIBUTES = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background"}
_CSS_LOAD = re.compile(r"url\(|@import", re.IGNORECASE)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        if tag in _LOADING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if tag == "a" and name == "href" and (dict(attrs).get("class") or "").startswith("link-") \
                    and value and value.startswith("https://"):
                continue  # a link the templates made (issue, source, run): navigation, nothing loads
            if name in _URL_ATTRIBUTES and value and not value.startswith("#"):
                self.found.append(f"{tag} {name}={value}")
            if name == "style" and value and _CSS_LOAD.search(value):
                self.found.append(f"{tag} style={value}")

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style and _CSS_LOAD.search(data):
            self.found.append(f"<style> {data.strip()[:60]}")


def external_references(html: str) -> list[str]:
    """Whatever would make the page load or point outside itself: empty for a self-contained file.

    Reads real tags and attributes, so escaped text that merely quotes a URL passes.
    """
    parser = _References()
    parser.feed(html)
    return parser.found


class Elements(HTMLParser):
    """Tags with their attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def having(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def test_the_page_is_self_contained():
    html = render_html(merged())
    assert external_references(html) == []
    # the only URL in the file is the one the hostile violation text quotes, escaped
    assert re.findall(r"https?://", html) == ["https://"] * html.count("src=https://example.invalid")
    assert "<script" not in html and "<style>" in html


@pytest.mark.parametrize(
    "planted",
    ['<img src="https://cdn.example/x.png">', "<script src='/app.js'></script>", '<link rel="stylesheet" href="a.css">',
     "<style>@import 'x.css';</style>", '<a href="//example.org/">x</a>', "<div style=\"background: url('http://x/y')\">"],
)
def test_the_self_containment_check_catches_external_references(planted):
    assert external_references(render_html(merged()).replace("</body>", planted + "</body>"))


def test_report_text_is_escaped():
    html = render_html(fragmented())
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    elements = Elements(html)
    assert not [t for t, _a in elements.tags if t in ("script", "img")]
    assert "&lt;class &#x27;chatapp.websocket_core.manager.WebSocketManager&#x27;&gt;" in html


def test_a_table_row_per_issue_with_status_and_verdict():
    elements = Elements(render_html(merged()))
    assert [a["data-target"] for a in elements.having("section", **{"class": "target"})] == [
        "demo-consolidated", "demo-fragmented"]
    rows = [(a["data-issue"], a["data-verdict"]) for a in elements.having("tr") if "data-issue" in a]
    assert rows == [("824", "holds"), ("1126", "regressed"), ("4242", "passing"), ("824", "confirmed"),
                    ("889", "looks_fixed"), ("960", "broken"), ("1036", "confirmed")]


def test_open_issues_show_their_violations_and_ratchets_their_baseline():
    html = render_html(fragmented())
    assert html.count('<div class="violation">') == 3
    assert "lines)" not in html
    assert '<div class="violation">' not in render_html(consolidated())
    assert re.search(r'data-ratchet="manager_classes">.*?<td class="num">9</td><td class="num">3</td>'
                     r'<td class="num">\+6</td><td class="change-rise">rise</td>', html)
    assert re.search(r'<td class="num">14</td><td class="num">16</td><td class="num">-2</td>', html)


def test_the_chart_counts_every_sample_and_marks_p50_and_p99():
    samples = latency_samples()
    svg = latency_svg(samples)
    counts = [int(c) for c in re.findall(r'class="bar" data-count="(\d+)"', svg)]
    assert sum(counts) == len(samples) and len(counts) >= 5
    marked = dict(re.findall(r'class="marker (p\d+)" data-ms="([\d.]+)"', svg))
    assert float(marked["p50"]) == pytest.approx(percentile(samples, 50) * 1000, abs=1e-3)
    assert float(marked["p99"]) == pytest.approx(percentile(samples, 99) * 1000, abs=1e-3)
    assert "(ms)</text>" in svg and ">samples</text>" in svg


def test_one_sample_or_identical_samples_still_draw():
    for samples in ([0.05], [0.02] * 10):
        svg = latency_svg(samples)
        assert sum(int(c) for c in re.findall(r'data-count="(\d+)"', svg)) == len(samples)
        assert "nan" not in svg.lower()


def test_no_samples_no_latency_section():
    html = render_html(consolidated())
    assert "<svg" not in html and "Latency" not in html
    with pytest.raises(ValueError):
        latency_svg([])


def test_the_latency_section_is_titled_by_the_targets_event():
    html = render_html(fragmented())
    assert "<h3>Latency from message to agent_completed</h3>" in html
    foreign = fragmented()
    foreign["events"] = ["batch_received", "batch_posted"]
    html = render_html(foreign)
    assert "<h3>Latency from message to batch_posted</h3>" in html and "agent_completed" not in html


def test_every_failed_or_errored_test_is_listed_with_its_reason():
    elements = Elements(render_html(fragmented()))
    listed = [a["data-nodeid"] for a in elements.having("li", **{"class": "failure"})]
    assert listed == ["suites/issue_889/test_889_unit.py::test_one_manager_per_user"] + [
        f"suites/issue_960/test_960_integration.py::test_server_{n}" for n in range(3)]
    assert [a["data-count"] for a in elements.having("li", **{"class": "failure-group"})] == ["3"]
    html = render_html(fragmented())
    assert "issue 889 looks fixed: mark it resolved" in html  # its only check: the fail-first table's words
    assert "in 3 tests: ConnectionRefusedError: [Errno 111] Connect call failed" in html.replace("&#x27;", "'")
    assert 'class="failures"' not in render_html(merged()).split('data-target="demo-fragmented"')[0].split(
        'data-target="demo-consolidated"')[0]


TEMPLATES = {"issue": "https://tracker.example/issues/{issue}",
             "source": "https://code.example/blob/{commit}/{path}#L{line}",
             "run": "https://ci.example/runs/{env[CI_RUN]}"}


def test_links_come_from_the_templates_and_only_where_values_exist():
    html = render_html(fragmented(), Linker(given=TEMPLATES, environ={"CI_RUN": "4711"}))
    elements = Elements(html)
    issues = [a["href"] for a in elements.having("a", **{"class": "link-issue"})]
    assert issues == [f"https://tracker.example/issues/{n}" for n in ("824", "889", "960", "1036")]
    sources = [a["href"] for a in elements.having("a", **{"class": "link-source"})]
    # one finding of the sample has a path and line; the others have none, so no link
    assert sources == ["https://code.example/blob/0123456789abcdef0123456789abcdef01234567/"
                       "examples/fragmented/chatapp/websocket_core/unified_manager.py#L41"]
    assert [a["href"] for a in elements.having("a", **{"class": "link-run"})] == ["https://ci.example/runs/4711"]
    assert external_references(html) == []
    # no commit recorded: a source template that needs it makes no link
    uncommitted = fragmented()
    uncommitted["run"] = {**uncommitted["run"], "commit": None}
    assert "link-source" not in render_html(uncommitted, Linker(given=TEMPLATES))
    assert "<a class=" not in render_html(fragmented())


def test_a_failed_checks_findings_link_to_their_source_lines():
    document = fragmented()
    test = next(t for t in document["issues"]["889"]["tests"])
    test["locations"] = [{"finding": "class books.legacy.LedgerWriter", "path": "src/books/legacy.py", "line": 12}]
    html = render_html(document, Linker(given=TEMPLATES))
    item = html[html.index('data-nodeid="suites/issue_889/test_889_unit.py::test_one_manager_per_user"'):]
    item = item[:item.index("</li></ul></li>")]
    assert "class books.legacy.LedgerWriter" in item
    assert 'href="https://code.example/blob/0123456789abcdef0123456789abcdef01234567/src/books/legacy.py#L12"' in item


def test_run_facts_are_shown():
    html = render_html(fragmented())
    assert "Python 3.11.7 · pytest-ssot 0.1.0 · commit 0123456789ab on main" in html
    assert 'class="run-facts"' not in render_html(consolidated())  # recorded nothing: says nothing


def test_a_trend_across_reports_in_recorded_time_order():
    runs = []
    for i, (time, fixed) in enumerate((("2025-03-01", 2), ("2025-01-01", 0), ("2025-02-01", 1))):
        document = fragmented()
        document["run"] = {**document["run"], "time": f"{time}T10:00:00+00:00"}
        tests = document["issues"]["824"]["tests"]
        for test in [t for t in tests if t["violation"]][:fixed]:
            test.update(effect=None, outcome="passed", violation=None, clean=True)
        document["issues"]["824"]["counts"]["violations"] = sum(bool(t["violation"]) for t in tests)
        document["issues"]["824"]["checks"]["clean"] = sum(t.get("clean") is True for t in tests)
        runs.append(document)
    html = render_html(runs[0], history=runs)
    assert "<h3>Trend over 3 runs</h3>" in html
    assert html.index("2025-01-01 10:00") < html.index("2025-02-01 10:00") < html.index("2025-03-01 10:00")
    series = dict(re.findall(r'data-series="([^"]+)" data-values="([^"]*)"', html))
    assert series["#824"] == "2,1,0"  # violations fall as checks get fixed, oldest first
    assert "Trend" not in render_html(runs[0])  # one report: no trend


def test_terminal_and_dashboard_show_the_same_p50_for_the_same_samples():
    from pytest_ssot.ws.multiuser import MultiUserReport, UserReport

    samples = [0.012, 0.0185, 0.031, 0.0095, 0.044, 0.027]
    users = [UserReport(f"u{i}", f"t{i}", run=None, latency=s) for i, s in enumerate(samples)]
    table = MultiUserReport(users, ("job_queued", "job_done")).table()
    terminal_p50 = re.search(r"p50 ([\d.]+) ms", table).group(1)
    document = consolidated()
    document["samples"] = {"agent_completed_seconds": samples}
    dashboard_p50 = re.search(r"p50 ([\d.]+) ms", render_html(document)).group(1)
    assert terminal_p50 == dashboard_p50 == "18.5"  # nearest rank: the 3rd of 6, a measured value


def test_cli_render_html(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps(merged()))
    out = tmp_path / "dashboard.html"
    assert main(["report", "render", str(path), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text() == render_html(merged())


def test_every_verdict_has_a_badge_style():
    from pytest_ssot.report.dashboard import render_html as page
    from pytest_ssot.report.build import VERDICT_LABELS

    styles = page(merged()).split("</style>")[0]
    missing = [v for v in VERDICT_LABELS if f".v-{v}" not in styles]
    assert not missing, f"verdicts without a badge colour: {missing}"
