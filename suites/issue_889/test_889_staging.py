"""#889 staging: the duplication visible through the deployed server's diagnostics; multi-user golden path."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import assert_one_manager_per_user_on_server, assert_users_isolated

pytestmark = [pytest.mark.staging, pytest.mark.asyncio]


@pytest.mark.ssot_issue(889)
async def test_staging_sample_user_violation_reproduction(ssot_staging, ssot_target):
    """The seed's staging log line, read from the server's diagnostics instead of its logs."""
    await assert_one_manager_per_user_on_server(ssot_staging, ssot_target.sample_user, connections=2)


@pytest.mark.ssot_issue(889)
async def test_golden_path_multi_user_manager_isolation(ssot_staging, ssot_target, ssot_record):
    """N users at once on staging: everyone gets their own events, and only those."""
    await assert_users_isolated(ssot_staging, min(ssot_target.thresholds.concurrent_users),
                                prefix="ssot-889-user", record=ssot_record)
