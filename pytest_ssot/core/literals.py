"""Literals a class-name regex requires: the key to skipping without matching.

If every match of the pattern must contain "websocket" and "manager" (in any
case), a file or a batch of names without both cannot match, and a substring
test on lowercased bytes (or a joined string) says so far faster than parsing
or running the regex. Used by both scans.
"""

from __future__ import annotations

from typing import Any, Pattern


def required_literals(pattern: Pattern[str]) -> tuple[bytes, ...] | None:
    """Lowercase ASCII literals every match of ``pattern`` must contain.

    They let a file be skipped with a substring test on its lowercased bytes
    (sound under any case flag). None: nothing usable, fall back to running the
    regex over the file's identifiers.
    """
    try:
        import re._parser as sre  # type: ignore[import-not-found]
    except ImportError:  # Python 3.10
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        parsed = sre.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    found: list[str] = []
    _collect_literals(list(parsed), found, sre)
    words = tuple(w.lower().encode() for w in found if len(w) >= 3 and w.isascii())
    return words or None


def _collect_literals(items: list[Any], found: list[str], sre: Any) -> None:
    consts = sre  # the op constants live on the parser module (via its constants import)
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append("".join(run))
            run.clear()

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
            continue
        flush()
        if name == "ASSERT" and arg[0] == 1:  # lookahead: its literals are required
            _collect_literals(list(arg[1]), found, consts)
        elif name == "SUBPATTERN":
            _collect_literals(list(arg[-1]), found, consts)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and arg[0] >= 1:
            _collect_literals(list(arg[2]), found, consts)
    flush()
