"""Patching ``__init__`` of tracked classes, shared by every active :class:`~pytest_ssot.evidence.instances.InstanceTracker`.

One wrapper per class, installed by the first tracker that needs it and removed
by the last, so trackers may nest or end in any order, and every class gets back
exactly the ``__dict__`` entries it had: a class that had no ``__init__`` of its
own has none again afterwards. A tracked root class also gets an
``__init_subclass__`` hook, so subclasses created while a tracker runs are patched too.

*Creation site* means the first stack frame, counted from the constructor call
outwards, that is neither the tracker's own wrapper nor an ``__init__`` of a
tracked class: the line that called the constructor (or the line of the factory
that did), shown as ``file:line in function``.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from pytest_ssot.evidence.tracked import Frame, TrackingError

if TYPE_CHECKING:
    from pytest_ssot.evidence.instances import InstanceTracker

_MISSING = object()  # "the class had no such entry in its own __dict__"
_UNHOOKED = object()  # "no late-subclass hook was installed on this class"

# --------------------------------------------------------------------------- shared patching

lock = threading.RLock()
active: list[InstanceTracker] = []
patches: dict[type, Patch] = {}
_constructing: set[int] = set()  # ids of instances inside an outer wrapped __init__
_skip_codes: set[CodeType] = set()  # frames that are not a creation site


@dataclass
class Patch:
    """What a class had before it was patched, and how many trackers still need it."""

    cls: type
    own_init: Any  # the raw __dict__ entry, or _MISSING
    own_init_subclass: Any = _UNHOOKED  # else the raw entry (or _MISSING) replaced by the hook
    users: int = 0


def _next_init(cls: type, obj: Any) -> Callable[..., None]:
    """``super(cls, obj).__init__`` as ``type.__call__`` would have used it."""
    mro = type(obj).__mro__
    for klass in mro[mro.index(cls) + 1:]:
        if "__init__" in klass.__dict__:
            if klass is object:
                # type.__call__ tolerated extra arguments for object.__init__; keep that
                return lambda self, *a, **kw: object.__init__(self)
            return lambda self, *a, **kw: super(cls, self).__init__(*a, **kw)
    return lambda self, *a, **kw: None  # pragma: no cover - object is always last


def _make_wrapper(cls: type, original: Any) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = original if original is not _MISSING else _next_init(cls, self)
        key = id(self)
        if key in _constructing:  # a super().__init__ inside an outer tracked __init__
            init(self, *args, **kwargs)
            return
        _constructing.add(key)
        try:
            init(self, *args, **kwargs)
        finally:
            _constructing.discard(key)
        _notify(self)

    if original is not _MISSING and callable(original):
        __init__ = functools.wraps(original)(__init__)
    else:
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    _skip_codes.add(__init__.__code__)
    code = getattr(original, "__code__", None)
    if code is not None:
        _skip_codes.add(code)
    return __init__


def is_wrapper(init: Any) -> bool:
    return getattr(init, "__code__", None) is _WRAPPER_CODE


def install_init(cls: type) -> Patch:
    patch = patches.get(cls)
    if patch is None:
        own = cls.__dict__.get("__init__", _MISSING)
        try:
            type.__setattr__(cls, "__init__", _make_wrapper(cls, own))
        except (TypeError, AttributeError) as exc:
            raise TrackingError(f"cannot track {cls.__module__}.{cls.__qualname__}: {exc}") from None
        patch = patches[cls] = Patch(cls, own)
    patch.users += 1
    return patch


_WRAPPER_CODE = _make_wrapper(object, _MISSING).__code__


def _on_new_subclass(sub: type) -> None:
    with lock:
        for tracker in active:
            if tracker._wants(sub) and not is_wrapper(getattr(sub, "__init__", None)):
                tracker._acquire(sub)


CALLER_FRAMES = 2  # frames kept after the creation site
_NO_CODES: frozenset[CodeType] = frozenset()


def _site_and_via(obj: Any, factory_codes: frozenset[CodeType]) -> tuple[tuple[Frame, ...], frozenset[CodeType]]:
    """The creation site (see the module docstring) and its callers, and the factories on the stack."""
    frame: FrameType | None = sys._getframe(2)  # the outermost tracked wrapper
    while frame is not None and (
        frame.f_code in _skip_codes
        # an untracked __init__ (a mixin's) that ran super().__init__ for this very object
        or (frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is obj)
    ):
        frame = frame.f_back
    if frame is None:
        return (), _NO_CODES
    frames: list[Frame] = []
    outer: FrameType | None = frame
    while outer is not None and len(frames) <= CALLER_FRAMES:
        code = outer.f_code
        module = outer.f_globals.get("__name__")
        frames.append((code.co_filename, outer.f_lineno, code.co_name, module if type(module) is str else "?"))
        outer = outer.f_back
    if not factory_codes:
        return tuple(frames), _NO_CODES
    found = set()
    walker: FrameType | None = frame
    while walker is not None:
        if walker.f_code in factory_codes:
            found.add(walker.f_code)
        walker = walker.f_back
    return tuple(frames), frozenset(found)


def _notify(obj: Any) -> None:
    trackers = [t for t in active if isinstance(obj, t.classes)]
    if not trackers:
        return
    codes = trackers[0]._factory_codes if len(trackers) == 1 else \
        frozenset().union(*(t._factory_codes for t in trackers))
    frames, found = _site_and_via(obj, codes)
    for tracker in trackers:
        via = None
        for code in found:
            via = tracker._factory_names.get(code)
            if via is not None:
                break
        tracker._record(obj, frames, via)


def restore(patch: Patch) -> None:
    cls = patch.cls
    if patch.own_init is _MISSING:
        if "__init__" in cls.__dict__:
            type.__delattr__(cls, "__init__")
    else:
        type.__setattr__(cls, "__init__", patch.own_init)
    if patch.own_init_subclass is not _UNHOOKED:
        if patch.own_init_subclass is _MISSING:
            if "__init_subclass__" in cls.__dict__:
                type.__delattr__(cls, "__init_subclass__")
        else:
            type.__setattr__(cls, "__init_subclass__", patch.own_init_subclass)



def install_subclass_hook(patch: Patch) -> None:
    """Install the late-subclass hook on a tracked root class (once per patch)."""
    if patch.own_init_subclass is not _UNHOOKED:
        return
    cls = patch.cls
    own = cls.__dict__.get("__init_subclass__", _MISSING)

    def __init_subclass__(sub: type, **kwargs: Any) -> None:
        if own is not _MISSING:
            own.__get__(None, sub)(**kwargs)
        else:
            super(cls, sub).__init_subclass__(**kwargs)
        _on_new_subclass(sub)

    try:
        type.__setattr__(cls, "__init_subclass__", classmethod(__init_subclass__))
    except (TypeError, AttributeError):
        return  # late subclasses with their own __init__ will be missed; the rest works
    patch.own_init_subclass = own


def class_tree(roots: Iterable[type]) -> list[type]:
    """The roots and every subclass existing now, parents first, each once."""
    seen: dict[type, None] = {}
    stack = list(roots)
    while stack:
        cls = stack.pop(0)
        if cls in seen:
            continue
        seen[cls] = None
        try:
            stack.extend(type.__subclasses__(cls))
        except TypeError:
            pass
    return list(seen)
