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

The patching itself, shared between trackers, is :mod:`pytest_ssot.evidence.init_patching`;
what one record holds is :mod:`pytest_ssot.evidence.tracked`.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterable
from types import CodeType, TracebackType
from typing import Any

from pytest_ssot.evidence.init_patching import (
    Patch,
    active,
    class_tree,
    install_init,
    install_subclass_hook,
    is_wrapper,
    lock,
    patches,
    restore,
)
from pytest_ssot.evidence.roles import UserRoles, hashable as _hashable
from pytest_ssot.evidence.tracked import (  # noqa: F401 (re-exported: public names of this module)
    Frame,
    NothingTracked,
    TrackedInstance,
    TrackingError,
    read_attr_path,
    user_label,
)
from pytest_ssot.core.violation import SSOTViolation

__all__ = [
    "InstanceTracker",
    "NothingTracked",
    "TrackedInstance",
    "TrackingError",
    "read_attr_path",
    "user_label",
]


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
        self._acquired: list[Patch] = []
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
        with lock:
            if self._active:
                return
            active.append(self)
            self._active = True
            try:
                tree = class_tree(self.classes)
                for cls in tree:  # roots, and subclasses with an __init__ of their own
                    if cls in self.classes or "__init__" in cls.__dict__:
                        self._acquire(cls)
                for cls in tree:  # e.g. a mixin's __init__ first in the MRO
                    if not is_wrapper(getattr(cls, "__init__", None)):
                        self._acquire(cls)
            except BaseException:
                self.stop()
                raise

    def stop(self) -> None:
        """Undo this tracker's patches; the last tracker of a class restores it exactly."""
        with lock:
            if not self._active:
                return
            self._active = False
            active.remove(self)
            acquired, self._acquired = self._acquired, []
            for patch in reversed(acquired):
                patch.users -= 1
                if patch.users == 0:
                    del patches[patch.cls]
                    restore(patch)

    def _wants(self, cls: type) -> bool:
        return issubclass(cls, self.classes)

    def _acquire(self, cls: type) -> None:
        patch = install_init(cls)
        self._acquired.append(patch)
        if cls in self.classes:
            install_subclass_hook(patch)

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


def _code_of(func: Any) -> CodeType | None:
    func = getattr(func, "__func__", func)
    func = getattr(func, "__wrapped__", func) if not hasattr(func, "__code__") else func
    return getattr(func, "__code__", None)


def _name_of(func: Any) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
