"""What the static scan searches for, and the bytes test that skips a file.

Parsing costs 20-130x reading the bytes, so a file is parsed only if its bytes
can contain a searched name. The test is sound (a "no" is never wrong) and
makes as few passes over the bytes as it can: one ``lower()`` and one search
for the first required class word usually decide, because a searched function
name that contains that word (``get_websocket_manager`` contains "websocket")
cannot be in a file that lacks it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Pattern

from pytest_ssot.summary import SUMMARY_VERSION

_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_RELATIVE_STAR = re.compile(rb"from\s+\.+\s+import\s+\*")


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

    def relevant(self, data: bytes) -> bool:
        """Could a file with these bytes hold a searched name? (never a false "no")"""
        if self.star_words and b"import *" in data:
            if _RELATIVE_STAR.search(data) or any(word in data for word in self.star_words):
                return True
        exact = self.exact_words()
        if not self.search_classes:
            return any(word in data for word, _low in exact)
        if self.class_words is None:
            return any(word in data for word, _low in exact) or any(
                self.pattern.search(w.decode()) for w in set(_IDENT.findall(data))
            )
        lowered = data.lower()
        absent = [word for word in self.class_words[:1] if word not in lowered]
        if not absent and all(word in lowered for word in self.class_words[1:]):
            return True
        # an exact word containing a class word that is absent here is absent too
        return any(word in data for word, low in exact if not any(a in low for a in absent))
