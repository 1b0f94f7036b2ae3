"""#1126 staging: the complete chat flow (guard) and two users chatting at once."""

from __future__ import annotations

import pytest

from pytest_ssot.server_checks import assert_final_result
from pytest_ssot.staging import require_user_tokens
from pytest_ssot.websocket import assert_golden_path

pytestmark = [pytest.mark.staging, pytest.mark.asyncio]


@pytest.mark.ssot_issue(1126, guard=True)
async def test_complete_user_chat_flow_post_ssot_resolution(ssot_staging, ssot_record):
    """Message in, every event out, and the final event carries the recommendations."""
    run = await ssot_staging.golden_path("ssot-1126-staging", "Optimize my AWS costs")
    ssot_record.add_samples("agent_completed_seconds", [run.latency()] if run.latency() is not None else [])
    assert_golden_path(run)
    assert_final_result(run)


@pytest.mark.ssot_issue(1126)
async def test_multi_user_concurrent_chat_isolation(ssot_staging):
    """Two users at once: no shared threads, no events of the other."""
    require_user_tokens(ssot_staging)
    (await ssot_staging.users(2, prefix="ssot-1126-user")).assert_isolated()
