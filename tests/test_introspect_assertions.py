"""Every scan assertion raises SSOTViolation on a violating fixture, passes on a clean one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ssot.scan.assertions import (
    EmptyScanError,
    assert_max_implementations,
    assert_max_import_paths,
    assert_no_importers,
    assert_single_class,
    assert_single_function,
    assert_single_source_module,
)
from pytest_ssot.scan.findings import Definition, ScanResult
from pytest_ssot.scan.static import find_importers, scan_static
from pytest_ssot.core.violation import SSOTViolation

FIXTURES = Path(__file__).parent / "fixtures_scan"


@pytest.fixture(scope="module")
def frag() -> ScanResult:
    return scan_static(FIXTURES / "frag", "fragpkg")


@pytest.fixture(scope="module")
def clean() -> ScanResult:
    return scan_static(FIXTURES / "clean", "cleanpkg")


def test_single_function(frag, clean):
    with pytest.raises(SSOTViolation) as info:
        assert_single_function(frag)
    lines = str(info.value).splitlines()
    assert lines[0] == "SSOT VIOLATION: Multiple different get_websocket_manager functions found:"
    assert "- fragpkg.manager.get_websocket_manager (" in "\n".join(lines)
    assert not any("fragpkg.compat" in line for line in lines)  # the shim delegates: not a duplicate
    assert len(lines) == 1 + 4 and len(info.value.findings) == 4
    assert assert_single_function(clean).dotted == "cleanpkg.websocket_manager.get_websocket_manager"
    several = ScanResult("static", "p", searched_functions=["f", "g"])
    with pytest.raises(ValueError, match=r"searched for \['f', 'g'\]: pass the name"):
        assert_single_function(several)
    with pytest.raises(EmptyScanError, match="no get_other function found") as empty:
        assert_single_function(clean, "get_other")  # looked for the wrong name: no verdict either way
    assert not isinstance(empty.value, AssertionError)


def test_single_function_message_carries_runtime_ids():
    defs = [Definition("f", "a", "f", "implementation", object_id=11, paths=("a.f",)),
            Definition("f", "b", "f", "implementation", object_id=22, paths=("b.f",))]
    with pytest.raises(SSOTViolation) as info:
        assert_single_function(ScanResult("runtime", "p", functions=defs), "f")
    assert str(info.value).splitlines()[1:] == ["- a.f (id=11)", "- b.f (id=22)"]


def test_single_source_module(frag, clean):
    with pytest.raises(SSOTViolation, match="get_websocket_manager functions imported from different modules:"):
        assert_single_source_module(frag)
    assert_single_source_module(clean)


def test_max_implementations(frag, clean):
    with pytest.raises(SSOTViolation) as info:
        assert_max_implementations(frag, max_count=3)
    message = str(info.value)
    assert message.startswith("Too many redundant manager implementations found: 4 (max acceptable: 3)")
    with pytest.raises(SSOTViolation, match="Too many redundant ReplicaCoordinator implementations found: 4"):
        assert_max_implementations(frag, max_count=3, label="ReplicaCoordinator")
    assert "- fragpkg.unified.UnifiedWebSocketManager" in message
    assert_max_implementations(frag, max_count=4)
    assert_max_implementations(clean)


def test_single_class(frag, clean):
    assert_single_class(clean, "WebSocketManager")
    many = ScanResult("static", "p", classes=list(frag.classes) + [
        Definition("WebSocketManager", "fragpkg.other", "WebSocketManager", "class", "x.py", 1)])
    with pytest.raises(SSOTViolation, match="expected exactly one WebSocketManager class, found 2"):
        assert_single_class(many, "WebSocketManager")
    with pytest.raises(EmptyScanError, match="no class named Absent found"):
        assert_single_class(clean, "Absent")


def test_max_import_paths(frag, clean):
    with pytest.raises(SSOTViolation, match=r"\d+ import paths for the scanned classes and functions"):
        assert_max_import_paths(frag, limit=12)
    assert_max_import_paths(clean, limit=12)
    with pytest.raises(SSOTViolation, match="3 import paths for get_websocket_manager"):
        assert_max_import_paths(clean, "get_websocket_manager", limit=3)


def test_no_importers():
    sites = find_importers(FIXTURES / "frag", ["fragpkg.websocket_manager_factory"])
    with pytest.raises(SSOTViolation, match=r"2 import\(s\) of deprecated fragpkg.websocket_manager_factory remain"):
        assert_no_importers(sites, ["fragpkg.websocket_manager_factory"])
    assert_no_importers(find_importers(FIXTURES / "clean", ["cleanpkg.websocket_manager_factory"]))
