"""Progress on long work: a status line on a terminal's stderr, never elsewhere, never in ``--json``."""

from __future__ import annotations

import io
import json

import pytest

import pytest_ssot.core.progress as progress_mod
from pytest_ssot.cli import main
from pytest_ssot.core.progress import Progress
from pytest_ssot.scan.entry import scan_runtime, scan_static
from tests.generated.realtree import generate


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_written_off_a_terminal():
    stream = io.StringIO()
    progress = Progress("scan", stream, delay=0, interval=0)
    progress.update("10 files")
    progress.done()
    assert stream.getvalue() == "" and not progress.enabled


def test_a_terminal_gets_one_line_rewritten_then_cleared():
    stream = Tty()
    progress = Progress("scan", stream, delay=0, interval=0)
    progress.update("10 files")
    progress.update("20 files")
    text = stream.getvalue()
    assert "scan: 10 files" in text and "scan: 20 files" in text and "\n" not in text
    progress.done()
    assert stream.getvalue().endswith("\r")


def test_quick_work_says_nothing_even_on_a_terminal():
    stream = Tty()
    progress = Progress("scan", stream)  # default delay: only slow work reports
    progress.update("10 files")
    assert stream.getvalue() == ""


def test_static_scan_reports_files_scanned(tmp_path):
    truth = generate(tmp_path, 400, lines_per_module=10)
    stream = Tty()
    scan_static(tmp_path, truth.package, progress=Progress("static", stream, delay=0, interval=0))
    assert "files scanned" in stream.getvalue()


def test_runtime_scan_reports_modules_imported(tmp_path):
    truth = generate(tmp_path, 20, lines_per_module=10)
    stream = Tty()
    scan_runtime(tmp_path, truth.package, progress=Progress("runtime", stream, delay=0, interval=0), timeout=120)
    assert "modules imported" in stream.getvalue()


@pytest.fixture
def eager(monkeypatch):
    """Progress that reports at once (the scans here are quick), with a terminal for stderr."""
    original = Progress.__init__
    tty = Tty()

    def init(self, label, stream=None, *, delay=2.0, interval=0.25, enabled=None):
        assert stream is None  # the CLI writes to stderr: here, a terminal
        original(self, label, tty, delay=0, interval=0, enabled=enabled)

    monkeypatch.setattr(progress_mod.Progress, "__init__", init)
    return tty


@pytest.mark.parametrize("mode", ["--static", "--runtime"])
def test_json_output_carries_no_progress(tmp_path, capsys, eager, mode):
    truth = generate(tmp_path, 200 if mode == "--static" else 10, lines_per_module=10)
    assert main(["scan", "--root", str(tmp_path), "--package", truth.package, mode, "--json", "--no-cache"]) == 0
    out = capsys.readouterr().out
    json.loads(out)  # nothing but the JSON
    assert eager.getvalue() == ""


def test_table_output_on_a_terminal_shows_progress_on_stderr_only(tmp_path, capsys, eager):
    truth = generate(tmp_path, 200, lines_per_module=10)
    assert main(["scan", "--root", str(tmp_path), "--package", truth.package, "--static", "--no-cache"]) == 0
    assert "ssot scan (static): 0/" in eager.getvalue()
    out = capsys.readouterr().out
    assert "ssot scan (static):" not in out and "\r" not in out
