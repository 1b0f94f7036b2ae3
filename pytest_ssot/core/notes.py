"""Notes: facts a passing check wants the reader to see (a known broken module, a list entry to drop).

A note is a test's ``user_properties`` entry named :data:`NOTE_PROPERTY`, so it
travels with the test's report through xdist, lands in junitxml and in the
``--ssot-report`` record of the test (``notes``), and the terminal summary prints
every note once in an "SSOT notes" section. A note never changes an outcome.
"""

from __future__ import annotations

from typing import Any

import pytest

NOTE_PROPERTY = "ssot_note"


def add_note(item: pytest.Item, text: str) -> None:
    """Attach one note line to ``item`` (once: the same text twice is kept once)."""
    entry = (NOTE_PROPERTY, str(text))
    if entry not in item.user_properties:
        item.user_properties.append(entry)


def notes_of(report: Any) -> list[str]:
    """The note lines a test report carries."""
    return [str(value) for name, value in getattr(report, "user_properties", ()) if name == NOTE_PROPERTY]


class NotesSummary:
    """Collects every test's notes (on the controller under xdist) and prints them after the run."""

    def __init__(self) -> None:
        self.notes: dict[str, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":  # every phase carries the notes so far; the last one has them all
            notes = notes_of(report)
            if notes:
                self.notes[report.nodeid] = notes

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.notes or hasattr(terminalreporter.config, "workerinput"):
            return
        terminalreporter.write_sep("=", "SSOT notes")
        for nodeid in sorted(self.notes):
            for note in self.notes[nodeid]:
                terminalreporter.write_line(f"{note}  [{nodeid.rsplit('::', 1)[-1]}]")
