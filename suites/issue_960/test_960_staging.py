"""#960 staging: the golden path with concurrent users on the deployed server."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import assert_users_isolated

pytestmark = [pytest.mark.staging, pytest.mark.asyncio]


@pytest.mark.ssot_issue(960)
async def test_golden_path_agent_execution_staging_flow(ssot_staging, ssot_target, ssot_record):
    """The seed's 8+ simultaneous user sessions, each with all the events, isolated."""
    await assert_users_isolated(ssot_staging, min(ssot_target.thresholds.concurrent_users),
                                prefix="ssot-960-staging", record=ssot_record)
