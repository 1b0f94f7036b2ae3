"""The seeds' numbers, pinned on the reference backend's code in both states.

A probe (tests/backend_support/probe.py) runs inside each state's own interpreter
and reports what the bundled suites are meant to find. These tests pin those facts,
so that a change to examples/ that would silently weaken a suite's "before" (or
break its "after") fails here first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from backend_support import EVENTS, STATES, REPO, state_root
from backend_support.process import server_env

PROBE = REPO / "tests" / "backend_support" / "probe.py"
DEMO_LINE = ("SSOT validation issues (non-blocking): "
             "['Multiple manager instances for user demo-user-001 - potential duplication']")


@pytest.fixture(scope="module")
def facts() -> dict[str, dict[str, Any]]:
    found = {}
    for state in STATES:
        done = subprocess.run([sys.executable, str(PROBE)], cwd=state_root(state), env=server_env(state),
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        found[state] = json.loads(done.stdout)
    return found


def _get(facts: dict[str, Any], path: str) -> Any:
    value: Any = facts
    for part in path.split("."):
        value = value[part]
    return value


# (issue, fact, value in fragmented, value in consolidated)
EXPECTED: list[tuple[int, str, Any, Any]] = [
    (824, "scan.get_websocket_manager_functions", [
        "chatapp.websocket_core.get_websocket_manager",
        "chatapp.websocket_core.unified_manager.get_websocket_manager",
        "chatapp.websocket_core.websocket_manager.get_websocket_manager",
    ], ["chatapp.websocket_core.websocket_manager.get_websocket_manager"]),
    (824, "scan.implementations", [
        "chatapp.agents.agent_registry.WebSocketManagerAdapter",
        "chatapp.websocket_core.errors.WebSocketManagerErrorLog",
        "chatapp.websocket_core.manager.UnifiedWebSocketManager",
        "chatapp.websocket_core.manager.WebSocketManager",
        "chatapp.websocket_core.metrics.WebSocketManagerMetrics",
        "chatapp.websocket_core.protocols.LegacyWebSocketManagerAdapter",
        "chatapp.websocket_core.websocket_manager_factory.IsolatedWebSocketManager",
        "chatapp.websocket_core.websocket_manager_factory.WebSocketManager",
        "chatapp.websocket_core.websocket_manager_factory.WebSocketManagerFactory",
    ], ["chatapp.websocket_core.websocket_manager.WebSocketManager"]),
    (960, "scan.paths_to_canonical", 12, 1),
    (1036, "scan.import_paths", 33, 1),  # the exception class (4 paths) is not an implementation; its log (1) is
    (1126, "scan.classes_named_WebSocketManager", 2, 1),
    (1126, "scan.factory_modules", ["adapter_factory", "websocket_manager_factory"], []),
    (1126, "deprecated_factory.importable", True, False),
    (889, "behaviour.demo_user_second_manager", True, False),
    (889, "behaviour.demo_user_log", [DEMO_LINE], []),
    (889, "behaviour.null_context_new_each_call", True, False),
    (889, "behaviour.same_context_race_managers", 8, 1),
    (889, "behaviour.fresh_context_race_managers", 8, 1),
    (889, "behaviour.validated", False, True),
    (889, "behaviour.shared_session_state", True, False),
    (960, "behaviour.mode_state", ["active_context"], []),
    (960, "behaviour.direct_instantiation", "allowed", "RuntimeError"),
    (1126, "behaviour.user2_connected_after_user1", True, False),
    (1036, "behaviour.misrouted_of_10", 9, 0),
    (1126, "behaviour.same_context_cached", True, True),
    (1126, "behaviour.user_id_path", "user1", "user1"),
]


@pytest.mark.parametrize(
    ("issue", "fact", "fragmented", "consolidated"), EXPECTED,
    ids=[f"{issue}-{fact.split('.')[-1]}" for issue, fact, _, _ in EXPECTED],
)
@pytest.mark.parametrize("state", STATES)
def test_fact(facts: dict[str, Any], state: str, issue: int, fact: str, fragmented: Any, consolidated: Any) -> None:
    expected = fragmented if state == "fragmented" else consolidated
    assert _get(facts[state], fact) == expected, f"#{issue} {fact} in {state}"


def test_1126_deprecated_module_exports_and_absence(facts: dict[str, Any]) -> None:
    assert facts["fragmented"]["deprecated_factory"]["exports"] == ["WebSocketManagerFactory", "create_websocket_manager"]
    assert "No module named" in facts["consolidated"]["deprecated_factory"]["error"]


def test_1036_factories_return_different_types_and_a_legacy_path_drops_events(facts: dict[str, Any]) -> None:
    delivery = facts["fragmented"]["delivery"]
    assert len({d["type"] for d in delivery.values()}) == 4
    assert delivery["websocket_core.get_websocket_manager"]["delivered"] == [
        "agent_started", "tool_executing", "agent_completed"]
    consolidated = facts["consolidated"]["delivery"]
    assert list(consolidated) == ["websocket_manager.get_websocket_manager"]
    assert consolidated["websocket_manager.get_websocket_manager"]["delivered"] == list(EVENTS)


def test_889_registry_view_names_the_duplicates(facts: dict[str, Any]) -> None:
    fragmented = facts["fragmented"]["behaviour"]["diagnostics"]
    assert fragmented["managers"]["demo-user-001"] == 2
    assert fragmented["validation_issues"][0] == "Multiple manager instances for user demo-user-001 - potential duplication"
    consolidated = facts["consolidated"]["behaviour"]["diagnostics"]
    assert set(consolidated["managers"].values()) == {1} and consolidated["validation_issues"] == []


def test_consolidated_creates_one_manager_across_threads(facts: dict[str, Any]) -> None:
    assert facts["consolidated"]["behaviour"]["threaded_managers"] == 1
