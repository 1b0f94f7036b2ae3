"""``ssot history`` on a throw-away repository built commit by commit: counts, flags, JSON, exit codes.

The scenario (tests/history_support.py, foreign names): three ``get_ledger_pool``
functions, then two under "fix #824 complete", then one with the deprecated
factory module gone, then the module back under a "Fixes #889" message, then a
docs-only commit claiming #1126.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from history_support import DEPRECATED, PACKAGE, build_scenario, commit, git, init_repo, scenario_target
from pytest_ssot.cli import main
from pytest_ssot.history.build import HistoryError, scan_history

PYPROJECT = f'''[tool.ssot]
target = "books"

[tool.ssot.targets.books]
root = "src"
package = "{PACKAGE}"
manager = "{PACKAGE}.core:LedgerPool"
class_pattern = "(?i)ledger.*pool"
function_name = "get_ledger_pool"
deprecated_modules = ["{DEPRECATED}"]
deprecated_names = ["{DEPRECATED}:make_ledger_pool"]

[tool.ssot.targets.books.issues]
824 = "open"
889 = "open"
1126 = "open"
'''

# per commit: the counts that are not zero at every commit
EXPECTED = [
    dict(functions=3, source_modules=3, import_paths=3, deprecated_modules=1, deprecated_names=1,
         deprecated_importers=1, forbidden_factory_modules=1),
    dict(functions=2, source_modules=2, import_paths=2, deprecated_modules=1, deprecated_names=1,
         deprecated_importers=1, forbidden_factory_modules=1),
    dict(functions=1, source_modules=1, import_paths=1, deprecated_modules=0, deprecated_names=0,
         deprecated_importers=0, forbidden_factory_modules=0),
    dict(functions=1, source_modules=1, import_paths=2, deprecated_modules=1, deprecated_names=1,
         deprecated_importers=0, forbidden_factory_modules=1),
    dict(functions=1, source_modules=1, import_paths=2, deprecated_modules=1, deprecated_names=1,
         deprecated_importers=0, forbidden_factory_modules=1),
]
CONSTANT = dict(manager_classes=1, other_classes=0, class_named=1, duplicate_class_names=0, codebase_classes=1)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("history") / "repo"
    shas = build_scenario(repo)
    (repo / "pyproject.toml").write_text(PYPROJECT)  # untracked: the configuration of "now"
    return repo, shas


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def history_json(capsys, repo: Path, *args: str) -> dict:
    code, out, err = run_cli(capsys, "--pyproject", str(repo / "pyproject.toml"), "--json", *args)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def test_every_count_of_every_commit(capsys, scenario):
    repo, shas = scenario
    doc = history_json(capsys, repo)
    assert [c["commit"] for c in doc["commits"]] == shas
    for entry, expected in zip(doc["commits"], EXPECTED):
        assert entry["counts"] == {**expected, **CONSTANT}, entry["subject"]
    states = [c["states"]["functions"] for c in doc["commits"]]
    assert states == ["violation", "violation", "clean", "clean", "clean"]
    assert [c["states"]["deprecated_modules"] for c in doc["commits"]] == [
        "violation", "violation", "clean", "violation", "violation"]
    first = doc["commits"][0]["checks"]
    assert first["functions"]["items"] == [f"{PACKAGE}.core.get_ledger_pool", f"{PACKAGE}.legacy.get_ledger_pool",
                                           f"{PACKAGE}.pool_factory.get_ledger_pool"]
    assert first["deprecated_importers"]["items"] == [f"import of {DEPRECATED} in {PACKAGE}.service"]
    assert first["functions"]["reason"].startswith("SSOT VIOLATION: Multiple different get_ledger_pool functions")


def test_appeared_disappeared_changed_reused(capsys, scenario):
    repo, shas = scenario
    commits = history_json(capsys, repo)["commits"]
    assert commits[1]["disappeared"] == {"functions": [f"{PACKAGE}.legacy.get_ledger_pool"],
                                         "source_modules": [f"{PACKAGE}.legacy"],
                                         "import_paths": [f"{PACKAGE}.legacy.LedgerPool"]}
    assert commits[1]["appeared"] == {}
    assert commits[3]["appeared"] == {"import_paths": [f"{DEPRECATED}.LedgerPool"],
                                      "deprecated_modules": [DEPRECATED],
                                      "deprecated_names": [f"{DEPRECATED}:make_ledger_pool"],
                                      "forbidden_factory_modules": [DEPRECATED]}
    # the docs-only commit: the root's tree did not change, the results are carried over
    assert [c["reused"] for c in commits] == [False, False, False, False, True]
    assert commits[4]["root_tree"] == commits[3]["root_tree"] is not None
    assert commits[4]["appeared"] == commits[4]["disappeared"] == {}
    assert [c["changed"] for c in commits] == [True, True, True, True, True]  # the last only by its flag


def test_every_flag(capsys, scenario):
    repo, shas = scenario
    doc = history_json(capsys, repo)
    flags = [(f["kind"], shas.index(f["commit"]), f["issue"], f["check"]) for f in doc["flags"]]
    assert flags == [
        ("claimed_not_shown", 1, 824, None),
        ("first_clean", 2, 824, None),
        ("first_clean", 2, 1126, None),
        ("claim_unjudged", 3, 889, None),
        ("regression", 3, None, "import_paths"),
        ("regression", 3, None, "deprecated_modules"),
        ("regression", 3, None, "deprecated_names"),
        ("regression", 3, None, "forbidden_factory_modules"),
        ("claimed_not_shown", 4, 1126, None),
    ]
    claim = doc["flags"][0]
    assert claim["findings"] == {"functions": [f"{PACKAGE}.core.get_ledger_pool",
                                               f"{PACKAGE}.pool_factory.get_ledger_pool"],
                                 "source_modules": [f"{PACKAGE}.core", f"{PACKAGE}.pool_factory"]}
    back = doc["flags"][5]
    assert back["findings"] == {"deprecated_modules": [DEPRECATED]} and back["returning"] == [DEPRECATED]
    assert doc["flags"][8]["findings"] == {"deprecated_modules": [DEPRECATED],
                                           "deprecated_names": [f"{DEPRECATED}:make_ledger_pool"],
                                           "forbidden_factory_modules": [DEPRECATED]}
    assert doc["issues"]["824"]["first_clean"] == shas[2]
    assert doc["issues"]["889"] == {"title": doc["issues"]["889"]["title"], "status": "open", "checks": [],
                                    "first_clean": None}
    # each commit carries its own flags
    assert [len(c["flags"]) for c in doc["commits"]] == [0, 1, 2, 5, 1]


def test_json_document_shape(capsys, scenario):
    repo, shas = scenario
    doc = history_json(capsys, repo, "--commit-url", "https://example.invalid/o/r/commit/{commit}")
    assert doc["schema"] == "ssot-history" and doc["schema_version"] == 1
    assert doc["target"] == "books" and doc["root"] == "src" and doc["package"] == PACKAGE
    assert doc["range"] == "HEAD" and doc["selection"] == {"every": None, "first_parent": False}
    assert doc["commit_url"] == "https://example.invalid/o/r/commit/{commit}"
    assert doc["checks"]["functions"]["issues"] == [824, 960]
    assert os.path.realpath(doc["repo"]) == os.path.realpath(repo)
    entry = doc["commits"][1]
    assert set(entry) == {"commit", "parents", "date", "author", "subject", "root_tree", "reused", "changed",
                          "counts", "states", "appeared", "disappeared", "checks", "flags", "notes"}
    assert entry["parents"] == [shas[0]] and entry["author"] == "History Test"
    assert entry["subject"] == "fix #824 complete" and entry["date"].startswith("2026-01-01")
    assert set(entry["checks"]["functions"]) == {"state", "count", "items", "reason"}
    assert doc["stats"]["commits"] == 5 and doc["stats"]["scans"] == 4
    json.dumps(doc, allow_nan=False)  # strict JSON


def test_table_and_output_file(capsys, scenario, tmp_path):
    repo, shas = scenario
    out_file = tmp_path / "history.txt"
    code, out, err = run_cli(capsys, "--pyproject", str(repo / "pyproject.toml"), "-o", str(out_file))
    assert code == 0 and out == "" and err == ""
    table = out_file.read_text()
    rows = [line for line in table.splitlines() if line[:10] in {s[:10] for s in shas}]
    assert [r[:10] for r in rows] == [s[:10] for s in shas]
    assert "functions 3->2" in rows[1] and "CLAIMED, NOT SHOWN #824" in rows[1]
    assert "REGRESSION deprecated_modules" in rows[3] and "claim not judged #889" in rows[3]
    assert "first clean #824" in rows[2]
    assert "    deprecated_modules: ledgerkit.pools.pool_factory" in table


def test_history_counts_equal_checkout_scans(scenario, tmp_path):
    """Each commit checked out into its own worktree and scanned from disk gives the same results."""
    repo, shas = scenario
    target = scenario_target(repo)
    assert_equal_to_checkouts(repo, target, shas, scan_history(target), tmp_path)

def assert_equal_to_checkouts(repo: Path, target, shas: list[str], history, tmp_path: Path) -> None:
    """Each commit checked out into its own ``git worktree`` and scanned from disk: the same check results."""
    import dataclasses

    from pytest_ssot.history.static_checks import checkout_snapshot, run_checks

    assert len(history.commits) == len(shas)
    for i, sha in enumerate(shas):
        tree = tmp_path / f"checkout{i}"
        git(repo, "worktree", "add", "-q", "--detach", str(tree), sha)
        try:
            local = dataclasses.replace(target, root=tree / "src")
            assert run_checks(checkout_snapshot(local), local) == history.commits[i].checks, (i, sha)
        finally:
            git(repo, "worktree", "remove", "--force", str(tree))


def _index_state(repo: Path) -> tuple[str, int, str]:
    """The index's hash and mtime, and ``git status`` (asked without optional locks: it must not rewrite the index)."""
    index = repo / ".git" / "index"
    return (hashlib.sha256(index.read_bytes()).hexdigest(), index.stat().st_mtime_ns,
            git(repo, "--no-optional-locks", "status", "--porcelain"))


def test_working_tree_and_index_untouched(capsys, tmp_path):
    repo = tmp_path / "repo"
    build_scenario(repo)
    (repo / "pyproject.toml").write_text(PYPROJECT)
    # a dirty tree: an edit staged, another not, a new file; history must judge commits, not these
    (repo / "src/ledgerkit/pools/core.py").write_text("def get_ledger_pool():\n    return 1\n")
    (repo / "README.md").write_text("staged edit\n")
    git(repo, "add", "README.md")
    (repo / "src/ledgerkit/pools/extra_factory.py").write_text("x = 1\n")
    _index_state(repo)
    time.sleep(0.02)  # an index written during the run would get another mtime
    before = _index_state(repo)
    assert _index_state(repo) == before  # asking does not change it
    files_before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert before[2]  # the check below compares something
    doc = history_json(capsys, repo)
    assert _index_state(repo) == before
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts} == files_before
    assert doc["commits"][-1]["counts"]["forbidden_factory_modules"] == 1  # the commit's, not extra_factory.py


def test_a_blob_seen_before_is_not_read_again(tmp_path):
    """Files whose blobs were scanned at an earlier commit cost no read, only the new blob does."""
    repo = tmp_path / "repo"
    shas = build_scenario(repo)
    target = scenario_target(repo)
    git(repo, "checkout", "-q", shas[0], "--", "src")  # every file back to the first commit's blob
    git(repo, "rm", "-q", "--cached", "-r", "src")
    git(repo, "add", "src")
    commit(repo, "Revert to the start", {})
    revert = scan_history(target)
    base = scan_history(target, "HEAD~1")
    assert revert.stats["scans"] == base.stats["scans"] + 1  # the reverted commit was scanned, not reused
    assert revert.stats["blobs_read"] == base.stats["blobs_read"]
    assert revert.commits[-1].checks == revert.commits[0].checks
    # one new file without a searched word: its blob is the only one read
    commit(repo, "A note", {"src/ledgerkit/pools/notes.py": "WHEN = 'monthly'\n"})
    noted = scan_history(target)
    assert noted.stats["blobs_read"] == revert.stats["blobs_read"] + 1
    assert noted.commits[-1].checks == revert.commits[-1].checks


def test_every_and_first_parent(capsys, scenario, tmp_path):
    repo, shas = scenario
    doc = history_json(capsys, repo, "--every", "2")
    assert [c["commit"] for c in doc["commits"]] == [shas[0], shas[2], shas[4]]
    assert doc["selection"]["every"] == 2
    doc = history_json(capsys, repo, f"{shas[1]}..{shas[3]}")
    assert [c["commit"] for c in doc["commits"]] == shas[2:4]
    # a merge: --first-parent leaves the side branch's commits out
    side = tmp_path / "merge"
    init_repo(side)
    base = commit(side, "base", {"src/ledgerkit/__init__.py": "", "src/ledgerkit/pools/__init__.py": "",
                                 "src/ledgerkit/pools/core.py": "def get_ledger_pool():\n    return 1\n"})
    git(side, "checkout", "-q", "-b", "topic")
    topic = commit(side, "topic work", {"src/ledgerkit/pools/more.py": "def get_ledger_pool():\n    return 2\n"})
    git(side, "checkout", "-q", "main")
    main_c = commit(side, "main work", {"notes.txt": "x\n"})
    git(side, "merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    merge = git(side, "rev-parse", "HEAD")
    (side / "pyproject.toml").write_text(PYPROJECT)
    everything = [c["commit"] for c in history_json(capsys, side)["commits"]]
    assert set(everything) == {base, topic, main_c, merge}
    first = history_json(capsys, side, "--first-parent")
    assert [c["commit"] for c in first["commits"]] == [base, main_c, merge]
    assert [c["counts"]["functions"] for c in first["commits"]] == [1, 1, 2]


@pytest.mark.parametrize("case", ["not_a_repo", "bad_range", "empty_range", "unknown_target", "root_outside",
                                  "root_in_no_commit", "every_zero", "bad_url", "no_config", "both_selections"])
def test_bad_input_is_one_line_and_exit_4(capsys, scenario, tmp_path, case):
    repo, shas = scenario
    pyproject = str(repo / "pyproject.toml")
    args = ["--pyproject", pyproject]
    if case == "not_a_repo":
        args += ["--repo", str(tmp_path)]
    elif case == "bad_range":
        args += ["no-such-branch..HEAD"]
    elif case == "empty_range":
        args += ["HEAD..HEAD"]
    elif case == "unknown_target":
        args += ["--target", "nope"]
    elif case == "root_outside":
        other = tmp_path / "elsewhere"
        init_repo(other)
        commit(other, "empty", {"a.txt": "a\n"})
        args += ["--repo", str(other)]
    elif case == "root_in_no_commit":
        (repo / "later").mkdir(exist_ok=True)
        conf = tmp_path / "pyproject.toml"
        conf.write_text(PYPROJECT.replace('root = "src"', f'root = "{repo / "later"}"'))
        args = ["--pyproject", str(conf)]
    elif case == "every_zero":
        args += ["--every", "0"]
    elif case == "bad_url":
        args += ["--commit-url", "javascript:alert(1)//{commit}"]
    elif case == "no_config":
        args = ["--pyproject", str(tmp_path / "missing.toml")]
    elif case == "both_selections":
        args += ["--every", "2", "--first-parent"]
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (4, "")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("ssot history")


def test_history_error_from_the_api(scenario, tmp_path):
    repo, _ = scenario
    with pytest.raises(HistoryError, match="bad revision range"):
        scan_history(scenario_target(repo), "--all")
    with pytest.raises(HistoryError, match="not inside a git working tree"):
        scan_history(scenario_target(repo), repo=tmp_path)


def test_progress_on_a_terminal_never_with_json(capsys, scenario, monkeypatch):
    import pytest_ssot.core.progress as progress_module

    made = []

    class EagerProgress(progress_module.Progress):
        def __init__(self, label: str, stream=None, **kw) -> None:
            super().__init__(label, stream, delay=0.0, interval=0.0, enabled=True)
            made.append(self)

    monkeypatch.setattr(progress_module, "Progress", EagerProgress)
    repo, _ = scenario
    doc = history_json(capsys, repo)  # asserts stderr is empty
    assert doc["commits"] and made == []
    code, out, err = run_cli(capsys, "--pyproject", str(repo / "pyproject.toml"))
    assert code == 0 and len(made) == 1
    assert "ssot history: 0/5 commits" in err and err.endswith("\r")  # the line is cleared at the end


def test_a_commit_that_does_not_parse_is_noted(capsys, tmp_path):
    repo = tmp_path / "repo"
    build_scenario(repo)
    commit(repo, "half-written edit", {"src/ledgerkit/pools/broken.py": "def get_ledger_pool(:\n"})
    (repo / "pyproject.toml").write_text(PYPROJECT)
    doc = history_json(capsys, repo)
    notes = doc["commits"][-1]["notes"]
    assert len(notes) == 1 and notes[0].startswith("ledgerkit/pools/broken.py:1: does not parse")
    assert doc["commits"][-2]["notes"] == []


def test_the_same_over_subprocess_entry_point(scenario, tmp_path):
    """The console script: exit 4 and one line for a bad range, no traceback."""
    repo, _ = scenario
    exe = Path(sys.executable).with_name("ssot")
    proc = subprocess.run([str(exe), "history", "--pyproject", str(repo / "pyproject.toml"), "zzz..HEAD"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 4 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "bad revision range 'zzz..HEAD'" in proc.stderr


def test_narrowed_scans_equal_checkout_scans_on_a_real_shaped_tree(tmp_path):
    """History leaves files it never needed out of later scans; the checkouts say that loses nothing.

    Foreign words (ConnectionHub). A file nobody searched at first holds a name
    that becomes an alias of the hub two commits later: the later scan must
    read it again, as the scan of the checkout does.
    """
    from generated.realtree import FOREIGN, generate, words_pattern

    repo = tmp_path / "repo"
    init_repo(repo)
    truth = generate(repo / "src", 80, words=FOREIGN, seed=3, lines_per_module=30)
    board = "src/backend/services/board.py"
    (repo / board).write_text("from backend.realtime.aliases import Switchboard\n\nDESK = 1\n")
    git(repo, "add", "-A")
    shas = [commit(repo, "generated", {})]
    consumer = sorted((repo / "src/backend/services").rglob("mod*.py"))[0]
    filler = consumer.read_text() + "\n\ndef later(value):\n    return value\n"
    shas.append(commit(repo, "edit a consumer", {str(consumer.relative_to(repo)): filler}))
    shas.append(commit(repo, "an alias of the hub", {
        "src/backend/realtime/aliases.py": f"from .manager import {FOREIGN.cls} as Switchboard\n"}))
    shas.append(commit(repo, "edit again", {str(consumer.relative_to(repo)): filler + "\nX = 2\n"}))
    shas.append(commit(repo, "a second factory", {
        "src/backend/services/extra.py": f"def {FOREIGN.function}():\n    return None\n"}))
    shas.append(commit(repo, "fix #824: alias gone, factory gone", {"src/backend/realtime/aliases.py": None,
                                                                    "src/backend/services/extra.py": None}))
    target = scenario_target(repo, package=truth.package, manager=(f"{truth.package}.realtime.manager:{FOREIGN.cls}",),
                             class_pattern=words_pattern(FOREIGN).pattern, function_name=FOREIGN.function,
                             deprecated_modules=(f"{truth.package}.realtime.legacy",),
                             deprecated_names=(f"{truth.package}.realtime.legacy:Legacy{FOREIGN.cls}",))
    history = scan_history(target)
    assert history.stats["narrowed_scans"] >= 4  # the narrowing was used, not only the full scans
    paths = history.commits[2].checks["import_paths"].items
    assert "backend.services.board.Switchboard" in paths
    assert "backend.services.board.Switchboard" not in history.commits[1].checks["import_paths"].items
    assert_equal_to_checkouts(repo, target, shas, history, tmp_path)


def test_changes_without_a_searched_word_skip_the_scan_and_only_those(tmp_path):
    """A commit editing only files no scan parsed, into bytes without a searched word, costs no scan.

    The deprecated module holds no searched word either, but the checks load it
    (is its deprecated name still defined?): an edit there is scanned.
    """
    from history_support import CORE

    repo = tmp_path / "repo"
    init_repo(repo)
    pkg = "src/ledgerkit/pools"
    shas = [commit(repo, "start", {"src/ledgerkit/__init__.py": "", f"{pkg}/__init__.py": "", f"{pkg}/core.py": CORE,
                                   f"{pkg}/pool_factory.py": "def build_books():\n    return 1\n",
                                   f"{pkg}/notes.py": "WHEN = 'monthly'\n"})]
    shas.append(commit(repo, "notes", {f"{pkg}/notes.py": "WHEN = 'weekly'\n"}))
    shas.append(commit(repo, "fix #1126: build_books gone", {f"{pkg}/pool_factory.py": "def other():\n    return 2\n"}))
    shas.append(commit(repo, "notes name the factory", {f"{pkg}/notes.py": "WHEN = 'weekly'  # get_ledger_pool\n"}))
    target = scenario_target(repo, deprecated_names=(f"{DEPRECATED}:build_books",))
    history = scan_history(target)
    assert history.stats["unseen_changes"] == 1 and history.stats["scans"] == 3
    assert [c.reused for c in history.commits] == [False, True, False, False]
    assert [c.checks["deprecated_names"].count for c in history.commits] == [1, 1, 0, 0]
    assert_equal_to_checkouts(repo, target, shas, history, tmp_path)
