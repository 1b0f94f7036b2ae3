"""Issue 12 item 11: a user context goes where the signature says, or a one-line setup error.

A real codebase's ``get_...`` stub may take no argument, and its manager class
may take ``mode`` first: ``cls(context)`` then builds a manager for a fallback
user, not for the user the message names.
"""

from __future__ import annotations

import asyncio

import pytest
from generated import generated_package, load

from pytest_ssot.evidence.components import Component, managers_from
from pytest_ssot.evidence.contracts import ContractError, FactoryContract
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation

BEACONS = """
    import enum


    class Shift:
        def __init__(self, keeper_id):
            self.keeper_id = keeper_id


    class Mode(enum.Enum):
        DIM = "dim"
        BRIGHT = "bright"


    FALLBACK = Shift("fallback-keeper")


    class Lantern:
        def __init__(self, mode=Mode.DIM, user_context: "Shift | None" = None):
            self.mode = mode
            self.user_context = user_context if isinstance(user_context, Shift) else FALLBACK


    class Lamp:
        def __init__(self, *, shift: Shift):
            self.user_context = shift


    _shared = Lantern()


    def get_lantern():
        \"\"\"A zero-argument stub left from the migration: the process-wide lantern.\"\"\"
        return _shared


    def get_lantern_for(mode, user_context):
        return Lantern(mode, user_context)


    def light(mode, wick):
        return Lantern(mode)
"""


@pytest.fixture
def beacons(tmp_path):
    with generated_package(tmp_path, {"harbour/__init__.py": "", "harbour/beacons.py": BEACONS}):
        yield load("harbour.beacons")


def _contract(beacons, cls, policy="allowed"):
    return FactoryContract(factory=beacons.get_lantern, make_user_context=beacons.Shift, manager_classes=[cls],
                           user_id_attr="user_context.keeper_id", direct_instantiation=policy)


def test_a_class_taking_mode_first_is_built_for_the_user_the_message_names(beacons) -> None:
    instance, refusal = _contract(beacons, beacons.Lantern).try_direct(beacons.Lantern, "keeper-3")
    assert refusal is None
    assert instance.user_context.keeper_id == "keeper-3"  # not the fallback keeper
    assert instance.mode is beacons.Mode.DIM


def test_a_keyword_only_context_found_by_annotation(beacons) -> None:
    contract = _contract(beacons, beacons.Lamp)
    contract.context_type = beacons.Shift
    instance, refusal = contract.try_direct(beacons.Lamp, "keeper-4")
    assert refusal is None and instance.user_context.keeper_id == "keeper-4"


def test_forbidden_direct_instantiation_names_the_right_user(beacons) -> None:
    with pytest.raises(SSOTViolation, match=r"for user keeper-5 returned"):
        _contract(beacons, beacons.Lantern, "forbidden").check_direct_instantiation("keeper-5")


def test_a_zero_argument_component_is_called_without_the_context(beacons) -> None:
    components = [Component("harbour.beacons:get_lantern_for", lambda user_context: None),
                  Component("harbour.beacons:get_lantern", beacons.get_lantern)]
    results = asyncio.run(managers_from(components[1:], beacons.Shift("keeper-6")))
    assert results == [(components[1], beacons._shared)]


def test_a_signature_that_does_not_fit_is_one_setup_line(beacons) -> None:
    from pytest_ssot.evidence.binding import SignatureMismatch

    with pytest.raises(SignatureMismatch) as info:
        asyncio.run(managers_from([Component("harbour.beacons:light", beacons.light)], beacons.Shift("k")))
    assert isinstance(info.value, SSOTSetupError) and not isinstance(info.value, SSOTViolation)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("harbour.beacons:light(mode, wick) does not fit a call with a user context")
    with pytest.raises(SignatureMismatch, match=r"required parameter\(s\) mode would have no value"):
        asyncio.run(managers_from([Component("p", beacons.get_lantern_for)], beacons.Shift("k")))

    class Signal:
        def __init__(self, mode, wick):
            self.mode = mode

    with pytest.raises(ContractError, match=r"cannot try .*Signal\(user_context\) directly: "
                                            r"its signature is .*Signal\(mode, wick\), which does not fit"):
        FactoryContract(factory=beacons.get_lantern, make_user_context=beacons.Shift,
                        manager_classes=[]).try_direct(Signal, "k")


def test_context_arguments_by_name_annotation_and_position(beacons) -> None:
    from pytest_ssot.evidence.binding import context_arguments

    shift = beacons.Shift("k")
    assert context_arguments(lambda: None, shift) == ((), {})
    assert context_arguments(lambda c: None, shift) == ((shift,), {})  # one untyped parameter
    assert context_arguments(beacons.Lantern, shift) == ((), {"user_context": shift})
    assert context_arguments(beacons.Lamp, None, beacons.Shift) == ((), {"shift": None})
    assert context_arguments(lambda *args: None, shift) == ((shift,), {})
