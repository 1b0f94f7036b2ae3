"""#960 integration: the seed's six cross-service and real-service tests.

The three "real service" tests (auth, database, agent) protect behaviour the
consolidation must not break, so they are guards: they pass before and after.
"""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import (
    assert_bad_token_refused,
    assert_history_persisted,
    assert_server_and_factory_share_manager,
    assert_users_isolated,
)
from pytest_ssot.ws.client import assert_golden_path

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


@pytest.mark.ssot_issue(960)
async def test_manager_service_integration_consistency(ssot_harness, ssot_adapter, ssot_instances,
                                                                 ssot_new_user):
    """The server and a direct caller of the factory share one manager per user."""
    await assert_server_and_factory_share_manager(ssot_harness, ssot_adapter, ssot_instances,
                                                  ssot_new_user("service"))


@pytest.mark.ssot_issue(960)
async def test_event_delivery_consistency_integration(ssot_harness):
    """Two users chatting at once each receive exactly their own events, in order."""
    await assert_users_isolated(ssot_harness, 2, prefix="ssot-960-pair")


@pytest.mark.ssot_issue(960)
async def test_multi_user_concurrent_session_isolation_integration(ssot_harness, ssot_target, ssot_record):
    """The seed's 8 concurrent users, isolated."""
    await assert_users_isolated(ssot_harness, min(ssot_target.thresholds.concurrent_users),
                                prefix="ssot-960-user", record=ssot_record)


@pytest.mark.ssot_issue(960, guard=True)
async def test_manager_auth_service_integration(ssot_harness, ssot_new_user):
    """Auth holds: a forged token is refused; a real one gets events carrying its own user."""
    await assert_bad_token_refused(ssot_harness)
    user = ssot_new_user("auth")
    assert_golden_path(await ssot_harness.golden_path(user), user_id=user)


@pytest.mark.ssot_issue(960, guard=True)
async def test_manager_database_service_integration(ssot_harness, ssot_new_user):
    """Persistence holds: a reconnecting user reads the thread's events back."""
    await assert_history_persisted(ssot_harness, ssot_new_user("history"))


@pytest.mark.ssot_issue(960, guard=True)
async def test_manager_agent_service_integration(ssot_harness, ssot_new_user):
    """The agent runs end to end for one user."""
    assert_golden_path(await ssot_harness.golden_path(ssot_new_user("agent")))
