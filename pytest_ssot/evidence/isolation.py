"""Shared-state detection between objects that are meant to be isolated.

#889 "user context contamination" and #960 "registry / session / enum isolation"
come down to one question: starting from two users' managers (or contexts,
registries, mode holders), is there a mutable object reachable from both? If so,
one user can change what the other sees. :func:`find_shared_state` walks both
attribute graphs and answers with every such object and its path from each side,
e.g. ``manager1._state['conn'] is manager2._state['conn']``.

What is walked: instance ``__dict__`` entries, ``__slots__``, the items of lists,
tuples, sets, dicts and deques, and class-level attributes of the target's own
classes (a mutable class attribute is one object shared by every instance: the
classic "class-level mutable default"; its path reads ``type(manager1).name``).
What is not: immutable values (scalars, datetimes, ``Decimal``, ``Fraction``,
``UUID``, compiled patterns, frozen dataclasses without mutable fields, plain enum
members), objects that cannot hold state at all (a bare ``object()`` sentinel),
class-level attributes of classes defined outside the target (``datetime.min``,
``MutableMapping``'s private marker: the library's, not the users'), modules,
classes, functions and other descriptors, and by default synchronisation
primitives, loggers and event loops, which are shared on purpose. Values are read
raw from ``__dict__`` and slots, so properties and ``__getattr__`` are never called.

"Outside the target": with ``target_package`` given, every class whose module is
not that package or under it; without it, the classes of the standard library.

Only the outermost shared object of a path is reported: everything inside a
shared dict is shared too, and saying so once is enough.

Enum members are process-wide singletons, so sharing one is normal; an enum
member counts as mutable state only when it carries attributes beyond its name
and value that hold something other than a plain immutable scalar (e.g. a user
context stored on ``Mode.UNIFIED``: #960 "enum instance sharing").
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import decimal
import enum
import fractions
import ipaddress
import logging
import pathlib
import re
import sys
import threading
import types
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pytest_ssot.scan.objects import class_module
from pytest_ssot.evidence.roles import UserRoles
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation, stable_text

__all__ = ["DEFAULT_IGNORED_ATTRS", "DEFAULT_IGNORED_TYPES", "IMMUTABLE_TYPES", "SharedState", "assert_isolated",
           "find_shared_state", "is_own_class"]

_SCALARS: tuple[type, ...] = (
    type(None), bool, int, float, complex, str, bytes, range, slice,
    type(Ellipsis), type(NotImplemented),
)
# values that cannot change once built: sharing one shares nothing
IMMUTABLE_TYPES: tuple[type, ...] = (
    datetime.date, datetime.time, datetime.timedelta, datetime.tzinfo, decimal.Decimal, fractions.Fraction,
    uuid.UUID, re.Pattern, pathlib.PurePath, ipaddress.IPv4Address, ipaddress.IPv6Address,
)
_NOT_STATE: tuple[type, ...] = (
    type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
    types.CodeType, types.FrameType, types.GeneratorType, types.CoroutineType,
    staticmethod, classmethod, property, types.MemberDescriptorType, types.GetSetDescriptorType,
    types.WrapperDescriptorType, types.MethodWrapperType, types.MethodDescriptorType,
)
DEFAULT_IGNORED_TYPES: tuple[type, ...] = (
    type(threading.Lock()), type(threading.RLock()), threading.Condition, threading.Event,
    threading.Semaphore, asyncio.Lock, asyncio.Event, asyncio.Condition, asyncio.Semaphore,
    asyncio.AbstractEventLoop, logging.Logger, logging.Handler,
)
# class-level bookkeeping of common frameworks, not application state
DEFAULT_IGNORED_ATTRS: frozenset[str] = frozenset({"_abc_impl", "model_fields", "model_config",
                                                   "model_computed_fields"})
_STANDARD_ENUM_KEYS = frozenset({"_value_", "_name_", "__objclass__", "_sort_order_", "__init__"})


class IsolationWalkTruncated(SSOTSetupError, RuntimeError):
    """The attribute walk hit its object limit: "nothing shared" could not be established."""


@dataclass(frozen=True)
class SharedState:
    """One mutable object reachable from both sides."""

    type_name: str
    object_id: int
    left_path: str
    right_path: str
    note: str = ""

    @property
    def is_enum_member(self) -> bool:
        """An enum member carrying per-user state: shared by every user of the enum (#960)."""
        return self.note.startswith("enum member")

    def describe(self) -> str:
        note = f" - {self.note}" if self.note else ""
        return f"{self.left_path} is {self.right_path} ({self.type_name}, id=0x{self.object_id:x}){note}"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def key(self, roles: UserRoles | None = None) -> str:
        """The finding's stable identity: type and both paths (user ids as roles, no memory id)."""
        text = f"shared {self.type_name}: {self.left_path} is {self.right_path}"
        return roles.mask(text) if roles is not None else stable_text(text)


class _Walker:
    """Breadth-first walk of one side: every mutable object with its shortest path."""

    def __init__(self, ignored: tuple[type, ...], ignored_attrs: frozenset[str], max_depth: int,
                 max_objects: int, target_package: str | None = None) -> None:
        self.ignored = ignored
        self.ignored_attrs = ignored_attrs
        self.max_depth = max_depth
        self.max_objects = max_objects
        self.target_package = target_package
        self.truncated = False

    def walk(self, root: Any, name: str, stop: dict[int, tuple[str, Any]] | None = None,
             ) -> Iterator[tuple[str, Any]]:
        """Yield (path, obj) for every mutable object; don't descend into ``stop`` hits."""
        seen: set[int] = {id(root)}
        keep = [root]  # keeps ids stable while walking
        queue: deque[tuple[str, Any, int]] = deque([(name, root, 0)])
        while queue:
            path, obj, depth = queue.popleft()
            if obj is not root and self._is_mutable(obj):
                yield path, obj
                if stop is not None and id(obj) in stop:
                    continue
            if depth >= self.max_depth:
                continue
            for child_path, child in self._children(path, obj):
                if id(child) in seen or self._skip(child):
                    continue
                if len(seen) >= self.max_objects:
                    self.truncated = True
                    return
                seen.add(id(child))
                keep.append(child)
                queue.append((child_path, child, depth + 1))

    def _skip(self, obj: Any) -> bool:
        return isinstance(obj, _SCALARS) or isinstance(obj, _NOT_STATE) or isinstance(obj, self.ignored) \
            or callable(obj) and not _has_state(obj) or (isinstance(obj, enum.Enum) and not _enum_extras(obj)) \
            or (isinstance(obj, IMMUTABLE_TYPES) and not _instance_dict(obj))

    @staticmethod
    def _is_mutable(obj: Any) -> bool:
        if isinstance(obj, (tuple, frozenset)) or _stateless(obj):
            return False
        if isinstance(obj, enum.Enum):
            return any(not isinstance(v, _SCALARS) for v in _enum_extras(obj).values())
        params = getattr(type(obj), "__dataclass_params__", None)
        return not (params is not None and params.frozen)

    def _children(self, path: str, obj: Any) -> Iterable[tuple[str, Any]]:
        try:
            if isinstance(obj, dict) or isinstance(obj, types.MappingProxyType):
                return [(f"{path}[{k!r}]", v) for k, v in list(obj.items())]
            if isinstance(obj, (list, tuple, deque)):
                return [(f"{path}[{i}]", v) for i, v in enumerate(list(obj))]
            if isinstance(obj, (set, frozenset)):
                return [(f"{path}{{{v!r}}}", v) for v in list(obj)]
            if isinstance(obj, enum.Enum):
                return [(f"{path}.{k}", v) for k, v in _enum_extras(obj).items()]
            return list(self._attributes(path, obj))
        except Exception:  # an object that misbehaves while being read is not walked further
            return []

    def _attributes(self, path: str, obj: Any) -> Iterator[tuple[str, Any]]:
        own = _instance_dict(obj)
        for key, value in own.items():
            if key not in self.ignored_attrs:
                yield f"{path}.{key}", value
        cls = type(obj)
        for klass in cls.__mro__:
            if klass is object:
                continue
            own_class = is_own_class(klass, self.target_package)
            for key, value in list(vars(klass).items()):
                if key in self.ignored_attrs or key in own or key.startswith("__"):
                    continue
                if isinstance(value, types.MemberDescriptorType):  # a __slots__ entry: instance state, any class
                    try:
                        yield f"{path}.{key}", value.__get__(obj, cls)
                    except AttributeError:
                        pass
                elif own_class and not hasattr(type(value), "__get__"):  # class data of the target's own classes
                    yield f"type({path}).{key}", value


def _instance_dict(obj: Any) -> dict[str, Any]:
    try:
        found = object.__getattribute__(obj, "__dict__")
    except Exception:
        return {}
    return dict(found) if isinstance(found, dict) else {}


def _has_state(obj: Any) -> bool:
    """A callable instance with attributes of its own (a bound object, not a plain function)."""
    return bool(_instance_dict(obj)) or hasattr(type(obj), "__slots__")


_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python


def _stateless(obj: Any) -> bool:
    """An instance with nowhere to keep state: no ``__dict__``, no slot (``object()``, a ``__slots__ = ()`` marker)."""
    for klass in type(obj).__mro__:
        if klass is object:
            continue
        if not klass.__flags__ & _HEAPTYPE:  # a C type (bytearray, array...) keeps state in its own struct
            return False
        slots = vars(klass).get("__slots__")
        if slots is None:  # instances get a __dict__
            return False
        if any(name != "__weakref__" for name in ((slots,) if isinstance(slots, str) else slots)):
            return False
    return True


def is_own_class(cls: type, target_package: str | None = None) -> bool:
    """Whether ``cls`` belongs to the code under test, so its class-level attributes are walked.

    With ``target_package``: its module is that package or under it. Without:
    any class outside the standard library (and builtins).
    """
    module = class_module(cls)
    if target_package:
        return module == target_package or module.startswith(target_package + ".")
    return module != "?" and module.partition(".")[0] not in sys.stdlib_module_names


def _enum_extras(member: enum.Enum) -> dict[str, Any]:
    return {k: v for k, v in _instance_dict(member).items() if k not in _STANDARD_ENUM_KEYS}


def find_shared_state(
    left: Any,
    right: Any,
    *,
    names: tuple[str, str] = ("left", "right"),
    max_depth: int = 6,
    max_objects: int = 50_000,
    ignore_types: Iterable[type] = DEFAULT_IGNORED_TYPES,
    ignore_attrs: Iterable[str] = DEFAULT_IGNORED_ATTRS,
    target_package: str | None = None,
) -> list[SharedState]:
    """Every mutable object reachable from both ``left`` and ``right``, outermost first.

    ``names`` are how the two roots appear in paths; ``max_depth`` and
    ``max_objects`` bound the walk (cycles are followed once); objects of
    ``ignore_types`` and attributes named in ``ignore_attrs`` are not walked;
    ``target_package`` limits class-level attributes to the target's own classes
    (see :func:`is_own_class`). ``left is right`` is reported as one shared object at the roots.
    """
    ignored = tuple(ignore_types)
    attrs = frozenset(ignore_attrs)
    if left is right:
        return [_shared(left, names[0], names[1])]
    left_walker = _Walker(ignored, attrs, max_depth, max_objects, target_package)
    mutable_left = {id(obj): (path, obj) for path, obj in left_walker.walk(left, names[0])}
    mutable_left.setdefault(id(left), (names[0], left))  # ``right`` may lead back to ``left``
    right_walker = _Walker(ignored, attrs, max_depth, max_objects, target_package)
    shared: list[SharedState] = []
    for path, obj in right_walker.walk(right, names[1], stop=mutable_left):
        hit = mutable_left.get(id(obj))
        if hit is not None and hit[1] is obj:
            shared.append(_shared(obj, hit[0], path))
    if id(right) in mutable_left and mutable_left[id(right)][1] is right:
        shared.insert(0, _shared(right, mutable_left[id(right)][0], names[1]))
    if not shared and (left_walker.truncated or right_walker.truncated):
        # "nothing shared" after a cut-short walk would be a guess, not a finding
        raise IsolationWalkTruncated(
            f"isolation check of {names[0]} and {names[1]} stopped at max_objects={max_objects} before "
            "finding anything shared; raise max_objects or pass ignore_types/ignore_attrs for big graphs")
    return shared


def _shared(obj: Any, left_path: str, right_path: str) -> SharedState:
    if isinstance(obj, enum.Enum):
        note = f"enum member carrying state ({', '.join(sorted(_enum_extras(obj)))}) shared by every user"
    elif left_path.startswith("type(") or right_path.startswith("type("):
        note = "class-level attribute: one object for every instance"
    else:
        note = ""
    return SharedState(_type_name(obj), id(obj), left_path, right_path, note)


def assert_isolated(
    left: Any,
    right: Any,
    *,
    names: tuple[str, str] = ("manager1", "manager2"),
    what: str = "users",
    select: Callable[[SharedState], bool] | None = None,
    user_ids: Iterable[Any] = (),
    **options: Any,
) -> None:
    """Raise :class:`SSOTViolation` if ``left`` and ``right`` share any mutable state.

    ``what`` names what should have been isolated, for the message; ``select``
    keeps only some findings (e.g. ``SharedState.is_enum_member``); ``user_ids``
    (the two users, if their ids are minted per run) become "user 1 of 2" and
    "user 2 of 2" in the finding keys; ``options`` are those of
    :func:`find_shared_state` (``target_package`` among them).
    """
    shared = find_shared_state(left, right, names=names, **options)
    if select is not None:
        shared = [s for s in shared if select(s)]
    if shared:
        raise SSOTViolation(
            f"Shared mutable state between {what} ({names[0]} vs {names[1]}): {len(shared)} object(s) "
            "reachable from both - user context contamination:\n"
            + "\n".join(f"  - {s.describe()}" for s in shared),
            [s.to_json() for s in shared],
            keys=[s.key(UserRoles(user_ids)) for s in shared],
        )


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
