"""find_shared_state / assert_isolated: what counts as shared, paths, bounds, misbehaving objects."""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from dataclasses import dataclass

import pytest
from fixtures_instances.kit import build, make_user_context

from pytest_ssot.evidence.isolation import assert_isolated, find_shared_state
from pytest_ssot.core.violation import SSOTViolation


def _two_managers(**flaws: object) -> tuple[object, object]:
    kit = build(**flaws)  # type: ignore[arg-type]
    return tuple(asyncio.run(kit.factory(make_user_context(u))) for u in ("demo-user-001", "demo-user-002"))


def test_clean_managers_are_isolated() -> None:
    m1, m2 = _two_managers()
    assert find_shared_state(m1, m2) == []
    assert_isolated(m1, m2)


@pytest.mark.parametrize(
    ("flaw", "left_path", "note"),
    [
        ("class_default", "type(manager1).state", "class-level attribute"),
        ("shared_registry", "manager1.registry", ""),
        ("enum_state", "manager1.mode", "enum member carrying state (active_context)"),
    ],
)
def test_each_shared_state_flaw_is_found(flaw: str, left_path: str, note: str) -> None:
    m1, m2 = _two_managers(**{flaw: True})
    with pytest.raises(SSOTViolation) as info:
        assert_isolated(m1, m2)
    message = str(info.value)
    assert "Shared mutable state between users (manager1 vs manager2)" in message
    assert f"{left_path} is {left_path.replace('manager1', 'manager2')}" in message
    assert note in message
    assert left_path in [f["left_path"] for f in info.value.findings]


def test_path_into_containers() -> None:
    conn = {"open": True}

    class M:
        def __init__(self) -> None:
            self._state = {"conn": conn, "own": []}
            self.items = [1, ("x", conn)]

    (shared, *rest) = find_shared_state(M(), M(), names=("manager1", "manager2"))
    assert shared.describe().startswith("manager1._state['conn'] is manager2._state['conn'] (dict, id=0x")
    assert rest == []  # the same dict, reached again through the tuple, is not reported twice per side


def test_only_the_outermost_shared_object_is_reported() -> None:
    inner: list[int] = []
    outer = {"inner": inner}
    a, b = type("A", (), {})(), type("B", (), {})()
    a.state = b.state = outer
    assert [s.left_path for s in find_shared_state(a, b)] == ["left.state"]


def test_immutable_and_non_state_values_are_not_reported() -> None:
    @dataclass(frozen=True)
    class Ctx:
        user_id: str

    class Mode(enum.Enum):
        A = 1

    class Planet(enum.Enum):
        EARTH = (5.97e24, 6.37e6)

        def __init__(self, mass: float, radius: float) -> None:
            self.mass, self.radius = mass, radius

    shared = Ctx("same")
    common = dict(ctx=shared, mode=Mode.A, planet=Planet.EARTH, text="t", number=1, none=None, fn=len,
                  cls=int, module=enum, lock=threading.Lock(), log=logging.getLogger("x"),
                  frozen=frozenset({1}), tup=(1, "a"))
    a, b = type("A", (), {})(), type("A", (), {})()
    vars(a).update(common)
    vars(b).update(common)
    assert find_shared_state(a, b) == []


def test_frozen_dataclass_contents_are_walked() -> None:
    @dataclass(frozen=True)
    class Ctx:
        user_id: str
        permissions: list[str]

    ctx = Ctx("u", [])
    a, b = type("A", (), {"ctx": None})(), type("A", (), {"ctx": None})()
    a.ctx = b.ctx = ctx
    (found,) = find_shared_state(a, b)
    assert found.left_path == "left.ctx.permissions"


def test_slots_are_walked() -> None:
    class S:
        __slots__ = ("data", "unset")

    a, b = S(), S()
    a.data = b.data = []
    assert [s.left_path for s in find_shared_state(a, b)] == ["left.data"]


def test_cycles_and_depth_bound() -> None:
    deep: list[object] = []
    a: dict[str, object] = {}
    b: dict[str, object] = {}
    a["self"], b["self"] = a, b
    a["chain"] = [[[[deep]]]]
    b["chain"] = [[[[deep]]]]
    assert [s.right_path for s in find_shared_state(a, b)] == ["right['chain'][0][0][0][0]"]
    assert find_shared_state(a, b, max_depth=3) == []


def test_same_object_and_back_references() -> None:
    x = {"k": 1}
    assert find_shared_state(x, x)[0].describe().startswith("left is right")
    a, b = type("A", (), {})(), type("A", (), {})()
    b.peer = a
    assert [(s.left_path, s.right_path) for s in find_shared_state(a, b)] == [("left", "right.peer")]


def test_properties_and_getattr_are_never_called() -> None:
    class Proxy:
        def __init__(self) -> None:
            self.real = []

        def __getattr__(self, name: str) -> object:
            raise RuntimeError("lazy proxy touched")

        @property
        def boom(self) -> object:
            raise RuntimeError("property called")

    a, b = Proxy(), Proxy()
    a.real = b.real
    assert [s.left_path for s in find_shared_state(a, b)] == ["left.real"]


def test_ignore_options() -> None:
    class M:
        def __init__(self, cache: dict[str, int]) -> None:
            self.cache = cache

    common: dict[str, int] = {}
    assert find_shared_state(M(common), M(common), ignore_attrs={"cache"}) == []
    assert find_shared_state(M(common), M(common), ignore_types=(dict,)) == []
