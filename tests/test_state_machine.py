"""The reusable state machine: passes on a clean backend, shrinks each flaw to a short program."""

from __future__ import annotations

import re

import pytest
from fixtures_instances.kit import build, make_user_context
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from pytest_ssot.evidence.state_machine import manager_state_machine
from pytest_ssot.core.violation import SSOTViolation

SETTINGS = settings(max_examples=60, stateful_step_count=12, deadline=None, report_multiple_bugs=False,
                    database=None)


def _machine(**flaws: object) -> type:
    kit = build(**flaws)  # type: ignore[arg-type]
    return manager_state_machine(kit.factory, make_user_context, reset=kit.reset,
                                 users=("demo-user-001", "demo-user-002"))


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_clean_backend_passes(kind: str) -> None:
    run_state_machine_as_test(_machine(kind=kind), settings=SETTINGS)


@pytest.mark.parametrize(
    ("flaw", "message"),
    [
        ({"cache": False}, "potential duplication: "),
        ({"class_default": True}, "type(manager['demo-user-001']).state is type(manager['demo-user-002']).state"),
        ({"shared_registry": True}, "Shared mutable state between the managers of users"),
        ({"enum_state": True}, "enum member carrying state (active_context)"),
        ({"leak_flag": True}, "Connection state leaked: user demo-user-00"),
    ],
    ids=["duplicate", "class-default", "shared-registry", "enum-state", "leaked-connection-flag"],
)
def test_each_flaw_is_found_and_shrunk(flaw: dict[str, object], message: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SSOTViolation) as info:
        run_state_machine_as_test(_machine(**flaw), settings=SETTINGS)
    assert message in str(info.value)
    if "duplication" in message:
        assert re.match(r"Multiple manager instances for user demo-user-00[12] - ", str(info.value))
    program = "\n".join(getattr(info.value, "__notes__", [])) + capsys.readouterr().out
    steps = [line.strip() for line in program.splitlines()
             if line.strip().startswith("state.") and "users_isolated" not in line and "teardown" not in line]
    assert steps and len(steps) <= 4, program  # shrunk: a few readable steps
    assert any("user='demo-user-00" in s for s in steps), program


def test_leaked_flag_counter_example_reads_like_the_bug(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SSOTViolation) as info:
        run_state_machine_as_test(_machine(leak_flag=True), settings=SETTINGS)
    program = "\n".join(getattr(info.value, "__notes__", []))
    assert re.search(r"state\.connect\(user='demo-user-00[12]'\)", program), program
    assert "reads connected but has 0 open connection(s)" in str(info.value)


def test_factory_returning_another_users_manager() -> None:
    kit = build()
    machine = manager_state_machine(lambda ctx: kit.managers.setdefault("x", kit.Manager(ctx, _token=kit.token)),
                                    make_user_context)
    with pytest.raises(SSOTViolation, match="returned a manager of user user-00"):
        run_state_machine_as_test(machine, settings=SETTINGS)
