"""#889 integration: duplication across components, through the real server."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import assert_one_manager_per_user_on_server, assert_server_and_factory_share_manager

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


@pytest.mark.ssot_issue(889)
async def test_cross_service_manager_consistency(ssot_harness, ssot_adapter, ssot_instances, ssot_new_user):
    """The server's manager for a connected user and the factory's are one object."""
    await assert_server_and_factory_share_manager(ssot_harness, ssot_adapter, ssot_instances,
                                                  ssot_new_user("cross-service"))


@pytest.mark.ssot_issue(889)
async def test_sample_user_integration_duplication(ssot_harness, ssot_target):
    """The target's ``sample_user`` in two tabs against the real server: one manager, per the server's registry."""
    await assert_one_manager_per_user_on_server(ssot_harness, ssot_target.sample_user, connections=2)
