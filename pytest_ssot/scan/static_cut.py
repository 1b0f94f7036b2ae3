"""Where a partial parse of a file may stop, and whether the alias chase must read more of it: judged on bytes.

The static scan parses a file only as far as its last line that may bind a
searched name in code outside function bodies (:func:`code_end`), cut at a
line that may begin a top-level statement (:func:`statement_boundary`; the
parse of the prefix proves it). Each round of the alias chase asks the same of
the part after the cut (:func:`chase_hits_rest`) and of files left unread
(:func:`chase_hits_unread`). Both ends of the scan worker ask these.
"""

from __future__ import annotations

from typing import Sequence

from pytest_ssot.scan.static_query import RELATIVE_STAR, Layout, LineTest, mask


def code_end(test: LineTest, data: bytes, lowered: bytes | None = None) -> int | None:
    """End of the last line where ``test`` finds a binding shape in code outside functions.

    The raw bytes first (most files stop there: no shape at all); then the bytes
    up to that line with strings and comments masked. Masking a prefix is
    sound: where its lexing parts from the whole file's, everything up to the
    end lies inside a string that crosses it, so it can only add lines.
    """
    end = test.last_line_end(data, lowered=lowered)
    if end is None or end < 0:
        return end
    masked = mask(data[:end])
    return test.last_line_end(masked, Layout(masked))


def chase_hits_rest(test: LineTest, rest: bytes) -> bool:
    """May the part of a partial file after its cut bind one of ``test``'s new words? (the rest lexes on its own)"""
    return code_end(test, rest) is not None


def chase_hits_unread(test: LineTest, unseen: Sequence[bytes], star_words: set[bytes], data: bytes) -> bool:
    """May a file with no binding shape for the earlier words bind a new one, or star-import a match?"""
    return (any(w in data for w in unseen) and code_end(test, data) is not None) or (
        b"import *" in data and (RELATIVE_STAR.search(data) is not None or any(w in data for w in star_words)))


BLOCK_CONTINUATIONS = (b"else", b"elif", b"except", b"finally", b"case")


def statement_boundary(data: bytes, end: int) -> int:
    """The start of the first line at or after ``end`` that may begin a top-level statement.

    A line at column 0 that is not a comment, a closing bracket or the next
    clause of a compound statement; the parse of ``data[:cut]`` then proves it
    (a cut inside a string or brackets does not parse, and the whole file is).
    """
    at = end
    size = len(data)
    while at < size:
        first = data[at:at + 1]
        if first not in b" \t\r\n#)]}\\\x0c" and not data.startswith(BLOCK_CONTINUATIONS, at):
            return at
        nl = data.find(b"\n", at)
        if nl < 0:
            return size
        at = nl + 1
    return size
