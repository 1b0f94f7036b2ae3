"""Check that a ``module:attr`` reference resolves, without importing anything.

Configuration is validated before any test runs, and validating must not import
the target: its imports may need services, or be the very thing under test (a
deprecated module that still imports). So modules are found with the path-based
finders and names are looked up in the module's source with ``ast``.
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModuleLocation:
    """Where a module lives: a source file, a compiled file, or a package folder."""

    name: str
    origin: str | None
    is_package: bool


def split_reference(reference: str) -> tuple[str, str]:
    """Split ``"pkg.mod:Name"`` into ``("pkg.mod", "Name")``; ValueError if malformed."""
    module, sep, attr = reference.partition(":")
    if not sep or not is_dotted_name(module) or not is_dotted_name(attr):
        raise ValueError(f"expected 'package.module:attribute', got {reference!r}")
    return module, attr


def is_dotted_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def find_module(name: str, search_path: Sequence[str], *, use_sys_path: bool = True) -> ModuleLocation | None:
    """Locate ``name`` on ``search_path`` (then ``sys.path``) without importing it."""
    loaded = sys.modules.get(name) if use_sys_path else None  # else: only what lies under search_path
    if loaded is not None:
        spec = vars(loaded).get("__spec__")
        origin = getattr(spec, "origin", None) or vars(loaded).get("__file__")
        return ModuleLocation(name, origin, "__path__" in vars(loaded))
    if use_sys_path and name in sys.builtin_module_names:
        return ModuleLocation(name, "built-in", False)
    parts = name.split(".")
    locations: list[str] | None = [*search_path, *(sys.path if use_sys_path else ())]
    spec = None
    for depth in range(len(parts)):
        if locations is None:  # parent is a plain module: it cannot have submodules
            return None
        found = importlib.machinery.PathFinder.find_spec(".".join(parts[: depth + 1]), locations)
        if found is None:
            if spec is not None and _extends_own_path(spec.origin):
                # the parent package edits __path__ at import time (pkgutil-style
                # extension): only importing could tell, so do not reject
                return ModuleLocation(name, None, False)
            return None
        spec = found
        locations = (
            list(spec.submodule_search_locations)
            if spec.submodule_search_locations is not None
            else None
        )
    assert spec is not None
    origin = spec.origin if spec.has_location else None
    return ModuleLocation(name, origin, spec.submodule_search_locations is not None)


def _extends_own_path(init_file: str | None) -> bool:
    if not init_file or not init_file.endswith("__init__.py"):
        return False
    try:
        return "__path__" in Path(init_file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def top_level_names(source: str) -> tuple[set[str], bool]:
    """Names a module binds at import time, and whether it can bind others dynamically.

    Dynamic means a module-level ``__getattr__`` or a star import: then any name may
    exist and the caller must not reject it.
    """
    tree = ast.parse(source)
    names: set[str] = set()
    dynamic = False
    for node in _module_level_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            dynamic |= node.name == "__getattr__"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    dynamic = True
                else:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(_bound_names(target))
    return names, dynamic


def _module_level_statements(body: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements executed at import: descends into if/try/with, not into defs."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While)):
            yield from _module_level_statements(node.body)
            yield from _module_level_statements(node.orelse)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _module_level_statements(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield from _module_level_statements(handler.body)
            yield from _module_level_statements(node.orelse)  # type: ignore[attr-defined]
            yield from _module_level_statements(node.finalbody)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _module_level_statements(node.body)


def _bound_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def check_reference(reference: str, search_path: Sequence[str]) -> str | None:
    """Why ``reference`` does not resolve, or None when it does (or may, dynamically)."""
    try:
        module_name, attr = split_reference(reference)
    except ValueError as exc:
        return str(exc)
    location = find_module(module_name, search_path)
    if location is None:
        return f"module {module_name!r} is not found"
    first = attr.split(".")[0]
    loaded = sys.modules.get(module_name)
    if loaded is not None:
        return None if first in vars(loaded) else f"module {module_name!r} has no attribute {first!r}"
    if location.is_package and find_module(f"{module_name}.{first}", search_path) is not None:
        return None
    if not location.origin or not location.origin.endswith(".py"):
        return None  # compiled or namespace module: cannot check without importing
    try:
        source = Path(location.origin).read_text(encoding="utf-8", errors="replace")
        names, dynamic = top_level_names(source)
    except (OSError, SyntaxError, ValueError) as exc:
        return f"module {module_name!r} cannot be read ({type(exc).__name__}: {exc})"
    if first in names or dynamic:
        return None
    return f"module {module_name!r} ({location.origin}) defines no top-level name {first!r}"
