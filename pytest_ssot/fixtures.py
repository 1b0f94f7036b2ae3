"""Fixtures that suites and users call.

Registered on every run (so a test asking for one gets a clear message rather
than "fixture not found"), but they import nothing heavy until requested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ssot.config.load import SSOTConfig
    from pytest_ssot.config.target import Target
    from pytest_ssot.scan.findings import ScanResult
    from pytest_ssot.report.ledger import Recorder
    from pytest_ssot.evidence.components import Component
    from pytest_ssot.scan.probes import ProbeResult
    from pytest_ssot.scan.any_names import SessionScans


@pytest.fixture(scope="session")
def ssot_config(pytestconfig: pytest.Config) -> SSOTConfig:
    """The effective pytest-ssot configuration of this run."""
    from pytest_ssot.session_state import ssot_session

    session = ssot_session(pytestconfig)
    if session is None:
        pytest.fail(
            "pytest-ssot is not configured: add [tool.ssot] to pyproject.toml or pass --ssot-target NAME",
            pytrace=False,
        )
    return session.settings


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
def ssot_record(pytestconfig: pytest.Config, ssot_config: SSOTConfig) -> Recorder:
    """Where tests put measurements for the report: ``add_samples`` and ``set_ratchet``.

    The values reach ``--ssot-report`` (merged across xdist workers): samples as
    distributions (the dashboard charts golden-path latency from them), ratchets
    as counted findings; with ``--ssot-baseline`` a ratchet item the ledger lacks fails the
    test that recorded it.
    """
    from pytest_ssot.report.ledger import Recorder
    from pytest_ssot.session_state import ssot_session

    session = ssot_session(pytestconfig)
    return Recorder(session.metrics, session.ledger, accept_new=session.settings.baseline_accept)


@pytest.fixture
def ssot_note(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``ssot_note("text")``: a line the run shows in its "SSOT notes" section and keeps in the report.

    For what a passing check wants read: a known import failure it tolerated, a
    list entry that can go. It never changes the test's outcome.
    """
    from pytest_ssot.core.notes import add_note

    return lambda text: add_note(request.node, text)


@pytest.fixture
def ssot_new_user() -> Callable[[str], str]:
    """``ssot_new_user("label")`` -> a user id no earlier test has used.

    Factories cache managers per user for the whole process, and the tracker only
    sees instances created while it runs: checks that must watch a manager being
    created use a fresh user.
    """
    import uuid

    return lambda label="user": f"ssot-{label}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def ssot_scan(pytestconfig: pytest.Config, ssot_target: Target) -> SessionScans:
    """``ssot_scan(functions=("name",), class_pattern=None, static=False)`` -> ``ScanResult`` of the target's package.

    For checks of one's own: any function names and class pattern (the target's
    by default), at run time or (``static=True``) from source. Each distinct
    question is scanned once per session (per xdist worker) and shared.
    """
    from pytest_ssot.scan.any_names import SessionScans

    return SessionScans(ssot_target, cache_dir=_static_cache(pytestconfig))


@pytest.fixture(scope="session")
def ssot_runtime_scan(ssot_scan: SessionScans, ssot_target: Target) -> ScanResult:
    """The target's package scanned at run time for its ``function_name`` and ``class_pattern``.

    Every submodule imported first, in a child on the target's python, so this
    process's ``sys.modules`` stays clean; shared with ``ssot_scan`` asking the same.
    """
    return _checked(ssot_scan(ssot_target.function_name), ssot_target)


@pytest.fixture(scope="session")
def ssot_static_scan(pytestconfig: pytest.Config, ssot_target: Target) -> ScanResult:
    """The target's whole source tree scanned with ``ast``, importing nothing.

    Per-file results are cached in pytest's cache dir, so a re-run parses only
    the files that changed.
    """
    from pytest_ssot.scan.static import scan_static

    return _checked(scan_static(
        ssot_target.root,
        ssot_target.package,
        ssot_target.class_pattern,
        [ssot_target.function_name],
        importers_of=ssot_target.deprecated_modules,
        cache_dir=_static_cache(pytestconfig),
        python=ssot_target.python,
        exclude=ssot_target.exclude,
    ), ssot_target)


@pytest.fixture(scope="session")
def ssot_codebase_scan(pytestconfig: pytest.Config, ssot_target: Target) -> ScanResult:
    """Like ``ssot_static_scan``, over the target's whole root rather than its package.

    #1036 counts implementations across the codebase: a duplicate outside the
    scanned package (an adapter in another subsystem) still counts.
    """
    from pytest_ssot.scan.static import scan_static

    return _checked(scan_static(ssot_target.root, None, ssot_target.class_pattern, [ssot_target.function_name],
                                cache_dir=_static_cache(pytestconfig), python=ssot_target.python,
                                exclude=ssot_target.exclude), ssot_target)


def _checked(result: ScanResult, target: Target) -> ScanResult:
    """The scan, if it saw the target at all: an empty or broken scan judges nothing.

    Raised as an :class:`~pytest_ssot.scan.assertions.EmptyScanError` (a setup error):
    every test using the scan errors with this line instead of passing or
    XFAILing on nothing.
    """
    from pytest_ssot.scan.assertions import EmptyScanError
    from pytest_ssot.scan.any_names import saw_package

    saw_package(result, target)
    if not result.functions_named(target.function_name) and not result.classes:
        others = f" (only {len(result.other_classes)} protocol/enum/exception classes, not implementations)" \
            if result.other_classes else ""
        excluded = sum(result.excluded.values())
        left_out = f"; {excluded} files were excluded by {', '.join(result.excluded)}" if excluded else ""
        raise EmptyScanError(f"the {result.mode} scan of {result.package or target.root} found neither a "
                             f"{target.function_name} function nor a class matching {target.class_pattern!r}"
                             f"{others}{left_out}; check function_name, class_pattern and exclude")
    return result


def _static_cache(config: pytest.Config) -> Any:
    cache_plugin = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    return cache_plugin.mkdir("ssot-static") if cache_plugin is not None else None


# --------------------------------------------------------------------------- instances / contracts


@pytest.fixture
def ssot_instances(ssot_adapter: Any, ssot_target: Target) -> Any:
    """An :class:`~pytest_ssot.evidence.instances.InstanceTracker` over the target's manager classes.

    Active for the whole test; every patch is undone at teardown, also when the
    test fails. The target's factory (if configured) is passed as ``factories``,
    so ``assert_no_factory_bypass()`` works, and the class it really returns
    (called once per session to find out) is tracked next to ``manager``: a
    guard class that is never instantiated would leave the tracker blind.
    """
    from pytest_ssot.evidence.instances import InstanceTracker

    factories = (ssot_adapter.factory,) if ssot_target.factory else ()
    classes, returned = ssot_adapter.manager_classes, None
    if ssot_target.factory and callable(getattr(ssot_adapter, "tracked_classes", None)):
        classes, returned = ssot_adapter.tracked_classes(), ssot_adapter.describe_product()
    with InstanceTracker(classes, user_id_attr=ssot_target.user_id_attr, factories=factories,
                         factory_returned=returned) as tracker:
        yield tracker


@pytest.fixture
def ssot_factory_contract(ssot_adapter: Any) -> Any:
    """A :class:`~pytest_ssot.evidence.contracts.FactoryContract` for the target's factory."""
    from pytest_ssot.evidence.contracts import FactoryContract

    return FactoryContract.from_adapter(ssot_adapter)


@pytest.fixture(scope="session")
def ssot_factory_probe(ssot_target: Target) -> ProbeResult:
    """The target's factory imported and called once, in a fresh interpreter on the target's python.

    One child per session (per xdist worker) serves every check that the factory
    imports and answers within ``thresholds.factory_timeout_seconds`` (no circular
    import, no hang when called); judge it with ``assert_importable``.
    """
    from pytest_ssot.scan.probes import probe_factory_call

    return probe_factory_call(ssot_target.require("factory"), ssot_target.root, user_context=ssot_target.user_context,
                              user_id=ssot_target.sample_user,
                              python=ssot_target.python, timeout=ssot_target.thresholds.factory_timeout_seconds)


@pytest.fixture(scope="session")
def ssot_factory_components(ssot_runtime_scan: ScanResult, ssot_target: Target,
                            ssot_adapter: Any) -> tuple[Component, ...]:
    """Every distinct ``function_name`` function the runtime scan found, resolved in this process.

    The target's factory comes first; shims count (a caller that imports one goes through it).
    """
    from pytest_ssot.evidence.components import factory_components

    return tuple(factory_components(ssot_runtime_scan, ssot_target.function_name, ssot_adapter))


# --------------------------------------------------------------------------- WebSocket tiers


@pytest.fixture(scope="session")
def ssot_protocol(ssot_adapter: Any, ssot_target: Target) -> Any:
    """The wire protocol: ``ssot_adapter.protocol`` if set, else the reference one over ``target.events``."""
    from pytest_ssot.ws.protocol import protocol_of

    return protocol_of(ssot_adapter, ssot_target.events)


@pytest.fixture(scope="session")
def ssot_tokens(ssot_adapter: Any, ssot_target: Target) -> Any:
    """Tokens for any user id from the target's ``token`` function (or ``ssot_adapter.mint_token``)."""
    from pytest_ssot.ws.tokens import target_tokens

    return target_tokens(ssot_adapter, ssot_target)


@pytest.fixture(scope="session")
def ssot_server(ssot_adapter: Any, ssot_target: Target) -> Any:
    """URL of the target's ``app`` served in this process (own loop, own thread), one per xdist worker."""
    from pytest_ssot.ws.servers import ServerThread

    reference = ssot_target.require("app")
    with ServerThread(ssot_adapter.resolve(reference), name=reference) as server:
        yield server.url


@pytest.fixture(scope="session")
def ssot_server_process(ssot_target: Target) -> Any:
    """The target's ``app`` in a separate process (a :class:`~pytest_ssot.ws.servers.ServerProcess`, ``.url``)."""
    from pytest_ssot.ws.servers import start_app_process

    with start_app_process(ssot_target.require("app"), ssot_target.root, python=ssot_target.python) as server:
        yield server


@pytest.fixture
def ssot_harness(ssot_server: str, ssot_tokens: Any, ssot_protocol: Any) -> Any:
    """A :class:`~pytest_ssot.ws.harness.Harness` on the in-process server: golden path, N users, diagnostics."""
    from pytest_ssot.ws.harness import Harness

    return Harness(ssot_server, ssot_tokens, ssot_protocol)



@pytest.fixture(scope="session")
def ssot_staging(request: pytest.FixtureRequest, ssot_config: SSOTConfig) -> Any:
    """A Harness on ``--ssot-staging-url``: skipped without a URL, an error line when it is unusable.

    The URL is probed once per session (short time limit); every staging test
    then reports the same one-line reason.
    """
    from pytest_ssot.session_state import STAGING_SKIP_REASON

    if not ssot_config.staging_url:
        from pytest_ssot.config.missing_keys import MissingSetting

        raise MissingSetting(STAGING_SKIP_REASON)  # a skip, reported from one place: -rs folds it into one line
    from pytest_ssot.ws.harness import Harness
    from pytest_ssot.ws.protocol import ChatProtocol
    from pytest_ssot.ws.staging import StagingUnusable, probe_blocking, staging_tokens

    target = ssot_config.target
    adapter = request.getfixturevalue("ssot_adapter") if target is not None else None
    protocol = request.getfixturevalue("ssot_protocol") if target is not None else ChatProtocol()
    unusable = None
    try:
        tokens = staging_tokens(ssot_config, adapter, target)
        probe_blocking(ssot_config.staging_url, tokens, protocol)
    except StagingUnusable as exc:
        unusable = str(exc)
    if unusable is not None:  # outside the except block: one line, no chained traceback
        pytest.fail(f"staging tier unusable: {unusable}", pytrace=False)
    return Harness(ssot_config.staging_url, tokens, protocol)
