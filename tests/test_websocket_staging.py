"""Our own staging tier: the harness against a real server in a separate process.

``./scripts/test`` (scripts/run_tests.py) starts the consolidated reference server
and exports its URL as SSOT_STAGING_URL; without a URL these tests are skipped with
the reason. They check the harness end to end over a real network hop, so the
staging path is exercised on every run.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ssot.ws.client import assert_golden_path

pytestmark = pytest.mark.staging


def test_staging_golden_path(ssot_staging: Any) -> None:
    run = ssot_staging.golden_path_blocking("ci-staging-golden")
    assert_golden_path(run)


@pytest.mark.parametrize("users", [8, 10])
def test_staging_concurrent_users_are_isolated(ssot_staging: Any, users: int) -> None:
    report = ssot_staging.users_blocking(users, prefix=f"ci-staging-{users}")
    report.assert_isolated()
    assert len(report.latencies) == users


@pytest.mark.asyncio
async def test_staging_diagnostics_through_the_protocol(ssot_staging: Any) -> None:
    diagnostics = await ssot_staging.diagnostics()
    assert diagnostics["type"] == "diagnostics" and "managers" in diagnostics
