"""#1126 integration: events still flow (guard), users stay isolated, the factory caches per user."""

from __future__ import annotations

import pytest

from pytest_ssot.isolation import assert_isolated
from pytest_ssot.server_checks import assert_connection_states_independent
from pytest_ssot.websocket import assert_golden_path

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


@pytest.mark.ssot_issue(1126, guard=True)
async def test_all_five_websocket_events_delivered_post_ssot(ssot_harness, ssot_new_user):
    """MISSION CRITICAL in the seed: all five events delivered, before and after the fix."""
    assert_golden_path(await ssot_harness.golden_path(ssot_new_user("five-events")))


@pytest.mark.ssot_issue(1126)
async def test_websocket_manager_user_isolation_post_ssot(ssot_factory_contract, ssot_target, ssot_new_user):
    """Two users: separate managers, their own user ids, and no state in common."""
    users = (ssot_new_user("user1"), ssot_new_user("user2"))
    managers = await ssot_factory_contract.check_different_users(users)
    assert_isolated(managers[users[0]], managers[users[1]], names=("manager1", "manager2"), user_ids=users,
                    target_package=ssot_target.package)


@pytest.mark.ssot_issue(1126)
async def test_websocket_manager_factory_instantiation_consistency(ssot_factory_contract, ssot_new_user):
    """The same user twice (same context, then a new one): the factory's cached manager."""
    await ssot_factory_contract.check_same_user_same_instance(ssot_new_user("consistency"))


@pytest.mark.ssot_issue(1126)
async def test_websocket_manager_connection_state_isolation(ssot_adapter, ssot_new_user):
    """User 1 connects; user 2's manager must not report connected."""
    users = (ssot_new_user("user1"), ssot_new_user("user2"))
    first, second = [await ssot_adapter.get_manager(ssot_adapter.make_user_context(u)) for u in users]
    await assert_connection_states_independent(ssot_adapter, first, second, users)
