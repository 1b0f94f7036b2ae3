"""Report documents for the render and dashboard tests: two targets, every verdict, hostile text."""

from __future__ import annotations

import random

from pytest_ssot.report.merge import merge_reports
from pytest_ssot.report.build import RunMetrics, build_report

HOSTILE = "<script>alert('x')</script> & <img src=https://example.invalid/x.png> | pipe"


def _record(nodeid, issue, outcome, effect, tier="unit", guard=False, violation=None, title=None, **more):
    return {"nodeid": nodeid, "issue": issue, "title": title, "tier": tier, "guard": guard, "outcome": outcome,
            "violation": violation, "effect": effect, "duration": 0.01, **more}


SEED_EVENTS = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]
RUN = {"python": "3.11.7", "plugin": "0.1.0", "commit": "0123456789abcdef0123456789abcdef01234567",
       "branch": "main", "url": None, "time": "2025-01-02T03:04:05+00:00"}
SETUP_ERROR = "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 9)"


def latency_samples(count: int = 240, seed: int = 7) -> list[float]:
    """Seconds to agent_completed: a log-normal body around 40 ms and a slow tail."""
    rng = random.Random(seed)
    body = [rng.lognormvariate(-3.3, 0.35) for _ in range(count - count // 20)]
    tail = [rng.uniform(0.12, 0.2) for _ in range(count // 20)]
    return body + tail


def fragmented() -> dict:
    metrics = RunMetrics()
    metrics.add_samples("agent_completed_seconds", latency_samples())
    metrics.set_ratchet("manager_classes", [f"chatapp.websocket_core.m{i}.WebSocketManager" for i in range(9)])
    metrics.set_ratchet("import_paths", [f"chatapp.path{i}" for i in range(14)])
    records = [
        _record("suites/issue_824/test_824_unit.py::test_single_authoritative_get_websocket_manager", 824, "xfailed",
                "confirmed", violation="SSOT VIOLATION: Multiple different get_websocket_manager functions found:\n"
                "- chatapp.websocket_core.get_websocket_manager (id=1)\n"
                "- chatapp.websocket_core.unified_manager.get_websocket_manager (id=2)",
                keys=["implementation chatapp.websocket_core.get_websocket_manager",
                      "implementation chatapp.websocket_core.unified_manager.get_websocket_manager"],
                locations=[{"finding": "implementation chatapp.websocket_core.unified_manager.get_websocket_manager",
                            "path": "examples/fragmented/chatapp/websocket_core/unified_manager.py", "line": 41}]),
        _record("suites/issue_824/test_824_unit.py::test_redundant_implementations_within_threshold", 824, "xfailed",
                "confirmed", violation="Too many redundant WebSocket manager implementations found: 9 (max acceptable: 3)"
                "\nFound implementations:\n- <class 'chatapp.websocket_core.manager.WebSocketManager'>"),
        _record("suites/issue_824/test_824_integration.py::test_golden_path", 824, "passed", None,
                tier="integration", guard=True),
        _record("suites/issue_889/test_889_unit.py::test_one_manager_per_user", 889, "failed", "looks_fixed"),
        _record("suites/issue_960/test_960_staging.py::test_events_isolated", 960, "skipped", None, tier="staging"),
        *(_record(f"suites/issue_960/test_960_integration.py::test_server_{n}", 960, "error", None,
                  tier="integration", error=SETUP_ERROR, reason=SETUP_ERROR) for n in range(3)),
        _record("suites/issue_1036/test_1036.py::test_state", 1036, "xfailed", "confirmed", violation=HOSTILE,
                title=f"Hostile title {HOSTILE}"),
    ]
    document = build_report("demo-fragmented", {824: "open", 889: "open", 960: "open", 1036: "open"}, records,
                            metrics, context={"run": RUN, "events": SEED_EVENTS})
    document["ratchets"]["manager_classes"].update(baseline=3, change="rise")
    document["ratchets"]["import_paths"].update(baseline=16, change="fall")
    return document


def consolidated() -> dict:
    records = [
        _record("suites/issue_824/test_824_unit.py::test_single_authoritative_get_websocket_manager", 824, "passed",
                None),
        _record("suites/issue_1126/test_1126_unit.py::test_factory_gone", 1126, "failed", "regression",
                violation="regression of SSOT issue 1126: websocket_manager_factory imports"),
        _record("suites/issue_4242/test_custom.py::test_custom", 4242, "passed", None, title="Our own consolidation"),
    ]
    document = build_report("demo-consolidated", {824: "resolved", 1126: "resolved"}, records)
    return document


def merged() -> dict:
    return merge_reports([("demo-fragmented.json", fragmented()),
                          ("demo-consolidated.json", consolidated())]).document
