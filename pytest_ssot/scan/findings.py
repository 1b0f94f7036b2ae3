"""Result types shared by the runtime scan, the static scan and the probes.

Both scans answer the same questions ("which distinct classes and functions are
there, where are they defined, from which paths are they reachable?") and return
the same :class:`ScanResult`, so a suite can switch between them and the CLI can
print either with one schema. Everything here is plain data: JSON in, JSON out,
no pytest and nothing outside the standard library (the runtime scan runs these
types inside the target's own interpreter).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable, Pattern

from pytest_ssot.config.schema import DEFAULT_CLASS_PATTERN, DEFAULT_FUNCTION_NAME, THRESHOLD_KEYS

# kinds of a function entry
IMPLEMENTATION = "implementation"  # an independent function
SHIM = "shim"  # delegates to another function: a functools.wraps wrapper, or a body that only forwards its parameters
ALIAS = "alias"  # a function bound under the searched name but defined under another
# kinds of a class entry: only CLASS is an implementation; the others are listed apart
CLASS = "class"
PROTOCOL = "protocol"  # a typing.Protocol interface (Protocol among its own bases)
ENUM = "enum"  # an enum.Enum subclass
EXCEPTION = "exception"  # a BaseException subclass
OTHER_CLASS_KINDS: tuple[str, ...] = (PROTOCOL, ENUM, EXCEPTION)

# the defaults live in the configuration schema (DEFAULT_CLASS_PATTERN is re-exported from here)
DEFAULT_FUNCTIONS: tuple[str, ...] = (DEFAULT_FUNCTION_NAME,)
DEFAULT_MAX_IMPLEMENTATIONS: int = THRESHOLD_KEYS["max_redundant_implementations"].default
DEFAULT_MAX_IMPORT_PATHS: int = THRESHOLD_KEYS["max_import_paths"].default + 1  # a limit: "fewer than 12"


@dataclass(frozen=True)
class Definition:
    """One distinct object (class or function) and every path it is reachable from.

    ``module``/``qualname`` say where it is *defined* (for a ``functools.wraps``
    wrapper, the wrapper's own module, not the one ``wraps`` copied in);
    ``paths`` are ``module.Name`` spellings under the scanned package, sorted.
    ``object_id`` is ``id()`` in the scanning process (runtime scan only).
    """

    name: str
    module: str
    qualname: str
    kind: str
    file: str | None = None
    line: int | None = None
    paths: tuple[str, ...] = ()
    wraps: str | None = None
    object_id: int | None = None

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.qualname}"

    def where(self) -> str:
        """``(id=...)`` at runtime, ``(file:line)`` statically."""
        if self.object_id is not None:
            return f"(id={self.object_id})"
        return f"({self.file}:{self.line})" if self.file else "(unknown location)"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["paths"] = list(self.paths)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Definition:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["paths"] = tuple(kwargs.get("paths", ()))
        return cls(**kwargs)


@dataclass(frozen=True)
class ModuleImportError:
    """A module that failed to import while the runtime scan imported everything.

    A broken module is not a duplicate: it is reported here and the scan goes on.
    """

    module: str
    error_type: str
    message: str


@dataclass(frozen=True)
class ParseError:
    """A file the static scan could not parse (reported, never fatal)."""

    file: str
    line: int | None
    message: str
    python: str  # the interpreter that could not parse it, e.g. "3.11.7"
    needs: str | None = None  # e.g. "Python >= 3.12 (...)" when it can tell


@dataclass(frozen=True)
class ImportSite:
    """One ``import``/``from ... import`` statement naming a given module."""

    importer: str  # module that contains the statement
    file: str
    line: int
    imported: str  # the absolute module the statement imports (or imports from)
    statement: str


@dataclass
class ScanResult:
    """What one scan found, runtime or static (see ``mode``)."""

    mode: str
    package: str
    classes: list[Definition] = field(default_factory=list)  # implementations only (kind CLASS)
    functions: list[Definition] = field(default_factory=list)
    # matching protocols, enums and exception classes: listed, never counted as implementations
    other_classes: list[Definition] = field(default_factory=list)
    # exclude glob -> number of files it removed from the scan
    excluded: dict[str, int] = field(default_factory=dict)
    import_errors: list[ModuleImportError] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    importers: list[ImportSite] = field(default_factory=list)
    files_scanned: int = 0
    files_parsed: int = 0
    # (static) files a full parse would have parsed whose syntax this scan did not check
    # (see pytest_ssot.scan.static_syntax); 0 means parse_errors are exactly a full parse's
    syntax_unchecked: int = 0
    modules_scanned: int = 0
    seconds: float = 0.0
    python: str | None = None
    # what was searched for, so "nothing matched" can say what
    class_pattern: str | None = None
    searched_functions: list[str] = field(default_factory=list)

    # -- queries the assertions use -------------------------------------
    def functions_named(self, name: str) -> list[Definition]:
        """Entries found under the searched function name ``name``."""
        return [d for d in self.functions if name in leaf_names(d)]

    def implementations(self, name: str) -> list[Definition]:
        """Distinct objects under ``name`` that are not shims of another one."""
        return [d for d in self.functions_named(name) if d.kind != SHIM]

    def classes_named(self, name: str) -> list[Definition]:
        """Distinct classes reachable under ``name``: defined so, or bound so (an alias).

        After a consolidation the canonical class is often defined under another
        name and aliased; before it, two different classes carry the same name.
        Both count as "a class called ``name``"; each object once.
        """
        return [d for d in self.classes if name in leaf_names(d)]

    def syntax_note(self) -> str | None:
        """One line when parse errors may be missing (files never parsed whole nor proven to parse)."""
        if not self.syntax_unchecked:
            return None
        n = self.syntax_unchecked
        return (f"syntax not checked in {n} file{'s' if n != 1 else ''} that name a searched word but yield no "
                "finding (no valid __pycache__ entry); check_syntax=True / --check-syntax parses them all")

    def all_paths(self, defs: Iterable[Definition] | None = None) -> list[str]:
        seen: set[str] = set()
        for d in self.classes + self.functions if defs is None else defs:
            seen.update(d.paths)
        return sorted(seen)

    # -- JSON (the CLI schema) -------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "package": self.package,
            "python": self.python,
            "classes": [d.to_json() for d in self.classes],
            "functions": [d.to_json() for d in self.functions],
            "other_classes": [d.to_json() for d in self.other_classes],
            "excluded": dict(self.excluded),
            "import_errors": [asdict(e) for e in self.import_errors],
            "parse_errors": [asdict(e) for e in self.parse_errors],
            "importers": [asdict(e) for e in self.importers],
            "files_scanned": self.files_scanned,
            "files_parsed": self.files_parsed,
            "syntax_unchecked": self.syntax_unchecked,
            "modules_scanned": self.modules_scanned,
            "seconds": round(self.seconds, 6),
            "class_pattern": self.class_pattern,
            "searched_functions": list(self.searched_functions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScanResult:
        return cls(
            mode=data["mode"],
            package=data["package"],
            python=data.get("python"),
            classes=[Definition.from_json(d) for d in data.get("classes", [])],
            functions=[Definition.from_json(d) for d in data.get("functions", [])],
            other_classes=[Definition.from_json(d) for d in data.get("other_classes", [])],
            excluded=dict(data.get("excluded", {})),
            import_errors=[ModuleImportError(**e) for e in data.get("import_errors", [])],
            parse_errors=[ParseError(**e) for e in data.get("parse_errors", [])],
            importers=[ImportSite(**e) for e in data.get("importers", [])],
            files_scanned=data.get("files_scanned", 0),
            files_parsed=data.get("files_parsed", 0),
            syntax_unchecked=data.get("syntax_unchecked", 0),
            modules_scanned=data.get("modules_scanned", 0),
            seconds=data.get("seconds", 0.0),
            class_pattern=data.get("class_pattern"),
            searched_functions=list(data.get("searched_functions", [])),
        )


def leaf_names(d: Definition) -> set[str]:
    """Every name ``d`` is reachable under: its own, and the last part of each of its paths."""
    names = {p.rsplit(".", 1)[-1] for p in d.paths}
    names.add(d.name)
    return names


def compile_class_pattern(pattern: str | Pattern[str] | None) -> Pattern[str]:
    """The class-name regex (default: contains both "websocket" and "manager")."""
    if pattern is None:
        pattern = DEFAULT_CLASS_PATTERN
    return pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)


def split_classes(defs: Iterable[Definition]) -> tuple[list[Definition], list[Definition]]:
    """(implementations, protocols/enums/exceptions), each sorted."""
    defs = list(defs)
    return (sort_definitions(d for d in defs if d.kind == CLASS),
            sort_definitions(d for d in defs if d.kind != CLASS))


def sort_definitions(defs: Iterable[Definition]) -> list[Definition]:
    return sorted(defs, key=lambda d: (d.module, d.qualname))


def in_package(module: str, package: str) -> bool:
    """True if ``module`` is ``package`` or below it ("" matches everything)."""
    return not package or module == package or module.startswith(package + ".")
