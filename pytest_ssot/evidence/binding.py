"""Passing a user context to a target's callable the way its signature asks.

Real factories and manager classes do not all take the context first:
``get_manager()`` may take nothing at all, ``Manager(mode, user_context=None)``
takes a mode first. Calling ``f(context)`` positionally then raises a TypeError,
or worse, binds the context to ``mode`` and builds a manager for a fallback
user. So the context goes to the parameter that is meant for it, found by its
annotation (the context's class) or its name (``user_context``, ``context``,
``ctx``, ``*_context``). A callable that takes no argument is called without
one (its result is what its callers get). Anything else that does not fit, a
second required parameter or no parameter recognisably for a context, is a
:class:`SignatureMismatch` in one line, never a guess.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from pytest_ssot.core.violation import SSOTSetupError

__all__ = ["CONTEXT_NAMES", "SignatureMismatch", "call_with_context", "context_arguments"]

CONTEXT_NAMES = ("user_context", "context", "ctx", "user_ctx", "execution_context")
_UNTYPED = (inspect.Parameter.empty, Any, object, "Any", "object", "typing.Any")
_NAMED = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class SignatureMismatch(SSOTSetupError, TypeError):
    """A callable of the target cannot be called with just a user context.

    ``reason`` is the why alone (``"required parameter(s) x would have no value"``).
    """

    def __init__(self, func: Any, signature: inspect.Signature, reason: str) -> None:
        super().__init__(f"{_name(func)}{signature} does not fit a call with a user context: {reason}")
        self.reason = reason


def _name(func: Any) -> str:
    if isinstance(func, str):  # already the name to show (a component's "module:qualname")
        return func
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


def _annotated_for(param: inspect.Parameter, context_type: type | None) -> bool:
    annotation = param.annotation
    if context_type is None or annotation in _UNTYPED:
        return False
    if isinstance(annotation, type):
        return annotation is not object and issubclass(context_type, annotation)
    return re.search(rf"\b{re.escape(context_type.__name__)}\b", str(annotation)) is not None  # "Ctx | None"


def _named_for(param: inspect.Parameter) -> bool:
    name = param.name.lower()
    return name in CONTEXT_NAMES or name.endswith(("_context", "_ctx"))


def _context_parameter(params: list[inspect.Parameter], context_type: type | None) -> inspect.Parameter | None:
    by_annotation = [p for p in params if _annotated_for(p, context_type)]
    if len(by_annotation) > 1:
        by_annotation = [p for p in by_annotation if _named_for(p)] or by_annotation
    if len(by_annotation) == 1:
        return by_annotation[0]
    by_name = [p for p in params if _named_for(p)]
    if len(by_name) == 1 and not by_annotation:
        return by_name[0]
    if len(params) == 1 and not by_annotation and params[0].annotation in _UNTYPED:
        return params[0]  # one untyped parameter: there is nowhere else for the context to go
    return None


def context_arguments(func: Callable[..., Any], context: Any,
                      context_type: type | None = None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, kwargs)`` that hand ``context`` to ``func``'s context parameter.

    ``context_type`` is the class of the target's user contexts, for matching
    annotations when ``context`` is None (no user context). Raises
    :class:`SignatureMismatch` when the signature does not fit.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return (context,), {}  # no signature to read (a C callable): the one call left to try
    params = [p for p in signature.parameters.values() if p.kind in _NAMED]
    variadic = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in signature.parameters.values())
    if not params:
        return ((context,), {}) if variadic else ((), {})
    if context_type is None and context is not None:
        context_type = type(context)
    target = _context_parameter(params, context_type)
    if target is None:
        raise SignatureMismatch(func, signature, f"no parameter is annotated "
                                f"{getattr(context_type, '__name__', 'with the context type')} or named like "
                                f"{', '.join(CONTEXT_NAMES)}")
    missing = [p.name for p in params if p is not target and p.default is inspect.Parameter.empty]
    if target.kind is inspect.Parameter.POSITIONAL_ONLY and params[0] is not target:
        missing = missing or [params[0].name]
    if missing:
        raise SignatureMismatch(func, signature, f"required parameter(s) {', '.join(missing)} would have no value")
    if target is params[0] and target.kind is not inspect.Parameter.KEYWORD_ONLY:
        return (context,), {}  # first in line: positional works through wrappers that rename it, too
    return (), {target.name: context}


def call_with_context(func: Callable[..., Any], context: Any, context_type: type | None = None) -> Any:
    """``func`` called with ``context`` bound by :func:`context_arguments` (the result is not awaited)."""
    args, kwargs = context_arguments(func, context, context_type)
    return func(*args, **kwargs)
