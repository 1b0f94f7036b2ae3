"""pytest hooks of pytest-ssot, and nothing else.

This module is loaded on every pytest run where the package is installed, so it
stays cheap: at module level it only registers options and markers. When the
project is configured (``[tool.ssot]`` or any ``--ssot-*`` option) it imports and
registers :class:`~pytest_ssot.session.SSOTSession`, which owns the per-test hooks;
otherwise pytest runs exactly as without the plugin.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ssot.config.load import SSOTConfig
    from pytest_ssot.config.target import Target

MARKERS = (
    "unit: SSOT tier - introspection only, no services (pytest-ssot)",
    "integration: SSOT tier - real local services started by fixtures (pytest-ssot)",
    "staging: SSOT tier - runs against --ssot-staging-url (pytest-ssot)",
    "ssot_issue(number, guard=False, title=None): the SSOT issue this test encodes; "
    "its status (open/resolved) decides what a violation means (pytest-ssot)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ssot", "single source of truth checks (pytest-ssot)")
    group.addoption("--ssot-target", metavar="NAME",
                    help="target from [tool.ssot.targets] to check (env SSOT_TARGET; default: tool.ssot.target)")
    group.addoption("--ssot-issue", action="append", default=[], metavar="N=open|resolved",
                    help="override an issue's status; repeatable (env SSOT_ISSUES='824=open,889=resolved')")
    group.addoption("--ssot-tier", action="append", default=[], metavar="TIERS",
                    help="run only these tiers: comma-separated unit,integration,staging (env SSOT_TIER)")
    group.addoption("--ssot-staging-url", metavar="URL",
                    help="ws:// or wss:// URL of the deployed service for the staging tier (env SSOT_STAGING_URL)")
    group.addoption("--ssot-staging-token", metavar="TOKEN",
                    help="bearer token for the staging tier (env SSOT_STAGING_TOKEN; default: the target's "
                         "token function); never printed or reported")
    group.addoption("--ssot-baseline", metavar="PATH",
                    help="the ledger (JSON): per check, the findings it confirmed; a finding it does not hold "
                         "fails, even while the issue is open (env SSOT_BASELINE)")
    group.addoption("--ssot-baseline-update", action="store_true", default=False,
                    help="write falls, checks that became clean and checks the ledger lacks back to "
                         "--ssot-baseline; never a new finding")
    group.addoption("--ssot-baseline-accept", action="store_true", default=False,
                    help="like --ssot-baseline-update, but also write new findings (printed one by one): "
                         "accepting a rise on purpose")
    group.addoption("--ssot-report", metavar="PATH",
                    help="write the per-issue results as JSON to PATH (env SSOT_REPORT)")
    group.addoption("--ssot-wait-for-threads", action="store_true", default=False,
                    help="at the end, wait for non-daemon threads the target left running (Python's default) "
                         "instead of naming them and exiting with pytest's status")


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_ssot import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # with autoload disabled, `-p ssot` in a configured project loads pytest-asyncio itself (pytest_ssot.config.extras)
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and not early_config.pluginmanager.has_plugin("asyncio"):
        from pytest_ssot.config.activation import may_be_in_use

        if may_be_in_use(early_config.rootpath, early_config.inipath, early_config.known_args_namespace):
            from pytest_ssot.config.extras import load_asyncio_when_needed

            load_asyncio_when_needed(early_config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    from pytest_ssot import fixtures

    config.pluginmanager.register(fixtures, "ssot-fixtures")
    if config.pluginmanager.has_plugin("asyncio"):  # pytest-asyncio's own plugin name
        from pytest_ssot import fixtures_async

        config.pluginmanager.register(fixtures_async, "ssot-fixtures-async")
    settings = _load_settings(config)
    if settings is None:
        return
    from pytest_ssot.session import SSOTSession
    from pytest_ssot.session_state import SESSION_PLUGIN_NAME

    config.pluginmanager.register(SSOTSession(config, settings), SESSION_PLUGIN_NAME)
    from pytest_ssot.config.missing_keys import MissingKeySkips
    from pytest_ssot.core.notes import NotesSummary

    config.pluginmanager.register(MissingKeySkips(), "ssot-missing-keys")
    config.pluginmanager.register(NotesSummary(), "ssot-notes")


def _load_settings(config: pytest.Config) -> SSOTConfig | None:
    from pytest_ssot.config.activation import may_be_in_use, pyproject_for

    if not may_be_in_use(config.rootpath, config.inipath, config.option):
        return None  # the common case for an unrelated project: decided without importing the config code
    from pytest_ssot.config.load import CliValues
    from pytest_ssot.configure import load_config

    cli = CliValues(
        target=config.getoption("ssot_target"),
        issues=tuple(config.getoption("ssot_issue")),
        tiers=tuple(config.getoption("ssot_tier")),
        staging_url=config.getoption("ssot_staging_url"),
        report=config.getoption("ssot_report"),
        staging_token=config.getoption("ssot_staging_token"),
        baseline=config.getoption("ssot_baseline"),
        baseline_update=config.getoption("ssot_baseline_update"),
        baseline_accept=config.getoption("ssot_baseline_accept"),
    )
    return load_config(pyproject_for(config.rootpath, config.inipath), cli, os.environ,
                       invocation_dir=config.invocation_params.dir)


@pytest.hookimpl(trylast=True)
def pytest_ssot_make_adapter(config: pytest.Config, target: Target) -> Any:
    """Default adapter: the seeds' method names over the target's configuration."""
    from pytest_ssot.adapter import TargetAdapter

    return TargetAdapter(target)
