"""The third state of the reference backend, ``examples/partial``: half consolidated, still serving.

Against ``demo-partial`` (every issue ``open``) the unit tier of the bundled suites
must show, for every issue, the state a real consolidation spends weeks in: some
of its checks still find their violation (XFAIL, "violation confirmed"), others
find nothing (FAIL, "issue N looks fixed"), and its guards pass. Nothing may error:
a broken check would hide among the expected outcomes. The table below is the one
in examples/README.md; it pins which check is which, so a change to the partial
state that moves a check from one column to the other is a deliberate one.

The partial backend must still serve: one user gets the golden path over a real
WebSocket connection from ``python -m chatapp serve`` run in examples/partial.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_support import EVENTS, EXAMPLES
from backend_support.client import connect_as, create_thread, refusal, request, run_message
from backend_support.tokens import ADMIN_USER, TEST_SECRET, mint
from pytest_ssot.ws.servers import ServerProcess, start_process

REPO = Path(__file__).resolve().parent.parent
TARGET = "demo-partial"
PARTIAL_ROOT = EXAMPLES / "partial"
ISSUES = ("824", "889", "960", "1036", "1126")

# per issue, the unit tier's non-guard checks of demo-partial: (still violated, clean); see examples/README.md
UNIT_TABLE: dict[str, tuple[set[str], set[str]]] = {
    "824": (
        {"test_manager_factory_no_redundant_implementations"},
        {"test_multiple_import_paths_create_different_managers",
         "test_single_authoritative_factory_function",  # the second one is a forwarding shim
         "test_single_authoritative_manager_class",
         "test_manager_import_path_consistency"},
    ),
    "889": (
        {"test_direct_instantiation_bypasses_ssot_factory",
         "test_null_user_context_creates_duplicate_managers",
         "test_ssot_validation_enhancer_bypass",
         "test_user_context_contamination"},
        {"test_concurrent_user_manager_creation_duplication",
         "test_sample_user_duplication_pattern"},
    ),
    "960": (
        {"test_direct_instantiation_prevention",
         "test_factory_bypass_detection",
         "test_concurrent_manager_access_isolation",
         "test_user_session_state_isolation"},
        {"test_singleton_pattern_enforcement_per_user",
         "test_import_path_ssot_compliance",
         "test_duplicate_manager_class_detection",
         "test_manager_registry_isolation_validation",
         "test_enum_mode_isolation_validation",
         "test_manager_factory_consolidation"},
    ),
    "1036": (
        {"test_only_one_manager_implementation_exists"},
        {"test_all_events_delivered_consistently",
         "test_all_manager_imports_lead_to_same_class",
         "test_factory_creates_consistent_instances"},
    ),
    "1126": (
        {"test_manager_direct_instantiation",
         "test_import_path_monitoring",
         "test_manager_user_isolation_post_ssot",
         "test_manager_connection_state_isolation"},
        {"test_deprecated_module_import_should_fail",
         "test_deprecated_names_removed",
         "test_manager_class_uniqueness",
         "test_manager_factory_instantiation_consistency"},
    ),
}


def _load_main_job():
    spec = importlib.util.spec_from_file_location("ssot_main_job_partial", REPO / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAIN_JOB = _load_main_job()


def why(test: dict) -> str:
    return (f"{test['nodeid']}: outcome={test['outcome']} effect={test['effect']} "
            f"error={test.get('error')!r} violation={(test['violation'] or '')[:200]!r}")


@pytest.fixture
def unit_run(pytester: pytest.Pytester) -> tuple[int, dict]:
    """The unit tier of the suites against demo-partial, in a pytester subprocess, as the main job runs them."""
    report = pytester.path / "report-partial-unit.json"

    def runner(args: list[str]) -> int:
        return int(pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider", "-q", "-m", "unit",
                                                 timeout=600).ret)

    code, document = MAIN_JOB.run_target(TARGET, [], report, runner=runner, ledger=None)
    assert report.exists(), f"{TARGET}: no report written (exit {code})"
    return code, document


def test_partial_unit_tier_every_issue_has_violated_and_clean_checks(unit_run):
    code, document = unit_run
    # the clean checks of open issues fail ("looks fixed"): that is the run's only failure
    assert code == pytest.ExitCode.TESTS_FAILED
    assert set(document["issues"]) == set(ISSUES)
    for issue in ISSUES:
        tests = document["issues"][issue]["tests"]
        assert tests, f"#{issue}: no unit test ran"
        assert {t["tier"] for t in tests} == {"unit"}
        violated, clean = set(), set()
        for test in tests:
            name = test["nodeid"].rsplit("::", 1)[1]
            if test["guard"]:
                assert test["outcome"] == "passed", why(test)
            elif (test["outcome"], test["effect"]) == ("xfailed", "confirmed"):
                assert test["violation"], why(test)
                violated.add(name)
            elif (test["outcome"], test["effect"]) == ("failed", "looks_fixed"):
                assert not test.get("error"), why(test)
                clean.add(name)
            else:
                pytest.fail(f"#{issue}: neither a confirmed violation nor looks fixed: {why(test)}")
        assert violated, f"#{issue}: no check still finds its violation in examples/partial"
        assert clean, f"#{issue}: no check is clean in examples/partial"
        assert (violated, clean) == UNIT_TABLE[issue], f"#{issue}: the table in examples/README.md is out of date"
        # without a ledger, clean checks that nobody recorded: not "open as expected"
        assert document["issues"][issue]["verdict"] == "improved"


# --------------------------------------------------------------------------- the partial backend serves


@pytest.fixture(scope="module")
def partial_server() -> Iterator[ServerProcess]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(PARTIAL_ROOT), "CHATAPP_SECRET": TEST_SECRET, "CHATAPP_ADMIN_USER": ADMIN_USER,
                "CHATAPP_DB": ":memory:", "PYTHONDONTWRITEBYTECODE": "1"})
    server = start_process([sys.executable, "-m", "chatapp", "serve", "--host", "127.0.0.1", "--port", "0"],
                           name="partial", cwd=PARTIAL_ROOT, env=env, timeout=20.0)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.asyncio
async def test_partial_backend_serves_one_user_the_golden_path(partial_server: ServerProcess) -> None:
    url = partial_server.url
    assert (await refusal(url, token=mint("mallory", secret="some-other-secret")))[:2] == \
        (1008, "invalid token signature")
    async with await connect_as(url, "partial-golden-user") as ws:
        thread_id = await create_thread(ws)
        frames = await run_message(ws, thread_id, "our cloud bill is $1200 a month, help")
        history = await request(ws, {"type": "history", "thread_id": thread_id})
    assert [f["type"] for f in frames] == list(EVENTS)
    assert {f["user_id"] for f in frames} == {"partial-golden-user"}
    assert {f["thread_id"] for f in frames} == {thread_id}
    assert len({f["run_id"] for f in frames}) == 1
    assert frames[-1]["data"]["recommendations"]
    assert [e["type"] for e in history["events"]] == ["message", *EVENTS]


@pytest.mark.asyncio
async def test_partial_backend_keeps_one_manager_for_a_users_two_tabs(partial_server: ServerProcess) -> None:
    """The #889 fix that has landed, seen on the wire: two tabs of one user, one manager in diagnostics."""
    url = partial_server.url
    async with await connect_as(url, "partial-two-tabs") as first, await connect_as(url, "partial-two-tabs") as second:
        assert await create_thread(first) and await create_thread(second)
        async with await connect_as(url, ADMIN_USER) as admin:
            diagnostics = await request(admin, {"type": "diagnostics"})
    assert diagnostics["managers"]["partial-two-tabs"] == 1
    assert diagnostics["validation_issues"] == []
