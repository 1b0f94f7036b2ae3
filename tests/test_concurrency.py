"""The concurrency harness: real overlap (barrier), both modes, bounded, and what it reports."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fixtures_instances.kit import build, make_user_context

from pytest_ssot.evidence.concurrency import (
    ConcurrencyError,
    HarnessTimeout,
    assert_distinct_per_user,
    assert_single_instance,
    run_concurrently,
    run_concurrently_async,
)
from pytest_ssot.core.violation import SSOTViolation

N = 8  # #960: 8 concurrent users


def _same_user_args(n: int = N) -> list[tuple[object]]:
    return [(make_user_context("demo-user-001"),) for _ in range(n)]


@pytest.mark.parametrize(("kind", "mode"), [("async", "asyncio"), ("sync", "threads")])
def test_race_is_missed_sequentially_and_caught_concurrently(kind: str, mode: str) -> None:
    sequential = build(kind=kind, race=True)
    results = []
    for (ctx,) in _same_user_args():
        result = sequential.factory(ctx)
        results.append(asyncio.run(result) if kind == "async" else result)
    assert len({id(r) for r in results}) == 1  # a sequential loop sees one manager

    racy = build(kind=kind, race=True)
    outcomes = run_concurrently(racy.factory, _same_user_args(), mode=mode)
    with pytest.raises(SSOTViolation) as info:
        assert_single_instance(outcomes, user_id="demo-user-001")
    message = str(info.value)
    assert message.startswith("Multiple manager instances for user demo-user-001 - potential duplication")
    assert "check-then-create race" in message and "Manager id=0x" in message


@pytest.mark.parametrize(("kind", "mode"), [("async", "asyncio"), ("sync", "threads"), ("async", "threads")])
def test_clean_factory_passes_under_concurrency(kind: str, mode: str) -> None:
    kit = build(kind=kind)
    manager = assert_single_instance(run_concurrently(kit.factory, _same_user_args(), mode=mode))
    assert manager is kit.managers["demo-user-001"]
    users = [f"demo-user-{i:03d}" for i in range(1, N + 1)]
    outcomes = run_concurrently(kit.factory, [(make_user_context(u),) for u in users], mode=mode)
    per_user = assert_distinct_per_user(outcomes, users)
    assert sorted(per_user) == users


@pytest.mark.asyncio
async def test_async_variant_inside_a_running_loop() -> None:
    racy = build(race=True)
    outcomes = await run_concurrently_async(racy.factory, _same_user_args())
    with pytest.raises(SSOTViolation, match="8 distinct instances"):
        assert_single_instance(outcomes)
    with pytest.raises(RuntimeError, match="await run_concurrently_async"):
        run_concurrently(racy.factory, _same_user_args(), mode="asyncio")


def test_distinct_per_user_reports_shared_and_foreign_managers() -> None:
    kit = build()
    shared = kit.Manager(make_user_context("demo-user-001"), _token=kit.token)
    users = ["demo-user-001", "demo-user-002"]
    outcomes = run_concurrently(lambda ctx: shared, [(make_user_context(u),) for u in users])
    with pytest.raises(SSOTViolation) as info:
        assert_distinct_per_user(outcomes, users)
    message = str(info.value)
    assert "users demo-user-001 and demo-user-002 got the same instance" in message
    assert "belongs to user demo-user-001" in message


def test_duplicates_for_one_of_many_users() -> None:
    racy = build(race=True)
    users = ["demo-user-001"] * 3 + ["demo-user-002"]
    outcomes = run_concurrently(racy.factory, [(make_user_context(u),) for u in users])
    with pytest.raises(SSOTViolation, match="Multiple manager instances for user demo-user-001"):
        assert_distinct_per_user(outcomes, users)


def test_a_raising_call_is_an_error_not_a_violation() -> None:
    def factory(ctx: object) -> object:
        raise ValueError("no database")

    outcomes = run_concurrently(factory, _same_user_args(3), mode="threads")
    with pytest.raises(ConcurrencyError, match="3 of 3 concurrent calls .* ValueError: no database") as info:
        assert_single_instance(outcomes)
    assert not isinstance(info.value, SSOTViolation)


@pytest.mark.parametrize("mode", ["asyncio", "threads"])
def test_hang_times_out(mode: str) -> None:
    release = threading.Event()

    async def hangs_async(ctx: object) -> None:
        await asyncio.sleep(3600)

    def hangs_sync(ctx: object) -> None:
        release.wait(3600)

    try:
        with pytest.raises(HarnessTimeout):
            run_concurrently(hangs_async if mode == "asyncio" else hangs_sync, _same_user_args(2),
                             mode=mode, timeout=0.2)
    finally:
        release.set()


def test_bounded_count_and_known_modes() -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        run_concurrently(print, [])
    with pytest.raises(ValueError, match="mode must be one of"):
        run_concurrently(print, [("x",)], mode="processes")
