"""#1126: the deprecated factory module (dual pattern) is gone, the canonical path works.

The seed's before/after table is muddled: it lists the import-should-fail tests
as "PASSES (factory still exists)" before the fix and "FAILS (factory removed)"
after. We encode the intent instead: these checks fail while the deprecated
module or names still import, and pass once they are gone - and "gone" also
means no module still imports them (a dangling import breaks at run time).
The factory's per-user caching, isolation and connection state need only the
factory, so they run here too rather than in the integration tier.
"""

from __future__ import annotations

import pytest

from pytest_ssot.scan.assertions import (
    assert_importable,
    assert_no_forbidden_submodules,
    assert_single_class,
)
from pytest_ssot.evidence.components import assert_connection_states_independent
from pytest_ssot.scan.deprecation import assert_module_removed, assert_name_removed
from pytest_ssot.evidence.isolation import assert_isolated
from pytest_ssot.scan.submodules import find_submodules
from pytest_ssot.core.violation import check_each

pytestmark = [pytest.mark.unit]


def _needs(target, key: str) -> None:
    if not getattr(target, key):
        pytest.skip(f"target {target.name!r} lists no {key}; add {key} = [...] to its configuration")


@pytest.mark.ssot_issue(1126)
def test_deprecated_module_import_should_fail(ssot_target, ssot_static_scan):
    """Every deprecated module: import fails with ModuleNotFoundError, and nobody imports it."""
    _needs(ssot_target, "deprecated_modules")
    check_each(ssot_target.deprecated_modules, lambda module: assert_module_removed(
        module, ssot_target.root, ssot_static_scan.importers, python=ssot_target.python))


@pytest.mark.ssot_issue(1126)
def test_deprecated_names_removed(ssot_target):
    """Every deprecated class and function (``module:Name``) can no longer be imported."""
    _needs(ssot_target, "deprecated_names")
    check_each(ssot_target.deprecated_names, lambda reference: assert_name_removed(
        reference, ssot_target.root, python=ssot_target.python))


@pytest.mark.ssot_issue(1126, guard=True)
def test_canonical_manager_import_works(ssot_factory_probe):
    """The canonical factory imports and answers in a fresh interpreter (before and after)."""
    assert_importable(ssot_factory_probe)


@pytest.mark.ssot_issue(1126)
def test_manager_direct_instantiation(ssot_factory_contract, ssot_new_user):
    """Calling the canonical class directly follows the target's policy.

    The seeds contradict each other here: #1126 builds the manager class
    directly and expects it to work, #960 expects direct instantiation to raise.
    Which one holds is the target's ``direct_instantiation`` setting
    (``forbidden`` by default, as #960 asks; ``allowed`` for #1126's reading).
    """
    ssot_factory_contract.check_direct_instantiation(ssot_new_user("1126-direct"))


@pytest.mark.ssot_issue(1126)
def test_import_path_monitoring(ssot_target):
    """No ``*factory*`` module in the package beyond the target's allow-list."""
    found = find_submodules(ssot_target.root, ssot_target.package, "*factory*",
                            allow=ssot_target.allowed_factory_modules, recursive=True)
    assert_no_forbidden_submodules(found, "*factory*")


@pytest.mark.ssot_issue(1126)
def test_manager_class_uniqueness(ssot_runtime_scan, ssot_target):
    """Exactly one class object named like the canonical manager in sys.modules."""
    assert_single_class(ssot_runtime_scan, ssot_target.manager_class_name)


@pytest.mark.ssot_issue(1126)
@pytest.mark.asyncio
async def test_manager_user_isolation_post_ssot(ssot_factory_contract, ssot_target, ssot_new_user):
    """Two users: separate managers, their own user ids, and no state in common."""
    users = (ssot_new_user("user1"), ssot_new_user("user2"))
    managers = await ssot_factory_contract.check_different_users(users)
    assert_isolated(managers[users[0]], managers[users[1]], names=("manager1", "manager2"), user_ids=users,
                    target_package=ssot_target.package)


@pytest.mark.ssot_issue(1126)
@pytest.mark.asyncio
async def test_manager_factory_instantiation_consistency(ssot_factory_contract, ssot_new_user):
    """The same user twice (same context, then a new one): the factory's cached manager."""
    await ssot_factory_contract.check_same_user_same_instance(ssot_new_user("consistency"))


@pytest.mark.ssot_issue(1126)
@pytest.mark.asyncio
async def test_manager_connection_state_isolation(ssot_adapter, ssot_new_user):
    """User 1 connects; user 2's manager must not report connected."""
    users = (ssot_new_user("user1"), ssot_new_user("user2"))
    first, second = [await ssot_adapter.get_manager(ssot_adapter.make_user_context(u)) for u in users]
    await assert_connection_states_independent(ssot_adapter, first, second, users)
