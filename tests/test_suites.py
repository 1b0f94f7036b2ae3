"""The bundled suites against both demo targets, checked test by test.

Fail-first tests must XFAIL on demo-fragmented (every issue open) with a
violation message naming the concrete finding, and PASS on demo-consolidated
(every issue resolved); guards PASS on both. The two mismatch runs prove the
statuses matter: fragmented marked resolved fails every fail-first test as a
regression, consolidated marked open fails every fail-first test as "looks
fixed". Staging runs against each target's own server, as in the main job.
"""

from __future__ import annotations

import pytest
from main_job import MAIN_JOB

_RUNS: dict[tuple[str, ...], tuple[int, dict]] = {}


@pytest.fixture
def run_suites(pytester):
    """Run the suites against a target in a pytester subprocess, as the main job does; once per argument set.

    The arguments are those of README command 1 (``scripts/demo.py``): the target's own
    server as the staging URL, the repository's pyproject and baseline. A run's report
    is kept for the session, so the tests below share the few runs they need.
    """
    def run(target: str, *extra: str) -> tuple[int, dict]:
        key = (target, *extra)
        if key not in _RUNS:
            report = pytester.path / f"report-{len(_RUNS)}.json"

            def runner(args: list[str]) -> int:
                return int(pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider", "-q", *extra,
                                                         timeout=900).ret)

            code, document = MAIN_JOB.run_target(target, [], report, runner=runner)
            assert report.exists(), f"{target}: no report written (exit {code})"
            _RUNS[key] = code, document
        return _RUNS[key]

    return run


def why(test: dict) -> str:
    """A record in one line, with the error that a bare dict repr would elide."""
    return (f"{test['nodeid']}: outcome={test['outcome']} effect={test['effect']} "
            f"error={test.get('error')!r} violation={(test['violation'] or '')[:200]!r}")


def records_of(document: dict) -> dict[str, dict]:
    tests = {t["nodeid"]: t for issue in document["issues"].values() for t in issue["tests"]}
    assert tests, "the suites collected no test"
    return tests


def test_every_seed_test_is_there_with_its_tier(run_suites):
    tests = records_of(run_suites("demo-consolidated")[1])
    per_issue: dict[str, dict[str, int]] = {}
    for nodeid, test in tests.items():
        issue = nodeid.split("/")[1]
        per_issue.setdefault(issue, {}).setdefault(test["tier"], 0)
        per_issue[issue][test["tier"]] += 1
    assert per_issue["issue_960"] == {"unit": 10, "integration": 6, "staging": 1}  # the seed's three tables
    assert set(per_issue) == {"issue_824", "issue_889", "issue_960", "issue_1036", "issue_1126"}
    assert all(set(tiers) <= {"unit", "integration", "staging"} for tiers in per_issue.values())
    assert sum(per_issue["issue_889"].values()) == 10
    # each check in the cheapest tier whose inputs it needs: only server-bound checks are integration
    assert per_issue == {
        "issue_824": {"unit": 8, "integration": 1},
        "issue_889": {"unit": 6, "integration": 2, "staging": 2},
        "issue_960": {"unit": 10, "integration": 6, "staging": 1},
        "issue_1036": {"unit": 4, "integration": 3},
        "issue_1126": {"unit": 9, "integration": 1, "staging": 2},
    }
    for name in SERVER_FREE_MOVED_TO_UNIT:
        (nodeid,) = [n for n in tests if n.endswith(f"::{name}")]
        assert tests[nodeid]["tier"] == "unit" and "_unit.py::" in nodeid, nodeid


# needed only the factory, the adapter and a user context, yet lived in the integration tier
SERVER_FREE_MOVED_TO_UNIT = (
    "test_concurrent_user_manager_creation_duplication",  # #889: N concurrent calls for one user -> one manager
    "test_all_events_delivered_consistently",  # #1036
    "test_manager_user_isolation_post_ssot",  # #1126
    "test_manager_factory_instantiation_consistency",  # #1126
    "test_manager_connection_state_isolation",  # #1126
)


def test_fragmented_every_check_xfails_with_a_violation_and_guards_pass(run_suites):
    code, document = run_suites("demo-fragmented")
    assert code == 0
    for nodeid, test in records_of(document).items():
        if test["guard"]:
            assert test["outcome"] == "passed", why(test)
        else:
            assert (test["outcome"], test["effect"]) == ("xfailed", "confirmed"), why(test)
            assert test["violation"], why(test)
    assert {i["verdict"] for i in document["issues"].values()} == {"confirmed"}
    # the seeds' ratchets, held to ssot-ledger.json: 9 manager classes, 13 paths to the manager
    assert {n: (r["count"], r["change"]) for n, r in document["ratchets"].items()} == {
        "manager_classes": (9, "same"), "manager_import_paths": (13, "same")}


def test_consolidated_everything_passes(run_suites):
    code, document = run_suites("demo-consolidated")
    assert code == 0
    assert {t["outcome"] for t in records_of(document).values()} == {"passed"}
    assert {i["verdict"] for i in document["issues"].values()} == {"holds"}


@pytest.mark.parametrize(
    "target, flipped_to, effect, verdict",
    [
        ("demo-fragmented", "resolved", "regression", "regressed"),
        ("demo-consolidated", "open", "looks_fixed", "looks_fixed"),
    ],
)
def test_a_status_that_contradicts_the_code_fails_every_check(run_suites, target, flipped_to, effect, verdict):
    _, as_configured = run_suites(target)
    flips = tuple(f"--ssot-issue={n}={flipped_to}" for n in sorted(as_configured["issues"]))
    code, document = run_suites(target, *flips)
    assert code == pytest.ExitCode.TESTS_FAILED
    assert set(records_of(document)) == set(records_of(as_configured))
    for test in records_of(document).values():
        if test["guard"]:
            assert test["outcome"] == "passed", why(test)
        else:
            assert (test["outcome"], test["effect"]) == ("failed", effect), why(test)
    assert {i["verdict"] for i in document["issues"].values()} == {verdict}


def test_the_suites_give_the_same_outcomes_under_xdist(run_suites):
    # the staging tier shares one server between workers (see the CI workflow): it runs serially
    for target in ("demo-fragmented", "demo-consolidated"):
        serial = {n: t for n, t in records_of(run_suites(target)[1]).items() if t["tier"] != "staging"}
        parallel = records_of(run_suites(target, "-n", "2", "-m", "not staging")[1])
        assert {n: (t["outcome"], t["effect"]) for n, t in parallel.items()} == \
               {n: (t["outcome"], t["effect"]) for n, t in serial.items()}


# Each XFAIL on fragmented names what it found: the test's name, then words its message must hold.
CONCRETE_FINDINGS = {
    "test_single_authoritative_factory_function": [
        "Multiple different get_websocket_manager functions found", "chatapp.websocket_core.get_websocket_manager",
        "chatapp.websocket_core.unified_manager.get_websocket_manager",
        "chatapp.websocket_core.websocket_manager.get_websocket_manager"],
    "test_manager_import_path_consistency": [
        "functions imported from different modules", "chatapp.websocket_core.unified_manager"],
    "test_manager_factory_no_redundant_implementations": [
        "Too many redundant WebSocketManager implementations found: 9 (max acceptable: 3)",
        "WebSocketManagerFactory", "LegacyWebSocketManagerAdapter", "WebSocketManagerAdapter"],
    "test_multiple_import_paths_create_different_managers": [
        "3 different managers", "chatapp.websocket_core.unified_manager:get_websocket_manager"],
    "test_single_authoritative_manager_class": [
        "found 2", "chatapp.websocket_core.websocket_manager_factory.WebSocketManager"],
    "test_sample_user_duplication_pattern": [
        "Multiple manager instances for user demo-user-001 - potential duplication",
        "SSOT validation issues (non-blocking): ['Multiple manager instances for user demo-user-001"],
    "test_sample_user_integration_duplication": [
        "Multiple manager instances for user demo-user-001 - potential duplication", "2 managers"],
    "test_staging_sample_user_violation_reproduction": [
        "server logged: SSOT validation issues (non-blocking): Multiple manager instances for user demo-user-001"],
    "test_null_user_context_creates_duplicate_managers": ["Null user context creates a new manager per call"],
    "test_ssot_validation_enhancer_bypass": ["chatapp.websocket_core.ssot_validation_enhancer"],
    "test_user_context_contamination": ["manager1.session_state is manager2.session_state"],
    "test_concurrent_user_manager_creation_duplication": ["10 concurrent calls", "10 distinct"],
    "test_import_path_ssot_compliance": ["13 import paths for WebSocketManager (must be fewer than 12)"],
    "test_enum_mode_isolation_validation": ["manager1.mode is manager2.mode", "active_context"],
    "test_manager_registry_isolation_validation": ["chatapp.websocket_core.unified_manager:get_websocket_manager"],
    "test_direct_instantiation_prevention": ["chatapp.websocket_core.manager.WebSocketManager(user_context)"],
    "test_only_one_manager_implementation_exists": ["found: 9 (max acceptable: 1)",
                                                    "chatapp.agents.agent_registry.WebSocketManagerAdapter"],
    "test_factory_creates_consistent_instances": ["LegacyWebSocketManagerAdapter", "UnifiedWebSocketManager"],
    "test_all_events_delivered_consistently": [
        "chatapp.websocket_core:get_websocket_manager: missing ['agent_thinking', 'tool_completed']"],
    "test_concurrent_users_isolated_experiences": ["10 of 10 concurrent users not isolated",
                                                   "ssot-1036-user-0009"],
    "test_deprecated_module_import_should_fail": [
        "chatapp.websocket_core.websocket_manager_factory still imports", "still import deprecated"],
    "test_deprecated_names_removed": ["WebSocketManagerFactory is still importable",
                                      "create_websocket_manager is still importable"],
    "test_import_path_monitoring": ["chatapp.websocket_core.adapter_factory"],
    "test_manager_connection_state_isolation": ["reports connected after only user"],
}


def test_violation_messages_name_the_concrete_findings(run_suites):
    _, document = run_suites("demo-fragmented")
    messages = {}
    for nodeid, test in records_of(document).items():
        messages.setdefault(nodeid.rsplit("::", 1)[1], []).append(test["violation"] or "")
    missing_tests = sorted(set(CONCRETE_FINDINGS) - set(messages))
    assert not missing_tests
    for name, words in CONCRETE_FINDINGS.items():
        text = "\n".join(messages[name])
        for word in words:
            assert word in text, f"{name}: {word!r} not in its violation:\n{text}"
