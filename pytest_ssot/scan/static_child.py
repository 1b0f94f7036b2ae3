"""The child side of :mod:`~pytest_ssot.scan.static_worker`: load the files it is given, then prove files parse.

Protocol: one JSON job line in (:func:`~pytest_ssot.scan.static_worker.job_for`);
one ``{"load": ...}`` line out (the cache entries its scanner made, the files it
parsed); then, until stdin closes: ``{"prove": [paths]}`` (queued after its
own partial files) and ``{"need": [paths]}`` (proved before anything else) in,
one ``{"proved": [[path, parses, stamp]]}`` out per file; ``{"chase": ...}`` in,
``{"chased": ...}`` out (which of its files a round of the alias chase must parse).
"""

from __future__ import annotations

import re
import sys
from typing import Any, BinaryIO

from pytest_ssot.scan.json_lines import JsonLines, encode
from pytest_ssot.scan.source_tree import SourceFile
from pytest_ssot.scan.static import StaticScanner
from pytest_ssot.scan.static_cut import chase_hits_rest, chase_hits_unread
from pytest_ssot.scan.static_query import LineTest
from pytest_ssot.scan.static_syntax import parses
from pytest_ssot.scan.summary_cache import SummaryCache


def _send(stdout: BinaryIO, message: dict[str, Any]) -> None:
    stdout.write(encode(message))
    stdout.flush()


def _next(inbox: JsonLines) -> dict[str, Any] | None:
    """The next message, waiting for it (None: the parent closed the pipe, or is gone)."""
    inbox.poll(None)
    return inbox.queue.pop(0) if inbox.queue else None


def child_main() -> None:
    """Load the files of the first message, send the cache entries, then answer until stdin closes."""
    inbox, stdout = JsonLines(sys.stdin.fileno()), sys.stdout.buffer
    job = _next(inbox)
    if job is None:
        return
    pattern = re.compile(job["pattern"][0], job["pattern"][1])
    scanner = StaticScanner(job["root"], job["package"], pattern, job["functions"], job["importers_of"], None,
                            job["nested"], None, job["classes"], (), None, job["check_syntax"])
    scanner.cache = SummaryCache.in_memory()
    fingerprint = scanner.query.fingerprint()
    if fingerprint != job["fingerprint"]:  # another version of the scanner, or a query lost in transit
        _send(stdout, {"load": {"fingerprint": job["fingerprint"], "mismatch": True}})
        return
    scanner._fingerprints.append(fingerprint)
    files, later = job["files"], []
    at = 0
    while at < len(files):
        if inbox.poll(0):  # the parent is done with its share: give it half of what is left
            message = _next(inbox)
            if message is None:
                return
            later.extend(message.get("prove", ()))
            if "split" in message:
                files, gave = files[:at + (len(files) - at + 1) // 2], files[at + (len(files) - at + 1) // 2:]
                _send(stdout, {"gave": {"fingerprint": fingerprint, "paths": [path for _m, path, _p in gave]}})
            continue
        module, path, is_package = files[at]
        at += 1
        scanner.modules[module] = scanner._load(SourceFile(module, path, is_package), fingerprint)
    scanner._record_skips()
    queue = [p for p in scanner._partial if p not in scanner.syntax.checked] + later
    _send(stdout, {"load": {"fingerprint": fingerprint, "entries": scanner.cache.entries,
                            "parsed": sorted(scanner._parsed), "queue": queue}})
    _answer(scanner, queue, inbox, stdout)


def _answer(scanner: StaticScanner, queue: list[str], inbox: JsonLines, stdout: BinaryIO) -> None:
    """Chase questions first, proofs in between, until the parent closes the pipe."""
    done: set[str] = set()
    at = 0
    while True:
        if at >= len(queue) or inbox.poll(0):
            message = _next(inbox)
            if message is None:
                return  # the parent closed the pipe, or is gone
            queue.extend(message.get("prove", ()))
            queue[at:at] = message.get("need", ())  # what the parent waits for, before any guess
            if "split" in message:  # it asked after this child was done loading: nothing to give
                _send(stdout, {"gave": {"fingerprint": message["split"], "paths": []}})
            if "chase" in message:
                _send(stdout, {"chased": _chase(scanner, message["chase"])})
            continue
        path = queue[at]
        at += 1
        if path in done:
            continue
        done.add(path)
        data = scanner._partial.get(path) or scanner._read(path)
        stamp = scanner._stamps.get(path) or [0, 0]
        ok = data is not None and parses(data, path)
        _send(stdout, {"proved": [[path, ok, list(stamp)]]})


def _chase(scanner: StaticScanner, question: dict[str, Any]) -> dict[str, Any]:
    """Which of this child's files one round of the alias chase must parse (the parent's own test, here)."""
    unseen = [w.encode("latin-1") for w in question["unseen"]]
    stars = {w.encode("latin-1") for w in question["stars"]}
    test = LineTest(scanner.query, exact=sorted(unseen), classes=False)
    hits = []
    if unseen:
        for path, data in scanner._partial.items():
            if data is not None and chase_hits_rest(test, data[scanner._cuts.get(path, 0):]):
                hits.append(path)
    for path, data in scanner._unread.items():
        if data is not None and chase_hits_unread(test, unseen, stars, data):
            hits.append(path)
    return {"fingerprint": question["fingerprint"], "paths": hits}
