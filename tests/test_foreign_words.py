"""A foreign-named target runs the bundled unit tier in its own words (issue 15's "Done when").

``ledgerbook.sync`` has a ``ReplicaCoordinator`` from ``get_coordinator`` and no
WebSocket words anywhere. Its terminal output, ``--ssot-report`` JSON and the
rendered HTML dashboard and markdown must not say websocket, chatapp,
agent_completed, demo-user or get_websocket_manager: whatever they name comes from
its configuration. Its coordinator lacks the manager interface, so the checks
that drive it skip with one line naming what is missing, printed once with its
count, never an AttributeError per test.
"""

from __future__ import annotations

import json

import pytest
from foreign_target import CONFIG, SEED_WORDS, run_bundled, run_plugin, seed_words_in, write_foreign_target

from pytest_ssot.cli import main as ssot_main

UNIT = ["issue_824", "issue_889", "issue_960", "issue_1036", "issue_1126"]
MISSING = ("ledgerbook.sync.coordinator.ReplicaCoordinator has no connect, disconnect, emit, is_connected: "
           "the checks that connect a manager and send events through it need connect, disconnect, emit, "
           "is_connected (the manager interface in the README)")
# the bundled unit checks that drive the manager interface
INTERFACE_CHECKS = {"test_1036_unit.py::test_all_events_delivered_consistently",
                    "test_1126_unit.py::test_manager_connection_state_isolation"}
OPEN_ALL = """
[tool.ssot.targets.books.issues]
824 = "open"
889 = "open"
960 = "open"
1036 = "open"
1126 = "open"
"""


def _run(pytester: pytest.Pytester, *, interface: bool):
    write_foreign_target(pytester.path, interface=interface, legacy=True, extra_toml=OPEN_ALL)
    result = run_bundled(pytester, UNIT, "-m", "unit", "-rxX", "--ssot-report", "report.json")
    report = json.loads((pytester.path / "report.json").read_text())
    return result, report


def _checks(report) -> dict[str, dict]:
    return {t["check"]: t for issue in report["issues"].values() for t in issue["tests"]}


def test_the_unit_tier_speaks_in_the_targets_names(pytester, capsys):
    result, report = _run(pytester, interface=False)
    output = result.stdout.str() + result.stderr.str()
    assert report["target"] == "books" and len(_checks(report)) >= 35, output
    assert ssot_main(["report", "render", str(pytester.path / "report.json"), "--format", "html",
                      "-o", str(pytester.path / "ssot.html")]) == 0
    assert ssot_main(["report", "render", str(pytester.path / "report.json"), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    html = (pytester.path / "ssot.html").read_text()
    for name, text in {"terminal": output, "report": json.dumps(report), "html": html, "markdown": markdown}.items():
        assert not seed_words_in(text), f"seed words in the {name}:\n" + "\n".join(seed_words_in(text))
    # ...and they speak the target's names instead
    titles = {number: issue["title"] for number, issue in report["issues"].items()}
    assert titles["824"] == "ReplicaCoordinator fragmentation: one get_coordinator, one import path"
    assert titles["1126"] == "Deprecated factory module dual pattern"  # no deprecated_modules configured
    assert "ReplicaCoordinator" in html and "get_coordinator" in markdown


def test_a_manager_without_the_interface_is_one_line_with_its_count(pytester):
    result, report = _run(pytester, interface=False)
    output = result.stdout.str()
    skipped = {c for c, t in _checks(report).items() if t["outcome"] == "skipped"}
    assert INTERFACE_CHECKS <= skipped
    lines = [line for line in output.splitlines() if MISSING in line]
    assert len(lines) == 1, "\n".join(lines)
    assert lines[0].startswith(f"ssot: {len(INTERFACE_CHECKS)} tests skipped: {MISSING}")
    assert "AttributeError" not in output and "Traceback" not in output


def test_a_manager_with_the_interface_runs_those_checks(pytester):
    result, report = _run(pytester, interface=True)
    checks = _checks(report)
    for check in INTERFACE_CHECKS:
        assert checks[check]["outcome"] in ("passed", "failed"), (check, checks[check])
    assert "has no connect" not in result.stdout.str()


def test_the_seed_word_search_finds_each_word():
    for word in SEED_WORDS:
        assert seed_words_in(f"a line with {word.upper()} in it")
    assert not seed_words_in("ReplicaCoordinator get_coordinator account-7")


REGISTRY_CHECK = "test_960_unit.py::test_manager_registry_isolation_validation"
NULL_CHECK = "test_889_unit.py::test_null_user_context_creates_duplicate_managers"


@pytest.mark.parametrize("behaviour, outcome", [("", "failed"), ('null_user_context = "error"\n', "passed")])
def test_a_factory_that_cannot_take_no_context_is_one_line_not_a_traceback(pytester, behaviour, outcome):
    """A factory that dereferences a missing context: the plugin cannot tell a refusal from a bug, so it says so."""
    config = CONFIG.replace('function_name = "get_coordinator"\n', f'function_name = "get_coordinator"\n{behaviour}')
    write_foreign_target(pytester.path, config=config)  # no issue status: plain pass / fail
    coordinator = pytester.path / "ledgerbook" / "sync" / "coordinator.py"
    coordinator.write_text(coordinator.read_text().replace('key = getattr(context, "account_id", None)',
                                                           "key = context.account_id"))
    result = run_bundled(pytester, ["issue_889", "issue_960"], "-m", "unit", "--ssot-report", "report.json")
    checks = _checks(json.loads((pytester.path / "report.json").read_text()))
    output = result.stdout.str()
    for check in (REGISTRY_CHECK, NULL_CHECK):
        assert checks[check]["outcome"] == outcome, (check, checks[check])
        if outcome == "failed":
            assert "set null_user_context = 'error'" in checks[check]["error"] or \
                "null_user_context = 'reuse', but" in checks[check]["error"], checks[check]
    assert "Traceback" not in output and "coordinator.py:" not in output  # no frames of the target's code


def test_a_target_without_events_reports_none_of_the_seeds_defaults(pytester):
    # the unit tier measures no latency: the event names, the seeds' unless set, have nothing to title
    config = "\n".join(line for line in CONFIG.splitlines() if not line.startswith("events ="))
    write_foreign_target(pytester.path, interface=False, legacy=True, extra_toml=OPEN_ALL, config=config)
    run_bundled(pytester, UNIT, "-m", "unit", "--ssot-report", "report.json")
    text = (pytester.path / "report.json").read_text()
    assert "events" not in json.loads(text) and "agent_" not in text and not seed_words_in(text)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_run_that_measured_latencies_reports_the_targets_events(pytester, workers):
    # the counterpart of the test above: with latencies, the names title them, the target's own
    write_foreign_target(pytester.path, interface=False, extra_toml=OPEN_ALL)
    pytester.makepyfile(test_latency="""
import pytest
from pytest_ssot.core.percentile import LATENCY_SAMPLES

@pytest.mark.unit
def test_measured(ssot_record):
    ssot_record.add_samples(LATENCY_SAMPLES, [0.01, 0.02])

@pytest.mark.unit
def test_other():
    pass
""")
    result = run_plugin(pytester, "test_latency.py", "--ssot-report", "report.json", *workers)
    result.assert_outcomes(passed=2)
    report = json.loads((pytester.path / "report.json").read_text())
    assert report["events"] == ["replica_joined", "entries_synced", "ledger_closed"]
