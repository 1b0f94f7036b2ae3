"""#824: manager fragmentation - one factory function, one import path.

Seed: 3 different factory functions of one name, functions imported from
different modules, 9 redundant manager implementations (max acceptable: 3); the
circular-reference and infinite-loop checks passed before the fix and guard the
consolidation. Every name, package and threshold comes from the target.
"""

from __future__ import annotations

import pytest

from pytest_ssot.scan.assertions import (
    assert_importable,
    assert_max_implementations,
    assert_single_class,
    assert_single_function,
    assert_single_source_module,
)
from pytest_ssot.config.catalog import target_words
from pytest_ssot.evidence.components import assert_one_manager, managers_from
from pytest_ssot.scan.import_failures import assert_submodules_import, triage_import_errors
from pytest_ssot.scan.probes import probe_import

pytestmark = [pytest.mark.unit]


@pytest.mark.ssot_issue(824, guard=True)
def test_circular_reference_in_ssot_factory_method(ssot_target):
    """The factory's module imports in a fresh interpreter: no circular import, no hang."""
    module = ssot_target.require("factory").partition(":")[0]
    assert_importable(probe_import(module, ssot_target.root, python=ssot_target.python,
                                   timeout=ssot_target.thresholds.factory_timeout_seconds))


@pytest.mark.ssot_issue(824, guard=True)
def test_factory_method_infinite_loop_timeout(ssot_factory_probe):
    """Calling the factory returns within the time limit (seed: completed in 2.08 s)."""
    assert_importable(ssot_factory_probe)


@pytest.mark.ssot_issue(824, guard=True)
def test_every_submodule_of_the_package_imports(ssot_runtime_scan, ssot_target, ssot_note):
    """The runtime scan saw the whole package: a submodule that fails to import hides its duplicates.

    A broken module is not a duplicate, so an unlisted one is a setup error (the
    scan's evidence is incomplete), except an importer of a name the consolidation
    removed, which is its violation. Modules listed in ``known_import_failures``
    are noted with their reason instead, and a listed one that imports again is
    noted for removal from the list.
    """
    triage = triage_import_errors(ssot_runtime_scan.import_errors, ssot_target.known_import_failures)
    for line in triage.notes():
        ssot_note(line)
    assert_submodules_import(triage, ssot_target.package)


@pytest.mark.ssot_issue(824)
@pytest.mark.asyncio
async def test_multiple_import_paths_create_different_managers(ssot_factory_components, ssot_adapter):
    """Every importable factory function hands one user the same manager."""
    context = ssot_adapter.make_user_context("ssot-824-paths")
    results = await managers_from(ssot_factory_components, context, ssot_adapter.context_type)
    assert_one_manager(results, "ssot-824-paths")


@pytest.mark.ssot_issue(824)
def test_single_authoritative_manager_class(ssot_runtime_scan, ssot_target):
    """One distinct class object under the canonical class's name (aliases are fine)."""
    assert_single_class(ssot_runtime_scan, ssot_target.manager_class_name)


@pytest.mark.ssot_issue(824)
def test_single_authoritative_factory_function(ssot_runtime_scan, ssot_target):
    """Seed: 3 different factory functions of the target's ``function_name`` found (1 expected)."""
    assert_single_function(ssot_runtime_scan, ssot_target.function_name)


@pytest.mark.ssot_issue(824)
def test_manager_import_path_consistency(ssot_runtime_scan, ssot_target):
    """Seed: the factory functions imported from different modules."""
    assert_single_source_module(ssot_runtime_scan, ssot_target.function_name)


@pytest.mark.ssot_issue(824)
def test_manager_factory_no_redundant_implementations(ssot_static_scan, ssot_target, ssot_record):
    """Seed: 9 redundant manager implementations (max acceptable: 3)."""
    ssot_record.set_ratchet("manager_classes", [d.dotted for d in ssot_static_scan.classes])
    assert_max_implementations(ssot_static_scan, ssot_target.thresholds.max_redundant_implementations,
                               label=target_words(ssot_target)["manager"])
