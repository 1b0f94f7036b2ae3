"""The parts of ``ssot history``: the git tree against the file system, each static check, the flags.

The git side must answer exactly as the file system does on a checkout of the
same commit (file walk, module files, ``pkgutil`` listing, scan results), and
each static check must fail on a violating tree and pass on a clean one.
"""

from __future__ import annotations

import itertools
import os
import pkgutil
import sys
from pathlib import Path

import pytest

from history_support import commit, git, init_repo
from pytest_ssot.config.target import Target, Thresholds
from pytest_ssot.config.exclude import DEFAULT_EXCLUDE, Exclusion
from pytest_ssot.history.git_objects import GitRepo, ObjectReader, apply_changes
from pytest_ssot.history.git_scan import BlobCache, BlobFacts, GitTree, GitTreeScanner, virtual_root
from pytest_ssot.history.flags import claimed_issues, find_flags
from pytest_ssot.scan.source_tree import iter_source_files, module_file
from pytest_ssot.scan.static import StaticScanner
from pytest_ssot.history.static_checks import CHECKS, CLEAN, SKIPPED, UNJUDGED, VIOLATION, CheckResult, checkout_snapshot, \
    run_checks

sys.path.insert(0, str(Path(__file__).parent))
from generated.realtree import FOREIGN, generate, words_pattern  # noqa: E402

ODD_TREE = {
    "pkg/__init__.py": "",
    "pkg/a.py": "x = 1\n",
    "pkg/B.py": "y = 2\n",
    "pkg/_private.py": "",
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep_factory.py": "",
    "pkg/sub/z.py": "",
    "pkg/nsdir/only.py": "",  # a folder without __init__: walked by the scan, passed by pkgutil
    "pkg/build/gen.py": "",  # a skipped folder name
    "pkg/.hidden/h.py": "",
    "pkg/__pycache__/c.py": "",
    "pkg/data.txt": "not python\n",
    "pkg/ext.cpython-311-x86_64-linux-gnu.so": "binary",
    "pkg/two.dots.py": "",
    "pkg/tests/test_a.py": "",
    "pkg/conftest.py": "",
    "pkg/alpha_factory.py": "",
    "pkg/zeta/__init__.py": "",
    "pkg/zeta/m.py": "",
    "single.py": "def f():\n    return 1\n",
}


@pytest.fixture(scope="module")
def odd_repo(tmp_path_factory) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("odd") / "repo"
    init_repo(repo)
    sha = commit(repo, "odd tree", {f"src/{rel}": text for rel, text in ODD_TREE.items()})
    os.symlink("a.py", repo / "src/pkg/link_inside.py")  # a symlinked file in the tree: scanned under its real name
    os.symlink("../../outside.py", repo / "src/pkg/link_out.py")
    (repo / "outside.py").write_text("def g():\n    return 2\n")
    git(repo, "add", "src/pkg/link_inside.py", "src/pkg/link_out.py", "outside.py")
    sha = commit(repo, "links", {})
    return repo, sha


def git_tree(repo: Path, sha: str, reader: ObjectReader) -> GitTree:
    git_repo = GitRepo(repo)
    tree_id = reader.lookup(f"{sha}:src")[1]
    return GitTree(git_repo.ls_tree(tree_id), reader, virtual_root(git_repo.toplevel, "src"))


@pytest.mark.parametrize("package", [None, "pkg", "pkg.sub", "single", "absent"])
@pytest.mark.parametrize("exclude", [(), DEFAULT_EXCLUDE])
def test_the_walk_equals_the_file_systems(odd_repo, package, exclude):
    repo, sha = odd_repo
    with ObjectReader(GitRepo(repo)) as reader:
        tree = git_tree(repo, sha, reader)
        on_disk, in_git = Exclusion(exclude), Exclusion(exclude)
        disk = [(sf.module, os.path.relpath(sf.path, repo / "src"), sf.is_package)
                for sf in iter_source_files(repo / "src", package, on_disk)]
        git_files = [(sf.module, tree.rel(sf.path), sf.is_package) for sf in tree.source_files(package, in_git)]
    assert git_files == disk
    assert (in_git.counts, in_git.modules) == (on_disk.counts, on_disk.modules)
    if package in (None, "pkg"):
        assert any(m == "pkg.link_out" for m, _, _ in disk)  # the link leaving the walk's base is kept
        assert not any(m == "pkg.link_inside" for m, _, _ in disk)


def test_module_files_and_pkgutil_equal_the_file_systems(odd_repo):
    repo, sha = odd_repo
    root = repo / "src"
    with ObjectReader(GitRepo(repo)) as reader:
        tree = git_tree(repo, sha, reader)
        for module in ("pkg", "pkg.a", "pkg.sub", "pkg.nsdir", "pkg.nsdir.only", "single", "pkg.link_inside",
                       "pkg.link_out", "pkg.missing", "pkg.data"):
            disk = module_file(str(root), module)
            mine = tree.module_file(module)
            assert (disk is None) == (mine is None), module
            if disk:
                assert (os.path.relpath(disk.path, root), disk.is_package) == (tree.rel(mine.path), mine.is_package)
        for folder in ("pkg", "pkg/sub", "pkg/nsdir", "pkg/zeta", ""):
            expected = [(m.name, m.ispkg) for m in pkgutil.iter_modules([str(root / folder)])]
            assert list(tree.iter_modules(folder)) == expected, folder
        # a link out of the root: a checkout reads the file beside the repository, git objects cannot
        assert tree.read(tree.path("pkg/link_out.py")) is None and "pkg/link_out.py" in tree.unreadable
        assert tree.read(tree.path("pkg/link_inside.py")) == b"x = 1\n"


def test_a_scan_from_git_equals_the_scan_of_the_checkout_on_a_real_shaped_tree(tmp_path):
    """A generated backend (foreign words) over four commits: every scan result field that is not a path or time."""
    repo = tmp_path / "repo"
    init_repo(repo)
    truth = generate(repo / "src", 120, words=FOREIGN, seed=7, lines_per_module=40)
    git(repo, "add", "-A")
    shas = [commit(repo, "generated", {})]
    core = "src/backend/realtime"
    shas.append(commit(repo, "a second hub", {f"{core}/extra.py": "class ExtraConnectionHub:\n    pass\n\n\n"
                                              "def get_connection_hub():\n    return ExtraConnectionHub()\n"}))
    shas.append(commit(repo, "drop the legacy hub", {f"{core}/legacy.py": None}))
    shas.append(commit(repo, "broken file", {f"{core}/broken.py": "class BrokenConnectionHub(:\n"}))
    pattern = words_pattern(FOREIGN).pattern
    git_repo = GitRepo(repo)
    facts = BlobFacts()  # shared as ``ssot history`` shares them: proofs and chase verdicts cross scans
    caches = (BlobCache(facts), BlobCache(facts))
    with ObjectReader(git_repo) as reader:
        listing: dict = {}
        for i, sha in enumerate(shas):
            tree_id = reader.lookup(f"{sha}:src")[1]
            listing = git_repo.ls_tree(tree_id)
            tree = GitTree(listing, reader, virtual_root(git_repo.toplevel, "src"))
            checkout = tmp_path / f"c{i}"
            git(repo, "worktree", "add", "-q", "--detach", str(checkout), sha)
            for package, cache in ((truth.package, caches[0]), (None, caches[1])):
                mine = GitTreeScanner(tree, cache, package, pattern, [FOREIGN.function], ("backend.realtime.legacy",),
                                      None).run()
                disk = StaticScanner(checkout / "src", package, pattern, [FOREIGN.function],
                                     ("backend.realtime.legacy",), None, True, None).run()
                assert _comparable(mine, tree.vroot) == _comparable(disk, os.path.realpath(checkout / "src")), (i, package)
            git(repo, "worktree", "remove", "--force", str(checkout))
    assert _comparable(mine, tree.vroot)["parse_errors"] == ["backend/realtime/broken.py"]


def _comparable(result, root: str) -> dict:
    def rel(path: str) -> str:
        return os.path.relpath(path, root)
    return dict(
        classes=[(d.dotted, d.kind, d.paths, rel(d.file), d.line) for d in result.classes],
        other=[(d.dotted, d.kind, d.paths) for d in result.other_classes],
        functions=[(d.dotted, d.kind, d.paths, d.wraps) for d in result.functions],
        importers=[(s.importer, rel(s.file), s.line, s.imported, s.statement) for s in result.importers],
        parse_errors=[rel(e.file) for e in result.parse_errors],
        excluded=result.excluded, files=result.files_scanned)


# -- every static check fails on a violating tree and passes on a clean one ------------------------

BAD = {
    "books/__init__.py": "",
    "books/pools/__init__.py": "from .core import LedgerPool as LedgerPool\nfrom .core import LedgerPool as Pool\n",
    "books/pools/core.py": "class LedgerPool:\n    pass\n\n\ndef get_ledger_pool():\n    return LedgerPool()\n",
    "books/pools/second.py": "class LedgerPool:\n    pass\n\n\ndef get_ledger_pool(x=1):\n    return x\n",
    "books/pools/more.py": "from typing import Protocol\n\n\nclass LedgerPoolA:\n    pass\n\n\n"
                           "class LedgerPoolB:\n    pass\n\n\nclass LedgerPoolShape(Protocol):\n    pass\n",
    "books/pools/pool_factory.py": "def make_ledger_pool():\n    return 1\n",
    "books/pools/user.py": "from books.pools.pool_factory import make_ledger_pool\n",
    "books/other/__init__.py": "",
    "books/other/elsewhere.py": "class LedgerPoolElsewhere:\n    pass\n",
}
GOOD = {
    "books/__init__.py": "",
    "books/pools/__init__.py": "from .core import LedgerPool as LedgerPool\n",
    "books/pools/core.py": "class LedgerPool:\n    pass\n\n\ndef get_ledger_pool():\n    return LedgerPool()\n",
    "books/pools/shim.py": "from .core import get_ledger_pool as _impl\n\n\ndef get_ledger_pool():\n    return _impl()\n",
}


def _target(root: Path, **changes) -> Target:
    values = dict(name="books", root=root, package="books.pools", manager=("books.pools.core:LedgerPool",),
                  class_pattern="LedgerPool", function_name="get_ledger_pool",
                  deprecated_modules=("books.pools.pool_factory",),
                  deprecated_names=("books.pools.pool_factory:make_ledger_pool",),
                  thresholds=Thresholds(max_redundant_implementations=3, max_import_paths=3))
    values.update(changes)
    return Target(**values)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize("check", [c.name for c in CHECKS if c.name != "other_classes"])
def test_each_check_fails_on_a_violation_and_passes_when_clean(tmp_path, check):
    bad, good = _write(tmp_path / "bad", BAD), _write(tmp_path / "good", GOOD)
    broken = run_checks(checkout_snapshot(_target(bad)), _target(bad))[check]
    fixed = run_checks(checkout_snapshot(_target(good)), _target(good))[check]
    assert broken.state == VIOLATION and broken.count > 0 and broken.reason, broken
    assert fixed.state == CLEAN and fixed.reason is None, fixed


def test_what_the_checks_count_on_the_violating_tree(tmp_path):
    bad = _write(tmp_path / "bad", BAD)
    results = run_checks(checkout_snapshot(_target(bad)), _target(bad))
    assert results["functions"].items == ("books.pools.core.get_ledger_pool", "books.pools.second.get_ledger_pool")
    assert results["class_named"].count == 2 and results["manager_classes"].count == 4
    assert results["codebase_classes"].count == 5
    assert results["other_classes"] == CheckResult("other_classes", CLEAN, 1, ("protocol books.pools.more.LedgerPoolShape",))
    assert results["import_paths"].items == ("books.pools.LedgerPool", "books.pools.Pool", "books.pools.core.LedgerPool",
                                             "books.pools.second.LedgerPool")
    assert results["deprecated_importers"].items == ("import of books.pools.pool_factory in books.pools.user",)
    assert results["forbidden_factory_modules"].items == ("books.pools.pool_factory",)


def test_checks_that_cannot_judge_say_so(tmp_path):
    empty = _write(tmp_path / "empty", {"books/__init__.py": ""})
    target = _target(empty, deprecated_modules=(), deprecated_names=())
    results = run_checks(checkout_snapshot(target), target)
    assert results["functions"].state == UNJUDGED and "no get_ledger_pool function found" in results["functions"].reason
    assert results["forbidden_factory_modules"].state == UNJUDGED
    assert results["deprecated_modules"].state == results["deprecated_names"].state == SKIPPED
    assert "lists no deprecated_modules" in results["deprecated_modules"].reason


# -- flags --------------------------------------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    ("fix #824 complete", [824]),
    ("Fixes #824 and closes issue 1126", [824, 1126]),
    ("Consolidation: issue #960 consolidated", [960]),
    ("resolve ISSUE 824", [824]),
    ("Refactor for #824\n\nfixed the typo", []),  # the fixing word is on another line
    ("fix #8245", []),  # another number
    ("fixture for #824", []),  # not a fixing word
    ("fix #777", []),  # not a configured issue
    ("WIP #824", []),
])
def test_claims_in_commit_messages(message, expected):
    assert claimed_issues(message, {824: "open", 960: "open", 1126: "open"}) == expected


def _series(*counts: tuple[int, str, tuple[str, ...]], message: str = "") -> list:
    from pytest_ssot.history.git_objects import Commit

    out = []
    for i, (count, state, items) in enumerate(counts):
        checks = {"functions": CheckResult("functions", state, count, items),
                  "other_classes": CheckResult("other_classes", CLEAN, count, ())}
        out.append((Commit(f"c{i}", (), "2026-01-01", "a", message if i == 1 else f"step {i}"), checks))
    return out


def test_a_rise_is_a_regression_only_after_a_fall():
    static = {824: ("functions",)}
    rise = find_flags(_series((1, CLEAN, ("a",)), (2, VIOLATION, ("a", "b"))), {824: "open"}, static)
    assert [f.kind for f in rise] == ["first_clean"]
    back = find_flags(_series((2, VIOLATION, ("a", "b")), (1, CLEAN, ("a",)), (1, CLEAN, ("a",)),
                              (3, VIOLATION, ("a", "b", "c"))), {824: "open"}, static)
    assert [(f.kind, f.commit) for f in back] == [("first_clean", "c1"), ("regression", "c3")]
    assert back[1].findings == {"functions": ["b", "c"]} and back[1].returning == ["b"]
    # a count that could not be judged (the package was missing) is no fall
    gap = find_flags(_series((2, VIOLATION, ("a", "b")), (0, UNJUDGED, ()), (2, VIOLATION, ("a", "b"))),
                     {824: "open"}, static)
    assert gap == []
    # listings (other_classes) are not followed
    assert all(f.check != "other_classes" for f in back)


def test_claims_shown_unshown_and_unjudged():
    static = {824: ("functions",)}
    unshown = find_flags(_series((3, VIOLATION, ("a", "b", "c")), (2, VIOLATION, ("a", "b")), message="fix #824"),
                         {824: "open"}, static)
    assert [(f.kind, f.commit, f.issue) for f in unshown] == [("claimed_not_shown", "c1", 824)]
    assert unshown[0].findings == {"functions": ["a", "b"]}
    shown = find_flags(_series((2, VIOLATION, ("a", "b")), (1, CLEAN, ("a",)), message="fix #824"),
                       {824: "open"}, static)
    assert [f.kind for f in shown] == ["first_clean"]
    unjudged = find_flags(_series((2, VIOLATION, ("a", "b")), (0, UNJUDGED, ()), message="fix #824"),
                          {824: "open"}, static)
    assert [f.kind for f in unjudged] == ["claim_unjudged"]
    none = find_flags(_series((2, VIOLATION, ("a", "b")), (2, VIOLATION, ("a", "b")), message="fix #889"),
                      {824: "open", 889: "open"}, static)
    assert [(f.kind, f.issue) for f in none] == [("claim_unjudged", 889)] and "no static checks" in none[0].text


POOLS = "src/ledgerkit/pools"


def _pools_repo(repo: Path, more: dict[str, str]) -> str:
    """A repository whose first commit holds one ledger pool and its factory, and ``more``; its sha."""
    init_repo(repo)
    return commit(repo, "first", {
        "src/ledgerkit/__init__.py": "", f"{POOLS}/__init__.py": "",
        f"{POOLS}/core.py": "class LedgerPool:\n    pass\n\n\ndef get_ledger_pool():\n    return LedgerPool()\n", **more})


def test_a_narrowed_scan_that_loads_a_left_out_file_is_done_again(tmp_path):
    """The guard behind narrowing: a file left out but loaded to resolve a name sends the scan back over every file."""
    from pytest_ssot.history.incremental import scan_tree

    repo, pkg = tmp_path / "repo", POOLS
    first = _pools_repo(repo, {f"{pkg}/plain.py": "def helper():\n    return 1\n", f"{pkg}/user.py": "X = 1\n"})
    second = commit(repo, "user imports plain", {
        f"{pkg}/user.py": "from ledgerkit.pools.plain import helper\nfrom ledgerkit.pools.core import LedgerPool\n"})
    git_repo = GitRepo(repo)
    cache = BlobCache()
    args = ("ledgerkit.pools", "LedgerPool", ["get_ledger_pool"], (), None)
    with ObjectReader(git_repo) as reader:
        before = GitTree(git_repo.ls_tree(reader.lookup(f"{first}:src")[1]), reader, virtual_root(git_repo.toplevel, "src"))
        _s, _r, memory = scan_tree(before, cache, *args)
        assert "ledgerkit/pools/plain.py" in memory.unread
        listing = dict(before.listing)
        changed = set(git_repo.diff_tree(reader.lookup(f"{first}:src")[1], reader.lookup(f"{second}:src")[1], listing)[0])
        after = GitTree(listing, reader, virtual_root(git_repo.toplevel, "src"))
        scanner, result, _m = scan_tree(after, cache, *args, memory=memory, changed=changed)
        assert not scanner.narrowed  # plain.py was loaded to resolve `helper`: scanned again over every file
        full = GitTreeScanner(after, BlobCache(), *args).run()
        assert _comparable(result, after.vroot) == _comparable(full, after.vroot)
        # a change that needs nothing left out stays narrowed
        third = commit(repo, "plain edit elsewhere", {f"{pkg}/user.py": "from ledgerkit.pools.core import LedgerPool\n"})
        changed = set(git_repo.diff_tree(reader.lookup(f"{second}:src")[1], reader.lookup(f"{third}:src")[1], listing)[0])
        again = GitTree(listing, reader, virtual_root(git_repo.toplevel, "src"))
        scanner, _r, _m = scan_tree(again, cache, *args, memory=_m, changed=changed)
        assert scanner.narrowed


def test_the_diffs_of_many_tree_pairs_in_one_process_equal_one_diff_each(tmp_path):
    """Added, deleted, modified, a mode change, a file turned symlink, a folder turned file, no change at all."""
    repo = tmp_path / "repo"
    init_repo(repo)
    shas = [commit(repo, "first", {"src/a.py": "A = 1\n", "src/b.py": "B = 1\n", "src/d/x.py": "", "src/e.py": ""})]
    shas.append(commit(repo, "edit, add, delete", {"src/a.py": "A = 2\n", "src/c.py": "", "src/b.py": None}))
    (repo / "src/e.py").chmod(0o755)
    git(repo, "add", "src/e.py")
    shas.append(commit(repo, "mode", {}))
    (repo / "src/a.py").unlink()
    os.symlink("c.py", repo / "src/a.py")
    git(repo, "add", "src/a.py")
    shas.append(commit(repo, "a symlink now", {}))
    shas.append(commit(repo, "a folder turned file", {"src/d/x.py": None, "src/d": "D = 1\n"}))
    git_repo = GitRepo(repo)
    with ObjectReader(git_repo) as reader:
        trees = [reader.lookup(f"{sha}:src")[1] for sha in shas]
    pairs = [*itertools.pairwise(trees), (trees[1], trees[1]), (trees[4], trees[0]), (trees[2], trees[2])]
    calls = []
    real_run = git_repo.run
    git_repo.run = lambda args, **kw: calls.append((args, kw.get("timeout"))) or real_run(args, **kw)
    batched = git_repo.diff_trees(pairs)
    # one process read them all (its output was understood: no pair was asked again), with a budget per diff
    assert [(args[-1], timeout) for args, timeout in calls] == [("--stdin", git_repo.timeout * len(pairs))]
    assert batched == [git_repo.diff_trees([pair])[0] for pair in pairs]
    assert batched[-3] == batched[-1] == []
    assert {status for changes in batched for status, *_ in changes} >= {"A", "D", "M", "T"}
    for (old, new), changes in zip(pairs, batched):
        listing = git_repo.ls_tree(old)
        apply_changes(changes, listing)
        assert listing == git_repo.ls_tree(new)


def test_a_new_star_word_narrows_unless_a_left_out_file_star_imports(tmp_path):
    """A new match's module name matters only to files with a star import: others stay left out, exactly."""
    from pytest_ssot.history.incremental import scan_tree

    repo, pkg = tmp_path / "repo", POOLS
    shas = [_pools_repo(repo, {f"{pkg}/notes.py": "# the spare module will come\nX = 1\n"})]
    spare = "def get_ledger_pool(x=1):\n    return x\n"
    shas.append(commit(repo, "a second factory in spare.py", {f"{pkg}/spare.py": spare}))
    shas.append(commit(repo, "a star import of it", {f"{pkg}/spare.py": None,
                                                      f"{pkg}/user.py": "from ledgerkit.pools.spare import *\n"}))
    shas.append(commit(repo, "spare.py back", {f"{pkg}/spare.py": spare}))
    git_repo = GitRepo(repo)
    args = ("ledgerkit.pools", "LedgerPool", ["get_ledger_pool"], (), None)
    narrowed = []
    with ObjectReader(git_repo) as reader:
        trees = [reader.lookup(f"{sha}:src")[1] for sha in shas]
        listing = git_repo.ls_tree(trees[0])
        cache = BlobCache()
        vroot = virtual_root(git_repo.toplevel, "src")
        _s, _r, memory = scan_tree(GitTree(dict(listing), reader, vroot), cache, *args)
        for old, new in itertools.pairwise(trees):
            changed = set(apply_changes(git_repo.diff_trees([(old, new)])[0], listing)[0])
            tree = GitTree(dict(listing), reader, vroot)
            scanner, result, memory = scan_tree(tree, cache, *args, memory=memory, changed=changed)
            narrowed.append(scanner.narrowed)
            full = GitTreeScanner(tree, BlobCache(), *args).run()
            assert _comparable(result, tree.vroot) == _comparable(full, tree.vroot)
    # notes.py holds "spare" but no star import: left out; user.py star-imports spare: every file again
    assert narrowed == [True, True, False]
    assert [d.paths for d in result.functions if d.module.endswith("spare")] == [
        ("ledgerkit.pools.spare.get_ledger_pool", "ledgerkit.pools.user.get_ledger_pool")]


def test_a_proof_made_by_one_scan_holds_for_the_other(tmp_path):
    """Both scans of a run share what holds of a blob whatever the query: that it parses."""
    repo = tmp_path / "repo"
    init_repo(repo)
    sha = commit(repo, "one file", {"src/m.py": "X = 1\n"})
    facts = BlobFacts()
    mine, other, alone = BlobCache(facts), BlobCache(facts), BlobCache()
    with ObjectReader(GitRepo(repo)) as reader:
        tree = git_tree(repo, sha, reader)
        path = tree.path("m.py")
        for cache in (mine, other, alone):
            cache.tree = tree
            cache.put(path, (0, 0), summary=None, cut=3, valid=[])
        mine.put(path, (0, 0), parses=True)
        assert other.get(path, (0, 0))["parses"] is True
        assert "parses" not in alone.get(path, (0, 0))


# -- the chase's memo: a verdict on the rest of a partial file holds for its cut only ------------

ALIAS = "from ledgerkit.pools.core import LedgerPool as {}\n"


def test_a_chase_verdict_on_the_rest_of_a_file_is_kept_per_cut(tmp_path):
    """The two scans of a commit cut one blob at two places; the second must not take the first's verdict.

    The whole-root scan cuts user.py after its first line; the package scan after its import of the
    deprecated module (its importer word makes that line a candidate). Between the cuts, user.py binds
    the alias word ``Pool``, the only word both scans chase: the rest after the package scan's cut binds
    nothing, the rest after the whole-root scan's cut binds it.
    """
    from pytest_ssot.history.incremental import scan_tree

    repo = tmp_path / "repo"
    sha = _pools_repo(repo, {f"{POOLS}/__init__.py": ALIAS.format("Pool"), f"{POOLS}/user.py": (
        "from .core import LedgerPool\nfrom . import Pool\nfrom ledgerkit.legacy import pool_factory\nX = 1\n")})
    checkout = tmp_path / "checkout"
    git(repo, "worktree", "add", "-q", "--detach", str(checkout), sha)
    facts = BlobFacts()  # shared by the two scans, in history's order: the package one first
    with ObjectReader(GitRepo(repo)) as reader:
        tree = git_tree(repo, sha, reader)
        for package, importers in (("ledgerkit.pools", ("ledgerkit.legacy.pool_factory",)), (None, ())):
            args = (package, "LedgerPool", ["get_ledger_pool"], importers)
            _scanner, mine, _memory = scan_tree(tree, BlobCache(facts), *args, None)
            disk = StaticScanner(checkout / "src", *args, None, True, None).run()
            assert _comparable(mine, tree.vroot) == _comparable(disk, os.path.realpath(checkout / "src")), package
            assert "ledgerkit.pools.user.Pool" in mine.classes[0].paths
        user = tree.oid_at(tree.path("ledgerkit/pools/user.py"))
    # the scene holds: one question about user.py's blob, asked at two cuts, answered no and yes
    asked = {key[1:]: verdict for (oid, key), verdict in facts.chase.items() if oid == user and key[0] == "rest"}
    assert len(asked) == 2 and len({words for _cut, words in asked}) == 1
    assert sorted(asked.values()) == [False, True]


def test_a_chase_verdict_the_whole_root_scan_left_does_not_answer_the_package_scan_later(tmp_path, monkeypatch):
    """The same question at two cuts of an unchanged blob, a commit apart: history's checks equal the checkouts'.

    user.py never changes. The package scan cuts it after its first line (the deprecated module's word).
    The whole-root scan leaves it unread at first, reads it for the alias words Pool and Thing and cuts it
    after its third line; its cache keeps that cut for the commits after, where it chases Pool alone and
    the rest binds nothing. Then the package scan chases Pool too: the rest after its own cut binds it.
    """
    import dataclasses

    from pytest_ssot.history.build import scan_history

    repo = tmp_path / "repo"
    user = ("from ledgerkit.legacy import pool_factory\nfrom ledgerkit.api import Pool\n"
            "from ledgerkit.api import Thing\nX = 1\n")
    shas = [_pools_repo(repo, {f"{POOLS}/user.py": user,
                               "src/ledgerkit/api.py": ALIAS.format("Pool") + ALIAS.format("Thing")})]
    shas.append(commit(repo, "one alias less", {"src/ledgerkit/api.py": ALIAS.format("Pool")}))
    shas.append(commit(repo, "the alias in the package", {f"{POOLS}/__init__.py": ALIAS.format("Pool")}))
    asked: list[tuple[str | None, tuple, bool]] = []  # (scan's package, question, verdict) about user.py
    chase_verdict = GitTreeScanner._chase_verdict

    def recording(self, path, key, judge):
        verdict = chase_verdict(self, path, key, judge)
        if path.endswith("/pools/user.py") and key[0] == "rest":
            asked.append((self.package or None, key[1:], verdict))
        return verdict
    monkeypatch.setattr(GitTreeScanner, "_chase_verdict", recording)
    target = _target(repo / "src", package="ledgerkit.pools", manager=("ledgerkit.pools.core:LedgerPool",),
                     deprecated_modules=("ledgerkit.legacy.pool_factory",), deprecated_names=())
    history = scan_history(target)
    assert [c.commit.sha for c in history.commits] == shas
    for i, sha in enumerate(shas):
        checkout = tmp_path / f"checkout{i}"
        git(repo, "worktree", "add", "-q", "--detach", str(checkout), sha)
        local = dataclasses.replace(target, root=checkout / "src")
        assert run_checks(checkout_snapshot(local), local) == history.commits[i].checks, i
    assert "ledgerkit.pools.user.Pool" in history.commits[-1].checks["import_paths"].items
    # the scene holds: the whole-root scan asked first, at its late cut (no); the package scan at its early one (yes)
    (whole, (late, words), no), (package, (early, same), yes) = asked[:2]
    assert (whole, package, no, yes, same) == (None, "ledgerkit.pools", False, True, words) and early < late
