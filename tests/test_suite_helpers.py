"""The helpers the bundled suites are built from, each failing on a violating input and passing on a clean one."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_ssot.scan.assertions import ProbeError, assert_no_duplicate_class_names
from pytest_ssot.evidence.components import (
    Component,
    RecordingConnection,
    assert_events_delivered,
    assert_one_manager,
    assert_one_type,
)
from pytest_ssot.scan.deprecation import assert_module_removed, assert_name_removed
from pytest_ssot.scan.findings import Definition, ImportSite, ScanResult
from pytest_ssot.evidence.isolation import SharedState, assert_isolated
from pytest_ssot.scan.probes import IMPORTED, OTHER_ERROR, TIMEOUT, probe_factory_call
from pytest_ssot.scan.swallowed import assert_no_swallowed_imports, record_failed_imports
from pytest_ssot.core.violation import SSOTViolation, check_each


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


# -- probe_factory_call ------------------------------------------------------------------

FACTORIES = {
    "fac/__init__.py": "",
    "fac/good.py": """
        class Manager:
            def __init__(self, ctx): self.ctx = ctx
        async def get(ctx): return Manager(ctx)
        def make(user_id): return {"user_id": user_id}
    """,
    "fac/spins.py": "def get(ctx):\n    while True:\n        pass\n",
    "fac/recurses.py": "def get(ctx):\n    return get(ctx)\n",
}


def test_probe_factory_call_completes_for_a_sound_factory(tmp_path):
    root = write_package(tmp_path, FACTORIES)
    result = probe_factory_call("fac.good:get", root, user_context="fac.good:make", timeout=20)
    assert (result.outcome, result.message) == (IMPORTED, "Manager")


def test_probe_factory_call_reports_a_hang_and_kills_the_child(tmp_path):
    root = write_package(tmp_path, FACTORIES)
    result = probe_factory_call("fac.spins:get", root, timeout=1.0)
    assert result.outcome == TIMEOUT
    assert "did not return within 1s" in result.message


def test_probe_factory_call_reports_an_error_as_an_error(tmp_path):
    root = write_package(tmp_path, FACTORIES)
    result = probe_factory_call("fac.recurses:get", root, timeout=20)
    assert result.outcome == OTHER_ERROR and result.error_type == "RecursionError"


# -- components ---------------------------------------------------------------------------


class _Manager:
    pass


class _Other:
    pass


def test_assert_one_manager():
    shared = _Manager()
    same = [(Component("a:get", None), shared), (Component("b:get", None), shared)]
    assert assert_one_manager(same, "u1") is shared
    different = [(Component("a:get", None), shared), (Component("b:get", None), _Manager())]
    with pytest.raises(SSOTViolation, match=r"2 different managers for user u1 from 2 components") as info:
        assert_one_manager(different, "u1")
    assert "- b:get -> " in info.value.message


def test_assert_one_type():
    assert_one_type([(Component("a:get", None), _Manager())], [_Manager])
    with pytest.raises(SSOTViolation, match="factories create 2 different manager types") as info:
        assert_one_type([(Component("a:get", None), _Manager()), (Component("b:get", None), _Other())], [_Manager])
    assert "b:get" in info.value.message and "a:get" not in info.value.message


def test_assert_events_delivered_and_the_recording_connection():
    events = ["agent_started", "agent_completed"]
    connection = RecordingConnection()
    for event in events:
        asyncio.run(connection.send(f'{{"type": "{event}"}}'))
    asyncio.run(connection.send("not json"))
    assert connection.event_types() == events
    assert_events_delivered([("canonical", connection.event_types())], events)
    with pytest.raises(SSOTViolation, match=r"through 2 manager path\(s\)") as info:
        assert_events_delivered([("legacy", ["agent_started"]), ("swapped", events[::-1]),
                                 ("canonical", events)], events)
    assert "legacy: missing ['agent_completed']" in info.value.message
    assert "swapped: out of order" in info.value.message


# -- duplicate class names --------------------------------------------------------------------


def _definition(name: str, module: str, object_id: int, paths: tuple[str, ...] = ()) -> Definition:
    return Definition(name=name, module=module, qualname=name, kind="class", file=None, line=None,
                      paths=paths or (f"{module}.{name}",), wraps=None, object_id=object_id)


def test_assert_no_duplicate_class_names():
    one = ScanResult(mode="runtime", package="p",
                     classes=[_definition("WebSocketManager", "p.a", 1, ("p.a.WebSocketManager", "p.WebSocketManager")),
                              _definition("WebSocketManagerFactory", "p.b", 2)])
    assert_no_duplicate_class_names(one)
    two = ScanResult(mode="runtime", package="p",
                     classes=[_definition("WebSocketManager", "p.a", 1), _definition("WebSocketManager", "p.old", 3)])
    with pytest.raises(SSOTViolation, match="duplicate manager classes") as info:
        assert_no_duplicate_class_names(two)
    assert "p.old.WebSocketManager" in info.value.message


# -- deprecation --------------------------------------------------------------------------------

DEPRECATED = {
    "app/__init__.py": "",
    "app/core.py": "def get(): pass\n",
    "app/old_factory.py": "class OldFactory: pass\ndef create(): pass\n",
    "app/user.py": "from app.old_factory import OldFactory\n",
    "app/broken.py": "raise RuntimeError('needs a database')\n",
    "app/thin.py": "def kept(): pass\n",
}


def test_assert_module_removed(tmp_path):
    root = write_package(tmp_path, DEPRECATED)
    site = ImportSite("app.user", str(root / "app/user.py"), 1, "app.old_factory", "from app.old_factory import OldFactory")
    with pytest.raises(SSOTViolation) as info:
        assert_module_removed("app.old_factory", root, [site])
    assert "app.old_factory" in info.value.message and "user.py:1" in info.value.message
    # gone, and nobody imports it: passes
    assert_module_removed("app.never_existed", root, [site])
    # gone, but a module still imports it: a dangling import is a violation on its own
    with pytest.raises(SSOTViolation, match="1 module\\(s\\) still import deprecated app.old_factory"):
        (root / "app/old_factory.py").unlink()
        assert_module_removed("app.old_factory", root, [site])


def test_assert_module_removed_refuses_to_guess_on_a_broken_module(tmp_path):
    root = write_package(tmp_path, DEPRECATED)
    with pytest.raises(ProbeError):
        assert_module_removed("app.broken", root, [])


def test_assert_name_removed(tmp_path):
    root = write_package(tmp_path, DEPRECATED)
    with pytest.raises(SSOTViolation, match="deprecated create is still importable"):
        assert_name_removed("app.old_factory:create", root)
    assert_name_removed("app.thin:create", root)  # module kept, name gone
    assert_name_removed("app.gone:create", root)  # module gone


# -- swallowed imports --------------------------------------------------------------------------


def test_record_failed_imports_sees_a_swallowed_import_of_the_target_only(tmp_path, monkeypatch):
    write_package(tmp_path, {
        "tgt/__init__.py": "",
        "tgt/factory.py": """
            def create():
                try:
                    from tgt.validator_renamed import validate
                except ImportError:
                    return "created without validation"
                return validate()
            def create_optional():
                try:
                    import some_optional_third_party_accelerator
                except ImportError:
                    pass
                return "fine"
        """,
    })
    import builtins

    monkeypatch.syspath_prepend(str(tmp_path))
    original_import = builtins.__import__
    try:
        from tgt import factory  # type: ignore[import-not-found]

        with record_failed_imports(("tgt",)) as failures:
            assert builtins.__import__ is not original_import  # recording while the factory runs
            factory.create()
        assert builtins.__import__ is original_import  # restored
        assert [f.module for f in failures] == ["tgt.validator_renamed"]
        with pytest.raises(SSOTViolation, match="swallowed 1 failed import"):
            assert_no_swallowed_imports(failures)
        with record_failed_imports(("tgt",)) as failures:
            factory.create_optional()
        assert failures == []
        assert_no_swallowed_imports(failures)
        assert builtins.__import__ is original_import
    finally:
        for name in [m for m in sys.modules if m == "tgt" or m.startswith("tgt.")]:
            del sys.modules[name]


# -- check_each and shared-state selection -----------------------------------------------------


def test_check_each_joins_violations_and_stops_at_other_errors():
    def check(item):
        if item == "bad":
            raise SSOTViolation(f"{item} found", [item])

    check_each(["good", "fine"], check)
    with pytest.raises(SSOTViolation) as info:
        check_each(["bad", "good", "bad"], check)
    assert info.value.message == "bad found\nbad found" and info.value.findings == ["bad", "bad"]

    def broken(item):
        raise RuntimeError("harness broke")

    with pytest.raises(RuntimeError):
        check_each(["x"], broken)


def test_assert_isolated_select_keeps_only_the_chosen_findings():
    import enum

    class Mode(enum.Enum):
        UNIFIED = "unified"

    Mode.UNIFIED.active_context = {"user": "a"}  # state parked on an enum member

    class Holder:
        def __init__(self, shared_dict):
            self.mode = Mode.UNIFIED
            self.state = shared_dict

    left, right = Holder({}), Holder({})
    with pytest.raises(SSOTViolation, match="enum member carrying state"):
        assert_isolated(left, right, select=SharedState.is_enum_member.fget)
    assert_isolated(left, right, select=lambda s: not s.is_enum_member)
    common = {}
    with pytest.raises(SSOTViolation, match=r"manager1.state is manager2.state"):
        assert_isolated(Holder(common), Holder(common), select=lambda s: not s.is_enum_member)


# -- scan fixtures refuse to judge an empty or broken scan ---------------------------------------

SCAN_PROJECT = """
[tool.ssot]
target = "t"

[tool.ssot.targets.t]
root = "src"
package = "app.core"

[tool.ssot.targets.t.issues]
824 = "open"
"""


@pytest.mark.parametrize(
    "init_source, fixture, words",
    [
        ("x = 1\n", "ssot_static_scan", "found neither a get_websocket_manager function nor a class"),
        ("raise RuntimeError('needs a database')\n", "ssot_runtime_scan",
         "could not import app.core from"),
    ],
)
def test_an_empty_or_broken_scan_is_an_error_not_a_verdict(pytester, init_source, fixture, words):
    pytester.makepyprojecttoml(SCAN_PROJECT)
    core = pytester.path / "src" / "app" / "core"
    core.mkdir(parents=True)
    (pytester.path / "src" / "app" / "__init__.py").write_text("")
    (core / "__init__.py").write_text(init_source)
    pytester.makepyfile(test_scan=f"""
import pytest
from pytest_ssot.scan.assertions import assert_max_implementations

@pytest.mark.ssot_issue(824)
def test_check({fixture}):
    assert_max_implementations({fixture}, 3)
""")
    result = pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*EmptyScanError: *{words}*"])


def test_direct_instantiation_that_cannot_bind_proves_nothing():
    from pytest_ssot.evidence.contracts import ContractError, FactoryContract

    class NeedsRegistry:
        def __init__(self, user_context, registry):  # a call with only a user context cannot bind
            self.user_context = user_context

    class Refuses:
        def __init__(self, user_context):
            raise RuntimeError("use the factory")

    class Allows:
        def __init__(self, user_context):
            self.user_context = user_context

    def contract(cls):
        return FactoryContract(factory=lambda ctx: None, make_user_context=lambda u: {"user_id": u},
                               manager_classes=[cls])

    with pytest.raises(ContractError, match=r"NeedsRegistry\(user_context\) directly: its signature is .*"
                                            r"NeedsRegistry\(user_context, registry\)"):
        contract(NeedsRegistry).check_direct_instantiation("u1")
    assert contract(Refuses).check_direct_instantiation("u1") == []
    with pytest.raises(SSOTViolation, match="Direct instantiation bypasses the factory"):
        contract(Allows).check_direct_instantiation("u1")
    with_construct = FactoryContract(factory=lambda ctx: None, make_user_context=lambda u: u,
                                     manager_classes=[NeedsRegistry], construct=lambda cls, ctx: cls(ctx, registry={}))
    with pytest.raises(SSOTViolation):  # called the right way, it is built: the forbidden policy is broken
        with_construct.check_direct_instantiation("u1")


# -- the server-side manager count ----------------------------------------------------------------


class _FakeClient:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        return None

    async def run_message(self, content, timeout=None):
        return None


class _FakeHarness:
    """Just enough of a Harness: clients that chat, and a fixed diagnostics reply."""

    run_timeout = 1.0

    def __init__(self, diagnostics):
        from pytest_ssot.ws.protocol import ChatProtocol
        from pytest_ssot.ws.tokens import FunctionTokens

        self.protocol = ChatProtocol()
        self.tokens = FunctionTokens(lambda user: f"t-{user}")  # tokens for chosen users: the check runs
        self._diagnostics = diagnostics

    def client(self, user_id):
        return _FakeClient()

    async def diagnostics(self):
        return self._diagnostics


def test_one_manager_per_user_on_the_server():
    from pytest_ssot.ws.server_checks import assert_one_manager_per_user_on_server
    from pytest_ssot.ws.client import HarnessError

    user = "demo-user-001"
    asyncio.run(assert_one_manager_per_user_on_server(_FakeHarness({"managers": {user: 1}}), user))
    two = _FakeHarness({"managers": {user: 2}, "validation_issues": [
        f"['Multiple manager instances for user {user} - potential duplication']"]})
    with pytest.raises(SSOTViolation, match=r"server holds 2 managers") as info:
        asyncio.run(assert_one_manager_per_user_on_server(two, user))
    assert "server logged: SSOT validation issues (non-blocking)" in info.value.message
    with pytest.raises(HarnessError, match="list no manager for user demo-user-001"):
        asyncio.run(assert_one_manager_per_user_on_server(_FakeHarness({"managers": {}}), user))


def test_a_truncated_isolation_walk_is_an_error_not_a_pass():
    from pytest_ssot.evidence.isolation import IsolationWalkTruncated, find_shared_state

    class Node:
        def __init__(self, children):
            self.children = children

    left = Node([Node([{} for _ in range(50)]) for _ in range(50)])
    right = Node([Node([{} for _ in range(50)]) for _ in range(50)])
    assert find_shared_state(left, right) == []
    with pytest.raises(IsolationWalkTruncated, match="stopped at max_objects=100"):
        find_shared_state(left, right, max_objects=100)
    shared = {}
    left.children.insert(0, shared)
    right.children.insert(0, shared)
    assert find_shared_state(left, right, max_objects=200)  # found despite the limit: still a finding


def test_a_class_counts_under_every_name_it_is_reachable_by():
    from pytest_ssot.scan.assertions import assert_single_class

    # consolidated: the canonical class is defined as UnifiedManager and aliased as WebSocketManager
    canonical = _definition("UnifiedManager", "p.core", 1, ("p.core.UnifiedManager", "p.WebSocketManager"))
    healthy = ScanResult(mode="runtime", package="p", classes=[canonical])
    assert assert_single_class(healthy, "WebSocketManager") is canonical
    assert_no_duplicate_class_names(healthy)
    # still broken: an old class bound under the canonical alias elsewhere
    old = _definition("LegacyManager", "p.legacy", 2, ("p.legacy.LegacyManager", "p.legacy.WebSocketManager"))
    broken = ScanResult(mode="runtime", package="p", classes=[canonical, old])
    with pytest.raises(SSOTViolation, match="expected exactly one WebSocketManager class, found 2"):
        assert_single_class(broken, "WebSocketManager")
    with pytest.raises(SSOTViolation, match="WebSocketManager:"):
        assert_no_duplicate_class_names(broken)


def test_recorded_golden_path_and_users_isolated_feed_the_latency_samples():
    from types import SimpleNamespace

    from pytest_ssot.core.percentile import LATENCY_SAMPLES
    from pytest_ssot.report.build import RunMetrics
    from pytest_ssot.ws.server_checks import assert_users_isolated, recorded_golden_path
    from pytest_ssot.ws.tokens import FunctionTokens

    def report(leaky):
        def assert_isolated():
            if leaky:
                raise SSOTViolation("2 of 2 concurrent users not isolated")
        return SimpleNamespace(latencies=[0.01, 0.02], assert_isolated=assert_isolated)

    class Harness:
        tokens = FunctionTokens(lambda user: f"t-{user}")

        def __init__(self, leaky=False):
            self.leaky = leaky

        async def golden_path(self, user_id, content="hello"):
            return SimpleNamespace(latency=lambda: 0.005, user_id=user_id)

        async def users(self, count, prefix):
            return report(self.leaky)

    metrics = RunMetrics()
    run = asyncio.run(recorded_golden_path(Harness(), "u1", metrics))
    assert run.user_id == "u1"
    asyncio.run(assert_users_isolated(Harness(), 2, prefix="p", record=metrics))
    assert metrics.samples[LATENCY_SAMPLES] == [0.005, 0.01, 0.02]
    with pytest.raises(SSOTViolation, match="not isolated"):
        asyncio.run(assert_users_isolated(Harness(leaky=True), 2, prefix="p"))


# -- connection state per user ----------------------------------------------------------------


class _OwnConnectionManager:
    """Clean: each manager knows only its own connection."""

    def __init__(self):
        self._connection = None

    def is_connected(self):
        return self._connection is not None

    async def connect(self, connection):
        self._connection = connection

    async def disconnect(self, connection=None):
        self._connection = None


class _SharedConnectionManager(_OwnConnectionManager):
    """Violating: one process-wide "current connection" every manager reads."""

    current = None

    def is_connected(self):
        return type(self).current is not None or self._connection is not None

    async def connect(self, connection):
        self._connection = type(self).current = connection

    async def disconnect(self, connection=None):
        if type(self).current is (connection or self._connection):
            type(self).current = None
        self._connection = None


class _NeverConnectedManager(_OwnConnectionManager):
    is_connected = property(lambda self: False)


def _independent(first, second):
    from pytest_ssot.adapter import TargetAdapter
    from pytest_ssot.ws.server_checks import assert_connection_states_independent

    asyncio.run(assert_connection_states_independent(TargetAdapter(None), first, second, ("u1", "u2")))


def test_connection_states_independent_passes_on_per_user_state():
    first, second = _OwnConnectionManager(), _OwnConnectionManager()
    _independent(first, second)
    assert not first.is_connected()  # the check disconnects what it connected


def test_connection_states_independent_fails_on_a_shared_connection():
    _SharedConnectionManager.current = None
    with pytest.raises(SSOTViolation, match="u2 reports connected after only user u1 connected") as info:
        _independent(_SharedConnectionManager(), _SharedConnectionManager())
    assert "before any connection of its own" not in info.value.message
    assert _SharedConnectionManager.current is None


def test_a_connection_left_by_someone_else_is_the_leak_not_a_harness_error():
    """Another client's connection still attached (e.g. a server handler still closing) shows up as the leak."""
    _SharedConnectionManager.current = object()
    try:
        with pytest.raises(SSOTViolation, match="u2 reports connected before any connection of its own") as info:
            _independent(_SharedConnectionManager(), _SharedConnectionManager())
        assert "u1 reports connected before any connection of its own" in info.value.message
    finally:
        _SharedConnectionManager.current = None


def test_connection_states_independent_fails_when_connecting_does_not_register():
    with pytest.raises(SSOTViolation, match="u1 connected, but its manager reports not connected"):
        _independent(_NeverConnectedManager(), _NeverConnectedManager())
