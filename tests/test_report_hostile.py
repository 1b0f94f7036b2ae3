"""Issue 14: ``ssot report merge`` / ``render`` on malformed input exit 4 with one line naming file and place.

Every input here is JSON with a ``schema_version`` this version reads: only
its shape is wrong. Also here: markdown escapes every value it shows, and
written reports follow the umask instead of mkstemp's private 0600.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys

import pytest

from pytest_ssot.cli import main
from pytest_ssot.report.merge import merge_reports
from pytest_ssot.report.markdown import render_markdown
from pytest_ssot.report.build import RunMetrics, build_report, write_report


def good_report(version: int = 2) -> dict:
    metrics = RunMetrics()
    metrics.add_samples("agent_completed_seconds", [0.01, 0.02])
    metrics.set_ratchet("manager_classes", ["a.M", "b.M"])
    record = {"nodeid": "s/t.py::test_a", "issue": 824, "title": None, "tier": "unit", "guard": False,
              "outcome": "xfailed", "violation": "SSOT VIOLATION: x", "effect": "confirmed", "error": None,
              "details": ["d"], "check": "t.py::test_a", "keys": ["k"], "clean": False, "ledger": "known",
              "new": [], "fixed": [], "waived": None, "notes": ["n"], "duration": 0.1}
    document = build_report("t", {824: "open"}, [record], metrics)
    document["ratchets"]["manager_classes"].update(baseline=2, change="same")
    document["schema_version"] = version
    return document


MISSING = object()
T0 = ("issues", "824", "tests", 0)

# (where, new value): the place the one line must name, as a JSON path
MUTATIONS = [
    (("statuses",), []),
    (("statuses",), "open"),
    (("statuses", "824"), 5),
    (("statuses", "824"), ["open"]),
    (("statuses", "eight"), "open"),
    (("ratchets",), []),
    (("ratchets", "manager_classes"), "a.M"),
    (("ratchets", "manager_classes", "items"), "a.M"),
    (("ratchets", "manager_classes", "items"), [1]),
    (("ratchets", "manager_classes", "items"), MISSING),
    (("ratchets", "manager_classes", "count"), "2"),
    (("ratchets", "manager_classes", "baseline"), "2"),
    (("ratchets", "manager_classes", "change"), 3),
    (T0, "a test"),
    (T0, None),
    (T0 + ("nodeid",), 5),
    (T0 + ("nodeid",), MISSING),
    (T0 + ("outcome",), MISSING),
    (T0 + ("outcome",), "exploded"),
    (T0 + ("outcome",), 1),
    (T0 + ("guard",), "no"),
    (T0 + ("guard",), MISSING),
    (T0 + ("effect",), MISSING),
    (T0 + ("effect",), 1),
    (T0 + ("violation",), ["x"]),
    (T0 + ("error",), {"x": 1}),
    (T0 + ("keys",), "k"),
    (T0 + ("keys",), [1]),
    (T0 + ("keys",), [None]),
    (T0 + ("clean",), "yes"),
    (T0 + ("ledger",), 3),
    (T0 + ("new",), {"a": 1}),
    (T0 + ("fixed",), [["x"]]),
    (T0 + ("waived",), 1),
    (T0 + ("details",), "line"),
    (T0 + ("notes",), [1]),
    (T0 + ("check",), []),
    (T0 + ("tier",), 1),
    (T0 + ("duration",), "0.1"),
    (T0 + ("duration",), float("nan")),
    (("issues", "824", "tests"), {"0": {}}),
    (("issues", "824", "tests"), MISSING),
    (("issues", "824", "counts"), MISSING),
    (("issues", "824", "counts", "tests"), "1"),
    (("issues", "824", "checks"), []),
    (("issues", "824", "checks", "fixed"), "k"),
    (("issues", "824", "checks", "clean"), None),
    (("issues", "824", "verdict"), 1),
    (("issues", "824", "title"), 1),
    (("issues", "824", "status"), ["open"]),
    (("issues", "824"), []),
    (("issues",), []),
    (("issues",), MISSING),
    (("samples",), []),
    (("samples", "agent_completed_seconds"), "0.1"),
    (("samples", "agent_completed_seconds"), [0.1, "a"]),
    (("samples", "agent_completed_seconds"), [True]),
    (("samples", "agent_completed_seconds"), [float("nan")]),
    (("samples", "agent_completed_seconds"), [float("inf")]),
    (("samples", "agent_completed_seconds"), [float("-inf")]),
    (("samples", "agent_completed_seconds"), [None]),
    (("issues", "824", "tests", 0, "reason"), 5),
    (("issues", "824", "tests", 0, "locations"), "a.py:1"),
    (("issues", "824", "tests", 0, "locations"), [{"finding": "k", "path": "a.py", "line": 0}]),
    (("issues", "824", "tests", 0, "locations"), [{"finding": "k", "path": "a.py"}]),
    (("run",), "3.11"),
    (("run",), {"commit": 5}),
    (("events",), "done"),
    (("urls",), {"issue": "https://t.example/{nr}"}),
    (("interrupted",), "yes"),
    (("target",), 5),
    (("schema_version",), True),
]


def mutated(document: dict, where: tuple, value) -> dict:
    document = copy.deepcopy(document)
    node = document
    for key in where[:-1]:
        node = node[key]
    if value is MISSING:
        del node[where[-1]]
    else:
        node[where[-1]] = value
    return document


def json_path(where: tuple) -> str:
    out = ""
    for key in where:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def assert_one_line_exit_2(capsys, path, where, *args):
    for command in (["report", "merge", str(path), "-o", str(path.parent / "out.json")],
                    ["report", "render", str(path)], ["report", "render", str(path), "--format", "html"]):
        code, err = run_cli(capsys, *command)
        assert code == 4, (command, err)
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert str(path) in err, err
        if where is not None:
            assert where in err, (where, err)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("where, value", MUTATIONS, ids=[f"{json_path(w)}={v!r:.20}" if v is not MISSING
                                                         else f"{json_path(w)}-missing" for w, v in MUTATIONS])
def test_each_malformed_field_is_one_line_naming_file_and_path(tmp_path, capsys, version, where, value):
    document = mutated(good_report(version), where, value)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))  # NaN and Infinity as Python's json writes them
    expected = None if where == ("schema_version",) else json_path(where if value is not MISSING or len(where) == 1
                                                                    else where)
    if where == ("schema_version",):
        expected = "schema_version"
    assert_one_line_exit_2(capsys, path, expected)


@pytest.mark.parametrize("where, value", [
    (("targets",), []),
    (("targets", "t"), 5),
    (("targets", "t", "issues", "824", "tests", 0, "outcome"), 3),
    (("targets", "t", "statuses", "824"), 1),
    (("conflicts",), "none"),
    (("conflicts",), [{"kind": "test"}]),
    (("conflicts",), [{"kind": "status", "target": "t", "issue": "824", "reports": [{"source": 1}]}]),
    (("conflicts",), [5]),
    (("sources",), [1]),
    (("targets", "t", "sources"), "a.json"),
])
def test_a_malformed_merged_document_is_refused_too(tmp_path, capsys, where, value):
    merged = merge_reports([("a.json", good_report())]).document
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(mutated(merged, where, value)))
    assert_one_line_exit_2(capsys, path, json_path(where[:2]) if where[0] == "conflicts" else json_path(where[:2]))


@pytest.mark.parametrize("text, words", [
    ('{"schema_version": 2, "issues": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper"),
    ('{"schema_version": 2, "issues": {}, "samples": {"x": [' + "[" * 1000 + "]" * 1000 + "]}}", "nested deeper"),
    ('{"schema_version": 2, "issues": {}, "samples": {"x": [' + "9" * 5000 + "]}}", "5000 digits"),
    ('{"schema_version": 2, "issues": {}, "samples": {"x": [NaN]}}', "samples.x[0]"),
    ('{"schema_version": 2, "issues": {}, "samples": {"x": [Infinity]}}', "samples.x[0]"),
    ('{"schema_version": 2, "issues": {}, "samples": {"x": [-Infinity]}}', "samples.x[0]"),
    ('{"schema_version": 2.0, "issues": {}}', "schema_version"),
    ('{"schema_version": 2, "issues": {"824": {"tests": [], "verdict": "holds", "counts": '
     '{"tests": 0, "failed": 0, "violations_confirmed": 0}}}, "statuses": {"824": "open\\n| x |"}}',
     "statuses.824"),
])
def test_hostile_text_is_refused_in_one_line(tmp_path, capsys, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert_one_line_exit_2(capsys, path, words)


def test_the_unchanged_report_still_merges_and_renders(tmp_path, capsys):
    for version in (1, 2):
        path = tmp_path / f"good{version}.json"
        path.write_text(json.dumps(good_report(version)))
        assert main(["report", "merge", str(path), "-o", str(tmp_path / "out.json")]) == 0
        assert main(["report", "render", str(path)]) == 0
        assert main(["report", "render", str(tmp_path / "out.json")]) == 0


def test_markdown_escapes_every_value_it_shows():
    document = good_report()
    hostile = "open | <b>x</b> `y` *z*"
    document["issues"]["824"]["status"] = hostile
    document["ratchets"]["manager_classes"]["change"] = "same | <i>"
    document["issues"]["824"]["tests"][0]["nodeid"] = "a`b\n| injected |"
    page = render_markdown(document)
    assert "<b>" not in page and "<i>" not in page
    row = next(line for line in page.splitlines() if line.startswith("| #824"))
    assert row.count(" | ") == 7  # the cell did not add columns: 8 cells
    assert "\n| injected |" not in page


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077, 0o027])
def test_written_reports_follow_the_umask(tmp_path, umask):
    code = ("import os, sys; os.umask(int(sys.argv[2], 8)); from pathlib import Path; "
            "from pytest_ssot.report.build import write_report; write_report(Path(sys.argv[1]), {'a': 1})")
    path = tmp_path / "r.json"
    subprocess.run([sys.executable, "-c", code, str(path), oct(umask)[2:]], check=True, timeout=60)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


def test_a_merged_report_follows_the_umask_too(tmp_path):
    source = tmp_path / "a.json"
    source.write_text(json.dumps(good_report()))
    out = tmp_path / "all.json"
    code = ("import os, sys; os.umask(0o022); from pytest_ssot.cli import main; "
            "sys.exit(main(['report', 'merge', sys.argv[1], '-o', sys.argv[2]]))")
    subprocess.run([sys.executable, "-c", code, str(source), str(out)], check=True, timeout=60)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    write_report(tmp_path / "again.json", {"a": 1})  # and in this process, whatever its umask is
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "again.json").st_mode) == 0o666 & ~mask


def test_a_big_merge_does_not_hold_every_test_three_times(tmp_path):
    """Peak memory, not time: the merge's own peak over a bare interpreter's stays under 5x the file
    (it was over 7x: the text, then three copies of every test, then the whole output as one string)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "ssot_merge_memory", Path(__file__).resolve().parent.parent / "benchmarks" / "merge_memory.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    source = tmp_path / "big.json"
    subprocess.run([sys.executable, bench.__file__, "--write", str(source), "25"], check=True, timeout=300)
    peak_of = ("import resource, sys; from pytest_ssot.cli import main; {run}; "
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    bare = subprocess.run([sys.executable, "-c", peak_of.format(run="pass")], capture_output=True, text=True,
                          check=True, timeout=60)
    merged = subprocess.run([sys.executable, "-c", peak_of.format(run="main(sys.argv[1:])"), "report", "merge",
                             str(source), "-o", str(tmp_path / "out.json")], capture_output=True, text=True,
                            check=True, timeout=300)
    extra = (int(merged.stdout.split()[-1]) - int(bare.stdout.split()[-1])) * 1024
    assert extra < 5 * source.stat().st_size, f"{extra / 1e6:.0f} MB for a {source.stat().st_size / 1e6:.0f} MB report"
    assert json.loads((tmp_path / "out.json").read_text())["targets"]["t"]["issues"]["824"]["counts"]["tests"] > 1000
