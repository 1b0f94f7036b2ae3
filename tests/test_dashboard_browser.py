"""The dashboard in a real browser: Debian's chromium, headless, no network.

A probe script is appended to a copy of the page; it measures what the browser
laid out (table rows, chart bars, markers, the no-samples note, loaded
resources) into the DOM, which ``--dump-dom`` hands back. The unmodified page
is screenshotted into artifacts/dashboard.png and kept with the HTML beside it.
``scripts/ensure_browser.sh`` installs chromium where it can; without it these
tests skip and say so.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from browser import MISSING, WINDOW, chromium, run_browser
from pytest_ssot.report.dashboard import render_html
from pytest_ssot.config.links import Linker
from report_samples import latency_samples, merged

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
TEMPLATES = {"issue": "https://tracker.example/issues/{issue}",
             "source": "https://code.example/blob/{commit}/{path}#L{line}"}

PROBE = """
<script>
(function () {
  const box = (el) => { const r = el.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const sections = [...document.querySelectorAll("section.target")].map((s) => {
    const svg = s.querySelector("svg.latency-chart");
    const bars = svg ? [...svg.querySelectorAll("rect.bar")] : [];
    const note = s.querySelector(".no-samples");
    return {
      target: s.dataset.target,
      rows: [...s.querySelectorAll("table.issues tbody tr")].map((tr) => ({
        issue: tr.dataset.issue, height: box(tr).h,
        cells: [...tr.cells].map((td) => td.textContent.trim()),
        badgeColor: getComputedStyle(tr.querySelector(".badge")).backgroundColor})),
      chart: svg ? box(svg) : null,
      bars: bars.length,
      drawnBars: bars.filter((b) => b.getBBox().height > 0).length,
      counted: bars.reduce((n, b) => n + Number(b.dataset.count), 0),
      markers: svg ? [...svg.querySelectorAll("g.marker")].map((g) => ({
        name: g.classList[1], width: g.getBBox().width, text: g.textContent})) : [],
      axisLabels: svg ? [...svg.querySelectorAll(".axis-label")].map((t) => t.textContent) : [],
      note: note ? {text: note.textContent, height: box(note).h} : null,
      violations: [...s.querySelectorAll(".violation pre")].map((p) => p.textContent),
      failures: [...s.querySelectorAll("li.failure")].map((li) => ({
        nodeid: li.dataset.nodeid, text: li.textContent.trim(), height: box(li).h})),
      failureGroups: [...s.querySelectorAll("li.failure-group")].map((li) => Number(li.dataset.count)),
      links: [...s.querySelectorAll("a[class^=link-]")].map((a) => ({
        kind: a.className, href: a.href, text: a.textContent, width: box(a).w})),
      headings: [...s.querySelectorAll("h3")].map((h) => h.textContent),
    };
  });
  const out = document.createElement("pre");
  out.id = "ssot-probe";
  out.textContent = JSON.stringify({
    sections,
    resources: performance.getEntriesByType("resource").map((e) => e.name),
    images: document.images.length,
    scripts: document.scripts.length,
    title: document.title,
  });
  document.body.appendChild(out);
})();
</script>
"""


def _chromium() -> str:
    found = chromium()
    if found is None:
        pytest.skip(MISSING)
    return found


def _run(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_browser(browser, tmp_path / "profile", *args)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The dashboard of a merged two-target report, written to artifacts/dashboard.html."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "dashboard.html"
    path.write_text(render_html(merged(), Linker(given=TEMPLATES)), encoding="utf-8")
    return path


def test_the_table_and_the_chart_render(page, tmp_path):
    browser = _chromium()
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = _run(browser, tmp_path, "--dump-dom", probed.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    match = re.search(r'<pre id="ssot-probe">(.*?)</pre>', result.stdout, re.DOTALL)
    assert match, f"the probe did not run; DOM:\n{result.stdout[:2000]}"
    probe = json.loads(htmllib.unescape(match.group(1)))

    assert probe["resources"] == [] and probe["images"] == 0 and probe["scripts"] == 1
    assert probe["title"] == "SSOT dashboard"
    by_target = {s["target"]: s for s in probe["sections"]}
    assert list(by_target) == ["demo-consolidated", "demo-fragmented"]

    fragmented = by_target["demo-fragmented"]
    assert [r["issue"] for r in fragmented["rows"]] == ["824", "889", "960", "1036"]
    assert all(r["height"] > 10 for r in fragmented["rows"])
    assert fragmented["rows"][0]["cells"] == ["#824", "Manager fragmentation: one factory, one import path",
                                              "open", "3", "0", "2", "0 of 2", "open as expected"]
    # verdicts are told apart by colour, not only by text
    assert len({r["badgeColor"] for r in fragmented["rows"]}) == 3
    assert fragmented["rows"][3]["cells"][1].startswith("Hostile title <script>alert('x')</script>")

    assert fragmented["chart"]["w"] > 400 and fragmented["chart"]["h"] > 150
    assert fragmented["bars"] >= 5 and fragmented["drawnBars"] >= 3
    assert fragmented["counted"] == len(latency_samples())
    assert [m["name"] for m in fragmented["markers"]] == ["p50", "p99"]
    assert all(m["width"] > 0 and " ms" in m["text"] for m in fragmented["markers"])
    assert fragmented["axisLabels"] == ["latency from message to agent_completed (ms)", "samples"]
    assert fragmented["note"] is None
    assert any("<class 'chatapp.websocket_core.manager.WebSocketManager'>" in v for v in fragmented["violations"])

    # every failed or errored test, laid out, with its reason; a shared setup error as one group
    assert [f["nodeid"] for f in fragmented["failures"]] == [
        "suites/issue_889/test_889_unit.py::test_one_manager_per_user",
        *(f"suites/issue_960/test_960_integration.py::test_server_{n}" for n in range(3))]
    assert all(f["height"] > 10 for f in fragmented["failures"])
    assert "issue 889 looks fixed: mark it resolved" in fragmented["failures"][0]["text"]
    assert fragmented["failureGroups"] == [3]
    # links: issue to tracker, the one finding with a path and line to its source line
    issue_links = [link for link in fragmented["links"] if link["kind"] == "link-issue"]
    assert [link["href"] for link in issue_links] == [
        f"https://tracker.example/issues/{n}" for n in ("824", "889", "960", "1036")]
    assert all(link["width"] > 0 for link in issue_links)
    assert [link["href"] for link in fragmented["links"] if link["kind"] == "link-source"] == [
        "https://code.example/blob/0123456789abcdef0123456789abcdef01234567/"
        "examples/fragmented/chatapp/websocket_core/unified_manager.py#L41"]

    consolidated = by_target["demo-consolidated"]
    assert consolidated["chart"] is None and consolidated["bars"] == 0
    assert not any("Latency" in h for h in consolidated["headings"])  # no samples, no latency section
    assert [r["cells"][-1] for r in consolidated["rows"]] == ["holds", "regressed", "passing"]
    assert [f["nodeid"] for f in consolidated["failures"]] == ["suites/issue_1126/test_1126_unit.py::test_factory_gone"]
    assert "link-source" not in {link["kind"] for link in consolidated["links"]}  # no locations recorded


def test_a_screenshot_is_kept_as_an_artefact(page, tmp_path):
    browser = _chromium()
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    result = _run(browser, tmp_path, f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, pixels = _png(shot.read_bytes())
    assert (width, height) == WINDOW
    # a blank or one-colour page decompresses to a handful of byte values
    assert len(set(pixels[: width * 4 * 600])) > 40
    assert shot.stat().st_size > 30_000


def _png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) pixel rows of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset: offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8: offset + 8 + length])
        offset += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))
