"""``ssot_scan``: any names scanned inside a test, once per session per question.

On the generated ``ledgerbook.sync`` target: ``dispatch_notification`` defined in
two modules fails ``assert_single_function``, in one module it passes; two checks
asking the same question start one scan; bad arguments are one setup line.
"""

from __future__ import annotations

import pytest
from foreign_target import run_plugin, write_foreign_target

from pytest_ssot.config.target import Target
from pytest_ssot.scan.any_names import RUNTIME, STATIC, ScanArgumentError, SessionScans, scan_key

OWN_CHECK = """
import pytest
from pytest_ssot import assert_single_function


@pytest.mark.unit
def test_one_dispatcher_at_run_time(ssot_scan):
    assert_single_function(ssot_scan(functions=("dispatch_notification",)), "dispatch_notification")


@pytest.mark.unit
def test_one_dispatcher_in_the_source(ssot_scan):
    assert_single_function(ssot_scan(functions=("dispatch_notification",), static=True), "dispatch_notification")
"""


@pytest.mark.parametrize("static", [False, True], ids=["runtime", "static"])
def test_a_function_defined_twice_fails_and_once_passes(pytester, static):
    pytester.makepyfile(test_own=OWN_CHECK)
    selected = "in_the_source" if static else "at_run_time"
    write_foreign_target(pytester.path, dispatchers=2)
    twice = run_plugin(pytester, "-k", selected)
    twice.assert_outcomes(failed=1)
    twice.stdout.fnmatch_lines(["*Multiple different dispatch_notification functions found (2 findings: "
                                "implementation ledgerbook.sync.dispatch.dispatch_notification; "
                                "implementation ledgerbook.sync.dispatch_v2.dispatch_notification)"])
    write_foreign_target(pytester.path, dispatchers=1)
    (pytester.path / "ledgerbook" / "sync" / "dispatch_v2.py").unlink()
    run_plugin(pytester, "-k", selected).assert_outcomes(passed=1)


COUNTED = """
import pytest
import pytest_ssot.scan.entry as scanners

CALLS = []
_real = scanners.scan_runtime


def counting(*args, **kwargs):
    CALLS.append(tuple(args[3]))
    return _real(*args, **kwargs)


scanners.scan_runtime = counting


def test_first(ssot_scan):
    assert ssot_scan(("dispatch_notification", "get_coordinator")).functions_named("dispatch_notification")


def test_same_question_other_spelling(ssot_scan):
    result = ssot_scan(functions=["get_coordinator", "dispatch_notification", "get_coordinator"])
    assert result.functions_named("get_coordinator")


def test_one_scan_so_far(ssot_scan):
    assert CALLS == [("dispatch_notification", "get_coordinator")]


def test_the_suites_scan_is_shared(ssot_scan, ssot_runtime_scan):
    assert ssot_scan("get_coordinator") is ssot_runtime_scan
    assert CALLS == [("dispatch_notification", "get_coordinator"), ("get_coordinator",)]


def test_another_question_scans_again(ssot_scan):
    ssot_scan("dispatch_notification", class_pattern="Context$")
    assert len(CALLS) == 3
"""


def test_one_scan_per_question_per_session(pytester):
    write_foreign_target(pytester.path)
    pytester.makepyfile(test_counted=COUNTED)
    result = run_plugin(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=5)


BAD_ARGUMENTS = """
def test_pattern_that_does_not_compile(ssot_scan):
    ssot_scan("dispatch_notification", class_pattern="(Coordinator")


def test_empty_name(ssot_scan):
    ssot_scan(functions=("",))
"""


def test_bad_arguments_are_one_line_each(pytester):
    write_foreign_target(pytester.path)
    pytester.makepyfile(test_bad=BAD_ARGUMENTS)
    result = run_plugin(pytester)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*ssot_scan(class_pattern='(Coordinator') does not compile: missing ), unterminated subpattern*",
        "*ssot_scan(functions=...): '' is not a function name*",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "scan_any.py" not in result.stdout.str()  # no frames from inside the plugin


def _target(tmp_path) -> Target:
    return Target(name="books", root=tmp_path, package="ledgerbook.sync", class_pattern="Coordinator$")


def test_the_key_ignores_order_and_repeats_and_defaults_the_pattern(tmp_path):
    target = _target(tmp_path)
    assert scan_key(["b", "a", "b"], None, False, target) == (("a", "b"), "Coordinator$", RUNTIME)
    assert scan_key("a", "X$", True, target) == (("a",), "X$", STATIC)


@pytest.mark.parametrize("functions, pattern, fragment", [
    (("",), None, "'' is not a function name"),
    (("dispatch notification",), None, "'dispatch notification' is not a function name"),
    ((3,), None, "3 is not a function name"),
    ((), "(", "does not compile"),
    ((), "", "'' is not a regular expression"),
])
def test_bad_arguments_are_refused_before_any_scan(tmp_path, functions, pattern, fragment):
    scans = SessionScans(_target(tmp_path))
    with pytest.raises(ScanArgumentError, match=fragment.replace("(", r"\(")):
        scans(functions, pattern)
    assert scans.results == {}


def test_a_failed_scan_is_kept_failed(tmp_path, monkeypatch):
    import pytest_ssot.scan.entry as scanners

    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise scanners.RuntimeScanError("the child died")

    monkeypatch.setattr(scanners, "scan_runtime", broken)
    scans = SessionScans(_target(tmp_path))
    for _ in range(2):
        with pytest.raises(scanners.RuntimeScanError, match="the child died"):
            scans("dispatch_notification")
    assert len(calls) == 1
