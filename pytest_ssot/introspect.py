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
for ``scan_runtime`` (see :mod:`pytest_ssot.runtime`).
"""

from __future__ import annotations

import functools
import operator
import os
import sys
import time
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any, Iterable, Mapping, Pattern, Sequence

from pytest_ssot.findings import (
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
)
from pytest_ssot.static import definition_lines, required_literals

# Descriptors read straight off the C types: calling them runs no user code.
_MODULE_DICT = ModuleType.__dict__["__dict__"]
_TYPE_DICT = type.__dict__["__dict__"]
_TYPE_NAME = type.__dict__["__name__"]
_TYPE_QUALNAME = type.__dict__["__qualname__"]
_TYPE_MODULE = type.__dict__["__module__"]
_FUNC_DICT = FunctionType.__dict__["__dict__"]
_LRU_WRAPPER: type = type(functools.lru_cache(None)(lambda: None))
_PARTIAL: type = functools.partial
_METHOD_WRAPPERS: tuple[type, ...] = (staticmethod, classmethod)
_MAX_WRAP_DEPTH = 64
# C-level predicates for the bulk pass: none of them can run user code
_IS_METACLASS = functools.partial(type.__subclasscheck__, type)  # type(x) is a metaclass: x is a class
_CO_NAME = operator.attrgetter("__code__.co_name")  # only ever applied to exact FunctionType
_VALUES = operator.methodcaller("values")  # only ever applied to a class's mappingproxy
_NOT = operator.not_


def module_dict(module: object, copy: bool = True) -> dict[str, Any] | None:
    """A copy of a module's namespace, or None if ``module`` is not a real module.

    Goes through the C-level ``__dict__`` descriptor of ``ModuleType``, so a
    module subclass with a custom ``__getattribute__``/``__getattr__`` (lazy
    loaders) is not asked anything.
    """
    if not issubclass(type(module), ModuleType):
        return None
    try:
        namespace = _MODULE_DICT.__get__(module, ModuleType)
    except Exception:
        return None
    if type(namespace) is not dict:
        return None
    return dict.copy(namespace) if copy else namespace


def snapshot_modules(modules: Mapping[str, object] | None = None) -> list[tuple[str, object]]:
    """``sys.modules`` frozen into a list (imports during the scan can't break it)."""
    source = sys.modules if modules is None else modules
    return list(dict.copy(source).items()) if type(source) is dict else list(source.items())


def _is_class(value: object) -> bool:
    return issubclass(type(value), type)


def _class_dict(cls: type) -> Mapping[str, Any]:
    try:
        return dict(_TYPE_DICT.__get__(cls, type))
    except Exception:
        return {}


def _class_module(cls: type) -> str:
    try:
        module = _TYPE_MODULE.__get__(cls, type)
    except Exception:
        return "?"
    return module if type(module) is str else "?"


def _function_site(func: FunctionType) -> tuple[str, str, str, str | None, int | None]:
    """(module, qualname, name, file, line) from the code object and globals.

    ``functools.wraps`` overwrites ``__module__``/``__qualname__``/``__name__``
    with the wrapped function's, so the wrapper's own identity comes from its
    code object (``co_qualname``) and its globals (``__name__``).
    """
    code = func.__code__
    namespace = func.__globals__
    module = namespace.get("__name__") if type(namespace) is dict else None
    if type(module) is not str:
        module = "?"
    qualname = getattr(code, "co_qualname", None) or code.co_name
    return module, qualname, code.co_name, _real_file(code.co_filename), code.co_firstlineno


def _real_file(path: object) -> str | None:
    if type(path) is not str or not path or path.startswith("<"):
        return None
    return os.path.realpath(path)


def _wrapped_of(value: object) -> object | None:
    """The ``__wrapped__`` a functools wrapper keeps, read without ``getattr``."""
    t = type(value)
    if t is FunctionType:
        return _FUNC_DICT.__get__(value, FunctionType).get("__wrapped__")
    if t is _LRU_WRAPPER:
        try:
            return object.__getattribute__(value, "__dict__").get("__wrapped__")
        except Exception:
            return None
    if t is _PARTIAL:
        return value.func  # type: ignore[attr-defined]
    if t in _METHOD_WRAPPERS:
        return value.__func__  # type: ignore[attr-defined]
    return None


def unwrap(value: object) -> object:
    """Follow ``__wrapped__`` (and partial/staticmethod) to the innermost object."""
    seen = {id(value)}
    for _ in range(_MAX_WRAP_DEPTH):
        inner = _wrapped_of(value)
        if inner is None or id(inner) in seen:
            return value
        seen.add(id(inner))
        value = inner
    return value


@dataclass
class _Candidate:
    obj: object
    kind: str  # CLASS or a function kind
    paths: set[str] = field(default_factory=set)


class _Walker:
    """One pass over a module snapshot; collects candidates keyed by ``id()``."""

    def __init__(self, pattern: Pattern[str], functions: Iterable[str], nested: bool) -> None:
        self.pattern = pattern
        self.functions = frozenset(functions)
        self.nested = nested
        self.found: dict[int, _Candidate] = {}
        # id(outer class) -> [(relative qualname, id(nested candidate))]
        self.nested_under: dict[int, list[tuple[str, int]]] = {}
        self._match_cache: dict[str, bool] = {}
        self._seen_classes: set[int] = set()
        literals = required_literals(pattern)
        self.words = tuple(w.decode() for w in literals) if literals else None

    def class_name_matches(self, name: str) -> bool:
        hit = self._match_cache.get(name)
        if hit is None:
            hit = self._match_cache[name] = self.pattern.search(name) is not None
        return hit

    # -- pass 1: find candidates ---------------------------------------
    def visit_modules(self, namespaces: list[tuple[str, dict[str, Any]]]) -> None:
        """Find candidates in every module.

        The common case (nothing matches) is decided with C-level bulk
        operations over all modules at once (``map(type, ...)``, ``compress``,
        set and substring tests) that run no user code; then each module that
        may hold a match is walked one value at a time.
        """
        dicts = [ns for _name, ns in namespaces]
        if not self._may_hit(list(chain.from_iterable(dicts)), list(chain.from_iterable(map(_VALUES, dicts)))):
            return
        for modname, namespace in namespaces:
            self._seen_classes.clear()
            if self._may_hit(list(namespace), list(namespace.values())):
                self._visit_module_slow(modname, dict.copy(namespace))

    def _may_hit(self, keys: list[Any], values: list[Any]) -> bool:
        """Could these bindings hold a candidate? (never a false "no")"""
        functions = self.functions
        if not functions.isdisjoint(keys):
            return True
        types = list(map(type, values))
        fmask = list(map(operator.is_, types, repeat(FunctionType)))
        if not functions.isdisjoint(map(_CO_NAME, compress(values, fmask))):
            return True
        cmask = list(map(issubclass, types, repeat(type)))  # exact `type` as 2nd arg: no user hook
        if True not in cmask:
            return False
        classes = list(compress(values, cmask))
        if self._names_may_match(chain(compress(keys, cmask), map(_TYPE_NAME.__get__, classes))):
            return True
        return self.nested and self._nested_may_match(classes)

    def _names_may_match(self, names: Iterable[Any]) -> bool:
        """Could any of ``names`` match the class pattern? (never a false "no")

        With literals the pattern requires, one lowercased join and a few
        ``find`` calls decide; otherwise the (cached) regex runs per name.
        """
        names = list(names)
        if self.words is not None:
            try:
                joined = "\0".join(names).lower()
            except TypeError:  # a non-str key somewhere
                joined = None
            if joined is not None:
                first, rest = self.words[0], self.words[1:]
                at = joined.find(first)
                while at >= 0:
                    end = joined.find("\0", at)
                    end = len(joined) if end < 0 else end
                    name = joined[joined.rfind("\0", 0, at) + 1 : end]
                    if all(word in name for word in rest):
                        return True
                    at = joined.find(first, end)
                return False
        return any(type(n) is str and self.class_name_matches(n) for n in names)

    def _nested_may_match(self, classes: list[Any]) -> bool:
        """Could a class nested (at any depth) in ``classes`` be a candidate?"""
        for _depth in range(20):
            fresh = list(compress(classes, map(_NOT, map(self._seen_classes.__contains__, map(id, classes)))))
            if not fresh:
                return False
            self._seen_classes.update(map(id, fresh))
            dicts = list(filter(None, map(_TYPE_DICT.__get__, fresh)))  # None for odd C types
            if not self.functions.isdisjoint(chain.from_iterable(dicts)):
                return True
            inner_values = list(chain.from_iterable(map(_VALUES, dicts)))
            classes = list(compress(inner_values, map(_IS_METACLASS, map(type, inner_values))))
            if classes and self._names_may_match(map(_TYPE_NAME.__get__, classes)):
                return True
        return True  # absurdly deep: let the exact walk decide

    def _visit_module_slow(self, modname: str, namespace: dict[str, Any]) -> None:
        functions = self.functions
        for key, value in namespace.items():
            t = type(value)
            if t is FunctionType:
                if key in functions or value.__code__.co_name in functions:
                    self._add_function(value, key)
            elif issubclass(t, type):
                if self.class_name_matches(key) or self.class_name_matches(_TYPE_NAME.__get__(value, type)):
                    self._add(value, CLASS)
                if self.nested and _class_module(value) == modname:
                    self._visit_class(value, _TYPE_QUALNAME.__get__(value, type), id(value), "")
            elif key in functions:
                self._add_function(value, key)

    def _visit_class(self, cls: type, qualname: str, outer_id: int, rel: str, depth: int = 0) -> None:
        if depth > 20:
            return
        for key, value in _class_dict(cls).items():
            t = type(value)
            if t in _METHOD_WRAPPERS:
                value = _wrapped_of(value)
                t = type(value)
            inner_rel = f"{rel}.{key}" if rel else key
            if t is FunctionType:
                code_qualname = getattr(value.__code__, "co_qualname", None) or ""
                if code_qualname == f"{qualname}.{key}" and (
                    key in self.functions or value.__code__.co_name in self.functions
                ):
                    self._add_function(value, key)
                    self.nested_under.setdefault(outer_id, []).append((inner_rel, id(value)))
            elif issubclass(t, type):
                inner_qualname = _TYPE_QUALNAME.__get__(value, type)
                if inner_qualname != f"{qualname}.{key}":
                    continue  # an attribute that points elsewhere, not a nested definition
                if self.class_name_matches(key):
                    self._add(value, CLASS)
                    self.nested_under.setdefault(outer_id, []).append((inner_rel, id(value)))
                self._visit_class(value, inner_qualname, outer_id, inner_rel, depth + 1)

    def _add(self, value: object, kind: str) -> None:
        if id(value) not in self.found:
            self.found[id(value)] = _Candidate(value, kind)

    def _add_function(self, value: object, key: str) -> None:
        t = type(value)
        if t is FunctionType:
            inner = _wrapped_of(value)
            if inner is not None and unwrap(value) is not value:
                kind = SHIM
            elif value.__code__.co_name in self.functions:
                kind = IMPLEMENTATION
            else:
                kind = ALIAS
        elif t is BuiltinFunctionType or t is _LRU_WRAPPER or t is _PARTIAL:
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
) -> ScanResult:
    """Scan the modules already loaded under ``prefix`` (all of them for "").

    Returns one :class:`Definition` per distinct object: classes whose name
    matches ``class_pattern`` and functions bound under (or defined as) one of
    ``functions``. Importing nothing, it sees only what is loaded; use
    :func:`pytest_ssot.runtime.scan_runtime` for the whole package.
    """
    started = time.perf_counter()
    walker = _Walker(compile_class_pattern(class_pattern), functions, nested)
    namespaces: list[tuple[str, dict[str, Any]]] = []
    for modname, module in snapshot_modules(modules):
        if type(modname) is not str or not in_package(modname, prefix):
            continue
        namespace = module_dict(module, copy=False)  # read in C-level passes; copied before a Python loop
        if namespace is None:
            continue
        namespaces.append((modname, namespace))
    walker.visit_modules(namespaces)
    if walker.found:
        for modname, namespace in namespaces:
            walker.collect_paths(modname, dict.copy(namespace))
    files = {name: ns.get("__file__") for name, ns in namespaces}
    module_files = _module_files(modules, files)
    classes, funcs = [], []
    for ident, cand in walker.found.items():
        if cand.kind == CLASS:
            classes.append(_class_definition(cand, module_files))
        else:
            funcs.append(_function_definition(cand, walker.found))
    return ScanResult(
        mode="runtime",
        package=prefix,
        classes=sort_definitions(classes),
        functions=sort_definitions(funcs),
        files_scanned=sum(1 for f in files.values() if type(f) is str),
        modules_scanned=len(namespaces),
        seconds=time.perf_counter() - started,
        python=sys.version.split()[0],
    )


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
    module = _class_module(cls)  # type: ignore[arg-type]
    qualname = _TYPE_QUALNAME.__get__(cls, type)
    file = _real_file(module_files[module])
    line = _class_line(file, qualname) if file else None
    return Definition(
        name=_TYPE_NAME.__get__(cls, type),
        module=module,
        qualname=qualname,
        kind=CLASS,
        file=file,
        line=line,
        paths=tuple(sorted(cand.paths)),
        object_id=id(cls),
    )


def _class_line(file: str, qualname: str) -> int | None:
    """Line of a class definition (first decorator included), from its source."""
    return definition_lines(file).get(qualname)


def _function_definition(cand: _Candidate, found: Mapping[int, _Candidate]) -> Definition:
    obj = cand.obj
    wraps = None
    inner = unwrap(obj)
    if type(inner) is FunctionType:
        module, qualname, name, file, line = _function_site(inner if cand.kind != SHIM else obj)  # type: ignore[arg-type]
        if cand.kind == SHIM:
            t_module, t_qualname, *_ = _function_site(inner)  # type: ignore[arg-type]
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


# -- import paths ---------------------------------------------------------


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
    Use :func:`pytest_ssot.probes.probe_import_paths` to import them first in a
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
        scope = value if type(value) is dict else (_class_dict(value) if _is_class(value) else None)  # type: ignore[arg-type]
        if scope is None or part not in scope:
            return PathResolution(path, None, None, f"{modname!r} has no attribute {attr!r}")
        value = scope[part]
    return PathResolution(path, id(value), _describe(value))


def _describe(value: object) -> str:
    if _is_class(value):
        return f"{_class_module(value)}.{_TYPE_QUALNAME.__get__(value, type)}"  # type: ignore[arg-type]
    inner = unwrap(value)
    if type(inner) is FunctionType:
        module, qualname, *_ = _function_site(value if type(value) is FunctionType else inner)  # type: ignore[arg-type]
        return f"{module}.{qualname}"
    return f"<{_TYPE_NAME.__get__(type(value), type)} object>"
