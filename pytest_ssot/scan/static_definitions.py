"""What each matched definition of the static scan is: a class's kind, and a function's.

A matched class is an implementation unless its bases make it a protocol, an
enum or an exception (:mod:`pytest_ssot.scan.kinds`, followed through bases
defined in the tree). A matched function is an implementation when it bears a
searched name, an alias when it is bound under one, and a shim when it only
forwards to another function (:mod:`pytest_ssot.scan.file_summary` records whom
a forwarding body calls; here the chain is followed to the function it ends at).
Every name is resolved through the scanner, so what it reads to decide is
what the scan proves parses.
"""

from __future__ import annotations

import builtins
from typing import Collection

from pytest_ssot.scan.findings import (
    ALIAS,
    CLASS,
    ENUM,
    EXCEPTION,
    IMPLEMENTATION,
    PROTOCOL,
    SHIM,
    Definition,
    sort_definitions,
)
from pytest_ssot.scan.kinds import base_kind
from pytest_ssot.scan.static_resolve import Resolver

_BUILTINS = vars(builtins)


class DefinitionKinds:
    """The kinds of matched definitions, asked of a scanner's summaries (``functions``: the searched names)."""

    def __init__(self, scanner: Resolver, functions: Collection[str]) -> None:
        self.scanner = scanner
        self.functions = functions

    def of(self, matched: dict[tuple[str, str], set[str]]) -> tuple[list[Definition], list[Definition]]:
        """(classes, functions) of the matched definitions, each with its kind; both sorted."""
        classes, functions = [], []
        for (module, qualname), paths in matched.items():
            mod = self.scanner.modules[module]
            _q, kind, line, wraps = mod.def_info(qualname)[:4]  # type: ignore[index]
            name = qualname.rsplit(".", 1)[-1]
            common = dict(name=name, module=module, qualname=qualname, file=mod.file.path, line=line, paths=tuple(sorted(paths)))
            if kind == CLASS:
                classes.append(Definition(kind=self.class_kind(module, qualname), **common))  # type: ignore[arg-type]
                continue
            target = None
            if wraps and self.delegates_to_function(module, wraps):
                fkind = SHIM
                target = self.final_target(module, qualname, wraps)
            else:
                fkind = IMPLEMENTATION if name in self.functions else ALIAS
            functions.append(Definition(kind=fkind, wraps=target, **common))  # type: ignore[arg-type]
        return sort_definitions(classes), sort_definitions(functions)

    def class_kind(self, module: str, qualname: str, depth: int = 0) -> str:
        """CLASS, or PROTOCOL/ENUM/EXCEPTION by the rules of :mod:`pytest_ssot.scan.kinds`."""
        info = self.scanner.modules[module].def_info(qualname) if module in self.scanner.modules else None
        bases = (info[4] if info and len(info) > 4 else None) or []
        resolved = [(base, self.scanner.resolve_dotted(module, base) if base != "?" else None) for base in bases]
        if depth == 0 and any(b.rpartition(".")[2] == "Protocol" and not (t and t[0] == "def") for b, t in resolved):
            return PROTOCOL
        for base, target in resolved:
            if target and target[0] == "def":
                kind = self.class_kind(target[1], target[2], depth + 1) if depth < 30 else CLASS
            else:
                kind = base_kind(base) or CLASS
            if kind in (ENUM, EXCEPTION):
                return kind
        return CLASS

    def delegates_to_function(self, module: str, wraps: str) -> bool:
        """A delegation to a class (``return Manager(ctx)``) builds something: not a shim."""
        target = self.scanner.resolve_dotted(module, wraps)
        if target and target[0] == "def":
            info = self.scanner.modules[target[1]].def_info(target[2])
            return not (info and info[1] == CLASS)
        head = wraps.split(".")[0]
        if target is None and "." not in wraps and head in _BUILTINS:
            return not isinstance(_BUILTINS[head], type)
        return True  # outside the tree: delegation all the same

    def final_target(self, module: str, qualname: str, wraps: str) -> str | None:
        """The function a delegation chain ends at (None if its first step leaves the tree)."""
        seen = {(module, qualname)}
        current = None
        while True:
            target = self.scanner.resolve_dotted(module, wraps)
            if not target or target[0] != "def":
                return current
            info = self.scanner.modules[target[1]].def_info(target[2])
            if info and info[1] == CLASS:
                return current  # a constructor call ends the chain at the function making it
            module, qualname = target[1], target[2]
            current = f"{module}.{qualname}"
            if (module, qualname) in seen or not info or not info[3]:
                return current
            seen.add((module, qualname))
            wraps = info[3]
