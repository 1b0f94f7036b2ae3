"""Shared fixtures for pytest-ssot's own tests."""

from __future__ import annotations

import pytest

# The plugin is already imported by the outer run, so inner pytester runs would
# warn that it cannot be assertion-rewritten; and pytest-asyncio warns when its
# loop scope is unset. Both are noise about the test harness, not the plugin.
INNER_ADDOPTS = "-W ignore::pytest.PytestAssertRewriteWarning -o asyncio_default_fixture_loop_scope=function"


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTEST_ADDOPTS", INNER_ADDOPTS)
    return pytester
