"""The history section of the dashboard: one chart per count, a point per commit, flags marked, links, escaping."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from history_support import build_scenario, scenario_target
from pytest_ssot.cli import main
from pytest_ssot.history.build import scan_history
from pytest_ssot.history.html import add_to_dashboard, history_page, history_section
from report_samples import fragmented

URL = "https://example.invalid/o/r/commit/{commit}"
_LOADING_TAGS = {"script", "link", "iframe", "object", "embed", "img", "base", "video", "audio", "source", "image"}


class Tags(HTMLParser):
    """Every start tag with its attributes and the chain of open tags around it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict, tuple[str, ...]]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in ("line", "circle", "polyline", "meta", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


@pytest.fixture(scope="module")
def doc(tmp_path_factory) -> tuple[dict, list[str]]:
    repo = tmp_path_factory.mktemp("html") / "repo"
    shas = build_scenario(repo)
    return scan_history(scenario_target(repo), commit_url=URL).to_json(), shas


def test_one_chart_per_count_one_linked_point_per_commit(doc):
    data, shas = doc
    tags = parse(history_section(data)).tags
    charts = [attrs["data-check"] for tag, attrs, _ in tags if tag == "svg"]
    assert charts == list(data["checks"])  # none is skipped for this target
    for name in charts:
        points = [(a["data-commit"], int(a["data-count"]), around) for tag, a, around in tags
                  if tag == "circle" and _chart_of(tags, a) == name]
        assert [p[0] for p in points] == shas
        assert [p[1] for p in points] == [c["counts"][name] for c in data["commits"]]
    links = [a["href"] for tag, a, _ in tags if tag == "a"]
    assert links.count(URL.replace("{commit}", shas[3])) == len(charts) + 5  # a point per chart, a row per flag
    assert not [tag for tag, _, _ in tags if tag in _LOADING_TAGS]


def _chart_of(tags, attrs) -> str | None:
    """The data-check of the svg holding the circle with these attributes."""
    current = None
    for tag, a, _ in tags:
        if tag == "svg":
            current = a["data-check"]
        if a is attrs:
            return current
    return None


def test_flags_are_marked_on_their_counts(doc):
    data, shas = doc
    tags = parse(history_section(data)).tags
    risen = {(_chart_of(tags, a), a["data-commit"]) for tag, a, _ in tags
             if tag == "circle" and "flag-regression" in a["class"]}
    assert risen == {(name, shas[3]) for name in ("import_paths", "deprecated_modules", "deprecated_names",
                                                   "forbidden_factory_modules")}
    marks = {(_chart_of(tags, a), a["class"].split()[1], a["data-commit"]) for tag, a, _ in tags
             if tag == "g" and "flag" in a.get("class", "").split()}
    assert ("functions", "flag-claimed_not_shown", shas[1]) in marks  # #824's claim, on #824's counts
    assert ("codebase_classes", "flag-claimed_not_shown", shas[1]) not in marks  # #1036 claimed nothing
    assert ("deprecated_modules", "flag-claimed_not_shown", shas[4]) in marks
    assert ("deprecated_modules", "flag-first_clean", shas[2]) in marks
    rows = [a["data-flag"] for tag, a, _ in tags if tag == "tr" and "data-flag" in a]
    assert rows == [f["kind"] for f in data["flags"]]


def test_without_a_template_points_are_not_links(doc):
    data, _ = doc
    plain = dict(data, commit_url=None)
    html = history_section(plain)
    assert not [tag for tag, _, _ in parse(html).tags if tag == "a"]
    assert "No commit URL template was given" in html


def test_every_text_is_escaped(doc):
    data, _ = doc
    hostile = copy.deepcopy(data)
    hostile["commits"][1]["subject"] = "<script>alert(1)</script>"
    hostile["commits"][1]["flags"][0]["text"] = "<img src=x onerror=alert(1)>"
    hostile["flags"][0]["text"] = "<img src=x onerror=alert(1)>"
    hostile["target"] = "<b>t</b>"
    hostile["commit_url"] = 'https://example.invalid/"><script>/{commit}'
    html = history_section(hostile)
    assert not [tag for tag, _, _ in parse(html).tags if tag in _LOADING_TAGS | {"b"}]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_standalone_page_and_dashboard_section(doc, tmp_path, capsys):
    data, _ = doc
    page = history_page(data)
    assert page.startswith("<!DOCTYPE html>") and '<section class="history"' in page and ".history-chart" in page
    report, history, out = tmp_path / "report.json", tmp_path / "history.json", tmp_path / "dash.html"
    report.write_text(json.dumps(fragmented()))
    history.write_text(json.dumps(data))
    assert main(["report", "render", str(report), "--format", "html", "--history", str(history), "-o", str(out)]) == 0
    html = out.read_text()
    assert html.index('<section class="target"') < html.index('<section class="history"') < html.index("</body>")
    plain = tmp_path / "plain.html"
    assert main(["report", "render", str(report), "--format", "html", "-o", str(plain)]) == 0
    assert html == add_to_dashboard(plain.read_text(), data)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: "not json", "is not JSON"),
    (lambda d: {"schema": "other"}, "no ssot history document"),
    (lambda d: dict(d, schema_version=9), "schema_version 9"),
    (lambda d: dict(d, commits=[]), "commits is empty"),
    (lambda d: _set(d, ["commits", 0, "counts", "functions"], "3"), "commits[0].counts"),
    (lambda d: _set(d, ["commits", 1, "flags", 0, "issue"], [824]), "commits[1].flags[0]: issue must be"),
    (lambda d: dict(d, commit_url="javascript:alert(1)//{commit}"), "commit_url"),
])
def test_a_bad_history_file_is_one_line_exit_4(doc, tmp_path, capsys, mutate, message):
    data, _ = doc
    bad = mutate(copy.deepcopy(data))
    history, report = tmp_path / "history.json", tmp_path / "report.json"
    history.write_text(bad if isinstance(bad, str) else json.dumps(bad))
    report.write_text(json.dumps(fragmented()))
    code = main(["report", "render", str(report), "--format", "html", "--history", str(history)])
    out, err = capsys.readouterr()
    assert (code, out) == (4, "")
    assert len(err.strip().splitlines()) == 1 and message in err and str(history) in err


def test_history_needs_the_html_format(doc, tmp_path, capsys):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(fragmented()))
    assert main(["report", "render", str(report), "--history", str(tmp_path / "h.json")]) == 4
    assert "--history needs --format html" in capsys.readouterr().err


def _set(doc: dict, path: list, value) -> dict:
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def test_ssot_history_html_writes_the_page(tmp_path, capsys):
    from test_history import PYPROJECT

    repo = tmp_path / "repo"
    build_scenario(repo)
    (repo / "pyproject.toml").write_text(PYPROJECT)
    page = tmp_path / "history.html"
    assert main(["history", "--pyproject", str(repo / "pyproject.toml"), "--html", str(page), "--json",
                 "--commit-url", URL]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert Path(page).read_text() == history_page(doc)
