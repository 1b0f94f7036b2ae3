"""Titles of the issues the bundled suites encode.

A suite of one's own can name its issue with ``ssot_issue(N, title="...")``; the
catalog only saves the bundled suites from repeating theirs on every test.
"""

from __future__ import annotations

ISSUE_TITLES: dict[int, str] = {
    824: "WebSocket manager fragmentation: one factory, one import path",
    889: "Duplicate manager instances per user (demo-user-001)",
    960: "WebSocket manager SSOT: per-user singleton, isolation, import paths",
    1036: "Whole-codebase manager consolidation and event delivery",
    1126: "Deprecated websocket_manager_factory dual pattern",
}


def title_for(issue: int, given: str | None = None) -> str:
    """The marker's title if it gave one, else the catalog's, else empty."""
    return given or ISSUE_TITLES.get(issue, "")
