"""Runtime scan of ``sys.modules``: distinct implementations versus aliases.

The question a fragmented codebase cannot answer by reading one file: *how many
different objects* hide behind a name (three ``get_websocket_manager`` functions?)
and *how many paths* lead to each one. This module answers it from the live
interpreter, with rules that make it safe to run over anything that is loaded:

* it never imports: only modules already in ``sys.modules`` (snapshotted first)
  are read;
* it never calls a module's ``__getattr__`` or an object's ``__getattr__``,
  ``__eq__`` or ``__hash__``: module contents are read from the raw module dict
  through the ``ModuleType.__dict__`` descriptor, classified with ``type()``
  (a lazy proxy can fake ``__class__`` for ``isinstance``) and keyed by ``id()``;
* a value it does not understand is skipped, never touched.

Nothing here imports pytest: the same code runs inside the target's interpreter
for ``scan_runtime`` (see :mod:`pytest_ssot.scan.entry`); the bulk
"nothing matches" test lives in :mod:`pytest_ssot.scan.prefilter`, the object reading
in :mod:`pytest_ssot.scan.objects`, import-path resolution in :mod:`pytest_ssot.scan.import_paths`.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import and_ as _AND, is_
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any, Collection, Mapping, Pattern, Sequence

from pytest_ssot.scan.findings import (
    ALIAS,
    CLASS,
    DEFAULT_FUNCTIONS,
    IMPLEMENTATION,
    SHIM,
    Definition,
    ScanResult,
    compile_class_pattern,
    in_package,
    sort_definitions,
    split_classes,
)
from pytest_ssot.scan.delegation import final_delegate, is_forwarder
from pytest_ssot.scan.kinds import runtime_class_kind
from pytest_ssot.scan.import_paths import ImportPathReport, PathResolution, resolve_import_paths
from pytest_ssot.scan.objects import (
    LRU_WRAPPER,
    METHOD_WRAPPERS,
    PARTIAL,
    class_dict,
    class_module,
    code_qualname,
    function_site,
    module_dict,
    real_file,
    snapshot_modules,
    unwrap,
    wrapped_of,
)
from pytest_ssot.scan.prefilter import MODULE_DICT, TYPE_NAME, TYPE_QUALNAME, NameTest, all_classes, bindings_may_hit, nested_may_hit
from pytest_ssot.scan.file_summary import definition_lines

__all__ = [
    "ImportPathReport",
    "PathResolution",
    "module_dict",
    "resolve_import_paths",
    "scan_modules",
    "snapshot_modules",
    "unwrap",
]


@dataclass
class _Candidate:
    obj: object
    kind: str  # CLASS or a function kind
    paths: set[str] = field(default_factory=set)


class _Walker:
    """One pass over a module snapshot; collects candidates keyed by ``id()``."""

    def __init__(self, pattern: Pattern[str], functions: Sequence[str], nested: bool) -> None:
        self.test = NameTest(pattern, functions)
        self.functions = self.test.functions
        self.class_name_matches = self.test.class_name_matches
        self.nested = nested
        self.found: dict[int, _Candidate] = {}
        # id(outer class) -> [(relative qualname, id(nested candidate))]
        self.nested_under: dict[int, list[tuple[str, int]]] = {}

    # -- pass 1: find candidates ---------------------------------------
    def visit_modules(self, names: list[str], namespaces: list[dict[str, Any]]) -> None:
        """Find candidates in every module.

        The common case (nothing matches) is decided by :mod:`pytest_ssot.scan.prefilter`
        over all modules at once; only the modules it cannot rule out are walked
        one value at a time, on a copy of their namespace.
        """
        classes = all_classes()  # read once: both tests ask it
        flat_hit = bindings_may_hit(self.test, namespaces, classes)
        nested_hit = self.nested and nested_may_hit(self.test, classes)
        if not flat_hit and not nested_hit:
            return
        for modname, namespace in zip(names, namespaces):
            if (flat_hit and bindings_may_hit(self.test, [namespace])) or (
                nested_hit and self._own_classes_may_hit(modname, namespace)
            ):
                self._visit_module_slow(modname, dict.copy(namespace))

    def _own_classes_may_hit(self, modname: str, namespace: dict[str, Any]) -> bool:
        """Could a definition nested in a class this module defines be a candidate?"""
        values = list(namespace.values())
        classes = list(compress(values, map(issubclass, map(type, values), repeat(type))))
        seen: set[int] = set()
        for _depth in range(20):
            classes = [c for c in classes if id(c) not in seen]
            if not classes:
                return False
            seen.update(map(id, classes))
            dicts = [class_dict(c) for c in classes]
            if self.test.any_key_in(dicts):
                return True
            inner = [(k, v) for d in dicts for k, v in d.items() if issubclass(type(v), type)]
            if inner and self.test.names_may_match(k for k, _v in inner):
                return True
            classes = [v for _k, v in inner]
        return True  # absurdly deep: let the exact walk decide

    def _visit_module_slow(self, modname: str, namespace: dict[str, Any]) -> None:
        functions = self.functions
        for key, value in namespace.items():
            t = type(value)
            if t is FunctionType:
                if key in functions or value.__code__.co_name in functions:
                    self._add_function(value)
            elif issubclass(t, type):
                if self.class_name_matches(key) or self.class_name_matches(TYPE_NAME.__get__(value, type)):
                    self._add(value, CLASS)
                if self.nested and class_module(value) == modname:
                    self._visit_class(value, TYPE_QUALNAME.__get__(value, type), id(value), "")
            elif key in functions:
                self._add_function(value)

    def _visit_class(self, cls: type, qualname: str, outer_id: int, rel: str, depth: int = 0) -> None:
        if depth > 20:
            return
        for key, value in class_dict(cls).items():
            t = type(value)
            if t in METHOD_WRAPPERS:
                value = wrapped_of(value)
                t = type(value)
            inner_rel = f"{rel}.{key}" if rel else key
            if t is FunctionType:
                # matched by the key it is reachable under (what the prefilter reads)
                if key in self.functions and code_qualname(value) == f"{qualname}.{key}":
                    self._add_function(value)
                    self.nested_under.setdefault(outer_id, []).append((inner_rel, id(value)))
            elif issubclass(t, type):
                inner_qualname = TYPE_QUALNAME.__get__(value, type)
                if inner_qualname != f"{qualname}.{key}":
                    continue  # an attribute that points elsewhere, not a nested definition
                if self.class_name_matches(key):
                    self._add(value, CLASS)
                    self.nested_under.setdefault(outer_id, []).append((inner_rel, id(value)))
                self._visit_class(value, inner_qualname, outer_id, inner_rel, depth + 1)

    def _add(self, value: object, kind: str) -> None:
        if id(value) not in self.found:
            self.found[id(value)] = _Candidate(value, kind)

    def _add_function(self, value: object) -> None:
        t = type(value)
        if t is FunctionType:
            inner = wrapped_of(value)
            if (inner is not None and unwrap(value) is not value) or (inner is None and is_forwarder(value)):
                kind = SHIM
            elif value.__code__.co_name in self.functions:
                kind = IMPLEMENTATION
            else:
                kind = ALIAS
        elif t is BuiltinFunctionType or t is LRU_WRAPPER or t is PARTIAL:
            kind = IMPLEMENTATION
        else:
            return
        self._add(value, kind)

    # -- pass 2: every path to every candidate ---------------------------
    def collect_paths(self, modname: str, namespace: dict[str, Any]) -> None:
        found = self.found
        nested_under = self.nested_under
        for key, value in namespace.items():
            ident = id(value)
            if ident in found:
                found[ident].paths.add(f"{modname}.{key}")
            if ident in nested_under:
                for rel, inner in nested_under[ident]:
                    found[inner].paths.add(f"{modname}.{key}.{rel}")


def scan_modules(
    prefix: str = "",
    class_pattern: str | Pattern[str] | None = None,
    functions: Sequence[str] = DEFAULT_FUNCTIONS,
    *,
    modules: Mapping[str, object] | None = None,
    nested: bool = True,
    exclude_modules: Collection[str] = (),
) -> ScanResult:
    """Scan the modules already loaded under ``prefix`` (all of them for "").

    Returns one :class:`Definition` per distinct object: classes whose name
    matches ``class_pattern`` and functions bound under (or defined as) one of
    ``functions``; with ``nested`` (the default) also classes and methods
    defined inside the classes of those modules, matched by the name they are
    reachable under. Modules that cannot hold a match are ruled out in bulk
    (:mod:`pytest_ssot.scan.prefilter`) before any per-value Python loop. Importing nothing, it sees only what is loaded; use
    :func:`pytest_ssot.scan.entry.scan_runtime` for the whole package. Modules named in
    ``exclude_modules`` (files the ``exclude`` globs removed) are not walked.
    Matching protocols, enums and exception classes go to ``other_classes``.
    """
    started = time.perf_counter()
    walker = _Walker(compile_class_pattern(class_pattern), functions, nested)
    names, namespaces = _namespaces(*_module_pairs(modules), prefix)
    skip = set(exclude_modules)
    if skip:
        kept = [i for i, name in enumerate(names) if name not in skip]
        names, namespaces = [names[i] for i in kept], [namespaces[i] for i in kept]
    walker.visit_modules(names, namespaces)  # read in C-level passes; copied before a Python loop
    if walker.found:
        for modname, namespace in zip(names, namespaces):
            walker.collect_paths(modname, dict.copy(namespace))
    file_types = list(map(type, map(dict.get, namespaces, repeat("__file__"))))
    known_files = dict(zip(names, map(dict.get, namespaces, repeat("__file__")))) if walker.found else {}
    module_files = _module_files(modules, known_files)
    classes, funcs = [], []
    for cand in walker.found.values():
        definition = _class_definition(cand, module_files) if cand.kind == CLASS else _function_definition(cand)
        if definition.module in skip:
            continue  # defined in an excluded file (a test double), reached through an import
        (classes if cand.kind == CLASS else funcs).append(definition)
    classes, other_classes = split_classes(classes)
    return ScanResult(
        mode="runtime",
        package=prefix,
        classes=classes,
        functions=sort_definitions(funcs),
        other_classes=other_classes,
        files_scanned=file_types.count(str),
        modules_scanned=len(namespaces),
        seconds=time.perf_counter() - started,
        python=sys.version.split()[0],
        class_pattern=walker.test.pattern.pattern,
        searched_functions=sorted(walker.functions),
    )


def _module_pairs(modules: Mapping[str, object] | None) -> tuple[list[Any], list[object]]:
    """Names and modules of ``modules`` (``sys.modules``), frozen (imports during the scan can't break it).

    A dict is copied in one C call and read as two lists: cheaper than a list of pairs.
    """
    source = sys.modules if modules is None else modules
    if type(source) is dict:
        frozen = dict.copy(source)
        return list(frozen), list(frozen.values())
    pairs = snapshot_modules(source)
    return [name for name, _m in pairs], [module for _n, module in pairs]


def _namespaces(keys: list[Any], values: list[object], prefix: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Names and raw namespaces of the real modules under ``prefix``.

    Plain ``ModuleType`` instances (nearly all) are read in one C-level pass;
    anything else goes through :func:`module_dict` one at a time.
    """
    plain = list(map(is_, map(type, values), repeat(ModuleType)))
    if prefix or list(map(type, keys)).count(str) != len(keys):
        named = list(map(is_, map(type, keys), repeat(str)))
        if prefix:
            named = [ok and in_package(name, prefix) for ok, name in zip(named, keys)]
        fast = list(map(_AND, plain, named))
    else:  # every name a str, none left out: the module's type alone decides
        named, fast = [True] * len(keys), plain
    names = list(compress(keys, fast))
    namespaces = list(map(MODULE_DICT.__get__, compress(values, fast)))
    if fast.count(False) > named.count(False):  # a module subclass (or a stand-in) under a wanted name
        for name, module, is_plain, is_named in zip(keys, values, plain, named):
            if is_named and not is_plain:
                namespace = module_dict(module, copy=False)
                if namespace is not None:
                    names.append(name)
                    namespaces.append(namespace)
    return names, namespaces


def _module_files(modules: Mapping[str, object] | None, known: dict[str, Any]) -> Mapping[str, Any]:
    """module name -> ``__file__`` (read lazily for modules outside the prefix)."""

    class _Lookup(dict):  # type: ignore[type-arg]
        def __missing__(self, name: str) -> Any:
            source = sys.modules if modules is None else modules
            namespace = module_dict(source.get(name))
            value = self[name] = namespace.get("__file__") if namespace else None
            return value

    return _Lookup(known)


def _class_definition(cand: _Candidate, module_files: Mapping[str, Any]) -> Definition:
    cls = cand.obj
    module = class_module(cls)  # type: ignore[arg-type]
    qualname = TYPE_QUALNAME.__get__(cls, type)
    file = real_file(module_files[module])
    line = definition_lines(file).get(qualname) if file else None
    return Definition(
        name=TYPE_NAME.__get__(cls, type),
        module=module,
        qualname=qualname,
        kind=runtime_class_kind(cls),  # type: ignore[arg-type]
        file=file,
        line=line,
        paths=tuple(sorted(cand.paths)),
        object_id=id(cls),
    )


def _function_definition(cand: _Candidate) -> Definition:
    obj = cand.obj
    wraps = None
    inner = unwrap(obj)
    if type(inner) is FunctionType or (cand.kind == SHIM and type(obj) is FunctionType):
        module, qualname, name, file, line = function_site(inner if cand.kind != SHIM else obj)  # type: ignore[arg-type]
        if cand.kind == SHIM:
            target = final_delegate(obj)
            if type(target) is FunctionType and target is not obj:
                t_module, t_qualname, *_ = function_site(target)
                wraps = f"{t_module}.{t_qualname}"
    else:  # a builtin or C-level callable
        name = str(getattr(inner, "__name__", "?")) if type(inner) is BuiltinFunctionType else "?"
        module = str(getattr(inner, "__module__", "?")) if type(inner) is BuiltinFunctionType else "?"
        qualname, file, line = name, None, None
    return Definition(
        name=name,
        module=module,
        qualname=qualname,
        kind=cand.kind,
        file=file,
        line=line,
        paths=tuple(sorted(cand.paths)),
        wraps=wraps,
        object_id=id(obj),
    )
