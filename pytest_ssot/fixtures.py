"""Fixtures that suites and users call.

Registered on every run (so a test asking for one gets a clear message rather
than "fixture not found"), but they import nothing heavy until requested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ssot.config import SSOTConfig, Target


@pytest.fixture(scope="session")
def ssot_config(pytestconfig: pytest.Config) -> SSOTConfig:
    """The effective pytest-ssot configuration of this run."""
    from pytest_ssot.plugin import settings_key

    settings = pytestconfig.stash.get(settings_key, None)
    if settings is None:
        pytest.fail(
            "pytest-ssot is not configured: add [tool.ssot] to pyproject.toml or pass --ssot-target NAME",
            pytrace=False,
        )
    return settings


@pytest.fixture(scope="session")
def ssot_target(ssot_config: SSOTConfig) -> Target:
    """The target under scrutiny (``--ssot-target`` or ``[tool.ssot] target``)."""
    if ssot_config.target is None:
        known = ", ".join(ssot_config.known_targets) or "none configured"
        pytest.fail(
            f"no SSOT target selected (known targets: {known}); pass --ssot-target NAME "
            "or set target = \"NAME\" in [tool.ssot]",
            pytrace=False,
        )
    return ssot_config.target


@pytest.fixture(scope="session")
def ssot_adapter(pytestconfig: pytest.Config, ssot_target: Target) -> Any:
    """How suites call into the target; override this fixture or the hook to adapt it."""
    return pytestconfig.hook.pytest_ssot_make_adapter(config=pytestconfig, target=ssot_target)
