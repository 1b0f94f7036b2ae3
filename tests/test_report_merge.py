"""ssot report merge: every test once, conflicts reported, verdicts recomputed, schema refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ssot.cli import main
from pytest_ssot.report.merge import ReportError, check_document, load_report, merge_reports, targets_of
from pytest_ssot.report.build import RECORD_DEFAULTS, RunMetrics, build_report, without_timings


def record(nodeid, issue=824, outcome="xfailed", effect="confirmed", tier="unit", guard=False, violation=None):
    if violation is None and effect == "confirmed":
        violation = f"SSOT VIOLATION: {nodeid} <found>"
    return {**RECORD_DEFAULTS, "nodeid": nodeid, "issue": issue, "title": None, "tier": tier, "guard": guard,
            "outcome": outcome, "violation": violation, "effect": effect, "duration": 0.01}


def report(records, target="backend", statuses=None, samples=None, ratchets=None):
    metrics = RunMetrics()
    for name, values in (samples or {}).items():
        metrics.add_samples(name, values)
    for name, items in (ratchets or {}).items():
        metrics.set_ratchet(name, items)
    return build_report(target, statuses if statuses is not None else {824: "open", 1126: "resolved"},
                        records, metrics)


UNIT = report([record("s/t_824.py::test_functions"), record("s/t_824.py::test_impls"),
               record("s/t_1126.py::test_factory_gone", issue=1126, outcome="passed", effect=None)],
              samples={}, ratchets={"manager_classes": ["a.A", "b.B"]})
INTEGRATION = report([record("s/t_824.py::test_golden_path", tier="integration", guard=True, outcome="passed",
                             effect=None),
                      record("s/t_1126.py::test_one_manager", issue=1126, tier="integration", outcome="passed",
                             effect=None)],
                     samples={"agent_completed_seconds": [0.01, 0.02]}, ratchets={"manager_classes": ["b.B", "c.C"]})


def merged_target(*documents, target="backend"):
    result = merge_reports((f"job{i}.json", d) for i, d in enumerate(documents))
    return result, result.document["targets"][target]


def write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


# -- every test once


def test_tiers_merge_into_one_issue_with_every_test():
    result, part = merged_target(UNIT, INTEGRATION)
    assert result.conflicts == []
    assert [t["nodeid"] for t in part["issues"]["824"]["tests"]] == [
        "s/t_824.py::test_functions", "s/t_824.py::test_golden_path", "s/t_824.py::test_impls"]
    assert part["issues"]["824"]["counts"] == {"tests": 3, "violations": 2, "violations_confirmed": 2, "failed": 0}
    assert part["issues"]["1126"]["verdict"] == "holds"
    assert sorted(part["samples"]["agent_completed_seconds"]) == [0.01, 0.02]
    assert part["ratchets"]["manager_classes"] == {"count": 3, "items": ["a.A", "b.B", "c.C"]}
    assert part["sources"] == ["job0.json", "job1.json"]


def test_identical_duplicates_from_two_python_versions_are_kept_once():
    other_python = json.loads(json.dumps(UNIT))
    other_python["issues"]["824"]["tests"][0]["duration"] = 9.0
    result, part = merged_target(UNIT, other_python)
    assert result.conflicts == []
    assert part["issues"]["824"]["counts"]["tests"] == 2
    assert part["issues"]["824"]["tests"][0]["duration"] == UNIT["issues"]["824"]["tests"][0]["duration"]


def test_same_nodeid_with_different_outcomes_is_a_conflict_not_hidden():
    flaky = report([record("s/t_824.py::test_functions", outcome="failed", effect="looks_fixed")])
    result, part = merged_target(UNIT, flaky)
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict["kind"] == "test" and conflict["nodeid"] == "s/t_824.py::test_functions"
    assert conflict["kept"] == "failed"
    assert [(r["source"], r["outcome"]) for r in conflict["reports"]] == [("job0.json", "xfailed"),
                                                                            ("job1.json", "failed")]
    assert result.document["conflicts"] == part["conflicts"] == result.conflicts
    # the worse outcome is kept, so the merged counts show the failure
    assert part["issues"]["824"]["counts"]["failed"] == 1
    assert [t["nodeid"] for t in part["issues"]["824"]["tests"]].count("s/t_824.py::test_functions") == 1


def test_different_statuses_for_one_issue_are_a_conflict():
    other = report([record("s/t_824.py::test_golden_path", tier="integration", guard=True, outcome="passed",
                           effect=None)], statuses={824: "resolved", 1126: "resolved"})
    result, _part = merged_target(UNIT, other)
    assert [(c["kind"], c["issue"]) for c in result.conflicts] == [("status", "824")]


# -- verdicts are recomputed from the merged records


def test_a_regression_in_one_job_turns_holds_into_regressed():
    broken = report([record("s/t_1126.py::test_one_manager", issue=1126, tier="integration", outcome="failed",
                            effect="regression", violation="regression of SSOT issue 1126")])
    assert UNIT["issues"]["1126"]["verdict"] == "holds"
    _result, part = merged_target(UNIT, broken)
    assert part["issues"]["1126"]["verdict"] == "regressed"


def test_a_stale_verdict_in_a_file_is_not_trusted():
    tampered = json.loads(json.dumps(UNIT))
    tampered["issues"]["824"]["verdict"] = "looks_fixed"
    tampered["issues"]["824"]["counts"]["violations_confirmed"] = 0
    _result, part = merged_target(tampered)
    assert part["issues"]["824"]["verdict"] == "confirmed"
    assert part["issues"]["824"]["counts"]["violations_confirmed"] == 2


def test_an_open_issue_confirmed_by_one_tier_stays_confirmed():
    inconclusive = report([record("s/t_824.py::test_staging", tier="staging", outcome="skipped", effect=None)])
    assert inconclusive["issues"]["824"]["verdict"] == "inconclusive"
    _result, part = merged_target(inconclusive, UNIT)
    assert part["issues"]["824"]["verdict"] == "confirmed"


# -- targets, merged inputs, ratchet baselines


def test_reports_of_two_targets_make_a_multi_target_document():
    consolidated = report([record("s/t_824.py::test_functions", outcome="passed", effect=None)],
                          target="consolidated", statuses={824: "resolved"})
    no_target = report([record("t.py::test_x", outcome="passed", effect=None)], target=None, statuses={})
    result = merge_reports([("a.json", UNIT), ("b.json", consolidated), ("c.json", no_target)])
    document = result.document
    assert document["schema_version"] == 2
    assert list(document["targets"]) == ["(none)", "backend", "consolidated"]
    assert document["targets"]["(none)"]["target"] is None
    assert document["targets"]["consolidated"]["issues"]["824"]["verdict"] == "holds"
    assert [p["target"] for p in targets_of(document)] == [None, "backend", "consolidated"]
    assert targets_of(UNIT) == [UNIT]


def test_merging_merged_documents_equals_merging_the_files():
    third = report([record("s/t_824.py::test_staging", tier="staging", outcome="passed", guard=True, effect=None)])
    once = merge_reports([("a", UNIT), ("b", INTEGRATION), ("c", third)]).document["targets"]["backend"]
    partial = merge_reports([("a", UNIT), ("b", INTEGRATION)]).document
    twice = merge_reports([("ab", partial), ("c", third)]).document["targets"]["backend"]
    for key in ("statuses", "issues", "samples", "ratchets", "conflicts"):
        assert twice[key] == once[key], key
    assert twice["sources"] == ["a, b", "c"]


@pytest.mark.parametrize("baseline, change", [(2, "rise"), (3, "same"), (5, "fall")])
def test_ratchet_baseline_is_kept_and_change_recomputed(baseline, change):
    with_baseline = json.loads(json.dumps(UNIT))
    with_baseline["ratchets"]["manager_classes"].update(baseline=baseline, change="same")
    _result, part = merged_target(with_baseline, INTEGRATION)
    assert part["ratchets"]["manager_classes"]["count"] == 3
    assert part["ratchets"]["manager_classes"]["baseline"] == baseline
    assert part["ratchets"]["manager_classes"]["change"] == change


# -- refusing what cannot be merged


@pytest.mark.parametrize("version", [3, 0, "1", None])
def test_another_schema_version_is_refused(version):
    document = dict(UNIT, schema_version=version)
    with pytest.raises(ReportError, match=r"x\.json: schema_version .* reads schema_version 1 or 2"):
        check_document(document, "x.json")


def test_schema_version_2_is_accepted(tmp_path):
    assert load_report(tmp_path / write(tmp_path, "ok.json", UNIT)) == UNIT


def as_version_1(document):
    """What pytest-ssot wrote before the ledger: no ledger fields in tests, no check summary, no 'violations' count."""
    old = json.loads(json.dumps(document))
    old["schema_version"] = 1
    for issue in old["issues"].values():
        issue.pop("checks", None)
        issue["counts"].pop("violations", None)
        for test in issue["tests"]:
            for key in ("check", "keys", "clean", "ledger", "new", "fixed", "waived"):
                test.pop(key, None)
    return old


def test_a_version_1_report_still_merges_and_renders(tmp_path):
    old = as_version_1(UNIT)
    result, part = merged_target(old, INTEGRATION)
    assert result.document["schema_version"] == 2
    assert part["issues"]["824"]["verdict"] == merged_target(UNIT, INTEGRATION)[1]["issues"]["824"]["verdict"]
    assert part["issues"]["824"]["checks"]["total"] == 2
    assert all(t["keys"] == [] and t["ledger"] is None for t in part["issues"]["824"]["tests"])
    assert main(["report", "render", write(tmp_path, "old.json", old)]) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "no schema_version"),
        ('{"schema_version": 1}', "issues: is missing"),
        ('{"schema_version": 1, "issues": {"824": {"tests": [{"nodeid": "x"}]}}}',
         r"issues\.824\.tests\[0\]\.outcome: is missing"),
        ('{"schema_version": 1, "targets": {"t": {"issues": 3}}}', r"targets\.t\.issues: must be an object"),
    ],
)
def test_invalid_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReportError, match=message):
        load_report(path)


# -- the command line


def test_cli_merge_writes_the_document_and_exits_0(tmp_path, capsys):
    out = tmp_path / "all.json"
    code = main(["report", "merge", write(tmp_path, "a.json", UNIT), write(tmp_path, "b.json", INTEGRATION),
                 "-o", str(out)])
    assert code == 0
    assert "merged 2 report(s) (targets: backend)" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["targets"]["backend"]["issues"]["824"]["counts"]["tests"] == 3


def test_cli_merge_exits_1_on_conflicts_and_still_writes(tmp_path, capsys):
    flaky = report([record("s/t_824.py::test_functions", outcome="failed", effect="looks_fixed")])
    out = tmp_path / "all.json"
    args = ["report", "merge", write(tmp_path, "a.json", UNIT), write(tmp_path, "b.json", flaky), "-o", str(out)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "conflict: backend s/t_824.py::test_functions: xfailed in" in captured.err
    assert "1 conflict(s)" in captured.out
    assert json.loads(out.read_text())["conflicts"][0]["nodeid"] == "s/t_824.py::test_functions"
    assert main([*args, "--allow-conflicts"]) == 0


def test_cli_refuses_another_schema_version_with_one_line_and_exit_2(tmp_path, capsys):
    newer = write(tmp_path, "newer.json", dict(UNIT, schema_version=3))
    out = tmp_path / "all.json"
    assert main(["report", "merge", write(tmp_path, "a.json", UNIT), newer, "-o", str(out)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "newer.json: schema_version 3" in err
    assert not out.exists()
    assert main(["report", "render", newer]) == 4


@pytest.mark.parametrize("argv", [
    ["report", "merge", "missing.json", "-o", "x.json"],
    ["report", "render", "missing.json"],
    ["report", "merge", "a.json"],
    ["report"],
    ["report", "render", "a.json", "--format", "pdf"],
])
def test_cli_usage_errors_exit_2_with_one_line(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 4
    assert capsys.readouterr().err.count("\n") == 1


# -- property: any split of one run's records across jobs merges back into that run


_OUTCOMES = {"open": [("xfailed", "confirmed"), ("failed", "looks_fixed"), ("skipped", None), ("error", None)],
             "resolved": [("passed", None), ("failed", "regression"), ("skipped", None), ("error", None)],
             None: [("passed", None), ("failed", None), ("skipped", None)]}


@st.composite
def split_runs(draw):
    statuses = {824: "open", 889: "resolved", 4242: None}
    records = []
    for n in range(draw(st.integers(1, 12))):
        issue = draw(st.sampled_from(sorted(statuses)))
        guard = draw(st.booleans())
        outcome, effect = ("passed", None) if guard else draw(st.sampled_from(_OUTCOMES[statuses[issue]]))
        records.append(record(f"s/t.py::test_{n}", issue=issue, outcome=outcome, effect=effect, guard=guard))
    samples = draw(st.lists(st.floats(0.001, 2.0), max_size=8))
    items = draw(st.lists(st.sampled_from(["a.A", "b.B", "c.C", "d.D"]), unique=True))
    jobs = draw(st.integers(1, 4))
    # each record goes to one job or more (identical duplicates), samples and items to one job each
    homes = [draw(st.sets(st.integers(0, jobs - 1), min_size=1)) for _ in records]
    sample_homes = [draw(st.integers(0, jobs - 1)) for _ in samples]
    item_homes = [draw(st.integers(0, jobs - 1)) for _ in items]
    known = {n: s for n, s in statuses.items() if s is not None}
    parts = [report([r for r, h in zip(records, homes) if j in h], statuses=known,
                    samples={"agent_completed_seconds": [s for s, h in zip(samples, sample_homes) if h == j]},
                    ratchets={"manager_classes": [i for i, h in zip(items, item_homes) if h == j]})
             for j in range(jobs)]
    whole = report(records, statuses=known, samples={"agent_completed_seconds": samples},
                   ratchets={"manager_classes": items})
    return whole, parts


@settings(max_examples=150, deadline=None)
@given(split_runs())
def test_merging_a_split_run_gives_back_the_run(case):
    whole, parts = case
    result = merge_reports((f"job{i}.json", p) for i, p in enumerate(parts))
    assert result.conflicts == []
    merged = result.document["targets"]["backend"]
    assert without_timings(merged["issues"]) == without_timings(whole["issues"])
    assert merged["statuses"] == whole["statuses"]
    assert sorted(merged["samples"].get("agent_completed_seconds", [])) == \
        sorted(whole["samples"].get("agent_completed_seconds", []))
    assert merged["ratchets"] == whole["ratchets"]
