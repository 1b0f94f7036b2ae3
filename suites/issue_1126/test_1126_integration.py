"""#1126 integration: events still flow through the real server (guard)."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.client import assert_golden_path

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


@pytest.mark.ssot_issue(1126, guard=True)
async def test_all_events_delivered_post_ssot(ssot_harness, ssot_new_user):
    """MISSION CRITICAL in the seed: all five events delivered, before and after the fix."""
    assert_golden_path(await ssot_harness.golden_path(ssot_new_user("five-events")))
