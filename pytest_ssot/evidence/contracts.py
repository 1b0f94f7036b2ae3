"""The factory contract of a per-user manager, checked call by call.

What #889 and #960 ask of the one factory: the same user gets the same manager
(also through a new context: a reconnect, a second tab); different users get
different managers that carry their own user id; no user context gets the
documented behaviour (one reused test manager, or a clear error), never a fresh
manager per call; and calling the manager class directly follows the target's
policy (``forbidden``: raises; ``allowed``: works).

Real codebases switch their factory between sync and async during a
consolidation, so every call is awaited when it returns an awaitable; the checks
are coroutines (``asyncio.run(contract.check_all())`` from sync code).

A result that contradicts the contract by duplicating or sharing managers is an
:class:`SSOTViolation`. A result that contradicts the configured *policy* without
duplicating anything (the factory raises where it should reuse, the class cannot
be built although the policy allows it) is a :class:`ContractError`: a setup or
documentation problem, never the expected failure of an open issue.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_ssot.core.awaiting import maybe_await
from pytest_ssot.evidence.binding import SignatureMismatch, call_with_context, context_arguments
from pytest_ssot.evidence.tracked import read_attr_path, user_label
from pytest_ssot.scan.objects import type_path
from pytest_ssot.evidence.roles import UserRoles
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation

__all__ = ["ContractError", "FactoryContract", "DEFAULT_USERS"]

DEFAULT_USERS = ("user-001", "user-002")


class ContractError(SSOTSetupError, RuntimeError):
    """The factory or class does not behave as the target's configuration documents."""


def _raise_problems(title: str, problems: Sequence[tuple[str, str]]) -> None:
    """``problems``: (line for the message, stable key for the ledger) pairs."""
    if problems:
        raise SSOTViolation(f"{title}:\n" + "\n".join(f"  - {p}" for p, _ in problems),
                            [{"problem": p} for p, _ in problems], [k for _, k in problems])



def _ident(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__} id=0x{id(obj):x}"


@dataclass
class FactoryContract:
    """The contract checks for one factory; build it with :meth:`from_adapter` in suites."""

    factory: Callable[[Any], Any]
    make_user_context: Callable[[Any], Any]
    manager_classes: Sequence[type] = ()
    user_id_attr: str = "user_context.user_id"
    null_user_context: str = "reuse"  # "reuse" | "error"
    direct_instantiation: str = "forbidden"  # "forbidden" | "allowed"
    construct: Callable[[type, Any], Any] | None = None  # how to call a class directly; default: bound by name
    context_type: type | None = None  # the class of user contexts, to bind by annotation

    @classmethod
    def from_adapter(cls, adapter: Any) -> FactoryContract:
        """Everything from the target configuration behind a :class:`TargetAdapter`."""
        target = adapter.target
        return cls(
            factory=adapter.factory,
            make_user_context=adapter.make_user_context,
            manager_classes=adapter.manager_classes,
            user_id_attr=target.user_id_attr,
            null_user_context=target.null_user_context,
            direct_instantiation=target.direct_instantiation,
            context_type=getattr(adapter, "context_type", None),
        )

    async def get(self, user_context: Any) -> Any:
        """The factory's result for ``user_context``, awaited if it is awaitable."""
        return await maybe_await(call_with_context(self.factory, user_context, self.context_type))

    def user_id_of(self, manager: Any) -> Any:
        return read_attr_path(manager, self.user_id_attr)

    # -- the checks

    async def check_same_user_same_instance(self, user_id: Any = DEFAULT_USERS[0]) -> Any:
        """Same context twice, then a new context for the same user: one manager."""
        context = self.make_user_context(user_id)
        calls = [("first call", context), ("same context again", context),
                 ("new context, same user", self.make_user_context(user_id))]
        got = [(label, await self.get(ctx)) for label, ctx in calls]
        if len({id(m) for _, m in got}) > 1:
            raise SSOTViolation(
                f"Multiple manager instances for user {user_label(user_id)} - potential duplication: "
                "the factory returned a new manager for a user who already had one:\n"
                + "\n".join(f"  - {label}: {_ident(m)}" for label, m in got),
                [{"user_id": str(user_id), "call": label, "id": id(m), "class": type(m).__qualname__}
                 for label, m in got],
                [f"same user, {label}: a new {type_path(m)} instead of the first call's"
                 for label, m in got[1:] if m is not got[0][1]],
            )
        return got[0][1]

    async def check_different_users(self, user_ids: Sequence[Any] = DEFAULT_USERS) -> dict[Any, Any]:
        """Each user gets a manager of their own that carries their own user id."""
        managers = {u: await self.get(self.make_user_context(u)) for u in user_ids}
        roles = UserRoles(user_ids)
        problems: list[tuple[str, str]] = []
        owner: dict[int, Any] = {}
        for user_id, manager in managers.items():
            first = owner.setdefault(id(manager), user_id)
            if first != user_id:
                problems.append((f"users {user_label(first)} and {user_label(user_id)} share {_ident(manager)}",
                                 f"{roles.role(first)} and {roles.role(user_id)} share one {type_path(manager)}"))
            seen = self.user_id_of(manager)
            if seen != user_id:
                problems.append((f"the manager for user {user_label(user_id)} ({_ident(manager)}) has "
                                 f"{self.user_id_attr} = {seen!r}",
                                 f"the manager for {roles.role(user_id)} has the {self.user_id_attr} of "
                                 f"{roles.role(seen)}"))
        _raise_problems("Managers for different users are not isolated", problems)
        return managers

    async def check_null_user_context(self) -> Any:
        """No user context: never a fresh manager per call; reuse or raise, as configured."""
        outcomes: list[Any] = []
        for _ in range(2):
            try:
                outcomes.append(await self.get(None))
            except SSOTViolation:
                raise
            except Exception as exc:
                outcomes.append(exc)
        managers = [o for o in outcomes if not isinstance(o, Exception)]
        if len(managers) == 2 and managers[0] is not managers[1]:
            raise SSOTViolation(
                "Null user context creates a new manager per call instead of "
                + ("reusing one test manager" if self.null_user_context == "reuse" else "raising an error")
                + ":\n" + "\n".join(f"  - call {i + 1}: {_ident(m)}" for i, m in enumerate(managers)),
                [{"user_id": None, "call": i + 1, "id": id(m)} for i, m in enumerate(managers)],
                [f"no user context: a new {type_path(managers[1])} per call"],
            )
        errors = [o for o in outcomes if isinstance(o, Exception)]
        if self.null_user_context == "reuse" and errors:
            raise ContractError(f"null_user_context = 'reuse', but the factory raised "
                                f"{type(errors[0]).__name__}: {errors[0]}; set null_user_context = 'error' if "
                                "refusing is the documented behaviour") from errors[0]
        if self.null_user_context == "error" and managers:
            raise ContractError(f"null_user_context = 'error', but the factory returned {_ident(managers[0])}; "
                                "set null_user_context = 'reuse' if that is the documented behaviour")
        return managers[0] if managers else None

    def check_direct_instantiation(self, user_id: Any = DEFAULT_USERS[0]) -> list[Any]:
        """Calling each manager class directly raises (``forbidden``) or works (``allowed``).

        Returns the instances built (``allowed``); a direct instance next to the
        factory's is what :meth:`InstanceTracker.assert_no_factory_bypass` reports.
        """
        if not self.manager_classes:
            raise ContractError("check_direct_instantiation needs manager_classes")
        built, problems = [], []
        for cls in self.manager_classes:
            instance, refusal = self.try_direct(cls, user_id)
            if refusal is not None:
                if self.direct_instantiation == "allowed":
                    raise ContractError(f"direct_instantiation = 'allowed', but {cls.__qualname__}(user_context) "
                                        f"raised {type(refusal).__name__}: {refusal}") from refusal
                continue
            built.append(instance)
            if self.direct_instantiation == "forbidden":
                problems.append((f"{cls.__module__}.{cls.__qualname__}(user_context) for user "
                                 f"{user_label(user_id)} returned {_ident(instance)} instead of raising",
                                 f"{cls.__module__}.{cls.__qualname__}(user_context) builds a manager "
                                 "instead of raising"))
        _raise_problems("Direct instantiation bypasses the factory (policy: forbidden)", problems)
        return built

    def try_direct(self, cls: type, user_id: Any) -> tuple[Any, Exception | None]:
        """Call ``cls`` directly for ``user_id``: (instance, None), or (None, the exception refusing it).

        The context goes to the constructor's context parameter, by name and
        annotation (:mod:`pytest_ssot.evidence.binding`): ``cls(context)`` positionally
        would hand it to whatever comes first (a ``mode``) and build a manager for
        a fallback user. A call that cannot bind proves nothing about a policy -
        it would "refuse" any class - so it is a ContractError naming the
        signature (pass ``construct=`` to call it the right way).
        """
        context = self.make_user_context(user_id)
        args: tuple[Any, ...] = ()
        kwargs: dict[str, Any] = {}
        if self.construct is None:
            try:
                args, kwargs = context_arguments(cls, context, self.context_type)
            except SignatureMismatch as exc:
                raise ContractError(f"cannot try {cls.__qualname__}(user_context) directly: its signature is "
                                    f"{cls.__qualname__}{inspect.signature(cls)}, which does not fit ({exc.reason}); "
                                    "give FactoryContract a construct= callable") from None
        try:
            return (self.construct(cls, context) if self.construct else cls(*args, **kwargs)), None
        except SSOTViolation:
            raise
        except Exception as exc:
            return None, exc

    async def check_all(self, user_ids: Sequence[Any] = DEFAULT_USERS) -> None:
        """Every check; all violations together in one :class:`SSOTViolation`."""
        found: list[SSOTViolation] = []
        checks: list[Callable[[], Any]] = [
            lambda: self.check_same_user_same_instance(user_ids[0]),
            lambda: self.check_different_users(user_ids),
            self.check_null_user_context,
        ]
        for check in checks:
            try:
                await check()
            except SSOTViolation as exc:
                found.append(exc)
        if self.manager_classes:
            try:
                self.check_direct_instantiation(user_ids[0])
            except SSOTViolation as exc:
                found.append(exc)
        if found:
            raise SSOTViolation("\n".join(v.message for v in found), [f for v in found for f in v.findings],
                                [k for v in found for k in v.keys])
