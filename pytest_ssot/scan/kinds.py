"""Which matched classes are implementations, and which are something else.

A name pattern like "contains websocket and manager" also matches the enum of
manager modes, the ``typing.Protocol`` the managers implement and the error
they raise. None of those is a redundant implementation, so both scans give
them their own kind (protocol, enum, exception) and the counts leave them out.

The rules, the same in both scans:

* protocol: ``Protocol`` is one of the class's *own* bases (as ``typing``
  decides: a subclass of a protocol that does not list ``Protocol`` again is a
  concrete class);
* enum: an ``enum.Enum`` subclass, at any depth;
* exception: a ``BaseException`` subclass, at any depth.

The runtime scan reads the class's MRO; the static scan follows bases defined
in the tree and recognises the standard library's enum and built-in exception
bases by name. A base from a third-party library is known only at run time.
"""

from __future__ import annotations

import builtins
import enum

from pytest_ssot.scan.findings import CLASS, ENUM, EXCEPTION, PROTOCOL
from pytest_ssot.scan.objects import class_dict, class_mro

ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


def base_kind(dotted: str) -> str | None:
    """The kind a base *outside the tree* gives a class, from its spelling (None: no kind)."""
    head, _, last = dotted.rpartition(".")
    if last in ENUM_BASES and head in ("", "enum"):
        return ENUM
    if last in BUILTIN_EXCEPTIONS and head in ("", "builtins"):
        return EXCEPTION
    return None


def runtime_class_kind(cls: type) -> str:
    """The kind of a live class, read through ``type``'s descriptors (no user code runs)."""
    if class_dict(cls).get("_is_protocol") is True:
        return PROTOCOL
    for base in class_mro(cls):
        if base is enum.Enum:
            return ENUM
        if base is BaseException:
            return EXCEPTION
    return CLASS
