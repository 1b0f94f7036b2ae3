"""Live-instance tracking per user: who created which manager, and for whom.

#889's staging logs said "Multiple manager instances for user demo-user-001 -
potential duplication". A registry only sees the managers that were registered;
a manager built by a legacy factory, by direct instantiation or by a subclass
never reaches it. :class:`InstanceTracker` sees all of them, because it patches
``__init__`` of the tracked classes themselves (and of their subclasses, existing
or created while it is active), and it tells *where* each one was made.

*Creation site* means the first stack frame, counted from the constructor call
outwards, that is neither the tracker's own wrapper nor an ``__init__`` of a
tracked class: the line that called ``WebSocketManager(...)`` (or the line of the
factory that did), shown as ``file:line in function``. Two creation paths of one
factory therefore show as two different lines.

Only weak references are kept, so the tracker never keeps an instance alive;
its checks still count every instance it saw created, collected or not: a
factory that builds a new manager on each call and drops it is duplicating,
even when the garbage collector is quicker than the check. A check that saw no
instance at all judged nothing and says so (:class:`NothingTracked`), naming
what the target's factory returned.
Instances of classes with ``__slots__`` but no ``__weakref__`` cannot be weakly
referenced: they are recorded by ``id`` only, flagged ``weakly_referenced=False``,
and counted as live for as long as the tracker runs (their liveness is unknown).

Patching is shared between trackers (one wrapper per class, installed by the
first tracker that needs it and removed by the last), so trackers may nest or
end in any order, and every class gets back exactly the ``__dict__`` entries it
had: a class that had no ``__init__`` of its own has none again afterwards.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import CodeType, FrameType, TracebackType
from typing import Any

from pytest_ssot.roles import UserRoles, hashable as _hashable
from pytest_ssot.violation import SSOTSetupError, SSOTViolation

__all__ = [
    "InstanceTracker",
    "NothingTracked",
    "TrackedInstance",
    "TrackingError",
    "read_attr_path",
    "user_label",
]

_MISSING = object()  # "the class had no such entry in its own __dict__"
_UNHOOKED = object()  # "no late-subclass hook was installed on this class"


class TrackingError(SSOTSetupError, TypeError):
    """A class cannot be tracked (e.g. a built-in type whose ``__init__`` cannot be set).

    Not an SSOTViolation: a tracker that could not be installed found nothing.
    """


class NothingTracked(TrackingError):
    """A check of the tracker saw no instance: it would pass without evidence.

    Usually the tracked classes are not what the factory builds (a guard class
    that is never instantiated), or the managers were made before the tracker ran.
    """


def read_attr_path(obj: Any, path: str) -> Any:
    """Follow a dotted attribute path; None when any step is missing, None, or raises.

    Properties that raise are treated as "no value" so that a half-built or
    misbehaving instance cannot break the tracker.
    """
    value = obj
    for part in path.split("."):
        try:
            value = getattr(value, part, None)
        except Exception:
            return None
        if value is None:
            return None
    return value


def user_label(user_id: Any) -> str:
    """How a user id appears in messages; None is "no user context"."""
    return "None (no user context)" if user_id is None else str(user_id)


Frame = tuple[str, int, str, str]  # (file, line, function, module): formatted only when shown


@dataclass(eq=False)
class TrackedInstance:
    """One instance seen by a tracker: no strong reference to it is kept.

    ``frames`` is the creation site followed by up to :data:`CALLER_FRAMES` of its
    callers (a helper's line alone says little about which path created it).
    """

    __slots__ = ("ref", "object_id", "class_name", "frames", "user_id", "via")
    ref: Callable[[], Any] | None  # None: no __weakref__ slot, tracked by id only
    object_id: int
    class_name: str
    frames: tuple[Frame, ...]
    user_id: Any
    via: str | None

    @property
    def weakly_referenced(self) -> bool:
        return self.ref is not None

    @property
    def site(self) -> str:
        """``file:line in function`` of the creation site."""
        return _format(self.frames[0]) if self.frames else "<unknown>"

    @property
    def callers(self) -> tuple[str, ...]:
        return tuple(_format(f) for f in self.frames[1:])

    @property
    def alive(self) -> bool:
        return self.ref is None or self.ref() is not None

    def current_user_id(self, user_id_attr: str) -> Any:
        """The user id now (it may have been set after ``__init__``), else as recorded."""
        obj = self.ref() if self.ref is not None else None
        return self.user_id if obj is None else read_attr_path(obj, user_id_attr)

    def describe(self) -> str:
        via = f" via {self.via}" if self.via else ""
        callers = f" (called from {' <- '.join(self.callers)})" if self.callers else ""
        note = "" if self.weakly_referenced else " (no __weakref__ slot: tracked by id, liveness unknown)"
        gone = "" if self.alive else " (since collected)"
        return f"{self.class_name} id=0x{self.object_id:x} created at {self.site}{callers}{via}{note}{gone}"

    @property
    def origin(self) -> str:
        """``module.function`` of the creation site: where it was made, without file, line or id."""
        if not self.frames:
            return "<unknown>"
        return f"{self.frames[0][3]}.{self.frames[0][2]}"

    def to_json(self) -> dict[str, Any]:
        return {"user_id": None if self.user_id is None else str(self.user_id), "class": self.class_name,
                "site": self.site, "callers": list(self.callers), "id": self.object_id, "via": self.via,
                "weakly_referenced": self.weakly_referenced}


# --------------------------------------------------------------------------- shared patching

_lock = threading.RLock()
_active: list[InstanceTracker] = []
_patches: dict[type, _Patch] = {}
_constructing: set[int] = set()  # ids of instances inside an outer wrapped __init__
_skip_codes: set[CodeType] = set()  # frames that are not a creation site


@dataclass
class _Patch:
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


def _is_wrapper(init: Any) -> bool:
    return getattr(init, "__code__", None) is _WRAPPER_CODE


def _install_init(cls: type) -> _Patch:
    patch = _patches.get(cls)
    if patch is None:
        own = cls.__dict__.get("__init__", _MISSING)
        try:
            type.__setattr__(cls, "__init__", _make_wrapper(cls, own))
        except (TypeError, AttributeError) as exc:
            raise TrackingError(f"cannot track {cls.__module__}.{cls.__qualname__}: {exc}") from None
        patch = _patches[cls] = _Patch(cls, own)
    patch.users += 1
    return patch


_WRAPPER_CODE = _make_wrapper(object, _MISSING).__code__


def _on_new_subclass(sub: type) -> None:
    with _lock:
        for tracker in _active:
            if tracker._wants(sub) and not _is_wrapper(getattr(sub, "__init__", None)):
                tracker._acquire(sub)


CALLER_FRAMES = 2  # frames kept after the creation site
_NO_CODES: frozenset[CodeType] = frozenset()


def _format(frame: Frame) -> str:
    return f"{frame[0]}:{frame[1]} in {frame[2]}"


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
    trackers = [t for t in _active if isinstance(obj, t.classes)]
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


# --------------------------------------------------------------------------- the tracker


class InstanceTracker:
    """Record every instance of ``classes`` (and subclasses) created while active.

    Use as a context manager, with or without pytest::

        with InstanceTracker([WebSocketManager], user_id_attr="user_context.user_id") as tracker:
            ...
            tracker.assert_single_manager_per_user()

    ``factories``: the canonical factory (or several); each instance then records
    whether it was created inside a call to one of them (``via``), which is what
    :meth:`assert_no_factory_bypass` checks.

    Only instances created while the tracker is active are seen: a manager that a
    factory cached during an earlier test is invisible, so use fresh user ids per
    test (or reset the target's registry) when counting. ``factory_returned``
    says what the target's factory was seen to return (e.g. "the factory
    pkg:get returned pkg.impl.Impl"), for the error of a check that saw nothing.
    """

    def __init__(
        self,
        classes: Iterable[type],
        *,
        user_id_attr: str = "user_context.user_id",
        factories: Iterable[Callable[..., Any]] = (),
        factory_returned: str | None = None,
    ) -> None:
        self.classes: tuple[type, ...] = tuple(classes)
        if not self.classes or not all(isinstance(c, type) for c in self.classes):
            raise TrackingError(f"InstanceTracker needs classes to track, got {self.classes!r}")
        self.user_id_attr = user_id_attr
        self.factories = tuple(factories)
        self.factory_returned = factory_returned
        self._factory_names = {code: _name_of(f) for f in self.factories if (code := _code_of(f)) is not None}
        self._factory_codes = frozenset(self._factory_names)
        self._records: list[TrackedInstance] = []
        self._class_names: dict[type, str] = {}
        self._acquired: list[_Patch] = []
        self._active = False

    # -- activation

    def __enter__(self) -> InstanceTracker:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Patch the classes and every subclass that exists now."""
        with _lock:
            if self._active:
                return
            _active.append(self)
            self._active = True
            try:
                tree = _class_tree(self.classes)
                for cls in tree:  # roots, and subclasses with an __init__ of their own
                    if cls in self.classes or "__init__" in cls.__dict__:
                        self._acquire(cls)
                for cls in tree:  # e.g. a mixin's __init__ first in the MRO
                    if not _is_wrapper(getattr(cls, "__init__", None)):
                        self._acquire(cls)
            except BaseException:
                self.stop()
                raise

    def stop(self) -> None:
        """Undo this tracker's patches; the last tracker of a class restores it exactly."""
        with _lock:
            if not self._active:
                return
            self._active = False
            _active.remove(self)
            acquired, self._acquired = self._acquired, []
            for patch in reversed(acquired):
                patch.users -= 1
                if patch.users == 0:
                    del _patches[patch.cls]
                    _restore(patch)

    def _wants(self, cls: type) -> bool:
        return issubclass(cls, self.classes)

    def _acquire(self, cls: type) -> None:
        patch = _install_init(cls)
        self._acquired.append(patch)
        if cls in self.classes:
            _install_subclass_hook(patch)

    def _record(self, obj: Any, frames: tuple[Frame, ...], via: str | None) -> None:
        try:
            ref: Callable[[], Any] | None = weakref.ref(obj)
        except TypeError:
            ref = None
        cls = type(obj)
        name = self._class_names.get(cls)
        if name is None:
            name = self._class_names[cls] = f"{cls.__module__}.{cls.__qualname__}"
        self._records.append(TrackedInstance(
            ref, id(obj), name, frames, read_attr_path(obj, self.user_id_attr), via))

    # -- queries

    @property
    def records(self) -> list[TrackedInstance]:
        """Every instance seen, dead or alive, in creation order."""
        return list(self._records)

    def live(self, *, collect: bool = True) -> list[TrackedInstance]:
        """Instances still alive (after a ``gc.collect()`` unless ``collect=False``)."""
        if collect:
            gc.collect()
        return [r for r in self._records if r.alive]

    def by_user(self, *, collect: bool = True) -> dict[Any, list[TrackedInstance]]:
        """Live instances grouped by the user id read from them now."""
        return _group(self.live(collect=collect), self.user_id_attr)

    def seen_by_user(self) -> dict[Any, list[TrackedInstance]]:
        """Every instance seen, alive or collected, grouped by user id (read now if alive, else as created)."""
        return _group(self._records, self.user_id_attr)

    def _nothing_seen(self, check: str, users: str = "") -> NothingTracked:
        names = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in self.classes)
        returned = f" ({self.factory_returned})" if self.factory_returned else ""
        return NothingTracked(f"{check} saw no instance of {names}{users} while the tracker ran{returned}: "
                              "nothing to judge; track the class the factory builds, or use a user no earlier "
                              "test has created")

    # -- assertions

    def assert_single_manager_per_user(self, user_ids: Iterable[Any] | None = None) -> None:
        """At most one instance created per user id (None, "no user context", included).

        Counts every creation seen, collected or not: a manager built per call
        and dropped is a duplicate all the same. Raises :class:`SSOTViolation` in
        #889's wording, one block per user, each instance with its class,
        creation site and id; :class:`NothingTracked` if no instance (of the
        given users) was seen at all.
        """
        groups = self.seen_by_user()
        wanted = None if user_ids is None else [_hashable(u) for u in user_ids]
        if wanted is not None:
            groups = {u: r for u, r in groups.items() if u in set(wanted)}
        if not groups:
            users = "" if wanted is None else f" for user(s) {', '.join(user_label(u) for u in wanted)}"
            raise self._nothing_seen("assert_single_manager_per_user", users)
        roles = UserRoles(wanted if wanted is not None else groups)
        blocks, findings, keys = [], [], []
        for user_id, records in groups.items():
            if len(records) < 2:
                continue
            alive = sum(r.alive for r in records)
            blocks.append(f"Multiple manager instances for user {user_label(user_id)} - potential duplication "
                          f"({len(records)} instances created, {alive} still alive):\n"
                          + "\n".join(f"  - {r.describe()}" for r in records))
            findings.extend(r.to_json() for r in records)
            classes = ", ".join(sorted({r.class_name for r in records}))
            origins = ", ".join(sorted({r.origin for r in records}))
            keys.append(f"{roles.role(user_id)}: several {classes} instances created in {origins}")
        if blocks:
            raise SSOTViolation("\n".join(blocks), findings, keys)

    def assert_no_factory_bypass(self) -> None:
        """Every instance seen, collected or not, was created inside a call to one of ``factories``.

        #960 "factory bypass detection": an instance built directly, or by a
        legacy factory, never went through the canonical factory's checks.
        """
        if not self._factory_codes:
            raise TrackingError("assert_no_factory_bypass needs InstanceTracker(..., factories=[factory])")
        if not self._records:
            raise self._nothing_seen("assert_no_factory_bypass")
        names = ", ".join(_name_of(f) for f in self.factories)
        bypasses = [r for r in self._records if r.via is None]
        if bypasses:
            raise SSOTViolation(
                f"Factory bypass: {len(bypasses)} manager instance(s) created outside {names}:\n"
                + "\n".join(f"  - user {user_label(r.current_user_id(self.user_id_attr))}: {r.describe()}"
                            for r in bypasses),
                [r.to_json() for r in bypasses],
                [f"{r.class_name} created outside {names} in {r.origin}" for r in bypasses],
            )


def _group(records: Iterable[TrackedInstance], user_id_attr: str) -> dict[Any, list[TrackedInstance]]:
    groups: dict[Any, list[TrackedInstance]] = {}
    for record in records:
        groups.setdefault(_hashable(record.current_user_id(user_id_attr)), []).append(record)
    return groups


def _restore(patch: _Patch) -> None:
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



def _install_subclass_hook(patch: _Patch) -> None:
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


def _class_tree(roots: Iterable[type]) -> list[type]:
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


def _code_of(func: Any) -> CodeType | None:
    func = getattr(func, "__func__", func)
    func = getattr(func, "__wrapped__", func) if not hasattr(func, "__code__") else func
    return getattr(func, "__code__", None)


def _name_of(func: Any) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
