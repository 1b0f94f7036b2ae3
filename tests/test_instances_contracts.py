"""FactoryContract: each check passes on the clean kit and raises on the flaw it encodes."""

from __future__ import annotations

import asyncio

import pytest
from fixtures_instances.kit import build, make_user_context

from pytest_ssot.evidence.contracts import ContractError, FactoryContract
from pytest_ssot.evidence.instances import InstanceTracker
from pytest_ssot.core.violation import SSOTViolation


def _contract(kit_kind: str = "async", *, null_policy: str = "reuse", direct: str = "forbidden",
              **flaws: object) -> FactoryContract:
    kit = build(kind=kit_kind, **flaws)  # type: ignore[arg-type]
    return FactoryContract(kit.factory, make_user_context, [kit.Manager],
                           null_user_context=null_policy, direct_instantiation=direct)


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_clean_factory_meets_the_contract(kind: str) -> None:
    asyncio.run(_contract(kind).check_all())
    asyncio.run(_contract(kind, null="error", null_policy="error").check_all())


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_no_caching_is_a_violation(kind: str) -> None:
    contract = _contract(kind, cache=False)
    with pytest.raises(SSOTViolation) as info:
        asyncio.run(contract.check_same_user_same_instance())
    assert str(info.value).startswith(
        "Multiple manager instances for user user-001 - potential duplication")
    assert "new context, same user" in str(info.value)


def test_different_users_sharing_a_manager_is_a_violation() -> None:
    kit = build()
    one = asyncio.run(kit.factory(make_user_context("demo-user-001")))
    contract = FactoryContract(lambda ctx: one, make_user_context)
    with pytest.raises(SSOTViolation, match="users user-001 and user-002 share"):
        asyncio.run(contract.check_different_users())


def test_null_context_fresh_manager_per_call_is_a_violation() -> None:
    for policy in ("reuse", "error"):
        with pytest.raises(SSOTViolation, match="Null user context creates a new manager per call"):
            asyncio.run(_contract(null="fresh", null_policy=policy).check_null_user_context())


def test_null_context_policy_mismatch_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match="'reuse', but the factory raised ValueError"):
        asyncio.run(_contract(null="error", null_policy="reuse").check_null_user_context())
    with pytest.raises(ContractError, match="'error', but the factory returned"):
        asyncio.run(_contract(null_policy="error").check_null_user_context())


def test_direct_instantiation_policy() -> None:
    _contract().check_direct_instantiation()  # forbidden, and it raises: fine
    with pytest.raises(SSOTViolation, match=r"Direct instantiation bypasses the factory \(policy: forbidden\)"):
        _contract(forbid_direct=False).check_direct_instantiation()
    assert len(_contract(forbid_direct=False, direct="allowed").check_direct_instantiation()) == 1
    with pytest.raises(ContractError, match=r"'allowed', but .*Manager\(user_context\) raised RuntimeError"):
        _contract(direct="allowed").check_direct_instantiation()


def test_allowed_bypass_is_reported_by_the_tracker() -> None:
    kit = build(forbid_direct=False)
    contract = FactoryContract(kit.factory, make_user_context, [kit.Manager], direct_instantiation="allowed")
    with InstanceTracker([kit.Manager], factories=[kit.factory]) as tracker:
        held = [asyncio.run(contract.check_same_user_same_instance()), *contract.check_direct_instantiation()]
        with pytest.raises(SSOTViolation, match="Multiple manager instances for user user-001"):
            tracker.assert_single_manager_per_user()
        with pytest.raises(SSOTViolation, match="Factory bypass: 1 manager instance"):
            tracker.assert_no_factory_bypass()
    assert len(held) == 2


def test_check_all_collects_every_violation() -> None:
    contract = _contract(cache=False, null="fresh", forbid_direct=False)
    with pytest.raises(SSOTViolation) as info:
        asyncio.run(contract.check_all())
    message = str(info.value)
    for part in ("Multiple manager instances", "Null user context", "Direct instantiation"):
        assert part in message
