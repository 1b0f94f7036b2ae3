"""Which files the static scan may trust without parsing them whole: syntax proofs and their ledger.

The static scan parses a file only as far as its last line that may bind a
searched name, and not at all when no such line exists, so a syntax error past
that point is not seen by the parse. A full parse would have reported it (and
taken every finding of that file away), so the scan must either prove the file
parses or say that it did not check. Proofs, cheapest first:

* a verdict in the scan cache for this version of the file (size, mtime);
* a valid ``__pycache__`` entry of this interpreter: the magic number, then the
  rules ``importlib`` itself trusts (source mtime and size, or the source hash
  for hash-based pycs). A pyc is written only after the file compiled, and
  whatever compiles parses;
* the parser with the symbol table pass and nothing more (``symtable``: about
  0.65-0.7x ``ast.parse`` and 0.75x ``compile()`` of the same files, as
  ``benchmarks/scan_speed.py`` prints them on its generated tree: it neither
  builds the Python AST objects nor generates code). Its success proves the parser
  accepted the file, so ``ast.parse`` does too. It rejects a little more than
  ``ast.parse`` does (``nonlocal`` at module level...), so a failure proves
  nothing: the caller then parses the file whole, as the full parse did.

Warnings are ignored while compiling: a file's ``SyntaxWarning`` is not the
scan's to print, and a ``-W error`` filter must not turn it into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import symtable
import warnings
from typing import Any, Callable

from pytest_ssot.scan.summary_cache import SummaryCache

MAGIC_NUMBER = importlib.util.MAGIC_NUMBER
_HASH_BASED = 0b01
_KNOWN_FLAGS = 0b11


def pyc_header_proves(header: bytes, data: bytes | None, stamp: tuple[int, int],
                      read: Callable[[], bytes | None] | None = None) -> bool:
    """Does this 16-byte pyc header vouch for the source ``data`` of size and ``mtime_ns`` ``stamp``?

    ``data`` is needed only for a hash-based pyc (None: ``read()`` gives it, else such a pyc proves nothing).
    """
    if len(header) < 16 or header[:4] != MAGIC_NUMBER:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & ~_KNOWN_FLAGS:
        return False
    if flags & _HASH_BASED:  # checked or not, we check the hash: a proof must be one
        if data is None and read is not None:
            data = read()
        return data is not None and header[8:16] == importlib.util.source_hash(data)
    size, mtime_ns = stamp
    seconds, nanos = divmod(mtime_ns, 10**9)
    mtime = int(seconds + nanos * 1e-9)  # how os.stat fills st_mtime, which importlib reads
    return (int.from_bytes(header[8:12], "little") == mtime & 0xFFFFFFFF
            and int.from_bytes(header[12:16], "little") == size & 0xFFFFFFFF)


class PycProof:
    """Valid ``__pycache__`` entries of this interpreter, each folder listed once."""

    def __init__(self) -> None:
        self._listings: dict[str, frozenset[str]] = {}

    def proves(self, path: str, data: bytes | None, stamp: tuple[int, int],
               read: Callable[[str], bytes | None] | None = None) -> bool:
        """Does a pyc of ``path`` (any optimisation level) vouch for this version of it?"""
        try:
            pyc = importlib.util.cache_from_source(path, optimization="")
        except (NotImplementedError, ValueError):  # no cache tag, or an odd path
            return False
        folder, name = os.path.split(pyc)
        names = self._listings.get(folder)
        if names is None:
            try:
                names = frozenset(os.listdir(folder))
            except OSError:
                names = frozenset()
            self._listings[folder] = names
        stem = name[:-len(".pyc")]
        for candidate in (name, f"{stem}.opt-1.pyc", f"{stem}.opt-2.pyc"):
            if candidate in names:
                try:
                    with open(os.path.join(folder, candidate), "rb") as handle:
                        header = handle.read(16)
                except OSError:
                    continue
                if pyc_header_proves(header, data, stamp, (lambda: read(path)) if read is not None else None):
                    return True
        return False


def parses(data: bytes, path: str) -> bool:
    """Does the parser accept ``data``? (True proves ``ast.parse`` does; False proves nothing)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            symtable.symtable(data, path, "exec")  # type: ignore[arg-type]  # bytes: the coding cookie is read
        except Exception:  # noqa: BLE001 - any failure only means "parse it whole to know"
            return False
    return True


class SyntaxLedger:
    """Candidate files (those a full parse would have parsed) and which of them are known to parse.

    ``checked`` holds files parsed whole (whatever the outcome) and files proven
    to parse; the rest of ``candidates`` is what the result counts as unchecked.
    """

    def __init__(self) -> None:
        self.candidates: set[str] = set()
        self.checked: set[str] = set()
        self.pyc = PycProof()

    def known(self, path: str, entry: dict[str, Any] | None = None) -> bool:
        """Is ``path`` checked, here or by a cached verdict (``entry``) for this version?"""
        if path in self.checked:
            return True
        if entry is not None and entry.get("parses") is True:
            self.checked.add(path)
            return True
        return False

    def prove(self, path: str, data: bytes | None, stamp: tuple[int, int], parse_it: bool,
              cache: SummaryCache, read: Callable[[str], bytes | None] | None = None) -> bool:
        """Prove ``path`` parses by its pyc (or, with ``parse_it`` and ``data``, by :func:`parses`); ``cache`` a proof.

        ``read(path)`` gives the bytes a hash-based pyc is checked against when ``data`` is None.
        """
        if path in self.checked:
            return True
        proven = self.pyc.proves(path, data, stamp, read) or (parse_it and data is not None and parses(data, path))
        if proven:
            self.proven(path, stamp, cache)
        return proven

    def proven(self, path: str, stamp: tuple[int, int], cache: SummaryCache) -> None:
        """Record that this version of ``path`` parses (here and in ``cache``)."""
        self.checked.add(path)
        cache.put(path, stamp, parses=True)

    @property
    def unchecked(self) -> set[str]:
        return self.candidates - self.checked
