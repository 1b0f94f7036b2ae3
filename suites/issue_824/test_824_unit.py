"""#824: one get_websocket_manager, at most 3 redundant manager implementations.

Names, packages and thresholds come from the target configuration; the seed's
numbers (3 functions found, 9 implementations, 3 acceptable) are only defaults.
"""

from __future__ import annotations

import pytest

from pytest_ssot.assertions import assert_max_implementations, assert_single_function

pytestmark = [pytest.mark.unit, pytest.mark.ssot_issue(824)]


def test_single_authoritative_get_websocket_manager(ssot_runtime_scan, ssot_target):
    """Seed: 3 different get_websocket_manager functions found (1 expected)."""
    assert_single_function(ssot_runtime_scan, ssot_target.function_name)


def test_redundant_implementations_within_threshold(ssot_static_scan, ssot_target):
    """Seed: 9 redundant WebSocket manager implementations (max acceptable: 3)."""
    assert_max_implementations(ssot_static_scan, ssot_target.thresholds.max_redundant_implementations)
