"""Isolated import probes, the runtime scan in a child, and their assertions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_ssot.scan.assertions import (
    ProbeError,
    assert_importable,
    assert_no_forbidden_submodules,
    assert_not_importable,
    assert_paths_resolve_to_one,
)
from pytest_ssot.scan.probes import (
    CIRCULAR_IMPORT,
    IMPORTED,
    MODULE_NOT_FOUND,
    OTHER_ERROR,
    TIMEOUT,
    probe_import,
    probe_import_paths,
)
from pytest_ssot.scan.child import ProbeSetupError
from pytest_ssot.scan.submodules import find_submodules
from pytest_ssot.scan.entry import scan_runtime
from pytest_ssot.core.violation import SSOTViolation

FIXTURES = Path(__file__).parent / "fixtures_scan"
PROBES = FIXTURES / "probes"


@pytest.fixture(autouse=True)
def sys_modules_untouched():
    before = set(sys.modules)
    yield
    leaked = {m for m in set(sys.modules) - before if m.startswith(("probepkg", "fragpkg", "cleanpkg"))}
    assert not leaked, f"a probe imported into the test process: {leaked}"


def test_deprecated_module_that_still_imports():
    result = probe_import("probepkg.present", PROBES)
    assert result.outcome == IMPORTED and result.error_type is None
    with pytest.raises(SSOTViolation, match="deprecated module probepkg.present still imports"):
        assert_not_importable(result)
    assert_importable(result)


def test_deprecated_module_that_is_gone():
    result = probe_import("probepkg.websocket_manager_factory", PROBES)
    assert result.outcome == MODULE_NOT_FOUND
    assert result.error_type == "ModuleNotFoundError"
    assert result.missing == "probepkg.websocket_manager_factory"
    assert_not_importable(result)
    with pytest.raises(SSOTViolation, match="canonical module probepkg.websocket_manager_factory does not exist"):
        assert_importable(result)


def test_module_that_raises_something_else_is_not_a_violation():
    result = probe_import("probepkg.raises", PROBES)
    assert result.outcome == OTHER_ERROR
    assert (result.error_type, result.message) == ("RuntimeError", "boom at import")
    assert "raises.py" in result.detail
    for check in (assert_not_importable, assert_importable):
        with pytest.raises(ProbeError, match="RuntimeError: boom at import") as info:
            check(result)
        assert not isinstance(info.value, SSOTViolation)


def test_missing_dependency_is_not_the_module_missing():
    result = probe_import("probepkg.missing_dep", PROBES)
    assert result.outcome == OTHER_ERROR
    assert result.missing == "ssot_fixture_dependency_that_does_not_exist"
    assert_not_importable(result)  # an ImportError counts as "cannot be imported"
    with pytest.raises(ProbeError):
        assert_not_importable(result, accept_import_error=False)


def test_circular_import():
    result = probe_import("probepkg.circ_a", PROBES)
    assert result.outcome == CIRCULAR_IMPORT
    assert "partially initialized module" in result.message
    with pytest.raises(SSOTViolation, match="circular import while importing probepkg.circ_a"):
        assert_importable(result)


def test_hang_is_killed_and_reported_with_the_limit():
    result = probe_import("probepkg.hang", PROBES, timeout=1.0)
    assert result.outcome == TIMEOUT and result.timeout == 1.0
    with pytest.raises(SSOTViolation, match=r"importing probepkg.hang hangs: no result within the 1s limit"):
        assert_importable(result)
    # a deprecated module that hangs is there but broken: that cannot confirm it is still importable
    with pytest.raises(ProbeError, match="cannot judge whether probepkg.hang is gone: timeout"):
        assert_not_importable(result)


def test_setup_errors_are_not_violations(tmp_path):
    with pytest.raises(ProbeSetupError, match="python interpreter not found"):
        probe_import("x", PROBES, python=str(tmp_path / "no-python"))
    with pytest.raises(ProbeSetupError, match="python interpreter not found"):
        probe_import("x", PROBES, python="no-such-python-3.99")
    with pytest.raises(ProbeSetupError, match="not a directory"):
        probe_import("x", tmp_path / "missing")
    assert not issubclass(ProbeSetupError, AssertionError)


def test_explicit_python_is_used():
    result = probe_import("probepkg.present", PROBES, python=sys.executable)
    assert result.outcome == IMPORTED and result.python == sys.version.split()[0]


def test_probe_does_not_write_bytecode_into_the_target(tmp_path):
    (tmp_path / "m.py").write_text("X = 1\n")
    assert probe_import("m", tmp_path).outcome == IMPORTED
    assert not (tmp_path / "__pycache__").exists()


def test_find_submodules_with_allow_list():
    found = find_submodules(PROBES, "probepkg.factories", "*factory*")
    assert found == ["probepkg.factories.user_factory", "probepkg.factories.websocket_manager_factory"]
    with pytest.raises(SSOTViolation, match="Forbidden factory modules detected"):
        assert_no_forbidden_submodules(found)
    allowed = find_submodules(PROBES, "probepkg.factories", "*factory*",
                              allow=["user_factory", "probepkg.factories.websocket_manager_factory"])
    assert allowed == []
    assert_no_forbidden_submodules(allowed)
    assert find_submodules(PROBES, "probepkg", "*FACTORY*", recursive=True) == found
    with pytest.raises(ProbeSetupError):
        find_submodules(PROBES, "probepkg.nothing")


def test_import_paths_in_a_child():
    frag = FIXTURES / "frag"
    same = probe_import_paths(["fragpkg:WebSocketManager", "fragpkg.compat:LegacyWS"], frag)
    assert same.same_object
    assert_paths_resolve_to_one(same)
    different = probe_import_paths(["fragpkg.manager:get_websocket_manager", "fragpkg.unified:get_websocket_manager",
                                    "fragpkg.gone:X"], frag)
    assert different.distinct == 2
    assert "ModuleNotFoundError" in different.resolutions[2].error
    with pytest.raises(SSOTViolation, match="lead to 2 different objects"):
        assert_paths_resolve_to_one(different)


def test_runtime_scan_imports_every_submodule_first():
    result = scan_runtime(FIXTURES / "frag", "fragpkg")
    # nothing imports fragpkg.legacy or fragpkg.unified from fragpkg/__init__: the walk did
    assert {d.module for d in result.functions} >= {"fragpkg.legacy", "fragpkg.unified"}
    assert result.mode == "runtime" and result.import_errors == []


def test_runtime_scan_reports_broken_and_hanging_modules_and_goes_on():
    result = scan_runtime(FIXTURES / "bad", "badpkg")
    errors = {e.module: e.error_type for e in result.import_errors}
    expected = {"badpkg.broken_import": "ModuleNotFoundError"}
    if sys.version_info < (3, 12):  # PEP 701 f-strings: a SyntaxError before 3.12
        expected["badpkg.newsyntax"] = "SyntaxError"
    assert errors == expected
    imported_new_syntax = sys.version_info >= (3, 12)  # then newsyntax.py imports, and its class counts
    assert [d.name for d in result.classes] == ["WebSocketManager"] + ["WebSocketManagerNew"] * imported_new_syntax
    hung = scan_runtime(PROBES, "probepkg", timeout=2.0)
    errors = {e.module: e.error_type for e in hung.import_errors}
    assert errors["probepkg.hang"] == "TimeoutError"
    assert errors["probepkg.raises"] == "RuntimeError"
    assert errors["probepkg.circ_a"] == "ImportError"
