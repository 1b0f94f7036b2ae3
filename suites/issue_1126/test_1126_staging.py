"""#1126 staging: the complete message flow (guard) and two users at once."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import assert_final_result, assert_users_isolated, recorded_golden_path
from pytest_ssot.ws.client import assert_golden_path

pytestmark = [pytest.mark.staging, pytest.mark.asyncio]


@pytest.mark.ssot_issue(1126, guard=True)
async def test_complete_user_flow_post_ssot_resolution(ssot_staging, ssot_record):
    """Message in, every event out, and the final event carries the recommendations."""
    run = await recorded_golden_path(ssot_staging, "ssot-1126-staging", ssot_record, "Optimize my AWS costs")
    assert_golden_path(run)
    assert_final_result(run)


@pytest.mark.ssot_issue(1126)
async def test_multi_user_concurrent_isolation(ssot_staging):
    """Two users at once: no shared threads, no events of the other."""
    await assert_users_isolated(ssot_staging, 2, prefix="ssot-1126-user")
