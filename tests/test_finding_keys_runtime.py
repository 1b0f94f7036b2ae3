"""Stable finding keys of the runtime checks: two independent runs, the same keys.

Each run uses fresh random user ids (as ``ssot_new_user`` does) and fresh
objects, so the messages differ (ids, addresses); the keys name users by role
and objects by dotted class names and attribute paths, so they do not.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from generated import generated_package, load

from pytest_ssot.evidence.concurrency import assert_distinct_per_user, assert_single_instance, run_concurrently
from pytest_ssot.evidence.contracts import FactoryContract
from pytest_ssot.evidence.instances import InstanceTracker
from pytest_ssot.evidence.isolation import assert_isolated
from pytest_ssot.evidence.state_machine import manager_state_machine
from pytest_ssot.core.violation import SSOTViolation

LEAKY = """
    class Ticket:
        def __init__(self, rider_id):
            self.rider_id = rider_id


    class Carriage:
        roster = {}                                  # class-level: one for every rider

        def __init__(self, ticket):
            self.ticket = ticket
            Carriage.roster[ticket.rider_id] = ticket
            self.seats = {ticket.rider_id: []}


    _last = []


    def board(ticket):
        carriage = Carriage(ticket)                  # a new carriage per call
        _last[:] = [carriage]
        return carriage


    def board_shared(ticket):
        return _last[0] if _last else board(ticket)  # hands the previous rider's carriage out
"""


@pytest.fixture
def tram(tmp_path):
    with generated_package(tmp_path, {"tramway/__init__.py": "", "tramway/lines.py": LEAKY}):
        yield load("tramway.lines")


def _riders(count: int = 2) -> list[str]:
    return [f"rider-{uuid.uuid4().hex[:8]}" for _ in range(count)]


def _violation(check) -> SSOTViolation:
    with pytest.raises(SSOTViolation) as info:
        check()
    return info.value


def _twice(run) -> tuple[SSOTViolation, SSOTViolation]:
    first, second = run(), run()
    assert first.message != second.message  # fresh ids: the human-readable text differs
    assert first.keys == second.keys and first.keys
    for key in first.keys:
        assert not re.search(r"0x[0-9a-f]+|rider-[0-9a-f]{8}|/tmp/|\bid=", key), key
    return first, second


def test_isolation_keys(tram) -> None:
    def run():
        riders = _riders()
        left, right = (tram.board(tram.Ticket(r)) for r in riders)
        return _violation(lambda: assert_isolated(left, right, user_ids=riders, target_package="tramway"))

    first, _ = _twice(run)
    assert "shared dict: type(manager1).roster is type(manager2).roster" in first.keys
    assert "shared tramway.lines.Ticket: type(manager1).roster['user 2 of 2'] is manager2.ticket" in first.keys


def test_tracker_keys(tram) -> None:
    def run():
        rider, = _riders(1)
        with InstanceTracker([tram.Carriage], user_id_attr="ticket.rider_id", factories=[tram.board]) as tracker:
            tram.board(tram.Ticket(rider)), tram.board(tram.Ticket(rider))
            tram.Carriage(tram.Ticket(rider))
            return (_violation(lambda: tracker.assert_single_manager_per_user([rider])),
                    _violation(tracker.assert_no_factory_bypass))

    (single, bypass), (single2, bypass2) = run(), run()
    assert single.keys == single2.keys == [
        f"user 1 of 1: several tramway.lines.Carriage instances created in {__name__}.run, tramway.lines.board"]
    assert bypass.keys == bypass2.keys == [f"tramway.lines.Carriage created outside tramway.lines.board in {__name__}.run"]
    assert single.message != single2.message


def test_concurrency_keys(tram) -> None:
    def same_user():
        rider, = _riders(1)
        outcomes = run_concurrently(tram.board, [(tram.Ticket(rider),) for _ in range(3)], mode="threads")
        return _violation(lambda: assert_single_instance(outcomes, user_id=rider))

    def per_user():
        riders = _riders(3)
        outcomes = run_concurrently(tram.board_shared, [(tram.Ticket(r),) for r in riders], mode="threads")
        return _violation(lambda: assert_distinct_per_user(outcomes, riders, user_id_attr="ticket.rider_id"))

    first, _ = _twice(same_user)
    assert first.keys == ["one user, 3 concurrent calls (threads): several tramway.lines.Carriage instances"]
    tram._last.clear()
    tram.board(tram.Ticket("rider-before"))  # the carriage every later call is handed
    _twice(per_user)


def test_contract_keys(tram) -> None:
    def run():
        riders = _riders()
        contract = FactoryContract(factory=tram.board_shared, make_user_context=tram.Ticket,
                                   manager_classes=[tram.Carriage], user_id_attr="ticket.rider_id",
                                   direct_instantiation="forbidden")
        return _violation(lambda: asyncio.run(contract.check_all(riders)))

    tram.board(tram.Ticket("rider-before"))
    first, _ = _twice(run)
    assert "tramway.lines.Carriage(user_context) builds a manager instead of raising" in first.keys


def test_state_machine_keys(tram) -> None:
    from hypothesis import settings
    from hypothesis.stateful import run_state_machine_as_test

    def run():
        machine = manager_state_machine(tram.board, tram.Ticket, users=_riders(2), user_id_attr="ticket.rider_id",
                                        connect=lambda m, c: None, disconnect=lambda m, c: None,
                                        is_connected=lambda m: False, checks=("managers",))
        return _violation(lambda: run_state_machine_as_test(
            machine, settings=settings(max_examples=20, database=None, derandomize=True,
                                       report_multiple_bugs=False)))

    first, second = run(), run()
    assert first.keys == second.keys
    assert all("rider-" not in key for key in first.keys)
