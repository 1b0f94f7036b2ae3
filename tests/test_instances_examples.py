"""The helpers against the reference backend: #889/#960 violations in fragmented, none in consolidated.

Both states are the package ``chatapp``, so each runs in its own child process
(tests/fixtures_instances/examples_probe.py), configured from this repository's
own ``[tool.ssot.targets.demo-*]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).parent / "fixtures_instances" / "examples_probe.py"

pytestmark = pytest.mark.skipif(not (REPO / "examples" / "consolidated" / "chatapp").is_dir(),
                                reason="the reference backend (examples/) is not present")

# check -> the words its #889 / #960 violation must contain in the fragmented state
FRAGMENTED = {
    "tracker_second_context_same_user": "Multiple manager instances for user demo-user-001 - potential duplication",
    "tracker_factory_bypass": "Factory bypass: 1 manager instance(s) created outside",
    "contract_same_user": "Multiple manager instances for user demo-user-001 - potential duplication",
    "contract_null_user_context": "Null user context creates a new manager per call",
    "contract_direct_instantiation": "Direct instantiation bypasses the factory (policy: forbidden)",
    "isolation_two_users": "manager1.session_state is manager2.session_state",
    "concurrency_same_user": "8 concurrent calls (asyncio tasks) returned 8 distinct instances",
    # every check on: whichever of fragmented's flaws hypothesis reaches first is reported
    "state_machine_all_checks": ("Shared mutable state between the managers of users",
                                 "Multiple manager instances for user demo-user-00",
                                 "Connection state leaked: user demo-user-00"),
    "state_machine_managers": "Multiple manager instances for user user-00",
    "state_machine_connections": "Connection state leaked: user user-00",
}
PASSING_IN_BOTH = ("contract_different_users", "concurrency_8_users")


@lru_cache(maxsize=None)
def probe(target: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(PROBE), str(REPO / "pyproject.toml"), target],
                          capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("check", sorted(FRAGMENTED))
def test_fragmented_violation_is_reported(check: str) -> None:
    result = probe("demo-fragmented")[check]
    assert "violation" in result, result
    expected = FRAGMENTED[check]
    assert any(text in result["violation"] for text in ((expected,) if isinstance(expected, str) else expected))


def test_fragmented_isolation_names_each_shared_object() -> None:
    message = probe("demo-fragmented")["isolation_two_users"]["violation"]
    assert "manager1.mode is manager2.mode" in message and "enum member carrying state (active_context)" in message
    assert "type(manager1).metrics is type(manager2).metrics" in message and "class-level attribute" in message


def test_fragmented_creation_site_points_into_the_factory() -> None:
    message = probe("demo-fragmented")["tracker_second_context_same_user"]["violation"]
    assert "fragmented/chatapp/websocket_core/websocket_manager.py:" in message
    assert "in get_websocket_manager" in message


@pytest.mark.parametrize("target", ["demo-fragmented", "demo-consolidated"])
def test_checks_that_hold_in_both_states(target: str) -> None:
    results = probe(target)
    assert all("ok" in results[check] for check in PASSING_IN_BOTH), results


def test_consolidated_has_no_violations() -> None:
    results = probe("demo-consolidated")
    assert set(results) == set(FRAGMENTED) | set(PASSING_IN_BOTH)
    assert {name: r for name, r in results.items() if "violation" in r} == {}
