"""The static scan's second process gives the serial answer, and never outlives or outvotes its parent.

``parallel=True`` forces the worker on trees far below the size that starts it
by itself, so every part of it runs here: half the load, the split when the
parent is done first, the proofs (the child's and the parent's), the alias
chase's judgements, and the fallbacks when the child fails at each of them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_ssot.scan import static, static_worker
from pytest_ssot.scan.json_lines import JsonLines, encode
from pytest_ssot.scan.static import StaticScanner
from pytest_ssot.scan.static_worker import MIN_PROJECTED_SECONDS, ScanWorker, worth_a_second_process
from tests.generated.realtree import FOREIGN, Words, generate

REPO = Path(__file__).resolve().parents[1]


def scan(root: Path, words: Words, **kw) -> tuple[StaticScanner, object]:
    scanner = StaticScanner(root, None, words.pattern, [words.function], kw.pop("importers_of", ()),
                            kw.pop("cache_dir", None), True, None, exclude=(), **kw)
    return scanner, scanner.run()


def answer(result) -> tuple:
    """Everything a scan reports, its timing aside."""
    def rows(defs):
        return sorted((d.module, d.qualname, d.kind, d.file, d.line, d.wraps, d.paths) for d in defs)

    return (rows(result.classes), rows(result.functions), rows(result.other_classes),
            [(e.file, e.line, e.message, e.needs) for e in result.parse_errors],
            [(s.importer, s.file, s.line, s.imported, s.statement) for s in result.importers],
            result.files_scanned, result.files_parsed, result.syntax_unchecked, result.excluded)


def tree(root: Path, words: Words, seed: int = 0) -> object:
    """A real-shaped tree with syntax errors where they matter: after a finding's import, and in a
    file that only mentions the class (no finding comes from it)."""
    truth = generate(root, 160, words=words, seed=seed, lines_per_module=120)
    pkg = root / truth.package
    (pkg / "broken_user.py").write_text(
        f"from {truth.package}.realtime.manager import {words.cls}\n\n\ndef f(:\n    pass\n")
    (pkg / "broken_mention.py").write_text(f'"""Talks about {words.cls}."""\n\nx = (\n')
    return truth


@pytest.mark.parametrize("words", [Words(), FOREIGN], ids=["websocket", "foreign"])
@pytest.mark.parametrize("check_syntax", [False, True], ids=["default", "check-syntax"])
def test_the_worker_gives_the_serial_answer_and_the_same_cache(tmp_path, words, check_syntax):
    truth = tree(tmp_path / "t", words)
    legacy = f"{truth.package}.realtime.legacy"
    runs = {}
    for parallel in (False, True):
        cache = tmp_path / f"cache-{parallel}"
        scanner, result = scan(tmp_path / "t", words, parallel=parallel, check_syntax=check_syntax,
                               importers_of=[legacy], cache_dir=cache)
        runs[parallel] = (answer(result), json.loads(next(cache.iterdir()).read_text()), scanner)
    serial, parallel = runs[False], runs[True]
    assert parallel[2].worker_note is None and parallel[2].worker_files > 0
    assert serial[2].worker_files == 0
    assert parallel[0] == serial[0]
    assert parallel[1] == serial[1]  # the cache file: the same entries, whoever made them
    result = parallel[0]
    assert any(file.endswith("broken_user.py") for file, *_ in result[3])  # a finding file's error, found
    assert result[4]  # importers of the legacy module
    # the warm run on the parallel run's cache agrees too
    warm = scan(tmp_path / "t", words, parallel=True, check_syntax=check_syntax, importers_of=[legacy],
                cache_dir=tmp_path / "cache-True")
    assert answer(warm[1])[:6] == serial[0][:6]


def test_a_parent_done_first_takes_back_half_of_what_is_left(tmp_path, monkeypatch):
    tree(tmp_path, FOREIGN, seed=1)
    expected = answer(scan(tmp_path, FOREIGN, parallel=False)[1])
    start, split = ScanWorker.__init__, ScanWorker.split
    asked: dict[str, object] = {}

    def split_at_once(self, job):  # the split is asked before the child has read its job: it has loaded nothing
        start(self, job)
        asked["files"] = len(self.paths)
        asked["gave"] = split(self, job["fingerprint"])

    monkeypatch.setattr(ScanWorker, "__init__", split_at_once)
    monkeypatch.setattr(ScanWorker, "split", lambda self, fingerprint: asked["gave"])
    scanner, result = scan(tmp_path, FOREIGN, parallel=True)
    assert answer(result) == expected and scanner.worker_note is None
    assert len(asked["gave"]) == asked["files"] // 2  # the second half of all it had
    assert scanner.worker_files == asked["files"] - asked["files"] // 2


def test_a_child_done_first_gives_nothing_back(tmp_path, monkeypatch):
    tree(tmp_path, Words(), seed=2)
    expected = answer(scan(tmp_path, Words(), parallel=False)[1])
    gave: list[list[str]] = []
    split = ScanWorker.split

    def after_the_child(self, fingerprint):  # the parent asks only once the child has sent its load
        deadline = time.monotonic() + 60
        while not any("load" in m for m in self._inbox) and self.alive and time.monotonic() < deadline:
            self._inbox.extend(m for m in self._lines(1.0) if self._take(m) is not None)
        gave.append(split(self, fingerprint))
        return gave[-1]

    monkeypatch.setattr(ScanWorker, "split", after_the_child)
    scanner, result = scan(tmp_path, Words(), parallel=True)
    assert answer(result) == expected and scanner.worker_note is None
    assert gave == [[]]


def _kill(worker: ScanWorker) -> None:
    worker.proc.kill()
    worker.proc.wait(10)


@pytest.mark.parametrize("when", ["before-load", "before-proofs", "before-chase"])
def test_a_worker_that_dies_leaves_the_answer_unchanged_and_says_so(tmp_path, monkeypatch, when):
    tree(tmp_path, FOREIGN, seed=3)
    expected = answer(scan(tmp_path, FOREIGN, parallel=False)[1])
    hook = {"before-load": "split", "before-proofs": "prove", "before-chase": "ask_chase"}[when]
    original = getattr(ScanWorker, hook)

    def killing(self, *args):
        _kill(self)
        return original(self, *args)

    monkeypatch.setattr(ScanWorker, hook, killing)
    scanner, result = scan(tmp_path, FOREIGN, parallel=True)
    assert answer(result) == expected
    assert scanner.worker_note is not None and scanner.worker_note.startswith("scan worker: ")
    assert (scanner.worker_files == 0) == (when == "before-load")  # its load was filed unless it died first
    assert scanner.worker is None  # closed and reaped


def test_a_worker_that_builds_another_query_is_not_believed(tmp_path, monkeypatch):
    tree(tmp_path, Words(), seed=4)
    expected = answer(scan(tmp_path, Words(), parallel=False)[1])
    job_for = static.job_for
    monkeypatch.setattr(static, "job_for", lambda scanner, files: {**job_for(scanner, files), "fingerprint": "0" * 16})
    scanner, result = scan(tmp_path, Words(), parallel=True)
    assert answer(result) == expected
    assert scanner.worker_note == "scan worker: it built another query from the same job"


def test_a_worker_that_crashes_is_named_with_its_last_words(tmp_path, monkeypatch):
    tree(tmp_path, Words(), seed=5)
    expected = answer(scan(tmp_path, Words(), parallel=False)[1])
    job_for = static.job_for
    monkeypatch.setattr(static, "job_for", lambda scanner, files: {**job_for(scanner, files), "pattern": ["(", 0]})
    scanner, result = scan(tmp_path, Words(), parallel=True)
    assert answer(result) == expected
    assert scanner.worker_note.startswith("scan worker: it exited with code 1 (")
    assert "error" in scanner.worker_note  # the child's last stderr line: re.error, missing ")"


def test_a_worker_starts_by_itself_only_when_the_rest_of_the_load_is_projected_slow(tmp_path, monkeypatch):
    tree(tmp_path, Words(), seed=6)
    expected = answer(scan(tmp_path, Words(), parallel=False)[1])
    scanner, _ = scan(tmp_path, Words(), parallel=None)  # a few hundred files: the sample is the whole load
    assert scanner.worker_files == 0 and scanner.worker_note is None
    monkeypatch.setattr(static, "SAMPLE_FILES", 20)
    monkeypatch.setattr(static_worker, "cpus", lambda: 2)
    monkeypatch.setattr(static_worker, "MIN_PROJECTED_SECONDS", 3600.0)  # the rest is never that slow here
    scanner, result = scan(tmp_path, Words(), parallel=None)
    assert scanner.worker_files == 0 and answer(result) == expected
    monkeypatch.setattr(static_worker, "MIN_PROJECTED_SECONDS", 0.0)  # any rest is slow enough
    scanner, result = scan(tmp_path, Words(), parallel=None)
    assert scanner.worker_files > 0 and scanner.worker_note is None and answer(result) == expected
    monkeypatch.setattr(static_worker, "cpus", lambda: 1)
    scanner, _ = scan(tmp_path, Words(), parallel=None)
    assert scanner.worker_files == 0


def test_the_pace_is_sampled_across_the_tree_and_the_answer_is_the_serial_one(tmp_path, monkeypatch):
    # the first files of a walk are often small top packages without the words: a sample of them
    # projected a 4,000-file load at a quarter of its cost
    tree(tmp_path, Words(), seed=6)
    expected = answer(scan(tmp_path, Words(), parallel=False)[1])
    monkeypatch.setattr(static, "SAMPLE_FILES", 20)
    loads: list[str] = []
    real_load = StaticScanner._load

    def counting_load(self, sf, fingerprint, force=False):
        loads.append(sf.path)
        return real_load(self, sf, fingerprint, force)

    decisions: list[tuple[int, int]] = []
    monkeypatch.setattr(StaticScanner, "_load", counting_load)
    monkeypatch.setattr(static, "worth_a_second_process",
                        lambda rest, projected, parallel: decisions.append((len(loads), rest)) or False)
    scanner, result = scan(tmp_path, Words(), parallel=None)
    walk = [sf.path for sf in scanner.source_files(None, scanner.exclusion)]
    (loaded_before, rest), = decisions
    assert loaded_before == 20 and rest == len(walk) - 20
    places = sorted(walk.index(path) for path in loads[:loaded_before])
    assert places[0] == 0 and places[-1] == len(walk) - 1  # from the first file to the last
    assert max(b - a for a, b in zip(places, places[1:])) <= len(walk) // 19 + 1  # evenly in between
    assert sorted(loads[loaded_before:]) == sorted(set(walk) - set(loads[:loaded_before]))  # each file once
    assert answer(result) == expected


def test_when_a_worker_is_worth_starting(monkeypatch):
    monkeypatch.setattr(static_worker, "cpus", lambda: 2)
    assert worth_a_second_process(1000, MIN_PROJECTED_SECONDS, None)
    assert not worth_a_second_process(1000, MIN_PROJECTED_SECONDS / 2, None)
    assert not worth_a_second_process(10**6, 100.0, False)
    assert worth_a_second_process(2, 0.0, True) and not worth_a_second_process(1, 100.0, True)
    monkeypatch.setattr(static_worker, "cpus", lambda: 1)
    assert not worth_a_second_process(10**6, 100.0, None)
    monkeypatch.setattr(sys, "executable", "")
    assert not worth_a_second_process(10**6, 100.0, True)


CHILD_OF_A_KILLED_PARENT = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    from pytest_ssot.scan import static_worker
    from pytest_ssot.scan.static import scan_static

    start = static_worker.ScanWorker.__init__

    def announce(self, job):
        start(self, job)
        print(self.proc.pid, flush=True)
        time.sleep(60)  # the test SIGKILLs this process meanwhile

    static_worker.ScanWorker.__init__ = announce
    scan_static({root!r}, None, parallel=True)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pipe and PR_SET_PDEATHSIG are Linux's")
def test_the_worker_dies_with_its_parent_however_the_parent_ends(tmp_path):
    tree(tmp_path / "t", Words())
    script = tmp_path / "parent.py"
    script.write_text(CHILD_OF_A_KILLED_PARENT.format(repo=str(REPO), root=str(tmp_path / "t")))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)


def _alive(pid: int) -> bool:
    """Running (not a zombie waiting for a reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_json_lines_keeps_partial_lines_and_sees_the_end():
    read, write = os.pipe()
    inbox = JsonLines(read)
    try:
        assert not inbox.poll(0)  # nothing yet, and no wait
        os.write(write, encode({"a": 1})[:4])
        assert not inbox.poll(0)  # half a line is no message
        os.write(write, encode({"a": 1})[4:] + encode({"b": 2}))
        assert inbox.poll(0) and inbox.take() == [{"a": 1}, {"b": 2}]
        os.write(write, b"not json\n")
        with pytest.raises(ValueError):
            inbox.poll(0)
        os.close(write)
        write = -1
        assert inbox.poll(None) and inbox.closed and inbox.take() == []
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
