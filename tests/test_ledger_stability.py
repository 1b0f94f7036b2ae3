"""The ledger is committed once and compared on every CI run, so its bytes must not depend on the run.

Each demo target runs its unit and integration tiers three times (twice
serially, once under ``-n 2``), each writing a fresh ledger with
``--ssot-baseline-update``: the three ledgers must be byte-identical and every
test's finding keys the same. A key carrying a memory id, a random user id, an
absolute path, a line number or a timing would differ between runs and make CI
fail on a "new" finding that is the old one.
"""

from __future__ import annotations

import json

import pytest
from main_job import MAIN_JOB

RUNS = (("serial-1", ()), ("serial-2", ()), ("xdist", ("-n", "2")))


def keys_by_test(document: dict) -> dict[str, list[str]]:
    return {t["nodeid"]: t["keys"] for issue in document["issues"].values() for t in issue["tests"]}


@pytest.mark.parametrize("target", MAIN_JOB.TARGETS)
def test_three_runs_write_the_same_ledger_and_keys(pytester, target):
    ledgers: dict[str, bytes] = {}
    keys: dict[str, dict[str, list[str]]] = {}
    for label, extra in RUNS:
        ledger = pytester.path / f"ledger-{label}.json"
        report = pytester.path / f"report-{label}.json"

        def runner(args: list[str]) -> int:
            return int(pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider", "-q", timeout=900).ret)

        # the last --ssot-baseline wins over the repository's ledger that the demo job passes
        MAIN_JOB.run_target(target, ["-m", "unit or integration", f"--ssot-baseline={ledger}",
                                     "--ssot-baseline-update", *extra], report, runner=runner)
        assert ledger.exists(), f"{target} {label}: no ledger written"
        ledgers[label] = ledger.read_bytes()
        keys[label] = keys_by_test(json.loads(report.read_text()))
    assert keys["serial-1"], "no test ran"
    for label in ("serial-2", "xdist"):
        differing = {n: (str(keys["serial-1"].get(n))[:300], str(k)[:300]) for n, k in keys[label].items()
                     if keys["serial-1"].get(n) != k}
        assert not differing, f"{target}: finding keys differ between serial-1 and {label}: {differing}"
        assert set(keys[label]) == set(keys["serial-1"]), f"{target}: {label} ran other tests"
        assert ledgers[label] == ledgers["serial-1"], f"{target}: ledger bytes differ between serial-1 and {label}"
    written = json.loads(ledgers["serial-1"])["targets"][target]
    if target == "demo-fragmented":  # every issue open: every check is written, and most of them violate
        assert set(written["checks"]) == {"824", "889", "960", "1036", "1126"}
        assert all(any(by_check.values()) for by_check in written["checks"].values()), written["checks"]
        assert sum(bool(k) for by_check in written["checks"].values() for k in by_check.values()) > 20
    assert set(written["ratchets"]) == {"manager_classes", "manager_import_paths"}
