"""#960 staging: the golden path with concurrent users on the deployed server."""

from __future__ import annotations

import pytest

from pytest_ssot.staging import require_user_tokens

pytestmark = [pytest.mark.staging, pytest.mark.asyncio]


@pytest.mark.ssot_issue(960)
async def test_golden_path_agent_execution_staging_flow(ssot_staging, ssot_target, ssot_record):
    """The seed's 8+ simultaneous user sessions, each with all the events, isolated."""
    require_user_tokens(ssot_staging)
    report = await ssot_staging.users(min(ssot_target.thresholds.concurrent_users), prefix="ssot-960-staging")
    ssot_record.add_samples("agent_completed_seconds", report.latencies)
    report.assert_isolated()
