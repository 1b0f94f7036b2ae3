"""Shared fixtures for pytest-ssot's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

# The plugin is already imported by the outer run, so inner pytester runs would
# warn that it cannot be assertion-rewritten; and pytest-asyncio warns when its
# loop scope is unset. Both are noise about the test harness, not the plugin.
INNER_ADDOPTS = "-W ignore::pytest.PytestAssertRewriteWarning -o asyncio_default_fixture_loop_scope=function"


# ./scripts/test exports a live staging URL (and its secret) for the staging tier
# of this repo's own run; inner runs start from a clean slate and opt in themselves.
SSOT_ENVIRONMENT = ("SSOT_TARGET", "SSOT_ISSUES", "SSOT_TIER", "SSOT_REPORT", "SSOT_STAGING_URL",
                    "SSOT_STAGING_TOKEN", "SSOT_BASELINE")


@pytest.fixture(autouse=True, scope="session")
def _scan_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`ssot scan` caches under $SSOT_CACHE_DIR: this run's go to its temp folder, not the user's ~/.cache."""
    import os

    os.environ["SSOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("ssot-scan-cache"))


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTEST_ADDOPTS", INNER_ADDOPTS)
    for name in SSOT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return pytester


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built as a wheel, once per session (per xdist worker): building takes seconds."""
    from ledger_support.wheel import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def wheel_python(built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a throw-away venv where ``pytest_ssot`` comes only from ``built_wheel``."""
    from ledger_support.wheel import venv_with_wheel

    return venv_with_wheel(built_wheel, tmp_path_factory.mktemp("wheel-venv") / "venv")
