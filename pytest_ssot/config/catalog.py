"""Titles of the issues the bundled suites encode, in the target's own names.

A suite of one's own can name its issue with ``ssot_issue(N, title="...")``; the
catalog only saves the bundled suites from repeating theirs on every test. The
titles name the target's manager class, factory function and deprecated module,
so a codebase whose manager is a ``ReplicaCoordinator`` reads about that, not
about the seeds' WebSocket manager; without a target they read "manager",
"factory" and "factory module".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target

ISSUE_TITLES: dict[int, str] = {
    824: "{manager} fragmentation: one {factory}, one import path",
    889: "Duplicate {manager} instances per user",
    960: "{manager} SSOT: per-user singleton, isolation, import paths",
    1036: "Whole-codebase {manager} consolidation and event delivery",
    1126: "Deprecated {deprecated} dual pattern",
}


def target_words(target: Target | None) -> dict[str, str]:
    """The names the titles speak in: the target's where it configures them, plain words otherwise."""
    words = {"manager": "manager", "factory": "factory", "deprecated": "factory module"}
    if target is None:
        return words
    if target.manager:
        words["manager"] = target.manager_class_name
    if target.function_name:
        words["factory"] = target.function_name
    if target.deprecated_modules:
        words["deprecated"] = target.deprecated_modules[0].rpartition(".")[2]
    return words


def title_for(issue: int, given: str | None = None, target: Target | None = None) -> str:
    """The marker's title if it gave one, else the catalog's in the target's names, else empty."""
    if given:
        return given
    template = ISSUE_TITLES.get(issue)
    if template is None:
        return ""
    words = target_words(target)
    text = template.format(**words)
    return text[:1].upper() + text[1:] if text.startswith(words["manager"]) and words["manager"] == "manager" else text
