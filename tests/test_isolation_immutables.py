"""Issue 12 item 1: the shared-state walk counts mutable state only.

A backend that keeps per-user state correctly still reaches datetimes (and
through their class ``datetime.min``/``.max``/``.resolution``), sentinels,
enum members, frozen dataclasses, compiled patterns and the private marker of
``MutableMapping``. None of them is state one user can change for another. A
dict, list or set reachable from both users is, through any path.
"""

from __future__ import annotations

import pytest
from generated import generated_package, load

from pytest_ssot.evidence.isolation import assert_isolated, find_shared_state
from pytest_ssot.core.violation import SSOTViolation

KEEPER = """
    import datetime
    import decimal
    import enum
    import fractions
    import re
    import uuid
    from collections.abc import MutableMapping
    from dataclasses import dataclass

    from orchard.vendor.base import VendorBase

    _UNSET = object()                       # a sentinel, shared by every gardener


    class _Marker:
        __slots__ = ()


    NOTHING = _Marker()


    class Phase(enum.Enum):
        SOWING = "sowing"
        HARVEST = "harvest"


    @dataclass(frozen=True)
    class Plot:
        row: int
        label: str
        bounds: tuple = (0, 1)


    PLOT = Plot(3, "north")                 # one frozen value handed to every gardener
    PATTERN = re.compile(r"[a-z]+")
    SHARED_DAY = datetime.date(2024, 1, 1)


    class Shelf(MutableMapping):
        \"\"\"Per-gardener storage; MutableMapping keeps a private marker object() on its class.\"\"\"

        def __init__(self):
            self._data = {}

        def __getitem__(self, key):
            return self._data[key]

        def __setitem__(self, key, value):
            self._data[key] = value

        def __delitem__(self, key):
            del self._data[key]

        def __iter__(self):
            return iter(self._data)

        def __len__(self):
            return len(self._data)


    class Gardener(VendorBase):
        def __init__(self, owner, *, common=None, flaw=None):
            self.owner = owner
            self.last_health_check = datetime.datetime(2024, 1, 1, 12, 0)
            self.window = datetime.timedelta(seconds=5)
            self.day = SHARED_DAY
            self.at = datetime.time(8, 30)
            self.zone = datetime.timezone.utc
            self.default = _UNSET
            self.nothing = NOTHING
            self.phase = Phase.SOWING
            self.plot = PLOT
            self.pattern = PATTERN
            self.tag = uuid.UUID(int=7)
            self.cost = decimal.Decimal("1.50")
            self.share = fractions.Fraction(1, 3)
            self.shelf = Shelf()
            self.shelf["seeds"] = [owner]
            if flaw is not None:
                flaw(self, common)
"""

VENDOR = """
    class VendorBase:
        # a library's class-level cache: the library's business, outside the target
        _vendor_cache = {}


    class SlottedBase:
        __slots__ = ("tray",)                # instance state, although the class is the library's
"""

FILES = {
    "orchard/__init__.py": "",
    "orchard/grove/__init__.py": "",
    "orchard/grove/keeper.py": KEEPER,
    "orchard/vendor/__init__.py": "",
    "orchard/vendor/base.py": VENDOR,
}


@pytest.fixture
def keeper(tmp_path):
    with generated_package(tmp_path, FILES):
        yield load("orchard.grove.keeper")


def _pair(keeper, flaw=None, common=None):
    return (keeper.Gardener("gardener-a", common=common, flaw=flaw),
            keeper.Gardener("gardener-b", common=common, flaw=flaw))


def test_immutable_values_and_sentinels_reachable_from_both_users_are_not_shared_state(keeper) -> None:
    left, right = _pair(keeper)
    assert find_shared_state(left, right, target_package="orchard.grove") == []
    assert_isolated(left, right, target_package="orchard.grove")


def test_without_a_target_only_the_standard_librarys_class_attributes_are_skipped(keeper) -> None:
    """No target given: datetime's and MutableMapping's class attributes are still not walked."""
    left, right = _pair(keeper)
    found = find_shared_state(left, right, names=("manager1", "manager2"))
    assert [s.left_path for s in found] == ["type(manager1)._vendor_cache"]  # outside the stdlib: still counted


def _share_dict(g, common):
    g.notes = common


def _share_list_in_frozen(g, common):
    g.plot = type(g.plot)(1, "south", bounds=(0, common))  # a frozen value holding a mutable list


def _share_set_in_shelf(g, common):
    g.shelf["visitors"] = common


def _share_dict_inside_tuple(g, common):
    g.history = ("start", {"log": common})


@pytest.mark.parametrize(("flaw", "common", "path"), [
    (_share_dict, {}, "manager1.notes"),
    (_share_list_in_frozen, [], "manager1.plot.bounds[1]"),
    (_share_set_in_shelf, set(), "manager1.shelf._data['visitors']"),
    (_share_dict_inside_tuple, [], "manager1.history[1]['log']"),
])
def test_a_dict_list_or_set_shared_through_any_path_fails(keeper, flaw, common, path) -> None:
    left, right = _pair(keeper, flaw, common)
    with pytest.raises(SSOTViolation) as info:
        assert_isolated(left, right, target_package="orchard.grove")
    assert [f["left_path"] for f in info.value.findings] == [path]


def test_a_class_level_mutable_default_of_the_targets_own_class_fails(keeper) -> None:
    keeper.Gardener.pending = []
    left, right = _pair(keeper)
    with pytest.raises(SSOTViolation) as info:
        assert_isolated(left, right, target_package="orchard.grove")
    assert [f["left_path"] for f in info.value.findings] == ["type(manager1).pending"]
    assert "class-level attribute" in str(info.value)


def test_slots_of_a_library_base_class_are_still_instance_state(keeper) -> None:
    base = load("orchard.vendor.base").SlottedBase
    tray: list[str] = []

    class Trowel(base):
        __slots__ = ()

    left, right = Trowel(), Trowel()
    left.tray = right.tray = tray
    with pytest.raises(SSOTViolation) as info:
        assert_isolated(left, right, target_package="orchard.grove")
    assert [f["left_path"] for f in info.value.findings] == ["manager1.tray"]


def test_is_own_class_follows_the_target_package(keeper) -> None:
    import datetime
    from collections.abc import MutableMapping

    from pytest_ssot.evidence.isolation import is_own_class

    vendor = load("orchard.vendor.base").VendorBase
    assert is_own_class(keeper.Gardener, "orchard.grove")
    assert not is_own_class(vendor, "orchard.grove")
    assert is_own_class(vendor)  # no target: anything outside the standard library
    assert not is_own_class(datetime.datetime) and not is_own_class(MutableMapping)
