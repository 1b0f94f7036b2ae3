"""Where ``module:Name`` import paths lead, among the modules already loaded.

"Is ``a.b:Manager`` the same object as ``c:Manager``?" is answered by ``id()``
after resolving each path through raw namespaces, importing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import FunctionType
from typing import Mapping, Sequence

from pytest_ssot.scan.objects import class_dict, class_module, function_site, is_class, module_dict, snapshot_modules, unwrap
from pytest_ssot.scan.prefilter import TYPE_NAME, TYPE_QUALNAME


@dataclass(frozen=True)
class PathResolution:
    """Where one ``module:Name`` import path leads (``object_id`` None if nowhere)."""

    path: str
    object_id: int | None
    definition: str | None  # module.qualname of the object it leads to
    error: str | None = None


@dataclass(frozen=True)
class ImportPathReport:
    resolutions: tuple[PathResolution, ...]

    @property
    def same_object(self) -> bool:
        """True if every path resolved and all lead to one object."""
        ids = {r.object_id for r in self.resolutions}
        return bool(self.resolutions) and None not in ids and len(ids) == 1

    @property
    def distinct(self) -> int:
        return len({r.object_id for r in self.resolutions if r.object_id is not None})


def resolve_import_paths(
    paths: Sequence[str], modules: Mapping[str, object] | None = None
) -> ImportPathReport:
    """Resolve ``a.b:Name`` (or ``a.b:Outer.Inner``) paths among loaded modules.

    Imports nothing: a module that is not loaded is an error for that path.
    Use :func:`pytest_ssot.scan.probes.probe_import_paths` to import them first in a
    child interpreter.
    """
    source = dict(snapshot_modules(modules))
    out = []
    for path in paths:
        out.append(_resolve_one(path, source))
    return ImportPathReport(tuple(out))


def _resolve_one(path: str, source: Mapping[str, object]) -> PathResolution:
    modname, sep, attr = path.partition(":")
    if not sep or not attr:
        return PathResolution(path, None, None, "expected 'module:Name'")
    namespace = module_dict(source.get(modname))
    if namespace is None:
        return PathResolution(path, None, None, f"module {modname!r} is not loaded")
    value: object = namespace
    for part in attr.split("."):
        scope = value if type(value) is dict else (class_dict(value) if is_class(value) else None)  # type: ignore[arg-type]
        if scope is None or part not in scope:
            return PathResolution(path, None, None, f"{modname!r} has no attribute {attr!r}")
        value = scope[part]
    return PathResolution(path, id(value), _describe(value))


def _describe(value: object) -> str:
    if is_class(value):
        return f"{class_module(value)}.{TYPE_QUALNAME.__get__(value, type)}"  # type: ignore[arg-type]
    inner = unwrap(value)
    if type(inner) is FunctionType:
        module, qualname, *_ = function_site(value if type(value) is FunctionType else inner)  # type: ignore[arg-type]
        return f"{module}.{qualname}"
    return f"<{TYPE_NAME.__get__(type(value), type)} object>"
