"""InstanceTracker: every creation path, weak references, exact restore, the fixture."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from fixtures_instances.kit import build, make_user_context

from pytest_ssot.evidence.instances import InstanceTracker, NothingTracked, TrackingError, read_attr_path
from pytest_ssot.core.violation import SSOTViolation

SEED_MESSAGE = "Multiple manager instances for user demo-user-001 - potential duplication"


def test_one_manager_per_user_passes() -> None:
    kit = build()
    with InstanceTracker([kit.Manager]) as tracker:
        for user in ("demo-user-001", "demo-user-001", "demo-user-002"):
            asyncio.run(kit.factory(make_user_context(user)))
        tracker.assert_single_manager_per_user()
    assert sorted(tracker.by_user()) == ["demo-user-001", "demo-user-002"]


@pytest.mark.parametrize("path", ["uncached factory", "legacy factory", "direct", "subclass"])
def test_duplicates_by_each_creation_path(path: str) -> None:
    kit = build(cache=path != "uncached factory", forbid_direct=False)

    class LegacyManager(kit.Manager):  # type: ignore[name-defined,misc]
        pass

    ctx = make_user_context("demo-user-001")
    with InstanceTracker([kit.Manager]) as tracker:
        first = asyncio.run(kit.factory(ctx))
        second = {
            "uncached factory": lambda: asyncio.run(kit.factory(ctx)),
            "legacy factory": lambda: kit.legacy_factory(ctx),
            "direct": lambda: kit.Manager(ctx),
            "subclass": lambda: LegacyManager(ctx, _token=kit.token),
        }[path]()
        with pytest.raises(SSOTViolation) as info:
            tracker.assert_single_manager_per_user()
    message = str(info.value)
    assert message.startswith(SEED_MESSAGE)
    for manager in (first, second):
        assert f"id=0x{id(manager):x}" in message
        assert type(manager).__qualname__ in message
    assert __file__ in message or "kit.py" in message  # file:line of the creation site
    assert {f["user_id"] for f in info.value.findings} == {"demo-user-001"}


def test_creation_site_is_the_calling_line() -> None:
    kit = build(forbid_direct=False)
    with InstanceTracker([kit.Manager]) as tracker:
        kit.Manager(make_user_context("u"))
        line = _lineno() - 1
    (record,) = tracker.records
    assert record.site == f"{__file__}:{line} in test_creation_site_is_the_calling_line"


def _lineno() -> int:
    import sys

    return sys._getframe(1).f_lineno


def test_factory_creation_paths_show_their_own_lines() -> None:
    kit = build(cache=False)
    with InstanceTracker([kit.Manager]) as tracker:
        asyncio.run(kit.factory(make_user_context("u")))
        kit.legacy_factory(make_user_context("u"))
    shown = [r.describe() for r in tracker.records]
    assert all("fixtures_instances/kit.py" in s for s in shown)
    assert "called from" in shown[0] and "in get_manager" in shown[0]
    assert "in legacy_get_manager" in shown[1]


def test_null_user_context_duplicates_are_reported_under_none() -> None:
    kit = build(null="fresh")
    with InstanceTracker([kit.Manager]) as tracker:
        held = [asyncio.run(kit.factory(None)) for _ in range(2)]
        with pytest.raises(SSOTViolation, match=r"for user None \(no user context\)"):
            tracker.assert_single_manager_per_user()
    assert len(held) == 2


def test_null_user_context_reused_passes() -> None:
    kit = build()
    with InstanceTracker([kit.Manager]) as tracker:
        assert asyncio.run(kit.factory(None)) is asyncio.run(kit.factory(None))
        tracker.assert_single_manager_per_user()


def test_factory_bypass_is_reported() -> None:
    kit = build(forbid_direct=False)
    ctx = make_user_context("demo-user-001")
    with InstanceTracker([kit.Manager], factories=[kit.factory]) as tracker:
        via_factory = asyncio.run(kit.factory(ctx))
        tracker.assert_no_factory_bypass()
        bypass = kit.legacy_factory(ctx)
        with pytest.raises(SSOTViolation) as info:
            tracker.assert_no_factory_bypass()
    assert "Factory bypass: 1 manager instance(s) created outside" in str(info.value)
    assert f"id=0x{id(bypass):x}" in str(info.value) and f"id=0x{id(via_factory):x}" not in str(info.value)
    assert tracker.records[0].via is not None and tracker.records[1].via is None


def test_bypass_check_needs_factories() -> None:
    kit = build()
    with InstanceTracker([kit.Manager]) as tracker, pytest.raises(TrackingError):
        tracker.assert_no_factory_bypass()


def test_weak_references_only() -> None:
    kit = build(forbid_direct=False)
    with InstanceTracker([kit.Manager]) as tracker:
        manager = kit.Manager(make_user_context("demo-user-001"))
        ref = weakref.ref(manager)
        kit.Manager(make_user_context("demo-user-001"))  # dropped at once
        del manager
        gc.collect()
        assert ref() is None
        assert tracker.live() == [] and len(tracker.records) == 2
        # issue 12 item 9: collected or not, two managers were made for one user
        with pytest.raises(SSOTViolation, match=r"2 instances created, 0 still alive"):
            tracker.assert_single_manager_per_user()


def test_user_id_read_at_assertion_time() -> None:
    kit = build(forbid_direct=False)
    with InstanceTracker([kit.Manager]) as tracker:
        a, b = kit.Manager(None), kit.Manager(None)
        a.user_context = b.user_context = make_user_context("late")
        with pytest.raises(SSOTViolation, match="for user late"):
            tracker.assert_single_manager_per_user()
        with pytest.raises(NothingTracked, match=r"saw no instance of .*Manager for user\(s\) someone-else"):
            tracker.assert_single_manager_per_user(user_ids=["someone-else"])  # judged nothing: not a pass


def test_restores_exact_class_dicts_even_on_error() -> None:
    class Base:
        def __init__(self) -> None:
            self.user_context = None

    class NoInit(Base):
        pass

    class OwnInitSubclass(Base):
        def __init_subclass__(cls, **kwargs: object) -> None:
            super().__init_subclass__(**kwargs)

    before = {c: dict(vars(c)) for c in (Base, NoInit, OwnInitSubclass)}
    with pytest.raises(ZeroDivisionError):
        with InstanceTracker([Base]):
            assert vars(NoInit).get("__init__") is None
            assert vars(Base)["__init__"] is not before[Base]["__init__"]
            1 / 0
    for cls, saved in before.items():
        assert dict(vars(cls)) == saved


def test_class_without_init_gets_none_back() -> None:
    class Plain:
        pass

    with InstanceTracker([Plain], user_id_attr="owner") as tracker:
        assert "__init__" in vars(Plain)
        Plain()
    assert "__init__" not in vars(Plain) and "__init_subclass__" not in vars(Plain)
    assert len(tracker.records) == 1 and tracker.records[0].user_id is None


def test_subclass_created_while_tracking() -> None:
    kit = build(forbid_direct=False)
    ctx = make_user_context("demo-user-001")
    with InstanceTracker([kit.Manager]) as tracker:
        class Late(kit.Manager):  # type: ignore[name-defined,misc]
            def __init__(self, user_context: object) -> None:  # no super(): only the hook sees it
                self.user_context = user_context

        late = Late(ctx)
        direct = kit.Manager(ctx)
        with pytest.raises(SSOTViolation, match="Late"):
            tracker.assert_single_manager_per_user()
    assert "__init__" in vars(Late) and vars(Late)["__init__"].__qualname__.endswith("Late.__init__")
    assert not hasattr(vars(Late)["__init__"], "__wrapped__")
    del late, direct


def test_super_init_chain_records_once_with_outer_site() -> None:
    kit = build(forbid_direct=False)

    class Child(kit.Manager):  # type: ignore[name-defined,misc]
        def __init__(self, user_context: object) -> None:
            super().__init__(user_context)
            self.extra = True

    with InstanceTracker([kit.Manager]) as tracker:
        Child(make_user_context("u"))
        line = _lineno() - 1
    (record,) = tracker.records
    assert record.class_name.endswith("Child") and record.site.startswith(f"{__file__}:{line} ")


def test_nested_trackers_end_in_any_order() -> None:
    kit = build(forbid_direct=False)
    original = vars(kit.Manager)["__init__"]
    outer = InstanceTracker([kit.Manager])
    inner = InstanceTracker([kit.Manager])
    outer.start()
    inner.start()
    kit.Manager(None)
    outer.stop()  # not LIFO
    kit.Manager(None)
    inner.stop()
    assert vars(kit.Manager)["__init__"] is original
    assert len(outer.records) == 1 and len(inner.records) == 2


def test_slots_without_weakref_are_tracked_by_id() -> None:
    class Slotted:
        __slots__ = ("user_context",)

        def __init__(self, user_context: object) -> None:
            self.user_context = user_context

    with InstanceTracker([Slotted]) as tracker:
        held = [Slotted(make_user_context("demo-user-001")) for _ in range(2)]
        with pytest.raises(SSOTViolation, match="no __weakref__ slot"):
            tracker.assert_single_manager_per_user()
    assert not tracker.records[0].weakly_referenced and len(held) == 2


def test_constructor_that_raises_is_not_recorded() -> None:
    kit = build()
    with InstanceTracker([kit.Manager]) as tracker:
        with pytest.raises(RuntimeError, match="not instantiated directly"):
            kit.Manager(make_user_context("u"))
    assert tracker.records == []


def test_untrackable_class_is_a_setup_error() -> None:
    with pytest.raises(TrackingError):
        InstanceTracker([int]).start()
    with pytest.raises(TrackingError):
        InstanceTracker([]).start()


def test_read_attr_path_survives_raising_properties() -> None:
    class Boom:
        @property
        def user_context(self) -> object:
            raise KeyError("half built")

    assert read_attr_path(Boom(), "user_context.user_id") is None


# --------------------------------------------------------------------------- the fixture, in pytest runs

FIXTURE_CONFTEST = '''
import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).parent))
'''

FIXTURE_TARGET = '''
import asyncio
_managers = {}

class Ctx:
    def __init__(self, user_id):
        self.user_id = user_id

def make_user_context(user_id):
    return Ctx(user_id)

class Manager:
    def __init__(self, user_context):
        self.user_context = user_context

async def get_manager(user_context):
    key = getattr(user_context, "user_id", None)
    if key not in _managers:
        _managers[key] = Manager(user_context)
    return _managers[key]
'''

FIXTURE_PYPROJECT = '''
[tool.ssot]
target = "t"
[tool.ssot.targets.t]
root = "."
package = "target_mod"
manager = "target_mod:Manager"
class_pattern = "Manager$"
factory = "target_mod:get_manager"
user_context = "target_mod:make_user_context"
direct_instantiation = "allowed"
'''

FIXTURE_TESTS = '''
import pytest
import target_mod

def test_clean(ssot_instances, ssot_adapter):
    ctx = ssot_adapter.make_user_context("demo-user-002")
    ssot_adapter.get_manager_blocking(ctx)
    ssot_adapter.get_manager_blocking(ctx)
    ssot_instances.assert_single_manager_per_user()
    ssot_instances.assert_no_factory_bypass()

def test_duplicate(ssot_instances, ssot_adapter):
    ctx = ssot_adapter.make_user_context("demo-user-001")
    keep = [ssot_adapter.get_manager_blocking(ctx), target_mod.Manager(ctx)]
    ssot_instances.assert_single_manager_per_user()

def test_contract(ssot_factory_contract):
    import asyncio
    asyncio.run(ssot_factory_contract.check_all())

def test_fails_midway(ssot_instances):
    raise RuntimeError("boom")

@pytest.mark.parametrize("i", range(4))
def test_restored_afterwards(i):
    assert target_mod.Manager.__init__.__qualname__ == "Manager.__init__"
    assert not hasattr(target_mod.Manager.__init__, "__wrapped__")
'''


@pytest.mark.parametrize("xdist", [False, True], ids=["serial", "xdist"])
def test_fixture_tracks_and_restores(pytester: pytest.Pytester, xdist: bool) -> None:
    pytester.makepyfile(target_mod=FIXTURE_TARGET, test_it=FIXTURE_TESTS)
    pytester.makeconftest(FIXTURE_CONFTEST)
    pytester.makefile(".toml", pyproject=FIXTURE_PYPROJECT)
    args = ["-p", "no:randomly", "-p", "xdist", "-n", "2"] if xdist else []
    result = pytester.runpytest_subprocess("--tb=long", *args)  # the instances' ids are in the long form only
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines(["*" + SEED_MESSAGE + "*"])
    assert "target_mod.Manager id=0x" in result.stdout.str()


def test_unused_tracker_costs_nothing_at_import() -> None:
    """Loading the plugin and its fixtures imports none of the instance helpers (or hypothesis)."""
    import subprocess
    import sys

    code = ("import sys, pytest_ssot.plugin, pytest_ssot.fixtures; "
            "print(sorted(m for m in sys.modules if m.startswith(('pytest_ssot.evidence.instances', 'pytest_ssot.evidence.isolation', "
            "'pytest_ssot.evidence.concurrency', 'pytest_ssot.evidence.contracts', 'pytest_ssot.evidence.state_machine', "
            "'pytest_ssot.strategies', 'hypothesis'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
