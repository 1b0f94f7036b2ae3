"""Strategies: valid ids (demo pattern and odd ones), contexts from the target, interleavings."""

from __future__ import annotations

import re

from fixtures_instances.kit import UserContext, build, make_user_context
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from pytest_ssot.evidence.concurrency import assert_single_instance, run_concurrently
from pytest_ssot.strategies import (
    ACTIONS,
    DEMO_USER_PATTERN,
    MAX_USER_ID_LENGTH,
    Step,
    demo_user_ids,
    interleavings,
    user_contexts,
    user_ids,
)


@given(user_ids())
def test_user_ids_are_valid(user_id: str) -> None:
    assert 0 < len(user_id) <= MAX_USER_ID_LENGTH
    assert user_id.isprintable() and not any(c.isspace() for c in user_id)


@given(demo_user_ids())
def test_demo_pattern(user_id: str) -> None:
    assert re.match(DEMO_USER_PATTERN, user_id)


def test_seed_user_and_odd_ids_are_reachable() -> None:
    # shrinking is deterministic where an equality search is luck: the least id past demo-user-000 is the seed's
    assert find(user_ids(), lambda u: u.startswith("demo-user-") and u > "demo-user-000") == "demo-user-001"
    assert "@" in find(user_ids(), lambda u: "@" in u)
    assert "|" in find(user_ids(), lambda u: "|" in u)
    assert not find(user_ids(), lambda u: not u.isascii()).isascii()


@given(user_contexts(make_user_context))
def test_contexts_come_from_the_target_callable(context: UserContext) -> None:
    assert isinstance(context, UserContext) and context.user_id


@given(interleavings(["demo-user-001", "demo-user-002"]))
def test_interleavings_use_known_actions_and_users(steps: list[Step]) -> None:
    assert steps and all(s.action in ACTIONS and s.user_id in ("demo-user-001", "demo-user-002") for s in steps)


def test_steps_print_readably() -> None:
    assert repr([Step("connect", "demo-user-001")]) == "[connect('demo-user-001')]"
    shrunk = find(interleavings(st.lists(user_ids(), min_size=2, max_size=3, unique=True)),
                  lambda steps: any(s.action == "close" for s in steps))
    assert repr(shrunk) == "[close('demo-user-000')]"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(user_ids(), min_size=1, max_size=4, unique=True), st.integers(2, 6))
def test_clean_factory_holds_for_any_users(users: list[str], per_user: int) -> None:
    kit = build()
    for user in users:
        args = [(make_user_context(user),) for _ in range(per_user)]
        manager = assert_single_instance(run_concurrently(kit.factory, args), user_id=user)
        assert manager.user_context.user_id == user
