"""Call a factory many times at once, and tell which calls got duplicates.

A check-then-create factory (look the user up, find nothing, ``await`` something,
create) hands out one manager per call when calls overlap, and a sequential loop
never sees it (#889 "concurrent user manager creation", #960 "8 concurrent users").
The harness makes the calls really overlap: every call waits at a barrier and all
are released together, as asyncio tasks under ``gather`` or as OS threads. It is
bounded in count (:data:`MAX_CALLS`) and in time (every barrier wait and the whole
run have a timeout); running out of time raises :class:`HarnessTimeout`, never an
SSOTViolation, because a hang is a broken test, not a confirmed duplication.

Under asyncio, a *sync* factory runs its calls one after another (nothing in it
can yield to the other tasks): use ``mode="threads"`` for sync factories. An
async factory called from a thread runs in its own event loop in that thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_ssot.core.awaiting import maybe_await, resolve_blocking
from pytest_ssot.evidence.tracked import read_attr_path, user_label
from pytest_ssot.scan.objects import type_path
from pytest_ssot.evidence.roles import UserRoles
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation

__all__ = [
    "MAX_CALLS",
    "MODES",
    "CallOutcomes",
    "ConcurrencyError",
    "HarnessTimeout",
    "assert_distinct_per_user",
    "assert_single_instance",
    "run_concurrently",
    "run_concurrently_async",
]

MAX_CALLS = 1000
MODES = ("asyncio", "threads")


class ConcurrencyError(SSOTSetupError, RuntimeError):
    """A concurrent call raised: the harness cannot judge duplicates from a crash."""


class HarnessTimeout(ConcurrencyError, TimeoutError):
    """The calls did not all meet at the barrier, or did not finish, in time."""


@dataclass
class CallOutcomes:
    """What each call returned (or raised), in call order."""

    mode: str
    args: list[tuple[Any, ...]]
    results: list[Any] = field(default_factory=list)
    errors: list[BaseException | None] = field(default_factory=list)

    def raise_errors(self) -> None:
        """Turn the first exception of any call into a :class:`ConcurrencyError`."""
        failed = [(i, e) for i, e in enumerate(self.errors) if e is not None]
        if failed:
            index, first = failed[0]
            raise ConcurrencyError(
                f"{len(failed)} of {len(self.args)} concurrent calls ({self.mode}) raised; "
                f"call {index} raised {type(first).__name__}: {first}"
            ) from first

    def distinct(self) -> list[tuple[Any, list[int]]]:
        """Each distinct returned object and the indexes of the calls that returned it."""
        groups: dict[int, tuple[Any, list[int]]] = {}
        for index, result in enumerate(self.results):
            groups.setdefault(id(result), (result, []))[1].append(index)
        return list(groups.values())


def _check_count(args: Sequence[tuple[Any, ...]]) -> None:
    if not 1 <= len(args) <= MAX_CALLS:
        raise ValueError(f"between 1 and {MAX_CALLS} concurrent calls, not {len(args)}")


async def run_concurrently_async(
    call: Callable[..., Any], args: Sequence[tuple[Any, ...]], *, timeout: float = 10.0
) -> CallOutcomes:
    """Run ``call(*a)`` for each ``a`` as asyncio tasks released together by a barrier.

    For use inside a running event loop (an async test); awaits awaitable results.
    """
    _check_count(args)
    outcomes = CallOutcomes("asyncio tasks", list(args), [None] * len(args), [None] * len(args))
    arrived = 0
    released = asyncio.Event()

    async def one(index: int) -> None:
        nonlocal arrived
        arrived += 1
        if arrived == len(args):
            released.set()
        await released.wait()
        try:
            outcomes.results[index] = await maybe_await(call(*args[index]))
        except Exception as exc:  # reported by raise_errors, with the call's index
            outcomes.errors[index] = exc

    tasks = [asyncio.ensure_future(one(i)) for i in range(len(args))]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    except asyncio.TimeoutError:
        for task in tasks:
            task.cancel()
        raise HarnessTimeout(
            f"{len(args)} concurrent calls (asyncio tasks) did not finish within {timeout} s "
            f"({arrived} reached the barrier)"
        ) from None
    return outcomes


def _run_threads(call: Callable[..., Any], args: Sequence[tuple[Any, ...]], timeout: float) -> CallOutcomes:
    outcomes = CallOutcomes("threads", list(args), [None] * len(args), [None] * len(args))
    barrier = threading.Barrier(len(args), timeout=timeout)

    def one(index: int) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError as exc:
            outcomes.errors[index] = HarnessTimeout(f"barrier of {len(args)} threads broken or timed out ({exc!r})")
            return
        try:
            outcomes.results[index] = resolve_blocking(call(*args[index]))
        except Exception as exc:
            outcomes.errors[index] = exc

    threads = [threading.Thread(target=one, args=(i,), name=f"ssot-concurrent-{i}", daemon=True)
               for i in range(len(args))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        barrier.abort()
        raise HarnessTimeout(f"{stuck} of {len(args)} concurrent calls (threads) did not finish within {timeout} s")
    timeouts = [e for e in outcomes.errors if isinstance(e, HarnessTimeout)]
    if timeouts:
        raise timeouts[0]
    return outcomes


def run_concurrently(
    call: Callable[..., Any], args: Sequence[tuple[Any, ...]], *, mode: str = "asyncio", timeout: float = 10.0
) -> CallOutcomes:
    """Run ``call(*a)`` for each ``a`` at once, from synchronous code.

    ``mode="asyncio"`` starts an event loop (so it cannot run inside one: await
    :func:`run_concurrently_async` there); ``mode="threads"`` uses one OS thread
    per call and a ``threading.Barrier``.
    """
    _check_count(args)
    if mode == "threads":
        return _run_threads(call, args, timeout)
    if mode != "asyncio":
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_concurrently_async(call, args, timeout=timeout))
    raise RuntimeError("run_concurrently(mode='asyncio') called inside a running event loop; "
                       "use 'await run_concurrently_async(...)' in async tests")


def _describe(obj: Any, calls: list[int] | None = None) -> str:
    cls = type(obj)
    returned = f" (returned by {len(calls)} call(s): {calls})" if calls is not None else ""
    return f"{cls.__module__}.{cls.__qualname__} id=0x{id(obj):x}{returned}"


def assert_single_instance(outcomes: CallOutcomes, *, user_id: Any = "user-001",
                           role: str = "one user") -> Any:
    """All calls (for one user) returned the very same object; returns it.

    Raises :class:`SSOTViolation` in #889's wording when they did not, and
    :class:`ConcurrencyError` when a call raised. ``role`` names the user in the
    finding keys (the id may be minted per run; how many distinct instances a
    race produced varies between runs, so the key says "several").
    """
    outcomes.raise_errors()
    distinct = outcomes.distinct()
    if len(distinct) > 1:
        raise SSOTViolation(
            f"Multiple manager instances for user {user_label(user_id)} - potential duplication: "
            f"{len(outcomes.results)} concurrent calls ({outcomes.mode}) returned {len(distinct)} distinct "
            "instances (check-then-create race):\n"
            + "\n".join(f"  - {_describe(obj, calls)}" for obj, calls in distinct),
            [{"user_id": user_label(user_id), "class": type(obj).__qualname__, "id": id(obj), "calls": calls}
             for obj, calls in distinct],
            [f"{role}, {len(outcomes.results)} concurrent calls ({outcomes.mode}): several "
             f"{', '.join(sorted({type_path(obj) for obj, _ in distinct}))} instances"],
        )
    return distinct[0][0]


def assert_distinct_per_user(
    outcomes: CallOutcomes,
    user_ids: Sequence[Any],
    *,
    user_id_attr: str | None = "user_context.user_id",
) -> dict[Any, Any]:
    """Call ``i`` was for ``user_ids[i]``: one object per user, never shared, each with its own user id.

    Returns ``{user_id: object}``. Several calls for one user must agree, too.
    """
    outcomes.raise_errors()
    if len(user_ids) != len(outcomes.results):
        raise ValueError(f"{len(user_ids)} user ids for {len(outcomes.results)} calls")
    per_user: dict[Any, list[Any]] = {}
    for user_id, result in zip(user_ids, outcomes.results):
        per_user.setdefault(user_id, []).append(result)
    roles = UserRoles(user_ids)
    problems: dict[str, str] = {}  # message line -> its stable key
    owners: dict[int, Any] = {}
    for user_id, results in per_user.items():
        role = roles.role(user_id)
        if len({id(r) for r in results}) > 1:
            problems[f"Multiple manager instances for user {user_label(user_id)} - potential duplication "
                     f"({len({id(r) for r in results})} distinct instances from {len(results)} calls)"] = \
                f"{role}: several instances from {len(results)} concurrent calls"
        for result in results:
            other = owners.setdefault(id(result), user_id)
            if other != user_id:
                problems[f"users {user_label(other)} and {user_label(user_id)} got the same instance "
                         f"{_describe(result)}"] = f"{roles.role(other)} and {role} got one {type_path(result)}"
            seen = read_attr_path(result, user_id_attr) if user_id_attr else user_id
            if seen != user_id:
                problems[f"the instance returned for user {user_label(user_id)} belongs to user "
                         f"{user_label(seen)} ({user_id_attr})"] = \
                    f"the instance returned for {role} belongs to {roles.role(seen)}"
    if problems:
        raise SSOTViolation(
            f"Concurrent access for {len(per_user)} users ({outcomes.mode}) is not isolated:\n"
            + "\n".join(f"  - {p}" for p in problems),
            [{"problem": p} for p in problems],
            list(problems.values()),
        )
    return {user_id: results[0] for user_id, results in per_user.items()}
