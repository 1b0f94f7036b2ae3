"""A small per-user manager backend with each #889 / #960 flaw as a switch.

``build()`` with no arguments is a clean backend: one manager per user, created
under a lock with nothing awaited between check and create, isolated state,
direct instantiation forbidden, no user context -> one reused manager. Each
keyword turns on one flaw, so a test can show a helper failing on exactly that
flaw and passing without it. Every call builds fresh classes, so kits never share
state with each other.
"""

from __future__ import annotations

import asyncio
import enum
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RACE_WINDOW_SECONDS = 0.05  # the sync race's gap between check and create (no timing is asserted)


@dataclass(frozen=True)
class UserContext:
    user_id: str
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def make_user_context(user_id: str) -> UserContext:
    return UserContext(user_id)


@dataclass
class Kit:
    Manager: type
    factory: Callable[[Any], Any]
    legacy_factory: Callable[[Any], Any]
    token: object
    managers: dict[Any, Any]
    Mode: type[enum.Enum]
    make_user_context: Callable[[str], Any] = make_user_context

    def direct(self, user_context: Any) -> Any:
        """The class called directly, as a bypassing caller would."""
        return self.Manager(user_context)

    def reset(self) -> None:
        self.managers.clear()


def build(
    *,
    kind: str = "async",  # "async" | "sync"
    cache: bool = True,  # False: a new manager per call
    null: str = "reuse",  # "reuse" | "error" | "fresh" (a new manager per call)
    race: bool = False,  # check-then-create with a gap between check and create
    forbid_direct: bool = True,
    class_default: bool = False,  # state lives in a class-level dict
    shared_registry: bool = False,  # every manager holds the registry of all managers
    enum_state: bool = False,  # the user context is stored on a shared enum member
    leak_flag: bool = False,  # is_connected() reads a flag shared by all managers
) -> Kit:
    token = object()
    managers: dict[Any, Any] = {}
    lock = threading.Lock()
    current = {"connection": None}  # only read when leak_flag

    class Mode(enum.Enum):
        UNIFIED = "unified"

    class Manager:
        if class_default:
            state: dict[str, Any] = {}

        def __init__(self, user_context: Any, *, _token: object = None) -> None:
            if forbid_direct and _token is not token:
                raise RuntimeError("Manager is not instantiated directly: use the factory")
            self.user_context = user_context
            if not class_default:
                self.state = {}
            if shared_registry:
                self.registry = managers
            self.mode = Mode.UNIFIED
            if enum_state:
                Mode.UNIFIED.active_context = user_context  # type: ignore[attr-defined]
            self._connections: list[Any] = []

        def is_connected(self) -> bool:
            if leak_flag and current["connection"] is not None:
                return True
            return bool(self._connections)

        async def connect(self, connection: Any) -> None:
            self._connections.append(connection)
            current["connection"] = connection

        async def disconnect(self, connection: Any = None) -> None:
            closing = list(self._connections) if connection is None else [connection]
            for item in closing:
                if item in self._connections:
                    self._connections.remove(item)
                if current["connection"] is item:
                    current["connection"] = None

    def create(user_context: Any) -> Manager:
        return Manager(user_context, _token=token)

    def lookup(user_context: Any) -> tuple[bool, Any]:
        """(decided, manager): the cases that never reach the per-user cache."""
        if user_context is None and null == "error":
            raise ValueError("no user context: pass the caller's UserContext")
        if (user_context is None and null == "fresh") or not cache:
            return True, create(user_context)
        return False, None if user_context is None else user_context.user_id

    if kind == "sync":
        def get_manager(user_context: Any = None) -> Any:
            decided, found = lookup(user_context)
            if decided:
                return found
            if race:
                if found not in managers:
                    time.sleep(RACE_WINDOW_SECONDS)
                    managers[found] = create(user_context)
                return managers[found]
            with lock:
                if found not in managers:
                    managers[found] = create(user_context)
                return managers[found]
    else:
        async def get_manager(user_context: Any = None) -> Any:  # type: ignore[misc]
            decided, found = lookup(user_context)
            if decided:
                return found
            if race and found not in managers:
                await asyncio.sleep(0)  # validation in between: other callers run here
                managers[found] = create(user_context)
            with lock:
                if found not in managers:
                    managers[found] = create(user_context)
                return managers[found]

    def legacy_get_manager(user_context: Any = None) -> Any:
        """A second factory kept for old callers: its own managers, never the registry's."""
        return create(user_context)

    return Kit(Manager, get_manager, legacy_get_manager, token, managers, Mode)
