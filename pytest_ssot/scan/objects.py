"""Reading live objects without running their code.

The runtime scan and the import-path resolver both look at whatever is loaded,
lazy proxies and hostile objects included. Everything here reads through C
descriptors of ``ModuleType``, ``type`` and ``FunctionType``, classifies with
``type()`` (a proxy can fake ``__class__`` for ``isinstance``) and follows
``functools`` wrappers without ``getattr``.
"""

from __future__ import annotations

import functools
import os
import sys
from types import FunctionType, ModuleType
from typing import Any, Callable, Mapping

from pytest_ssot.scan.prefilter import MODULE_DICT, TYPE_DICT

TYPE_MODULE = type.__dict__["__module__"]
_FUNC_DICT = FunctionType.__dict__["__dict__"]
LRU_WRAPPER: type = type(functools.lru_cache(None)(lambda: None))
PARTIAL: type = functools.partial
METHOD_WRAPPERS: tuple[type, ...] = (staticmethod, classmethod)
_MAX_WRAP_DEPTH = 64


def module_dict(module: object, copy: bool = True) -> dict[str, Any] | None:
    """A copy of a module's namespace, or None if ``module`` is not a real module.

    Goes through the C-level ``__dict__`` descriptor of ``ModuleType``, so a
    module subclass with a custom ``__getattribute__``/``__getattr__`` (lazy
    loaders) is not asked anything.
    """
    if not issubclass(type(module), ModuleType):
        return None
    try:
        namespace = MODULE_DICT.__get__(module, ModuleType)
    except Exception:
        return None
    if type(namespace) is not dict:
        return None
    return dict.copy(namespace) if copy else namespace


def snapshot_modules(modules: Mapping[str, object] | None = None) -> list[tuple[str, object]]:
    """``sys.modules`` frozen into a list (imports during the scan can't break it)."""
    source = sys.modules if modules is None else modules
    return list(dict.copy(source).items()) if type(source) is dict else list(source.items())


def is_class(value: object) -> bool:
    """A class, by its type (``isinstance`` would ask the object for ``__class__``)."""
    return issubclass(type(value), type)


def class_dict(cls: type) -> Mapping[str, Any]:
    """A copy of a class namespace ({} if it cannot be read)."""
    try:
        return dict(TYPE_DICT.__get__(cls, type))
    except Exception:
        return {}


_TYPE_MRO = type.__dict__["__mro__"]


def class_mro(cls: type) -> tuple[type, ...]:
    """``cls.__mro__`` read through ``type``'s descriptor (() if odd)."""
    try:
        mro = _TYPE_MRO.__get__(cls, type)
    except Exception:
        return ()
    return mro if type(mro) is tuple else ()


def class_module(cls: type) -> str:
    """``cls.__module__`` read through ``type``'s descriptor ("?" if odd)."""
    try:
        module = TYPE_MODULE.__get__(cls, type)
    except Exception:
        return "?"
    return module if type(module) is str else "?"


_FUNCTION_QUALNAME = FunctionType.__dict__["__qualname__"]  # the C getset: runs no user code


def code_qualname(func: FunctionType) -> str:
    """The qualified name the function was defined under.

    Python 3.11+ keeps it on the code object (``co_qualname``), which
    ``functools.wraps`` cannot overwrite. On 3.10 the function's own
    ``__qualname__`` is used when it still ends in the code's name; a copied
    one (``wraps`` gave the wrapper the wrapped function's) falls back to
    ``co_name``.
    """
    code = func.__code__
    own = getattr(code, "co_qualname", None)
    if own:
        return own
    qualname = _FUNCTION_QUALNAME.__get__(func, FunctionType)
    return qualname if type(qualname) is str and qualname.rsplit(".", 1)[-1] == code.co_name else code.co_name


def function_site(func: FunctionType) -> tuple[str, str, str, str | None, int | None]:
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
    return module, code_qualname(func), code.co_name, real_file(code.co_filename), code.co_firstlineno


def real_file(path: object) -> str | None:
    """A real source path (None for ``<frozen ...>`` and the like)."""
    if type(path) is not str or not path or path.startswith("<"):
        return None
    return os.path.realpath(path)


def wrapped_of(value: object) -> object | None:
    """The ``__wrapped__`` a functools wrapper keeps, read without ``getattr``."""
    t = type(value)
    if t is FunctionType:
        return _FUNC_DICT.__get__(value, FunctionType).get("__wrapped__")
    if t is LRU_WRAPPER:
        try:
            return object.__getattribute__(value, "__dict__").get("__wrapped__")
        except Exception:
            return None
    if t is PARTIAL:
        return value.func  # type: ignore[attr-defined]
    if t in METHOD_WRAPPERS:
        return value.__func__  # type: ignore[attr-defined]
    return None


def unwrap(value: object, step: Callable[[object], object | None] = wrapped_of) -> object:
    """Follow ``__wrapped__`` (and partial/staticmethod) to the innermost object.

    ``step`` gives the next object (None: stop); cycles stop where they close.
    """
    seen = {id(value)}
    for _ in range(_MAX_WRAP_DEPTH):
        inner = step(value)
        if inner is None or id(inner) in seen:
            return value
        seen.add(id(inner))
        value = inner
    return value


def type_path(obj: object) -> str:
    """``module.QualName`` of ``type(obj)``: how findings and their keys name a class."""
    cls = type(obj)
    return f"{class_module(cls)}.{cls.__qualname__}"
