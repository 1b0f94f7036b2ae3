"""Which files of a scanned tree are not part of the codebase being judged.

A whole-tree scan of a real backend finds every ``MockWebSocketManager`` in its
test folders: test doubles are not implementations that ship. Both scans take
the same ``exclude`` globs (matched against the root-relative, ``/``-separated
path of each file) and report how many files each glob removed, so an
exclusion is never silent.

Glob syntax: ``*`` and ``?`` stay within one path segment, ``**`` spans any
number of segments (``**/`` also matches none), as in ``.gitignore``.
"""

from __future__ import annotations

import re
from typing import Iterable, Pattern, Sequence

from pytest_ssot.config.schema import DEFAULT_EXCLUDE  # the default lives with the configuration keys

__all__ = ["DEFAULT_EXCLUDE", "Exclusion", "glob_to_regex", "resolve_exclude"]


def glob_to_regex(glob: str) -> str:
    """The regex source (anchored by the caller) of one ``**`` glob."""
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


class Exclusion:
    """Compiled ``exclude`` globs; counts what each one removed.

    One combined regex answers the common "not excluded" in a single match;
    only a hit is attributed to its first matching glob.
    """

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs: tuple[str, ...] = tuple(dict.fromkeys(g.strip().lstrip("/") for g in globs if g.strip()))
        self._each: list[Pattern[str]] = [re.compile(glob_to_regex(g) + r"\Z") for g in self.globs]
        self._any: Pattern[str] | None = (
            re.compile("|".join(f"(?:{glob_to_regex(g)})" for g in self.globs) + r"\Z") if self.globs else None
        )
        self._counts: dict[str, int] = {}
        self.modules: list[str] = []  # modules of the excluded files, as the file walk named them

    @property
    def counts(self) -> dict[str, int]:
        """glob -> files it excluded, in the order the globs were given (globs that excluded nothing left out)."""
        return {g: self._counts[g] for g in self.globs if g in self._counts}

    def covers(self, relpath: str) -> bool:
        """Is ``relpath`` excluded? (not counted: for files met again, e.g. through an import)"""
        return self._any is not None and self._any.match(relpath) is not None

    def match(self, relpath: str) -> str | None:
        """The glob that excludes ``relpath`` (root-relative, ``/``-separated), counted; None if kept."""
        if self._any is None or self._any.match(relpath) is None:
            return None
        for glob, regex in zip(self.globs, self._each):
            if regex.match(relpath):
                self._counts[glob] = self._counts.get(glob, 0) + 1
                return glob
        return None  # pragma: no cover - the combined regex matched, so one glob does

    def __bool__(self) -> bool:
        return bool(self.globs)


def resolve_exclude(exclude: Sequence[str] | None) -> tuple[str, ...]:
    """``None`` means the default globs; anything else is taken as given (``()``: exclude nothing)."""
    return DEFAULT_EXCLUDE if exclude is None else tuple(exclude)
