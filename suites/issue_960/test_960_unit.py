"""#960: per-user singleton, factory enforcement, import paths, user isolation (10 unit tests).

The seed's first table, one test each, under the seed's names. The threshold
(fewer than 12 import paths) and the user count (8) come from the target.
"""

from __future__ import annotations

import pytest

from pytest_ssot.scan.assertions import (
    assert_max_import_paths,
    assert_no_duplicate_class_names,
    assert_single_function,
)
from pytest_ssot.evidence.binding import SignatureMismatch
from pytest_ssot.evidence.components import managers_from
from pytest_ssot.evidence.concurrency import assert_distinct_per_user, run_concurrently_async
from pytest_ssot.evidence.contracts import ContractError
from pytest_ssot.evidence.isolation import SharedState, assert_isolated
from pytest_ssot.core.violation import SSOTViolation

pytestmark = [pytest.mark.unit]


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_singleton_pattern_enforcement_per_user(ssot_factory_contract, ssot_new_user):
    """One manager per user: the same context, and a new context for the same user."""
    await ssot_factory_contract.check_same_user_same_instance(ssot_new_user("singleton"))


@pytest.mark.ssot_issue(960)
def test_direct_instantiation_prevention(ssot_factory_contract, ssot_new_user):
    """Calling the manager class directly follows the target's policy (#960: it raises)."""
    ssot_factory_contract.check_direct_instantiation(ssot_new_user("direct"))


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_factory_bypass_detection(ssot_adapter, ssot_target, ssot_instances, ssot_factory_contract,
                                       ssot_new_user):
    """A manager created outside the factory is reported by the tracker."""
    if ssot_target.direct_instantiation == "allowed":
        pytest.skip("direct_instantiation = 'allowed': building the class directly is this target's policy")
    user = ssot_new_user("bypass")
    await ssot_adapter.get_manager(ssot_adapter.make_user_context(user))
    # kept alive: the tracker reports live instances only; a refusal leaves nothing to report
    built = [ssot_factory_contract.try_direct(cls, user)[0] for cls in ssot_adapter.manager_classes]
    ssot_instances.assert_no_factory_bypass()
    del built


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_concurrent_manager_access_isolation(ssot_adapter, ssot_target, ssot_new_user):
    """N users at once (seed: 8): one manager each, carrying its own user, sharing no state."""
    count = min(ssot_target.thresholds.concurrent_users)
    users = [ssot_new_user(f"concurrent{i}") for i in range(count)]
    outcomes = await run_concurrently_async(ssot_adapter.get_manager,
                                            [(ssot_adapter.make_user_context(u),) for u in users])
    managers = assert_distinct_per_user(outcomes, users, user_id_attr=ssot_target.user_id_attr)
    assert_isolated(managers[users[0]], managers[users[1]],
                    names=(f"manager[user 1 of {count}]", f"manager[user 2 of {count}]"),
                    user_ids=users[:2], target_package=ssot_target.package)


@pytest.mark.ssot_issue(960)
def test_import_path_ssot_compliance(ssot_runtime_scan, ssot_target, ssot_record):
    """Import paths to the manager class stay under the seed's threshold (fewer than 12)."""
    name = ssot_target.manager_class_name
    paths = ssot_runtime_scan.all_paths(ssot_runtime_scan.classes_named(name))
    ssot_record.set_ratchet("manager_import_paths", paths)
    assert_max_import_paths(ssot_runtime_scan, name, limit=ssot_target.thresholds.max_import_paths + 1)


@pytest.mark.ssot_issue(960)
def test_manager_factory_consolidation(ssot_runtime_scan, ssot_target):
    """One factory function: every other name for it is an alias or a shim."""
    assert_single_function(ssot_runtime_scan, ssot_target.function_name)


@pytest.mark.ssot_issue(960)
def test_duplicate_manager_class_detection(ssot_runtime_scan):
    """No two different manager classes under one name."""
    assert_no_duplicate_class_names(ssot_runtime_scan)


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_user_session_state_isolation(ssot_adapter, ssot_target, ssot_new_user):
    """Two users' managers share no session state (containers, connections, contexts)."""
    users = [ssot_new_user("session-a"), ssot_new_user("session-b")]
    first, second = [await ssot_adapter.get_manager(ssot_adapter.make_user_context(u)) for u in users]
    assert_isolated(first, second, select=lambda s: not s.is_enum_member, what="user sessions", user_ids=users,
                    target_package=ssot_target.package)


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_manager_registry_isolation_validation(ssot_adapter, ssot_target, ssot_factory_components,
                                                     ssot_new_user):
    """No factory hands a caller without a user context the previous user's manager."""
    user = ssot_new_user("registry")
    await managers_from(ssot_factory_components, ssot_adapter.make_user_context(user), ssot_adapter.context_type)
    leaked = []
    for component in ssot_factory_components:
        try:
            (_, manager), = await managers_from([component], None, ssot_adapter.context_type)
        except SignatureMismatch:
            raise  # a setup problem, not the documented refusal
        except Exception as exc:
            if ssot_target.null_user_context == "error":
                continue  # refusing a call without a user context is this target's documented behaviour
            raise ContractError(f"null_user_context = 'reuse', but {component.path}(None) raised "
                                f"{type(exc).__name__}: {exc}; set null_user_context = 'error' if refusing "
                                "is the documented behaviour") from exc
        if ssot_adapter.user_id_of(manager) == user:
            leaked.append((component, manager))
    if leaked:
        raise SSOTViolation(
            f"SSOT VIOLATION: the manager registry carries user {user} over to the next caller: "
            f"{len(leaked)} factory path(s) returned {user}'s manager for a call without a user context:\n"
            + "\n".join(f"- {c.path} -> {type(m).__qualname__} (id={id(m)})" for c, m in leaked),
            [{"component": c.path, "user_id": user} for c, _ in leaked],
            keys=[f"{c.path} hands the previous user's manager to a call without a user context" for c, _ in leaked],
        )


@pytest.mark.ssot_issue(960)
@pytest.mark.asyncio
async def test_enum_mode_isolation_validation(ssot_adapter, ssot_target, ssot_new_user):
    """No enum member (a mode, a state) carries one user's state into another's manager."""
    users = [ssot_new_user("enum-a"), ssot_new_user("enum-b")]
    first, second = [await ssot_adapter.get_manager(ssot_adapter.make_user_context(u)) for u in users]
    assert_isolated(first, second, select=SharedState.is_enum_member.fget, what="users (enum instances)",
                    user_ids=users, target_package=ssot_target.package)
