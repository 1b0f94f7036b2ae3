"""pytest-ssot: fail-first tests for single-source-of-truth consolidations.

Nothing is imported eagerly: the plugin module imports this package on every
pytest run of a venv that has it, configured or not (and pytest compiles a
plugin's modules afresh on each run where bytecode is not written), so every
public name, :class:`SSOTViolation` included, is loaded on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it (imported lazily, PEP 562)
_LAZY: dict[str, str] = {
    "__version__": "pytest_ssot.version",
    "SSOTViolation": "pytest_ssot.violation",
    "SSOTSetupError": "pytest_ssot.violation",
    # configuration and the target adapter
    "SSOTConfig": "pytest_ssot.config",
    "Target": "pytest_ssot.target",
    "load_config": "pytest_ssot.configure",
    "TargetAdapter": "pytest_ssot.adapter",
    "TargetSetupError": "pytest_ssot.target",
    "MissingTargetKey": "pytest_ssot.target",
    "RunMetrics": "pytest_ssot.report",
    "staging_url_problem": "pytest_ssot.staging_url",
    "check_shape": "pytest_ssot.report_schema",
    "percentile": "pytest_ssot.percentile",
    "ShapeError": "pytest_ssot.report_schema",
    "die_with_parent": "pytest_ssot.children",
    "MissingExtra": "pytest_ssot.extras",
    # finding duplicates: scans, probes and their assertions
    "ScanResult": "pytest_ssot.findings",
    "Definition": "pytest_ssot.findings",
    "scan_modules": "pytest_ssot.scan",
    "scan_runtime": "pytest_ssot.scan",
    "scan_static": "pytest_ssot.scan",
    "RuntimeScanError": "pytest_ssot.scan",
    "SessionScans": "pytest_ssot.scan_any",
    "ScanArgumentError": "pytest_ssot.scan_any",
    "EmptyScanError": "pytest_ssot.assertions",
    "DEFAULT_EXCLUDE": "pytest_ssot.exclude",
    "resolve_import_paths": "pytest_ssot.introspect",
    "find_importers": "pytest_ssot.static",
    "triage_import_errors": "pytest_ssot.import_failures",
    "assert_submodules_import": "pytest_ssot.import_failures",
    "ImportTriage": "pytest_ssot.import_failures",
    "probe_import": "pytest_ssot.probes",
    "probe_import_paths": "pytest_ssot.probes",
    "find_submodules": "pytest_ssot.probes",
    "ProbeResult": "pytest_ssot.probes",
    "ProbeSetupError": "pytest_ssot.probes",
    "ProbeError": "pytest_ssot.assertions",
    "assert_single_function": "pytest_ssot.assertions",
    "assert_single_source_module": "pytest_ssot.assertions",
    "assert_max_implementations": "pytest_ssot.assertions",
    "assert_single_class": "pytest_ssot.assertions",
    "assert_max_import_paths": "pytest_ssot.assertions",
    "assert_paths_resolve_to_one": "pytest_ssot.assertions",
    "assert_no_importers": "pytest_ssot.assertions",
    "assert_no_forbidden_submodules": "pytest_ssot.assertions",
    "assert_not_importable": "pytest_ssot.assertions",
    "assert_importable": "pytest_ssot.assertions",
    # the static checks over git history (ssot history)
    "scan_history": "pytest_ssot.history",
    "History": "pytest_ssot.history",
    "HistoryError": "pytest_ssot.history",
    "run_checks": "pytest_ssot.static_checks",
    "checkout_snapshot": "pytest_ssot.static_checks",
    # live instances and user isolation
    "InstanceTracker": "pytest_ssot.instances",
    "TrackedInstance": "pytest_ssot.instances",
    "TrackingError": "pytest_ssot.instances",
    "NothingTracked": "pytest_ssot.instances",
    "FactoryContract": "pytest_ssot.contracts",
    "ContractError": "pytest_ssot.contracts",
    "find_shared_state": "pytest_ssot.isolation",
    "assert_isolated": "pytest_ssot.isolation",
    "SharedState": "pytest_ssot.isolation",
    "is_own_class": "pytest_ssot.isolation",
    "UserRoles": "pytest_ssot.roles",
    "call_with_context": "pytest_ssot.binding",
    "context_arguments": "pytest_ssot.binding",
    "SignatureMismatch": "pytest_ssot.binding",
    "run_concurrently": "pytest_ssot.concurrency",
    "run_concurrently_async": "pytest_ssot.concurrency",
    "assert_single_instance": "pytest_ssot.concurrency",
    "assert_distinct_per_user": "pytest_ssot.concurrency",
    "CallOutcomes": "pytest_ssot.concurrency",
    "ConcurrencyError": "pytest_ssot.concurrency",
    "HarnessTimeout": "pytest_ssot.concurrency",
    "manager_state_machine": "pytest_ssot.state_machine",
    "manager_state_machine_from_adapter": "pytest_ssot.state_machine",
    # the WebSocket tiers
    "ChatProtocol": "pytest_ssot.protocol",
    "EventClient": "pytest_ssot.websocket",
    "Run": "pytest_ssot.websocket",
    "HarnessError": "pytest_ssot.websocket",
    "assert_golden_path": "pytest_ssot.websocket",
    "assert_no_foreign_events": "pytest_ssot.websocket",
    "assert_latency_under": "pytest_ssot.websocket",
    "run_users": "pytest_ssot.multiuser",
    "MultiUserReport": "pytest_ssot.multiuser",
    "Harness": "pytest_ssot.harness",
    "ServerThread": "pytest_ssot.servers",
    "start_app_process": "pytest_ssot.servers",
    "ServerStartError": "pytest_ssot.servers",
    "StagingUnusable": "pytest_ssot.staging",
}

__all__ = [*_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_ssot' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
