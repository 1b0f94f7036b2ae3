"""Name resolution over file summaries: where does ``module.name`` lead?

Follows ``from X import Y``, ``import X as Y``, ``Name = Other`` aliases and
star imports (``__all__`` honoured) through the summaries of the files under
one root, to the definition (or module) a name finally denotes. Files are
loaded on demand through :meth:`Resolver.module`, which the scanner provides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_ssot.scan.source_tree import SourceFile, module_file, resolve_relative


@dataclass
class ModuleSummary:
    """One file's summary and what is derived from it (memoised)."""

    file: SourceFile
    summary: dict[str, Any] | None  # None: not parsed (irrelevant, or a parse error)
    _table: dict[str, list[Any]] | None = None
    _def_kinds: dict[str, list[Any]] | None = None
    # partial: parsed only up to the end of its last line that may bind a searched
    # name; its bindings are final (nothing after the cut rebinds them), but a name
    # it lacks may be bound after the cut, so a miss loads the whole file
    partial: bool = False

    def def_info(self, qualname: str) -> list[Any] | None:
        """The summary's [qualname, kind, line, wraps] for ``qualname``, if defined here."""
        if self._def_kinds is None:
            self._def_kinds = {d[0]: d for d in (self.summary or {}).get("defs", [])}
        return self._def_kinds.get(qualname)


class Resolver:
    """Resolution over ``self.modules``; subclasses load them (:meth:`module`)."""

    root: str
    modules: dict[str, ModuleSummary]
    files: dict[str, SourceFile | None]  # module -> module_file() under root, memoised (None: not under root)

    def module(self, name: str) -> ModuleSummary | None:  # pragma: no cover - abstract
        """The summary of module ``name`` under root, loading it if needed."""
        raise NotImplementedError

    def full(self, name: str) -> ModuleSummary | None:
        """Like :meth:`module`, with the whole file read (default: what :meth:`module` gives)."""
        return self.module(name)

    def table(self, name: str, seen: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
        """Module-level name -> last binding (star imports expanded)."""
        mod = self.module(name)
        if mod is None or mod.summary is None:
            return {}
        if mod._table is not None:
            return mod._table
        table: dict[str, list[Any]] = {}
        for binding in mod.summary["bindings"]:
            if binding[0] == "star":
                source = resolve_relative(name, mod.file.is_package, binding[1], binding[2])
                if source in seen:
                    continue
                self.full(source)  # its __all__ and every name it binds
                source_table = self.table(source, seen | {name})
                exported = self._exports(source, source_table)
                for exported_name in exported:
                    table[exported_name] = ["from", exported_name, source, exported_name, 0]
            else:
                table[binding[1]] = binding
        if not seen:
            mod._table = table
        return table

    def _exports(self, name: str, table: dict[str, list[Any]]) -> list[str]:
        mod = self.modules.get(name)
        declared = mod.summary.get("all") if mod and mod.summary else None
        return list(declared) if declared is not None else [n for n in table if not n.startswith("_")]

    def module_file(self, module: str) -> SourceFile | None:
        """The file of ``module`` under root (None if there is none), looked up once per resolver."""
        try:
            return self.files[module]
        except KeyError:
            sf = self.files[module] = module_file(self.root, module)
            return sf

    def _exists(self, module: str) -> bool:
        return module in self.modules or self.module_file(module) is not None

    def resolve(self, module: str, name: str, depth: int = 0) -> tuple[str, str, str] | None:
        """("def", module, qualname) or ("module", module, "") for ``module.name``."""
        if depth > 50:
            return None
        binding = self.table(module).get(name)
        if binding is None and module in self.modules and self.modules[module].partial:
            self.full(module)
            binding = self.table(module).get(name)
        if binding is None:
            sub = f"{module}.{name}" if module else name
            return ("module", sub, "") if self._exists(sub) else None
        kind = binding[0]
        if kind == "def":
            return ("def", module, binding[2])
        if kind == "import":
            return ("module", binding[2], "")
        if kind == "from":
            mod = self.modules[module]
            source = resolve_relative(module, mod.file.is_package, binding[2], binding[4])
            if not self._exists(source):
                return None
            return self.resolve(source, binding[3], depth + 1)
        if kind == "alias":
            return self.resolve_dotted(module, binding[2], depth + 1)
        return None

    def resolve_dotted(self, module: str, dotted: str, depth: int = 0) -> tuple[str, str, str] | None:
        """Like :meth:`resolve`, for ``a.b.C`` written in ``module`` (attributes of classes too)."""
        head, *rest = dotted.split(".")
        target = self.resolve(module, head, depth + 1)
        for part in rest:
            if target is None:
                return None
            if target[0] == "module":
                target = self.resolve(target[1], part, depth + 1)
            else:
                qualname = f"{target[2]}.{part}"
                owner = self.modules.get(target[1])
                target = ("def", target[1], qualname) if owner and owner.def_info(qualname) else None
        return target
