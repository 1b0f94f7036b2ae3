"""#1036: whole-codebase consolidation - one implementation, one class behind every path, one type.

Seed, before the fix: 6+ manager implementations, 15+ import paths leading to
different classes, factories creating different types. The implementation scan
is static over the whole source tree, so modules nobody imported still count.
"""

from __future__ import annotations

import pytest

from pytest_ssot.config.catalog import target_words
from pytest_ssot.scan.assertions import assert_max_implementations, assert_paths_resolve_to_one
from pytest_ssot.evidence.components import (
    assert_events_delivered,
    assert_one_type,
    events_through_components,
    managers_from,
)
from pytest_ssot.scan.probes import probe_import_paths

pytestmark = [pytest.mark.unit]


@pytest.mark.ssot_issue(1036)
def test_only_one_manager_implementation_exists(ssot_codebase_scan, ssot_target):
    """Seed: 6+ implementations before, exactly 1 after."""
    assert_max_implementations(ssot_codebase_scan, 1, label=target_words(ssot_target)["manager"])


@pytest.mark.ssot_issue(1036)
def test_all_manager_imports_lead_to_same_class(ssot_runtime_scan, ssot_target):
    """Every import path that names the manager class leads to one class object."""
    name = ssot_target.manager_class_name
    paths = sorted({p for d in ssot_runtime_scan.classes for p in d.paths if p.rsplit(".", 1)[-1] == name})
    references = sorted({*ssot_target.manager, *(f"{p.rsplit('.', 1)[0]}:{name}" for p in paths)})
    assert_paths_resolve_to_one(probe_import_paths(references, ssot_target.root, python=ssot_target.python))


@pytest.mark.ssot_issue(1036)
@pytest.mark.asyncio
async def test_factory_creates_consistent_instances(ssot_factory_components, ssot_adapter, ssot_new_user):
    """Every factory path creates instances of the one canonical manager class."""
    results = await managers_from(ssot_factory_components, ssot_adapter.make_user_context(ssot_new_user("types")),
                                  ssot_adapter.context_type)
    assert_one_type(results, ssot_adapter.manager_classes)


@pytest.mark.ssot_issue(1036)
@pytest.mark.asyncio
async def test_all_events_delivered_consistently(ssot_adapter, ssot_target, ssot_factory_components,
                                                            ssot_new_user):
    """Every critical event, in order, whichever factory path produced the manager."""
    delivered = await events_through_components(ssot_adapter, ssot_factory_components, ssot_new_user("events"),
                                                ssot_target.events)
    assert_events_delivered(delivered, ssot_target.events)
