"""Issue 12 items 9 and 10: the tracker counts what it saw, and a tracker that saw nothing says so.

Item 9: a factory that builds a new manager per call and drops it is
duplicating even when the collector is quicker than the check. Item 10: the
configured ``manager`` may be a guard class the factory never builds; the
``ssot_instances`` fixture tracks what the factory really returns, and a check
that saw no instance is a setup error naming it.
"""

from __future__ import annotations

import gc

import pytest
from generated import generated_package, load

from pytest_ssot.evidence.instances import InstanceTracker
from pytest_ssot.core.violation import SSOTSetupError, SSOTViolation

MILL = """
    class Grant:
        def __init__(self, holder_id):
            self.holder_id = holder_id


    class Millstone:
        def __init__(self, grant):
            self.grant = grant


    def get_millstone(grant):
        return Millstone(grant)             # a new one per call, kept by nobody


    def get_millstone_without_registry(grant):
        raise LookupError("no registry configured")
"""


@pytest.fixture
def mill(tmp_path):
    with generated_package(tmp_path, {"quarry/__init__.py": "", "quarry/mill.py": MILL}):
        yield load("quarry.mill")


def test_managers_made_per_call_and_collected_still_count_as_duplicates(mill) -> None:
    with InstanceTracker([mill.Millstone], user_id_attr="grant.holder_id") as tracker:
        for _ in range(3):
            mill.get_millstone(mill.Grant("holder-7"))  # dropped at once
        gc.collect()
        assert tracker.live() == []
        with pytest.raises(SSOTViolation) as info:
            tracker.assert_single_manager_per_user()
    assert "for user holder-7" in str(info.value) and "3 instances created, 0 still alive" in str(info.value)
    assert info.value.keys == [
        "user 1 of 1: several quarry.mill.Millstone instances created in quarry.mill.get_millstone"]


def test_a_bypass_that_was_collected_still_counts(mill) -> None:
    with InstanceTracker([mill.Millstone], user_id_attr="grant.holder_id", factories=[mill.get_millstone]) as tracker:
        mill.Millstone(mill.Grant("holder-7"))  # built directly and dropped
        gc.collect()
        with pytest.raises(SSOTViolation, match="Factory bypass: 1 manager instance"):
            tracker.assert_no_factory_bypass()


def test_a_check_that_saw_no_instance_is_a_setup_error_naming_what_the_factory_returned(mill) -> None:
    from pytest_ssot.evidence.instances import NothingTracked

    with InstanceTracker([mill.Grant], user_id_attr="holder_id", factories=[mill.get_millstone],
                         factory_returned="the factory quarry.mill:get_millstone returned quarry.mill.Millstone",
                         ) as tracker:
        with pytest.raises(NothingTracked) as info:
            tracker.assert_single_manager_per_user()
        with pytest.raises(NothingTracked):
            tracker.assert_no_factory_bypass()
    assert isinstance(info.value, SSOTSetupError) and not isinstance(info.value, SSOTViolation)
    message = str(info.value)
    assert "\n" not in message
    assert "saw no instance of quarry.mill.Grant" in message
    assert "returned quarry.mill.Millstone" in message


def test_a_factory_that_fails_when_probed_is_a_setup_error(mill, tmp_path) -> None:
    from pytest_ssot.adapter import TargetAdapter
    from pytest_ssot.config.target import Target, TargetSetupError

    adapter = TargetAdapter(Target(name="t", root=tmp_path, package="quarry", manager=("quarry.mill:Millstone",),
                                   factory="quarry.mill:get_millstone_without_registry"))
    with pytest.raises(TargetSetupError, match=r"to learn which class it returns, raised LookupError: no registry"):
        adapter.tracked_classes()
    working = TargetAdapter(Target(name="t", root=tmp_path, package="quarry", manager=("quarry.mill:Grant",),
                                   factory="quarry.mill:get_millstone"))
    assert working.tracked_classes() == (mill.Grant, mill.Millstone)
    assert working.describe_product() == "the factory quarry.mill:get_millstone returned quarry.mill.Millstone"


# -- the fixture, end to end: a guard class as ``manager``, the factory returns another class --------

GUARDED = """
    class Pass:
        def __init__(self, bearer_id):
            self.bearer_id = bearer_id


    class Turnstile:
        \"\"\"The public name; never built: the factory hands out _Gate.\"\"\"

        def __init__(self, *args, **kwargs):
            raise TypeError("use open_turnstile()")


    class _Gate:
        def __init__(self, bearer_pass):
            self.bearer_pass = bearer_pass


    _gates = {}


    def open_turnstile(bearer_pass):
        return _Gate(bearer_pass)           # a new gate per call: the duplication


    def open_turnstile_cached(bearer_pass):
        key = bearer_pass.bearer_id
        if key not in _gates:
            _gates[key] = _Gate(bearer_pass)
        return _gates[key]
"""

GUARDED_PYPROJECT = """
[tool.ssot]
target = "t"
[tool.ssot.targets.t]
root = "src"
package = "venue.turnstiles"
manager = "venue.turnstiles:Turnstile"
class_pattern = "Turnstile$"
factory = "venue.turnstiles:{factory}"
user_context = "venue.turnstiles:Pass"
user_id_attr = "bearer_pass.bearer_id"
"""

GUARDED_TESTS = """
import uuid


def test_same_bearer_three_times(ssot_instances, ssot_adapter):
    bearer = f"bearer-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        ssot_adapter.get_manager_blocking(ssot_adapter.make_user_context(bearer))
    ssot_instances.assert_single_manager_per_user([bearer])


def test_nothing_created_while_tracking(ssot_instances, ssot_adapter):
    ssot_instances.assert_single_manager_per_user()
"""


def _guarded_project(pytester: pytest.Pytester, factory: str) -> None:
    pytester.makepyprojecttoml(GUARDED_PYPROJECT.format(factory=factory))
    package = pytester.path / "src" / "venue"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    import textwrap

    (package / "turnstiles.py").write_text(textwrap.dedent(GUARDED))
    pytester.makepyfile(test_guarded=GUARDED_TESTS)


def test_the_fixture_tracks_what_the_factory_returns_not_the_guard_class(pytester: pytest.Pytester) -> None:
    _guarded_project(pytester, "open_turnstile")
    result = pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider", "-k", "same_bearer", "--tb=long")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Multiple manager instances for user bearer-*",
                                 "*venue.turnstiles._Gate id=0x*"])


def test_a_fixture_check_that_saw_nothing_names_what_the_factory_returned(pytester: pytest.Pytester) -> None:
    _guarded_project(pytester, "open_turnstile_cached")
    result = pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*NothingTracked: assert_single_manager_per_user saw no instance of "
                                 "venue.turnstiles.Turnstile, venue.turnstiles._Gate while the tracker ran "
                                 "(the factory venue.turnstiles:open_turnstile_cached returned "
                                 "venue.turnstiles._Gate)*"])
