"""A reusable Hypothesis state machine that drives a target's manager factory.

Rules: ``create`` (a new user context: a new connection, a reconnect, a second
tab), ``get`` (the same context again), ``connect``, ``disconnect`` and ``close``
(the user leaves: all their connections close) across a small pool of users.
After every step it checks what #889 and #960 promise:

* one manager per live user (the factory hands back the manager the user already
  has, and it carries that user's id);
* no shared mutable state between the managers of two users
  (:func:`pytest_ssot.evidence.isolation.find_shared_state`);
* connection states are independent: a user is connected exactly when the
  machine opened a connection for them that it has not closed.

Every failure is an :class:`SSOTViolation`; Hypothesis shrinks it to a short
program that reads like the bug report (``create(user='user-001')``,
``connect(user='user-001')``, ...).

A user is live from their first ``create``/``get``/``connect`` until ``close`` or
until their last connection closes (backends may release an idle manager then, so
the manager after that may be a new one).

Targets keep module-level registries that outlive one example; the machine
closes every connection it opened in ``teardown``, and ``reset`` (if given) runs
before each example.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

from pytest_ssot.config.extras import require

require("hypothesis", "manager_state_machine")
from hypothesis import strategies as st  # noqa: E402 (after the one-line check for the extra)
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from pytest_ssot.evidence.binding import call_with_context
from pytest_ssot.evidence.tracked import read_attr_path, user_label
from pytest_ssot.evidence.isolation import assert_isolated
from pytest_ssot.scan.objects import type_path
from pytest_ssot.evidence.roles import UserRoles
from pytest_ssot.core.violation import SSOTViolation


__all__ = ["CHECKS", "FakeConnection", "ManagerMachineBase", "manager_state_machine", "manager_state_machine_from_adapter"]

DEFAULT_MACHINE_USERS = ("user-001", "user-002", "user-003")
CHECKS = ("managers", "shared_state", "connections")  # what the invariant checks, in this order


class FakeConnection:
    """A connection handle the machine attaches to a manager: ``async send(text)`` records."""

    def __init__(self, user_id: Any, number: int) -> None:
        self.user_id = user_id
        self.number = number
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)

    def __repr__(self) -> str:
        return f"FakeConnection({self.user_id!r}, {self.number})"


def _default_is_connected(manager: Any) -> bool:
    probe = getattr(manager, "is_connected", None)
    if callable(probe):
        return bool(probe())
    return getattr(manager, "connection_state", None) == "connected"


class ManagerMachineBase(RuleBasedStateMachine):
    """The model and the checks; :func:`manager_state_machine` adds rules and configuration."""

    factory: Callable[[Any], Any]
    make_user_context: Callable[[Any], Any]
    user_id_attr: str = "user_context.user_id"
    connect_fn: Callable[[Any, Any], Any] = staticmethod(lambda m, c: m.connect(c))
    disconnect_fn: Callable[[Any, Any], Any] = staticmethod(lambda m, c: m.disconnect(c))
    is_connected_fn: Callable[[Any], bool] = staticmethod(_default_is_connected)
    reset_fn: Callable[[], Any] | None = None
    isolation_options: dict[str, Any] = {}
    checks: tuple[str, ...] = CHECKS
    users: tuple[Any, ...] = ()  # the pool: finding keys name a user by role ("user 2 of 3")
    context_type: type | None = None  # the class of user contexts, to bind the factory's parameter by annotation

    def __init__(self) -> None:
        super().__init__()
        self._loop = asyncio.new_event_loop()
        self.managers: dict[Any, Any] = {}  # live user -> their manager
        self.contexts: dict[Any, Any] = {}  # live user -> the context of their last create
        self.connections: dict[Any, list[FakeConnection]] = {}
        self._opened = 0
        if self.reset_fn is not None:
            self._run(self.reset_fn())

    def _run(self, value: Any) -> Any:
        return self._loop.run_until_complete(value) if inspect.isawaitable(value) else value

    def _role(self, user: Any) -> str:
        return UserRoles(self.users).role(user)

    def _obtain(self, user: Any, context: Any) -> Any:
        manager = self._run(call_with_context(type(self).factory, context, self.context_type))
        owner = read_attr_path(manager, self.user_id_attr)
        if owner != user:
            raise SSOTViolation(f"the factory returned a manager of user {user_label(owner)} "
                                f"for user {user_label(user)} ({self.user_id_attr} = {owner!r})",
                                keys=[f"the factory returns a manager of {self._role(owner)} for {self._role(user)}"])
        known = self.managers.get(user)
        if known is not None and known is not manager and "managers" in self.checks:
            raise SSOTViolation(
                f"Multiple manager instances for user {user_label(user)} - potential duplication: "
                f"{type(known).__qualname__} id=0x{id(known):x} and "
                f"{type(manager).__qualname__} id=0x{id(manager):x} are both live for this user",
                [{"user_id": str(user), "ids": [id(known), id(manager)]}],
                [f"{self._role(user)}: a second {type_path(manager)} while the first is live"],
            )
        self.managers[user] = manager
        return manager

    # -- actions (the rules call these)

    def do_create(self, user: Any) -> None:
        self.contexts[user] = type(self).make_user_context(user)
        self._obtain(user, self.contexts[user])

    def do_get(self, user: Any) -> None:
        if user not in self.contexts:
            self.contexts[user] = type(self).make_user_context(user)
        self._obtain(user, self.contexts[user])

    def do_connect(self, user: Any) -> None:
        if user not in self.managers:
            self.do_create(user)
        self._opened += 1
        connection = FakeConnection(user, self._opened)
        self._run(type(self).connect_fn(self.managers[user], connection))
        self.connections.setdefault(user, []).append(connection)

    def do_disconnect(self, user: Any) -> None:
        if self.connections.get(user):
            connection = self.connections[user].pop()
            self._run(type(self).disconnect_fn(self.managers[user], connection))
            if not self.connections[user]:
                # an idle manager may be released by the backend: the next one may be new
                self.managers.pop(user, None)

    def do_close(self, user: Any) -> None:
        while self.connections.get(user):
            self.do_disconnect(user)
        self.connections.pop(user, None)
        self.managers.pop(user, None)
        self.contexts.pop(user, None)

    # -- the checks, after every step

    def check_distinct_managers(self) -> None:
        owners: dict[int, Any] = {}
        for user, manager in self.managers.items():
            other = owners.setdefault(id(manager), user)
            if other != user:
                raise SSOTViolation(f"users {user_label(other)} and {user_label(user)} share one manager "
                                    f"({type(manager).__qualname__} id=0x{id(manager):x})",
                                    keys=[f"{self._role(other)} and {self._role(user)} share one "
                                          f"{type_path(manager)}"])

    def check_no_shared_state(self) -> None:
        for (u1, m1), (u2, m2) in combinations(self.managers.items(), 2):
            assert_isolated(m1, m2, names=(f"manager[{u1!r}]", f"manager[{u2!r}]"),
                            what=f"the managers of users {user_label(u1)} and {user_label(u2)}",
                            user_ids=self.users or (u1, u2), **self.isolation_options)

    def check_connection_states(self) -> None:
        for user, manager in self.managers.items():
            expected = bool(self.connections.get(user))
            actual = bool(type(self).is_connected_fn(manager))
            if actual != expected:
                opened = {u: len(c) for u, c in self.connections.items() if c}
                raise SSOTViolation(
                    f"Connection state leaked: user {user_label(user)} reads "
                    f"{'connected' if actual else 'disconnected'} but has "
                    f"{len(self.connections.get(user, []))} open connection(s) "
                    f"(open connections per user: {opened or 'none'})",
                    keys=[f"connection state leaked: {self._role(user)} reads "
                          f"{'connected' if actual else 'disconnected'}"],
                )

    def teardown(self) -> None:
        try:
            for user in list(self.connections):
                try:
                    self.do_close(user)
                except Exception:
                    pass  # teardown must not hide the failure being reported
        finally:
            self._loop.close()


def manager_state_machine(
    factory: Callable[[Any], Any],
    make_user_context: Callable[[Any], Any],
    *,
    users: Sequence[Any] = DEFAULT_MACHINE_USERS,
    user_id_attr: str = "user_context.user_id",
    connect: Callable[[Any, Any], Any] | None = None,
    disconnect: Callable[[Any, Any], Any] | None = None,
    is_connected: Callable[[Any], bool] | None = None,
    reset: Callable[[], Any] | None = None,
    isolation_options: dict[str, Any] | None = None,
    checks: Sequence[str] = CHECKS,
    name: str = "ManagerMachine",
    context_type: type | None = None,
) -> type[ManagerMachineBase]:
    """A state machine class for ``factory``; run it with ``Machine.TestCase`` or
    ``hypothesis.stateful.run_state_machine_as_test(Machine)``.

    ``connect(manager, connection)`` / ``disconnect(manager, connection)`` default
    to the manager's methods of those names (awaited if async);
    ``is_connected(manager)`` to ``manager.is_connected()`` or
    ``manager.connection_state == "connected"``. ``checks`` picks some of
    :data:`CHECKS` (e.g. ``("connections",)`` to look past a known shared-state
    violation); that the factory's result belongs to the right user is always
    checked. The factory gets each context through its context parameter, found
    by name and by annotation (``context_type``, the class of user contexts).
    """
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; choose from {CHECKS}")
    pool = st.sampled_from(tuple(users))

    class Machine(ManagerMachineBase):
        @rule(user=pool)
        def create(self, user: Any) -> None:
            self.do_create(user)

        @rule(user=pool)
        def get(self, user: Any) -> None:
            self.do_get(user)

        @rule(user=pool)
        def connect(self, user: Any) -> None:
            self.do_connect(user)

        @rule(user=pool)
        def disconnect(self, user: Any) -> None:
            self.do_disconnect(user)

        @rule(user=pool)
        def close(self, user: Any) -> None:
            self.do_close(user)

        @invariant()
        def users_isolated(self) -> None:
            """One invariant (not three) keeps the printed counter-example short."""
            if "managers" in self.checks:
                self.check_distinct_managers()
            if "shared_state" in self.checks:
                self.check_no_shared_state()
            if "connections" in self.checks:
                self.check_connection_states()

    Machine.factory = staticmethod(factory)  # type: ignore[assignment]
    Machine.make_user_context = staticmethod(make_user_context)  # type: ignore[assignment]
    Machine.user_id_attr = user_id_attr
    if connect is not None:
        Machine.connect_fn = staticmethod(connect)  # type: ignore[assignment]
    if disconnect is not None:
        Machine.disconnect_fn = staticmethod(disconnect)  # type: ignore[assignment]
    if is_connected is not None:
        Machine.is_connected_fn = staticmethod(is_connected)  # type: ignore[assignment]
    Machine.reset_fn = staticmethod(reset) if reset is not None else None  # type: ignore[assignment]
    Machine.isolation_options = dict(isolation_options or {})
    Machine.checks = tuple(checks)
    Machine.users = tuple(users)
    Machine.context_type = context_type
    Machine.__name__ = Machine.__qualname__ = name
    return Machine


def manager_state_machine_from_adapter(adapter: Any, **options: Any) -> type[ManagerMachineBase]:
    """:func:`manager_state_machine` with the factory, contexts, user-id path and connection calls of a target.

    ``connect``, ``disconnect`` and ``is_connected`` default to the adapter's, so
    an adapter that reaches a manager's connection differently is honoured.
    """
    options.setdefault("user_id_attr", adapter.target.user_id_attr)
    options.setdefault("context_type", getattr(adapter, "context_type", None))
    options["isolation_options"] = {"target_package": adapter.target.package,
                                    **(options.get("isolation_options") or {})}
    for name in ("connect", "disconnect", "is_connected"):
        call = getattr(adapter, name, None)
        if callable(call):
            options.setdefault(name, call)
    return manager_state_machine(adapter.factory, adapter.make_user_context, **options)
