"""Run every instance/isolation helper against one configured target, in its own process.

Usage: ``python examples_probe.py PYPROJECT TARGET``. Both states of the reference
backend are the package ``chatapp``, so each runs in a child process of its own.
Prints one JSON object: check name -> {"violation": message} or {"ok": detail};
any other exception propagates (a crash is not a finding).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Callable

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from pytest_ssot.adapter import TargetAdapter
from pytest_ssot.evidence.concurrency import assert_distinct_per_user, assert_single_instance, run_concurrently
from pytest_ssot.config.load import CliValues
from pytest_ssot.configure import load_config
from pytest_ssot.evidence.contracts import FactoryContract
from pytest_ssot.evidence.instances import InstanceTracker
from pytest_ssot.evidence.isolation import assert_isolated
from pytest_ssot.evidence.state_machine import manager_state_machine_from_adapter
from pytest_ssot.core.violation import SSOTViolation

USER = "demo-user-001"
USERS = [f"demo-user-{i:03d}" for i in range(1, 9)]  # #960: 8 concurrent users


def main(pyproject: str, target_name: str) -> dict[str, Any]:
    config = load_config(Path(pyproject), CliValues(target=target_name), {})
    adapter = TargetAdapter(config.target)
    contract = FactoryContract.from_adapter(adapter)
    factories = [adapter.factory]
    results: dict[str, Any] = {}
    held: list[Any] = []  # managers stay alive until the end: the tracker counts live ones

    def check(name: str, body: Callable[[], Any]) -> None:
        try:
            detail = body()
        except SSOTViolation as exc:
            results[name] = {"violation": exc.message}
        else:
            results[name] = {"ok": repr(detail)[:200]}

    def second_context_same_user() -> None:
        with InstanceTracker(adapter.manager_classes, user_id_attr=config.target.user_id_attr,
                             factories=factories) as tracker:
            held.extend(adapter.get_manager_blocking(adapter.make_user_context(USER)) for _ in range(2))
            tracker.assert_single_manager_per_user()

    def factory_bypass() -> None:
        with InstanceTracker(adapter.manager_classes, factories=factories) as tracker:
            held.append(adapter.get_manager_blocking(adapter.make_user_context("demo-user-077")))
            for cls in adapter.manager_classes:
                try:
                    held.append(cls(adapter.make_user_context("demo-user-077")))  # the bypass, if allowed
                except Exception:
                    pass  # forbidden and enforced: nothing to report here
            tracker.assert_no_factory_bypass()

    def isolation() -> None:
        m1, m2 = (adapter.get_manager_blocking(adapter.make_user_context(u)) for u in ("iso-user-1", "iso-user-2"))
        held.extend((m1, m2))
        assert_isolated(m1, m2)

    def concurrent_same_user() -> Any:
        args = [(adapter.make_user_context("race-user-001"),) for _ in USERS]
        return assert_single_instance(run_concurrently(adapter.factory, args), user_id="race-user-001")

    def concurrent_users() -> Any:
        args = [(adapter.make_user_context(u),) for u in USERS]
        return sorted(assert_distinct_per_user(run_concurrently(adapter.factory, args), USERS))

    def state_machine(*checks: str) -> Callable[[], None]:
        def run() -> None:
            machine = manager_state_machine_from_adapter(adapter, checks=checks)
            run_state_machine_as_test(machine, settings=settings(
                max_examples=50, stateful_step_count=10, deadline=None, database=None, report_multiple_bugs=False))
        return run

    check("tracker_second_context_same_user", second_context_same_user)
    check("tracker_factory_bypass", factory_bypass)
    check("contract_same_user", lambda: asyncio.run(contract.check_same_user_same_instance(USER)))
    check("contract_different_users", lambda: asyncio.run(contract.check_different_users()))
    check("contract_null_user_context", lambda: asyncio.run(contract.check_null_user_context()))
    check("contract_direct_instantiation", lambda: contract.check_direct_instantiation(USER))
    check("isolation_two_users", isolation)
    check("concurrency_same_user", concurrent_same_user)
    check("concurrency_8_users", concurrent_users)
    check("state_machine_all_checks", state_machine("managers", "shared_state", "connections"))
    check("state_machine_managers", state_machine("managers"))
    check("state_machine_connections", state_machine("connections"))
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
