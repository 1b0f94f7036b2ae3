"""The HTML dashboard as markup: self-contained, escaped, chart numbers right.

tests/test_dashboard_browser.py loads the same page in headless chromium.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from pytest_ssot.cli import main
from pytest_ssot.dashboard import render_html
from pytest_ssot.percentile import percentile
from pytest_ssot.svgchart import latency_svg
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
                    ("889", "looks_fixed"), ("960", "inconclusive"), ("1036", "confirmed")]


def test_open_issues_show_their_violations_and_ratchets_their_baseline():
    html = render_html(fragmented())
    assert html.count('<div class="violation">') == 3
    assert "regression of SSOT issue 1126" not in render_html(consolidated())
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


def test_no_samples_gives_a_note_not_a_broken_chart():
    html = render_html(consolidated())
    assert "<svg" not in html
    assert "no latency samples recorded" in html.lower()
    with pytest.raises(ValueError):
        latency_svg([])


def test_cli_render_html(tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps(merged()))
    out = tmp_path / "dashboard.html"
    assert main(["report", "render", str(path), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text() == render_html(merged())
