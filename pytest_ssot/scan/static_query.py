"""What the static scan searches for: the bytes test that skips a file, the line test that cuts one.

Parsing costs 20-130x reading the bytes, so a file is parsed only if its bytes
can contain a searched name. The test is sound (a "no" is never wrong) and
makes as few passes over the bytes as it can: one ``lower()`` and one search
for the first required class word usually decide, because a searched function
name that contains that word (``get_websocket_manager`` contains "websocket")
cannot be in a file that lacks it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Pattern

from pytest_ssot.scan.file_summary import SUMMARY_VERSION

_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
RELATIVE_STAR = re.compile(rb"from\s+\.+\s+import\s+\*")


@dataclass
class Query:
    """One static scan's search terms; the alias chase adds to the word sets."""

    pattern: Pattern[str]
    functions: frozenset[str]
    class_words: tuple[bytes, ...] | None  # lowercase literals all required; None: regex fallback
    importer_words: tuple[bytes, ...]
    search_classes: bool = True
    extra_words: set[bytes] = field(default_factory=set)
    # last components of modules that hold a match: a star import of one of them
    # re-exports it (known only once something matched, so it costs nothing before)
    star_words: set[bytes] = field(default_factory=set)
    _exact: tuple[tuple[int, int, int], list[tuple[bytes, bytes]]] | None = field(default=None, repr=False)

    def fingerprint(self) -> str:
        """Names this query in the cache's skip verdicts."""
        text = repr(
            (self.pattern.pattern, self.pattern.flags, self.search_classes, sorted(self.functions), self.class_words,
             self.importer_words, sorted(self.extra_words), sorted(self.star_words), SUMMARY_VERSION)
        )
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def exact_words(self) -> list[tuple[bytes, bytes]]:
        """(word, lowercased) searched case-sensitively: function, importer, alias names."""
        key = (len(self.functions), len(self.importer_words), len(self.extra_words))
        if self._exact is None or self._exact[0] != key:  # the word sets only ever grow
            words = [f.encode() for f in sorted(self.functions)] + list(self.importer_words)
            self._exact = (key, [(w, w.lower()) for w in words + sorted(self.extra_words)])
        return self._exact[1]

    def relevant(self, data: bytes, lowered: bytes | None = None) -> bool:
        """Could a file with these bytes hold a searched name? (never a false "no")"""
        if self.star_words and b"import *" in data:
            if RELATIVE_STAR.search(data) or any(word in data for word in self.star_words):
                return True
        exact = self.exact_words()
        if not self.search_classes:
            return any(word in data for word, _low in exact)
        if self.class_words is None:
            return any(word in data for word, _low in exact) or any(
                self.pattern.search(w.decode()) for w in set(_IDENT.findall(data))
            )
        if lowered is None:
            lowered = data.lower()
        absent = [word for word in self.class_words[:1] if word not in lowered]
        if not absent and all(word in lowered for word in self.class_words[1:]):
            return True
        # an exact word containing a class word that is absent here is absent too
        return any(word in data for word, low in exact if not any(a in low for a in absent))


# -- the line-level test: which lines may bind (or import) a searched name ------
#
# A file whose bytes hold the words is parsed only as far as its last line that
# could bind one; a file with no such line is not parsed at all. The shapes are
# a superset of every statement the summary records for a name N:
#   class N / def N                        a definition (nested ones too)
#   any line with the word ``import``      import, from-import, and all their forms
#   ``as N``                               import aliases
#   ``N =`` / ``N:`` (not ``.N =``)        assignment targets, annotated ones
#   ``x = a.N.b`` (a dotted name alone)    an alias, its right-hand side
#   a line holding only dotted names, commas, ``as``, parens
#                                          a continuation of a parenthesised import
#                                          or of a parenthesised right-hand side
#   any line after a backslash continuation
#   ``import *`` anywhere                  a star import may bind anything
# Over-approximation only costs a longer parse; a missed shape would lose a finding.

_IDENT_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_IMPORT_WORD = re.compile(rb"\bimport\b")
_DEF_OR_AS = re.compile(rb"(?:^|\W)(?:class|def|as)\s+\Z")
_PURE_NAMES = re.compile(
    rb"\s*\(?\s*(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*[\w.]+(?:\s+as\s+\w+)?\s*,?\s*\)?\s*\\?\s*(?:#.*)?\Z")
_PURE_CHARS = bytes(_IDENT_CHARS) + b" \t.,()\\#\x01\r"  # all a continuation line may hold (a quick "no")
_ALIAS_RHS = re.compile(rb"(?<![=!<>:+\-*/%&|^@])=(?!=)\s*\(?\s*([\w.]+)\s*\)?\s*;?\s*(?:#.*)?\Z")


def _binds(line: bytes, name: bytes, start: int) -> bool:
    """Could ``line`` bind or import ``name`` (the identifier at ``start``)? Never a false "no"."""
    if _IMPORT_WORD.search(line):
        return True
    before = line[:start]
    after = line[start + len(name):].lstrip()
    if _DEF_OR_AS.search(before):
        return True
    before = before.rstrip()
    if not before.endswith(b".") and after[:1] in (b"=", b":") and after[1:2] != b"=":  # N = / N: T
        return True
    if not line.partition(b"#")[0].translate(None, _PURE_CHARS) and _PURE_NAMES.match(line):
        return True
    if b"=" not in line:
        return False
    rhs = _ALIAS_RHS.search(line)
    return rhs is not None and name in rhs.group(1).split(b".")


class LineTest:
    """Candidate lines of a file for one set of words (see the shapes above).

    Given a :class:`Layout` (the file with strings and comments masked), a
    line counts only if the word is code there and the line is not inside a
    function body (whose bindings are local), except an import of a module
    searched for importers, which counts anywhere.
    """

    def __init__(self, query: Query, exact: list[bytes] | None = None, classes: bool | None = None) -> None:
        self.query = query
        self.exact = exact if exact is not None else [w for w, _low in query.exact_words()]
        self.classes = query.search_classes if classes is None else classes
        self.anywhere = frozenset(query.importer_words)
        # what a verdict of this test depends on besides the bytes: its words, and which count anywhere
        self.key = (tuple(self.exact), tuple(w for w in self.exact if w in self.anywhere), self.classes,
                    (query.pattern.pattern, query.pattern.flags, query.class_words) if self.classes else None)

    def last_line_end(self, data: bytes, layout: Layout | None = None, lowered: bytes | None = None) -> int | None:
        """End offset of the last candidate line (None: none; -1: judge the file whole)."""
        if self.classes and self.query.class_words is None:
            return -1  # no literal to look for: the regex must see every identifier
        last = -1
        if b"import *" in data:
            last = data.rfind(b"import *")
        cont = b"\\\n" in data or b"\\\r" in data
        for word in self.exact:
            last = max(last, self._last_exact(data, word, cont, None if word in self.anywhere else layout))
        if self.classes:
            hay = data.lower() if lowered is None else lowered
            last = max(last, self._last(data, hay, self.query.class_words[0], cont, False, layout))
        if last < 0:
            return None
        end = data.find(b"\n", last)
        return len(data) if end < 0 else end + 1

    def _last_exact(self, data: bytes, word: bytes, cont: bool, layout: Layout | None) -> int:
        """:meth:`_last` for a name searched exactly: whole identifiers only, found by the regex engine."""
        starts = [m.start() for m in _word_end(word).finditer(data)]
        starts = [at for at in starts if at == 0 or data[at - 1] not in _IDENT_CHARS]
        skip_line = -1
        for at in reversed(starts):
            ls = data.rfind(b"\n", 0, at) + 1
            if ls == skip_line:
                continue
            le = data.find(b"\n", at)
            line = data[ls:len(data) if le < 0 else le].rstrip(b"\r")
            prev_cont = cont and ls >= 2 and data[max(0, ls - 3):ls - 1].rstrip(b"\r").endswith(b"\\")
            if prev_cont or _binds(line, word, at - ls):
                if layout is None or not layout.in_function(ls):
                    return at
                skip_line = ls
        return -1

    def _last(self, data: bytes, hay: bytes, word: bytes, cont: bool, exact: bool, layout: Layout | None) -> int:
        """Offset of the last candidate occurrence of ``word`` (-1: none)."""
        at = hay.rfind(word)
        pattern = self.query.pattern
        rest_words = self.query.class_words[1:] if not exact else ()  # type: ignore[index]
        while at >= 0:
            ls = data.rfind(b"\n", 0, at) + 1
            le = data.find(b"\n", at)
            le = len(data) if le < 0 else le
            line = data[ls:le].rstrip(b"\r")
            low_line = hay[ls:le] if not exact else line
            if all(w in low_line for w in rest_words):
                prev_cont = cont and ls >= 2 and data[max(0, ls - 3):ls - 1].rstrip(b"\r").endswith(b"\\")
                for start, ident in _identifiers_at(line, low_line, word):
                    if exact:
                        hit = ident == word
                    else:
                        try:
                            hit = pattern.search(ident.decode()) is not None
                        except UnicodeDecodeError:
                            hit = True
                    if hit and (prev_cont or _binds(line, ident, start)):
                        if layout is None or not layout.in_function(ls):
                            return at
                        break
            at = hay.rfind(word, 0, ls) if ls > 0 else -1
        return -1


# -- masking: strings and comments out of the way, offsets kept -------------------
#
# Python's own tokenizer rules for where a string or comment starts and ends
# (prefixes do not change them: a backslash pairs with the next character in raw
# strings too): the leftmost of ``#``, a triple quote or a quote opens one. Each
# is replaced by its opening character and \x01 bytes, newlines kept, so a line
# that starts inside a string starts with \x01, and no word in a string or a
# comment is seen as code.

_LEX = re.compile(
    rb'#[^\n]*'
    rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'",
    re.S,
)
_FILL = bytes(b if b in (10, 13) else 1 for b in range(256))
_DEF = re.compile(rb"(?:async[ \t]+)?def\b")


def _fill(match: re.Match[bytes]) -> bytes:
    text = match[0]
    return text[:1] + text[1:].translate(_FILL)


def mask(data: bytes) -> bytes:
    """``data`` with every string's and comment's body replaced by \\x01 (same length, same lines)."""
    return _LEX.sub(_fill, data)


class Layout:
    """Block structure of a masked file, read only where asked (indentation, brackets, continuations)."""

    def __init__(self, masked: bytes) -> None:
        self.m = masked
        # tabs or form feeds in indentation: widths are not comparable by length; judge nothing
        self.usable = not (b"\n\t" in masked or b" \t" in masked or b"\x0c" in masked or masked.startswith(b"\t"))

    _known = (0, 0)  # (offset, bracket depth there): walks are local, so count from the last one

    def _depth(self, p: int) -> int:
        m = self.m
        q, depth = self._known
        a, b, sign = (q, p, 1) if q <= p else (p, q, -1)
        net = (m.count(b"(", a, b) + m.count(b"[", a, b) + m.count(b"{", a, b)
               - m.count(b")", a, b) - m.count(b"]", a, b) - m.count(b"}", a, b))
        depth += sign * net
        self._known = (p, depth)
        return depth

    def _is_start(self, p: int) -> bool:
        """Does a logical line start at line offset ``p``?"""
        m = self.m
        if m[p:p + 1] == b"\x01":
            return False  # inside a string
        if p >= 2 and m[max(0, p - 3):p - 1].rstrip(b"\r").endswith(b"\\"):
            return False
        return self._depth(p) == 0

    def in_function(self, ls: int) -> bool:
        """Is the line at offset ``ls`` inside a ``def`` body? (False when unsure)"""
        if not self.usable:
            return False
        m = self.m
        while not self._is_start(ls):
            if ls == 0:
                return False
            ls = m.rfind(b"\n", 0, ls - 1) + 1
        line_end = m.find(b"\n", ls)
        line = m[ls:len(m) if line_end < 0 else line_end]
        indent = len(line) - len(line.lstrip(b" "))
        while indent > 0:
            p = ls
            while True:
                if p == 0:
                    return False
                p = m.rfind(b"\n", 0, p - 1) + 1
                e = m.find(b"\n", p)
                line = m[p:len(m) if e < 0 else e]
                body = line.lstrip(b" ")
                if not body.strip(b"\r") or body[:1] in (b"#", b"\x01") or line[:1] == b"\x01":
                    continue
                if len(line) - len(body) < indent and self._is_start(p):
                    break
            if _DEF.match(body):
                return True
            ls, indent = p, len(line) - len(body)
        return False


@functools.lru_cache(maxsize=1024)
def _word_end(word: bytes) -> re.Pattern[bytes]:
    """``word`` not followed by an identifier character (its literal prefix keeps the search in C)."""
    return re.compile(re.escape(word) + rb"(?![A-Za-z0-9_])")


def _identifiers_at(line: bytes, hay: bytes, word: bytes) -> list[tuple[int, bytes]]:
    """Every whole identifier of ``line`` containing ``word`` (found in ``hay``, same offsets)."""
    out = []
    at = hay.find(word)
    while at >= 0:
        s, e = at, at + len(word)
        while s > 0 and line[s - 1] in _IDENT_CHARS:
            s -= 1
        while e < len(line) and line[e] in _IDENT_CHARS:
            e += 1
        if not out or out[-1][0] != s:
            out.append((s, line[s:e]))
        at = hay.find(word, e)
    return out
