"""Fixtures that suites and users call.

Registered on every run (so a test asking for one gets a clear message rather
than "fixture not found"), but they import nothing heavy until requested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ssot.config import SSOTConfig, Target
    from pytest_ssot.findings import ScanResult
    from pytest_ssot.report import RunMetrics


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


@pytest.fixture(scope="session")
def ssot_record(pytestconfig: pytest.Config, ssot_config: SSOTConfig) -> RunMetrics:
    """Where tests put measurements for the report: ``add_samples`` and ``set_ratchet``.

    The values reach ``--ssot-report`` (merged across xdist workers): samples as
    distributions (the dashboard charts golden-path latency from them), ratchets
    as counted findings compared against a baseline.
    """
    from pytest_ssot.plugin import SESSION_PLUGIN_NAME

    return pytestconfig.pluginmanager.get_plugin(SESSION_PLUGIN_NAME).metrics


@pytest.fixture(scope="session")
def ssot_runtime_scan(ssot_target: Target) -> ScanResult:
    """The target's package scanned at run time, every submodule imported first.

    Runs once per session (per xdist worker) in a child on the target's python,
    so this process's ``sys.modules`` stays clean.
    """
    from pytest_ssot.scan import scan_runtime

    return scan_runtime(
        ssot_target.root,
        ssot_target.package,
        ssot_target.class_pattern,
        [ssot_target.function_name],
        python=ssot_target.python,
    )


@pytest.fixture(scope="session")
def ssot_static_scan(pytestconfig: pytest.Config, ssot_target: Target) -> ScanResult:
    """The target's whole source tree scanned with ``ast``, importing nothing.

    Per-file results are cached in pytest's cache dir, so a re-run parses only
    the files that changed.
    """
    from pytest_ssot.static import scan_static

    cache_plugin = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache = cache_plugin.mkdir("ssot-static") if cache_plugin is not None else None
    return scan_static(
        ssot_target.root,
        ssot_target.package,
        ssot_target.class_pattern,
        [ssot_target.function_name],
        importers_of=ssot_target.deprecated_modules,
        cache_dir=cache,
        python=ssot_target.python,
    )


# --------------------------------------------------------------------------- instances / contracts


@pytest.fixture
def ssot_instances(ssot_adapter: Any, ssot_target: Target) -> Any:
    """An :class:`~pytest_ssot.instances.InstanceTracker` over the target's manager classes.

    Active for the whole test; every patch is undone at teardown, also when the
    test fails. The target's factory (if configured) is passed as ``factories``,
    so ``assert_no_factory_bypass()`` works.
    """
    from pytest_ssot.instances import InstanceTracker

    factories = (ssot_adapter.factory,) if ssot_target.factory else ()
    with InstanceTracker(ssot_adapter.manager_classes, user_id_attr=ssot_target.user_id_attr,
                         factories=factories) as tracker:
        yield tracker


@pytest.fixture
def ssot_factory_contract(ssot_adapter: Any) -> Any:
    """A :class:`~pytest_ssot.contracts.FactoryContract` for the target's factory."""
    from pytest_ssot.contracts import FactoryContract

    return FactoryContract.from_adapter(ssot_adapter)
