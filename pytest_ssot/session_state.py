"""What the plugin's session object and the fixtures share, without importing each other.

The fixtures find the configured run's :class:`~pytest_ssot.session.SSOTSession`
by its plugin name; the staging tier's skip reason is one sentence wherever it
is given (collection or the ``ssot_staging`` fixture).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from pytest_ssot.session import SSOTSession

SESSION_PLUGIN_NAME = "ssot-session"
STAGING_SKIP_REASON = "staging tier: no staging URL; pass --ssot-staging-url URL or set SSOT_STAGING_URL"


def ssot_session(config: pytest.Config) -> SSOTSession | None:
    """The run's session object, or None when pytest-ssot is not configured for this run."""
    return config.pluginmanager.get_plugin(SESSION_PLUGIN_NAME)
