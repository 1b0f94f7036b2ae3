"""#824 integration: the golden path must survive the consolidation (a guard)."""

from __future__ import annotations

import pytest

from pytest_ssot.ws.server_checks import recorded_golden_path
from pytest_ssot.ws.client import assert_golden_path

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


@pytest.mark.ssot_issue(824, guard=True)
async def test_golden_path_all_events_delivered(ssot_harness, ssot_new_user, ssot_record):
    """One user, real server: every critical event, in order (the seed's mission-critical suite)."""
    assert_golden_path(await recorded_golden_path(ssot_harness, ssot_new_user("golden"), ssot_record))
