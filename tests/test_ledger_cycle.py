"""The ledger's whole cycle on a partially consolidated target, through pytester (issue 11's "Done when").

A generated backend (``ledger_support.partial_target``) has, in its default
state, checks of every issue violating and others clean. Against it the
bundled unit tier runs as a user runs it (``--pyargs pytest_ssot.suites``):

1. no ledger, every issue open: the clean checks fail as "looks fixed";
2. ``--ssot-baseline-update`` records every check: a green run;
3. a new duplicate hub class fails (naming only it) while a dropped importer of
   the deprecated module XFAILs as progress; the update then writes the
   progress and never the new class; ``--ssot-baseline-accept`` writes it;
4. the deprecated module removed: its checks fail "check now clean" until
   recorded, then pass;
5. the module back: those checks fail as regressions of checks recorded clean.

The same cycle runs serially and under ``-n 2``: same outcomes, same ledger bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from ledger_support.cycle import LEDGER, Project, Run, pytester_invoke, python_invoke
from ledger_support.partial_target import Knobs, write_project

PARTIAL = Knobs()  # the default state: two duplicate hubs, the deprecated factory imported by two modules
NEW_DUPLICATE = Knobs(duplicate_hubs=(*PARTIAL.duplicate_hubs, "shadow_hub"), factory_importers=("relay.hub.compat",))
FACTORY_GONE = Knobs(deprecated_factory=False, factory_importers=())
ACCEPTED = "accepted.json"

SHADOW = "class relay.hub.shadow_hub.ChannelHub"
RELAY_API_IMPORT = "import of relay.hub.channel_hub_factory in relay.api"

# the default state's violating checks, per issue; every other non-guard unit check is clean
VIOLATING = {
    824: {"test_824_unit.py::test_single_authoritative_manager_class"},
    889: {"test_889_unit.py::test_user_context_contamination"},
    960: {"test_960_unit.py::test_concurrent_manager_access_isolation",
          "test_960_unit.py::test_duplicate_manager_class_detection",
          "test_960_unit.py::test_user_session_state_isolation"},
    1036: {"test_1036_unit.py::test_only_one_manager_implementation_exists",
           "test_1036_unit.py::test_all_manager_imports_lead_to_same_class"},
    1126: {"test_1126_unit.py::test_deprecated_module_import_should_fail",
           "test_1126_unit.py::test_deprecated_names_removed",
           "test_1126_unit.py::test_import_path_monitoring",
           "test_1126_unit.py::test_manager_class_uniqueness",
           "test_1126_unit.py::test_manager_user_isolation_post_ssot"},
}
# the hub has no connect/emit/is_connected: the checks that drive them skip with one line, never run
INTERFACE_CHECKS = {"test_1036_unit.py::test_all_events_delivered_consistently",
                    "test_1126_unit.py::test_manager_connection_state_isolation"}
# the checks that find a ChannelHub class per definition: the new duplicate is a new finding of each
HUB_CLASS_CHECKS = {"test_824_unit.py::test_single_authoritative_manager_class",
                    "test_960_unit.py::test_duplicate_manager_class_detection",
                    "test_1036_unit.py::test_only_one_manager_implementation_exists",
                    "test_1036_unit.py::test_all_manager_imports_lead_to_same_class",
                    "test_1126_unit.py::test_manager_class_uniqueness"}
# the checks that count classes and import paths as ratchets (held to the ledger's ratchets)
RATCHET_CHECKS = {"test_824_unit.py::test_manager_factory_no_redundant_implementations",
                  "test_960_unit.py::test_import_path_ssot_compliance"}
IMPORT_SHOULD_FAIL = "test_1126_unit.py::test_deprecated_module_import_should_fail"
FACTORY_CHECKS = {IMPORT_SHOULD_FAIL, "test_1126_unit.py::test_deprecated_names_removed",
                  "test_1126_unit.py::test_import_path_monitoring"}
ALL_PATHS_CHECK = "test_1036_unit.py::test_all_manager_imports_lead_to_same_class"

MODES = {"serial": (), "xdist": ("-n", "2")}
_CYCLES: dict[str, dict[str, Run]] = {}


def run_cycle(project: Project) -> dict[str, Run]:
    """Every step of the cycle, in order, against one project and one ledger file."""
    runs = {"first": project.run(PARTIAL, ledger=None),
            "record": project.run(PARTIAL, "--ssot-baseline-update"),
            "new": project.run(NEW_DUPLICATE),
            "new_update": project.run(NEW_DUPLICATE, "--ssot-baseline-update")}
    shutil.copy(project.path / LEDGER, project.path / ACCEPTED)  # accepting is tried on a copy
    runs["accept"] = project.run(NEW_DUPLICATE, "--ssot-baseline-accept", ledger=ACCEPTED)
    runs["gone"] = project.run(FACTORY_GONE)
    runs["gone_update"] = project.run(FACTORY_GONE, "--ssot-baseline-update")
    runs["gone_recorded"] = project.run(FACTORY_GONE)
    runs["back"] = project.run(PARTIAL)
    return runs


@pytest.fixture(params=sorted(MODES))
def cycle(request: pytest.FixtureRequest, pytester: pytest.Pytester) -> dict[str, Run]:
    """The cycle's runs in one mode (serial, ``-n 2``), run once per session and shared by the tests below."""
    return cycle_in(request.param, pytester)


def cycle_in(mode: str, pytester: pytest.Pytester) -> dict[str, Run]:
    if mode not in _CYCLES:
        project = Project(write_project(pytester.path / mode), pytester_invoke(pytester), MODES[mode])
        _CYCLES[mode] = run_cycle(project)
    return _CYCLES[mode]


def headlines(run: Run) -> dict[str, str]:
    """Per failed test's name, the first line pytest printed for its failure (the fail-first message)."""
    found: dict[str, str] = {}
    lines = run.output.splitlines()
    for i, line in enumerate(lines):
        header = re.fullmatch(r"_{3,} (?:\[\w+\] )?(test_\w+) _{3,}", line.strip())
        if header:
            # under xdist a section opens with the worker's platform line ("[gw1] linux -- Python ...")
            found[header.group(1)] = next(text for text in lines[i + 1:]
                                          if text.strip() and not re.match(r"\[gw\d+\] ", text)).strip()
    return found


def headline(run: Run, check: str) -> str:
    name = check.split("::", 1)[1]
    lines = headlines(run)
    assert name in lines, f"no failure section for {check}\n{run.describe()}"
    return lines[name]


def ledger_checks(run: Run) -> dict[str, list[str]]:
    """The ledger's entries by check id (issue numbers dropped: check ids are unique)."""
    target = run.ledger_json()["targets"]["relay"]
    return {check: keys for by_check in target["checks"].values() for check, keys in by_check.items()}


def with_effect(run: Run, *wanted: str | None, outcome: str | None = None) -> set[str]:
    return {c for c, (o, effect, _) in run.outcomes().items() if effect in wanted and (outcome is None or o == outcome)}


def verdicts(run: Run) -> dict[int, str]:
    return {int(n): issue["verdict"] for n, issue in run.report["issues"].items()}


def test_first_run_without_a_ledger_fails_on_the_clean_checks(cycle):
    first = cycle["first"]
    assert first.code == pytest.ExitCode.TESTS_FAILED, first.describe()
    assert first.ledger is None
    records = first.checks()
    for issue, violating in VIOLATING.items():
        checks = {c for c, t in records.items() if t["issue"] == issue and c not in INTERFACE_CHECKS}
        assert violating < checks, f"#{issue}: some checks must be clean"
        for check in checks:
            expected = ("xfailed", "confirmed") if check in violating else ("failed", "looks_fixed")
            assert first.outcomes()[check][:2] == expected, f"{check}\n{first.describe()}"
    assert first.skipped() == INTERFACE_CHECKS  # one line says why: the hub lacks the manager interface
    assert "ChannelHub has no connect, disconnect, emit, is_connected" in first.output
    guards = [t for issue in first.report["issues"].values() for t in issue["tests"] if t["guard"]]
    assert guards and {t["outcome"] for t in guards} == {"passed"}
    assert "[XPASS(strict)] this check of issue 889 is clean, but " in headline(
        first, "test_889_unit.py::test_null_user_context_creates_duplicate_managers")


def test_the_first_update_records_every_check_and_is_green(cycle):
    first, record = cycle["first"], cycle["record"]
    assert record.code == pytest.ExitCode.OK, record.describe()
    # the ledger holds exactly what the first run found: the keys of each violation, [] for a clean check
    assert ledger_checks(record) == {c: t["keys"] for c, t in first.checks().items()}
    assert ledger_checks(record)["test_824_unit.py::test_single_authoritative_manager_class"] == [
        "class relay.hub.channel_hub.ChannelHub", "class relay.hub.legacy_hub.ChannelHub",
        "class relay.hub.mirror_hub.ChannelHub"]
    assert ledger_checks(record)[IMPORT_SHOULD_FAIL] == [
        RELAY_API_IMPORT, "import of relay.hub.channel_hub_factory in relay.hub.compat",
        "module relay.hub.channel_hub_factory: imported"]
    assert record.ledger_json()["targets"]["relay"]["ratchets"]["manager_classes"] == [
        "relay.hub.channel_hub.ChannelHub", "relay.hub.legacy_hub.ChannelHub", "relay.hub.mirror_hub.ChannelHub"]
    violating = set().union(*VIOLATING.values())
    assert {c: o[0] for c, o in record.outcomes().items()} == {
        c: "xfailed" if c in violating else "passed" for c in record.checks()}
    assert set(verdicts(record).values()) == {"confirmed"}
    assert "ledger #889 test_889_unit.py::test_user_context_contamination: recorded 1 finding(s)" in record.output


def test_a_new_duplicate_fails_naming_only_it_while_a_fixed_finding_is_progress(cycle):
    record, new = cycle["record"], cycle["new"]
    assert new.code == pytest.ExitCode.TESTS_FAILED, new.describe()
    assert with_effect(new, "new_violation", outcome="failed") == HUB_CLASS_CHECKS | RATCHET_CHECKS, new.describe()
    recorded = ledger_checks(record)
    for check in HUB_CLASS_CHECKS:
        line = headline(new, check)
        assert line.startswith("new violation while issue "), line
        assert new.checks()[check]["new"] == [key for key in new.checks()[check]["keys"] if "shadow_hub" in key]
        assert line.endswith(": " + "; ".join(new.checks()[check]["new"])), line
        assert not any(old in line for old in recorded[check]), f"an old finding is named: {line}"
    for check in RATCHET_CHECKS:  # the ratchets count classes and import paths: a rise names the new item only
        line = headline(new, check)
        assert re.fullmatch(r"ratchet \w+ rose: \d+ now, \d+ in the ledger; new: relay\.hub\.shadow_hub\.ChannelHub",
                            line), line
    # relay.api no longer imports the deprecated module: one of the check's three findings fixed
    progress = new.checks()[IMPORT_SHOULD_FAIL]
    assert (progress["outcome"], progress["ledger"], progress["fixed"]) == ("xfailed", "progress", [RELAY_API_IMPORT])
    assert re.search(r"XFAIL \S+::test_deprecated_module_import_should_fail - SSOT issue 1126 open, "
                     r"violation confirmed \(progress: 1 of 3 fixed\)", new.output), new.output
    issues = new.report["issues"]
    assert issues["824"]["checks"] == {"total": 5, "clean": 3, "waived": 0, "fixed": [], "regressed": [],
                                       "new": [SHADOW, "relay.hub.shadow_hub.ChannelHub"]}
    assert issues["1126"]["checks"] == {"total": 8, "clean": 2, "waived": 0, "fixed": [RELAY_API_IMPORT],
                                        "new": [SHADOW], "regressed": []}
    assert verdicts(new) == {824: "regressed", 889: "confirmed", 960: "regressed", 1036: "regressed",
                             1126: "regressed"}


def test_the_update_writes_the_progress_and_never_the_new_finding(cycle):
    record, new, update = cycle["record"], cycle["new"], cycle["new_update"]
    assert update.code == pytest.ExitCode.TESTS_FAILED  # the new duplicate still fails
    assert update.outcomes() == new.outcomes()
    assert b"shadow_hub" not in update.ledger
    expected = dict(ledger_checks(record), **{IMPORT_SHOULD_FAIL: new.checks()[IMPORT_SHOULD_FAIL]["keys"]})
    assert ledger_checks(update) == expected
    assert len(expected[IMPORT_SHOULD_FAIL]) == 2
    assert update.ledger_json()["targets"]["relay"]["ratchets"] == record.ledger_json()["targets"]["relay"]["ratchets"]
    assert f"ledger #1126 {IMPORT_SHOULD_FAIL}: 3 -> 2 finding(s)" in update.output


def test_accepting_writes_the_new_finding_and_prints_it(cycle):
    update, accept = cycle["new_update"], cycle["accept"]
    assert accept.code == pytest.ExitCode.OK, accept.describe()
    accepted = ledger_checks(accept)
    for check in HUB_CLASS_CHECKS:
        assert any("shadow_hub" in key for key in accepted[check]), check
        assert set(ledger_checks(update)[check]) < set(accepted[check])
    assert "relay.hub.shadow_hub.ChannelHub" in accept.ledger_json()["targets"]["relay"]["ratchets"]["manager_classes"]
    assert (f"ledger #824 test_824_unit.py::test_single_authoritative_manager_class: 3 -> 4 finding(s) "
            f"(ACCEPTED new: {SHADOW})") in accept.output
    assert cycle["gone"].ledger == update.ledger  # the accepted copy left the cycle's ledger alone


def test_a_check_made_clean_fails_until_recorded_then_passes(cycle):
    update, gone, gone_update, recorded = cycle["new_update"], cycle["gone"], cycle["gone_update"], \
        cycle["gone_recorded"]
    assert gone.code == pytest.ExitCode.TESTS_FAILED, gone.describe()
    assert with_effect(gone, "now_clean", outcome="failed") == FACTORY_CHECKS
    for check in FACTORY_CHECKS:
        total = len(ledger_checks(update)[check])
        assert headline(gone, check) == (f"check now clean ({total} of {total} fixed) while issue 1126 is open: "
                                         "record it (run with --ssot-baseline-update)")
    # the deprecated module re-exported ChannelHub: one import path of the 1036 check is gone with it
    assert (gone.checks()[ALL_PATHS_CHECK]["outcome"], gone.checks()[ALL_PATHS_CHECK]["ledger"]) == \
        ("xfailed", "progress")
    assert gone.ledger == update.ledger
    assert verdicts(gone)[1126] == "improved"
    assert gone.report["issues"]["1126"]["checks"]["clean"] == 5

    assert gone_update.code == pytest.ExitCode.OK, gone_update.describe()
    written = ledger_checks(gone_update)
    assert {c: written[c] for c in FACTORY_CHECKS} == {c: [] for c in FACTORY_CHECKS}
    assert written[ALL_PATHS_CHECK] == gone.checks()[ALL_PATHS_CHECK]["keys"]
    assert f"ledger #1126 {IMPORT_SHOULD_FAIL}: 2 -> clean" in gone_update.output

    assert recorded.code == pytest.ExitCode.OK, recorded.describe()
    assert {c: recorded.outcomes()[c] for c in FACTORY_CHECKS} == {c: ("passed", None, "clean") for c in FACTORY_CHECKS}
    assert recorded.ledger == gone_update.ledger
    assert set(verdicts(recorded).values()) == {"confirmed"}  # #1126 still has a violating check


def test_reintroducing_the_violation_fails_as_a_regression(cycle):
    recorded, back = cycle["gone_recorded"], cycle["back"]
    assert back.code == pytest.ExitCode.TESTS_FAILED, back.describe()
    assert with_effect(back, "regression", outcome="failed") == FACTORY_CHECKS
    for check in FACTORY_CHECKS:
        line = headline(back, check)
        assert line.startswith("regression of a check recorded clean (issue 1126 is open): "), line
        assert line.endswith("; ".join(back.checks()[check]["keys"])), line
    assert back.report["issues"]["1126"]["checks"]["regressed"] == sorted(FACTORY_CHECKS)
    assert verdicts(back)[1126] == "regressed"
    assert back.ledger == recorded.ledger


def test_xdist_gives_the_serial_outcomes_and_ledger_bytes(pytester):
    serial, parallel = cycle_in("serial", pytester), cycle_in("xdist", pytester)
    assert list(parallel) == list(serial)
    for step in serial:
        assert (parallel[step].code, parallel[step].outcomes()) == (serial[step].code, serial[step].outcomes()), step
        assert parallel[step].ledger == serial[step].ledger, step
        assert {n: i["checks"] for n, i in parallel[step].report["issues"].items()} == \
               {n: i["checks"] for n, i in serial[step].report["issues"].items()}, step
    assert all(re.search(r"^2 workers \[\d+ items\]", run.output, re.M) for run in parallel.values())


def test_the_installed_wheel_records_the_same_ledger_and_fails_the_same_new_duplicate(pytester, wheel_python):
    """``--pyargs pytest_ssot.suites`` from a venv holding only the wheel: same check ids, same ledger bytes."""
    where = subprocess.run([str(wheel_python), "-c", "import pytest_ssot.suites as s, pytest_ssot.plugin as p; "
                            "print(s.__file__); print(p.__file__)"],
                           capture_output=True, text=True, check=True, cwd=pytester.path).stdout.split()
    assert all(path.startswith(str(wheel_python.parent.parent)) for path in where), where  # not this checkout
    project = Project(write_project(pytester.path / "installed"), python_invoke(wheel_python))
    record = project.run(PARTIAL, "--ssot-baseline-update")
    green = project.run(PARTIAL)
    new = project.run(NEW_DUPLICATE)
    checkout = cycle_in("serial", pytester)
    assert (record.code, green.code, new.code) == (0, 0, 1), new.describe()
    assert record.ledger == checkout["record"].ledger  # check ids and keys do not depend on the install location
    assert green.ledger == record.ledger
    assert {c: o[0] for c, o in green.outcomes().items()} == {c: o[0] for c, o in checkout["record"].outcomes().items()}
    assert new.outcomes() == checkout["new"].outcomes()
    for check in HUB_CLASS_CHECKS:
        assert headline(new, check) == headline(checkout["new"], check)


def test_consolidated_but_for_a_second_factory_only_that_factorys_checks_violate(pytester):
    """The clean checks are clean because the code is, not because they cannot see it: the knobs move them."""
    knobs = Knobs(duplicate_hubs=(), deprecated_factory=False, factory_importers=(), shared_subscriptions=False,
                  second_factories=("shortcut",))
    run = Project(write_project(pytester.path / "one-knob"), pytester_invoke(pytester)).run(knobs, ledger=None)
    violating = {"test_824_unit.py::test_multiple_import_paths_create_different_managers",
                 "test_824_unit.py::test_single_authoritative_factory_function",
                 "test_824_unit.py::test_manager_import_path_consistency",
                 "test_960_unit.py::test_manager_factory_consolidation"}
    assert {c: o[:2] for c, o in run.outcomes().items()} == {
        c: ("xfailed", "confirmed") if c in violating else ("failed", "looks_fixed") for c in run.checks()}
    assert run.checks()["test_824_unit.py::test_single_authoritative_factory_function"]["keys"] == [
        "implementation relay.hub.channel_hub.get_channel_hub", "implementation relay.hub.shortcut.get_channel_hub"]
    assert {t["outcome"] for issue in run.report["issues"].values() for t in issue["tests"] if t["guard"]} == \
        {"passed"}
