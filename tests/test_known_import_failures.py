"""Issue 12, item 2: a module known to fail to import is reported, not an error; anything else still fails.

The #824 guard "every submodule imports" runs against a generated ``realtime``
package whose ``legacy_bridge`` has failed to import for months.
"""

from __future__ import annotations

import json

import pytest
from realtime_target import run_suites, write_target

from pytest_ssot.config.load import CliValues, ConfigError
from pytest_ssot.configure import load_config
from pytest_ssot.scan.findings import ModuleImportError
from pytest_ssot.core.violation import SSOTViolation

GUARD = "issue_824/test_824_unit.py::test_every_submodule_of_the_package_imports"
BROKEN = 'raise ImportError("the vendored billing SDK is not installed")\n'
LISTED = """
[tool.ssot.targets.rt.known_import_failures]
"realtime.legacy_bridge" = "needs the vendored billing SDK; tracked in OPS-77"
"""


def guard_record(pytester: pytest.Pytester, result: pytest.RunResult) -> dict:
    document = json.loads((pytester.path / "report.json").read_text())
    (test,) = document["issues"]["824"]["tests"]
    return test


def run_guard(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    return run_suites(pytester, [GUARD], f"--ssot-report={pytester.path / 'report.json'}", *options)


def test_a_listed_module_that_fails_is_reported_and_the_guard_passes(pytester):
    write_target(pytester.path, extra_toml=LISTED, modules={"legacy_bridge": BROKEN})
    result = run_guard(pytester)
    result.assert_outcomes(passed=1)
    note = ("known import failure realtime.legacy_bridge: ImportError: the vendored billing SDK is not installed "
            "(listed: needs the vendored billing SDK; tracked in OPS-77)")
    result.stdout.fnmatch_lines(["*= SSOT notes =*", f"{note}  [[]test_every_submodule_of_the_package_imports[]]"])
    assert guard_record(pytester, result)["notes"] == [note]


def test_a_listed_module_that_imports_again_is_a_notice_to_drop_it(pytester):
    write_target(pytester.path, extra_toml=LISTED, modules={"legacy_bridge": "BILLING = None\n"})
    result = run_guard(pytester)
    result.assert_outcomes(passed=1)
    note = "realtime.legacy_bridge imports again: drop it from known_import_failures"
    result.stdout.fnmatch_lines([f"{note}  *"])
    assert guard_record(pytester, result)["notes"] == [note]


def test_an_unlisted_failure_still_fails_the_guard_and_names_the_module(pytester):
    write_target(pytester.path, extra_toml=LISTED, modules={
        "legacy_bridge": BROKEN, "metrics": 'raise RuntimeError("STATSD_HOST is not set")\n'})
    result = run_guard(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*1 submodule(s) of realtime failed to import in the runtime scan: realtime.metrics;*",
                                 "*- realtime.metrics: RuntimeError: STATSD_HOST is not set*"])
    assert "- realtime.legacy_bridge" not in result.stdout.str()  # the listed one stays a note
    record = guard_record(pytester, result)
    assert record["outcome"] == "failed" and "realtime.metrics" in record["error"]


def test_an_importer_of_a_name_the_consolidation_removed_is_an_unlisted_failure(pytester):
    # the consolidation removed get_connection_pool; realtime.handlers still imports it
    write_target(pytester.path, extra_toml=LISTED, modules={
        "legacy_bridge": BROKEN,
        "handlers": "from realtime.connection_manager import get_connection_pool\n"})
    result = run_guard(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the consolidation left importers of removed names broken: realtime.handlers "
                                 "(1 finding: realtime.handlers imports removed "
                                 "realtime.connection_manager:get_connection_pool)"])
    # the whole message, with the line that says what is missing, on --tb=long
    run_guard(pytester, "--tb=long").stdout.fnmatch_lines([
        "*- realtime.handlers: imports 'get_connection_pool' from realtime.connection_manager, "
        "which no longer defines it*"])
    assert "get_connection_pool" in guard_record(pytester, result)["violation"]


def test_a_dangling_import_is_a_violation_keyed_by_dotted_names():
    from pytest_ssot.scan.import_failures import assert_submodules_import, triage_import_errors

    errors = [ModuleImportError("realtime.handlers", "ImportError",
                                "cannot import name 'get_connection_pool' from 'realtime.connection_manager' "
                                "(/tmp/x/realtime/connection_manager.py)")]
    with pytest.raises(SSOTViolation) as caught:
        assert_submodules_import(triage_import_errors(errors, {}), "realtime")
    assert caught.value.keys == ["realtime.handlers imports removed realtime.connection_manager:get_connection_pool"]


def test_notes_mask_what_differs_between_machines():
    from pytest_ssot.scan.import_failures import triage_import_errors

    errors = [ModuleImportError("realtime.legacy_bridge", "SyntaxError",
                                "invalid syntax (/home/ci/x/legacy_bridge.py)")]
    (note,) = triage_import_errors(errors, {"realtime.legacy_bridge": "py2 code"}).notes()
    assert "/home" not in note and note.startswith("known import failure realtime.legacy_bridge: SyntaxError")


@pytest.mark.parametrize("table, problem", [
    ('realtime.legacy_bridge = "x"', "'realtime' is split into a nested table (unquoted dotted key)"),
    ('"realtime.legacy bridge" = "x"', "'realtime.legacy bridge' is not a dotted module name"),
    ('"realtime.legacy_bridge" = ""', "'realtime.legacy_bridge' has no reason"),
    ('"realtime.legacy_bridge" = 3', "'realtime.legacy_bridge' has no reason"),
    ('"billing.sdk" = "x"', "'billing.sdk' not a submodule of package 'realtime'"),
])
def test_known_import_failures_is_validated_in_one_line(tmp_path, table, problem):
    pyproject = write_target(tmp_path, extra_toml=f"[tool.ssot.targets.rt.known_import_failures]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(pyproject, CliValues(), {})
    (line,) = caught.value.problems
    assert "known_import_failures" in line and problem in line and "fix:" in line and "\n" not in line


def test_a_bad_known_import_failures_table_exits_4(pytester):
    write_target(pytester.path, extra_toml='[tool.ssot.targets.rt.known_import_failures]\n"realtime.x" = ""\n')
    result = run_guard(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*known_import_failures*'realtime.x' has no reason*fix:*"])


def test_a_good_table_loads_into_the_target(tmp_path):
    target = load_config(write_target(tmp_path, extra_toml=LISTED), CliValues(), {}).target
    assert target.known_import_failures == {
        "realtime.legacy_bridge": "needs the vendored billing SDK; tracked in OPS-77"}
