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
    "__version__": "pytest_ssot.core.version",
    "SSOTViolation": "pytest_ssot.core.violation",
    "SSOTSetupError": "pytest_ssot.core.violation",
    # configuration and the target adapter
    "SSOTConfig": "pytest_ssot.config.load",
    "Target": "pytest_ssot.config.target",
    "load_config": "pytest_ssot.configure",
    "TargetAdapter": "pytest_ssot.adapter",
    "TargetSetupError": "pytest_ssot.config.target",
    "MissingTargetKey": "pytest_ssot.config.target",
    "RunMetrics": "pytest_ssot.report.build",
    "staging_url_problem": "pytest_ssot.config.staging_url",
    "check_shape": "pytest_ssot.report.schema",
    "percentile": "pytest_ssot.core.percentile",
    "ShapeError": "pytest_ssot.report.schema",
    "die_with_parent": "pytest_ssot.core.children",
    "MissingExtra": "pytest_ssot.config.extras",
    # finding duplicates: scans, probes and their assertions
    "ScanResult": "pytest_ssot.scan.findings",
    "Definition": "pytest_ssot.scan.findings",
    "scan_modules": "pytest_ssot.scan.entry",
    "scan_runtime": "pytest_ssot.scan.entry",
    "scan_static": "pytest_ssot.scan.entry",
    "RuntimeScanError": "pytest_ssot.scan.entry",
    "SessionScans": "pytest_ssot.scan.any_names",
    "ScanArgumentError": "pytest_ssot.scan.any_names",
    "EmptyScanError": "pytest_ssot.scan.assertions",
    "DEFAULT_EXCLUDE": "pytest_ssot.config.exclude",
    "resolve_import_paths": "pytest_ssot.scan.introspect",
    "find_importers": "pytest_ssot.scan.static",
    "triage_import_errors": "pytest_ssot.scan.import_failures",
    "assert_submodules_import": "pytest_ssot.scan.import_failures",
    "ImportTriage": "pytest_ssot.scan.import_failures",
    "probe_import": "pytest_ssot.scan.probes",
    "probe_import_paths": "pytest_ssot.scan.probes",
    "find_submodules": "pytest_ssot.scan.submodules",
    "ProbeResult": "pytest_ssot.scan.probes",
    "ProbeSetupError": "pytest_ssot.scan.child",
    "ProbeError": "pytest_ssot.scan.assertions",
    "assert_single_function": "pytest_ssot.scan.assertions",
    "assert_single_source_module": "pytest_ssot.scan.assertions",
    "assert_max_implementations": "pytest_ssot.scan.assertions",
    "assert_single_class": "pytest_ssot.scan.assertions",
    "assert_max_import_paths": "pytest_ssot.scan.assertions",
    "assert_paths_resolve_to_one": "pytest_ssot.scan.assertions",
    "assert_no_importers": "pytest_ssot.scan.assertions",
    "assert_no_forbidden_submodules": "pytest_ssot.scan.assertions",
    "assert_not_importable": "pytest_ssot.scan.assertions",
    "assert_importable": "pytest_ssot.scan.assertions",
    # the static checks over git history (ssot history)
    "scan_history": "pytest_ssot.history.build",
    "History": "pytest_ssot.history.build",
    "HistoryError": "pytest_ssot.history.build",
    "run_checks": "pytest_ssot.history.static_checks",
    "checkout_snapshot": "pytest_ssot.history.static_checks",
    # live instances and user isolation
    "InstanceTracker": "pytest_ssot.evidence.instances",
    "TrackedInstance": "pytest_ssot.evidence.instances",
    "TrackingError": "pytest_ssot.evidence.instances",
    "NothingTracked": "pytest_ssot.evidence.instances",
    "FactoryContract": "pytest_ssot.evidence.contracts",
    "ContractError": "pytest_ssot.evidence.contracts",
    "find_shared_state": "pytest_ssot.evidence.isolation",
    "assert_isolated": "pytest_ssot.evidence.isolation",
    "SharedState": "pytest_ssot.evidence.isolation",
    "is_own_class": "pytest_ssot.evidence.isolation",
    "UserRoles": "pytest_ssot.evidence.roles",
    "call_with_context": "pytest_ssot.evidence.binding",
    "context_arguments": "pytest_ssot.evidence.binding",
    "SignatureMismatch": "pytest_ssot.evidence.binding",
    "run_concurrently": "pytest_ssot.evidence.concurrency",
    "run_concurrently_async": "pytest_ssot.evidence.concurrency",
    "assert_single_instance": "pytest_ssot.evidence.concurrency",
    "assert_distinct_per_user": "pytest_ssot.evidence.concurrency",
    "CallOutcomes": "pytest_ssot.evidence.concurrency",
    "ConcurrencyError": "pytest_ssot.evidence.concurrency",
    "HarnessTimeout": "pytest_ssot.evidence.concurrency",
    "manager_state_machine": "pytest_ssot.evidence.state_machine",
    "manager_state_machine_from_adapter": "pytest_ssot.evidence.state_machine",
    # the WebSocket tiers
    "ChatProtocol": "pytest_ssot.ws.protocol",
    "EventClient": "pytest_ssot.ws.client",
    "Run": "pytest_ssot.ws.client",
    "HarnessError": "pytest_ssot.ws.client",
    "assert_golden_path": "pytest_ssot.ws.client",
    "assert_no_foreign_events": "pytest_ssot.ws.client",
    "assert_latency_under": "pytest_ssot.ws.client",
    "run_users": "pytest_ssot.ws.multiuser",
    "MultiUserReport": "pytest_ssot.ws.multiuser",
    "Harness": "pytest_ssot.ws.harness",
    "ServerThread": "pytest_ssot.ws.servers",
    "start_app_process": "pytest_ssot.ws.servers",
    "ServerStartError": "pytest_ssot.ws.servers",
    "StagingUnusable": "pytest_ssot.ws.staging",
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
