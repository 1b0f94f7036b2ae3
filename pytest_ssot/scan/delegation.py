"""Does a live function only delegate to another one? (the runtime scan's shim rule)

A shim is not an implementation: the README promises that a wrapper which only
delegates is reported as a shim of what it calls. Two shapes count, the same in
both scans:

* a ``functools.wraps`` wrapper (``__wrapped__`` is set);
* a function whose body only forwards its parameters to another function,
  optionally ``await``-ed, optionally ``return``-ed (see
  :func:`pytest_ssot.scan.file_summary._forward_target`).

The second is read from the function's source, the same summary the static scan
uses, matched to the live function by qualname and first line; the callee is
then looked up in the function's own globals (a plain ``dict`` read, no
``getattr``). A callee that is a class builds something: the function is an
implementation, not a shim.
"""

from __future__ import annotations

import builtins
from types import FunctionType, ModuleType

from pytest_ssot.scan.objects import class_dict, code_qualname, module_dict, real_file, unwrap, wrapped_of
from pytest_ssot.scan.file_summary import definitions

_UNRESOLVED = object()


def forward_callee(func: FunctionType) -> object | None:
    """What ``func`` forwards its parameters to; None if it is not a forwarder.

    Returns a placeholder (not None) when it forwards to a name that cannot be
    resolved here: it still delegates, the static scan says so too.
    """
    code = func.__code__
    file = real_file(code.co_filename)
    if file is None:
        return None
    entry = definitions(file).get(code_qualname(func))
    if not entry or entry[1] != "function" or not entry[3] or entry[2] != code.co_firstlineno:
        return None
    target = _lookup(func, entry[3])
    if issubclass(type(target), type):
        return None  # a constructor call: it builds the object, it does not delegate
    return _UNRESOLVED if target is None else target


def delegate_of(value: object) -> object | None:
    """The next object ``value`` delegates to (functools first, then forwarding)."""
    inner = wrapped_of(value)
    if inner is not None:
        return inner
    if type(value) is FunctionType:
        target = forward_callee(value)
        return None if target is _UNRESOLVED else target
    return None


def is_forwarder(func: FunctionType) -> bool:
    """Does ``func``'s body only forward its parameters to another function?"""
    return forward_callee(func) is not None


def final_delegate(value: object) -> object:
    """Follow delegation (``__wrapped__``, partials, forwarders) to the innermost object."""
    return unwrap(value, delegate_of)


def _lookup(func: FunctionType, dotted: str) -> object | None:
    """``dotted`` as ``func``'s module sees it: globals, then builtins, then attributes."""
    head, *rest = dotted.split(".")
    namespace = func.__globals__
    if type(namespace) is not dict:
        return None
    value = namespace.get(head, _UNRESOLVED)
    if value is _UNRESOLVED:
        value = vars(builtins).get(head)
    for part in rest:
        if value is None:
            return None
        if issubclass(type(value), ModuleType):
            ns = module_dict(value, copy=False)
            value = ns.get(part) if ns is not None else None
        elif issubclass(type(value), type):
            value = class_dict(value).get(part)  # type: ignore[arg-type]
            inner = wrapped_of(value) if type(value) in (staticmethod, classmethod) else None
            value = inner if inner is not None else value
        else:
            return None
    return value
