"""Issue 12, items 4-8: what whole-tree scans of real codebases got wrong.

Every case is a small generated package with foreign names
(``realtime.ConnectionManager`` / ``get_connection_manager``), scanned both ways;
both scans must give the same answer, and the right one:

4. test doubles are excluded (by globs the result names), protocols, enums and
   exception classes are their own kind, never implementations;
5. a function that only forwards its parameters is a shim;
6. a symlink loop does not multiply a class;
7. a namespace subpackage (no ``__init__.py``) is scanned at run time too;
8. a module that ends the interpreter, or replaces ``sys.stdout``, is one
   module's problem, never the whole scan's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_ssot.scan.assertions import assert_max_implementations
from pytest_ssot.cli import main
from pytest_ssot.config.exclude import DEFAULT_EXCLUDE, Exclusion
from pytest_ssot.scan.findings import CLASS, ENUM, EXCEPTION, IMPLEMENTATION, PROTOCOL, SHIM
from pytest_ssot.scan.entry import scan_runtime, scan_static

PKG = "realtime"
PATTERN = r"ConnectionManager"
FUNC = "get_connection_manager"
CANONICAL = f"{PKG}.conn.ConnectionManager"

CONN = f"""\
class ConnectionManager:
    def __init__(self, user=None):
        self.user = user


def {FUNC}(user):
    return ConnectionManager(user)
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def both(root: Path, **kwargs):
    """(static, runtime) results of the same tree."""
    static = scan_static(root, PKG, PATTERN, [FUNC], **kwargs)
    runtime = scan_runtime(root, PKG, PATTERN, [FUNC], timeout=60, **kwargs)
    return static, runtime


def dotted(defs) -> list[str]:
    return sorted(d.dotted for d in defs)


def kinds(defs) -> dict[str, str]:
    return {d.dotted: d.kind for d in defs}


# -- 4. test doubles, and classes that are not implementations -------------------


DOUBLES = {
    f"{PKG}/__init__.py": "",
    f"{PKG}/conn.py": CONN,
    f"{PKG}/tests/__init__.py": "",
    f"{PKG}/tests/test_conn.py": "class MockConnectionManager:\n    pass\n",
    f"{PKG}/tests/helpers.py": "class StubConnectionManager:\n    pass\n",
    f"{PKG}/conftest.py": "class FakeConnectionManager:\n    pass\n",
    f"{PKG}/mocks/__init__.py": "class MockedConnectionManager:\n    pass\n",
    f"{PKG}/conn_test.py": "class OtherConnectionManager:\n    pass\n",
}


def test_test_doubles_are_excluded_by_default_and_counted(tmp_path):
    root = write(tmp_path, DOUBLES)
    for result in both(root):
        assert dotted(result.classes) == [CANONICAL], result.mode
        assert result.excluded == {"**/tests/**": 3, "**/conftest.py": 1, "**/mocks/**": 1, "**/*_test.py": 1}, \
            result.mode
        assert_max_implementations(result, 1)


def test_exclude_is_configurable_and_empty_means_everything(tmp_path):
    root = write(tmp_path, DOUBLES)
    for result in both(root, exclude=()):
        assert len(result.classes) == 6 and result.excluded == {}, result.mode
    for result in both(root, exclude=["**/mocks/**"]):
        assert dotted(result.classes) == sorted([
            CANONICAL, f"{PKG}.conftest.FakeConnectionManager", f"{PKG}.conn_test.OtherConnectionManager",
            f"{PKG}.tests.helpers.StubConnectionManager", f"{PKG}.tests.test_conn.MockConnectionManager",
        ]), result.mode
        assert result.excluded == {"**/mocks/**": 1}, result.mode


def test_excluded_file_reexported_by_a_kept_module_is_not_matched(tmp_path):
    """A double imported by shipped code is still a double: both scans leave it out."""
    root = write(tmp_path, {**DOUBLES, f"{PKG}/__init__.py": "from realtime.mocks import MockedConnectionManager\n"})
    static, runtime = both(root)
    assert dotted(static.classes) == dotted(runtime.classes) == [CANONICAL]


def test_exclude_globs_match_whole_path_segments():
    rules = Exclusion(DEFAULT_EXCLUDE)
    assert rules.match("tests/x.py") == "**/tests/**"
    assert rules.match("app/tests/deep/x.py") == "**/tests/**"
    assert rules.match("app/test_x.py") == "**/test_*.py"
    assert rules.match("conftest.py") == "**/conftest.py"
    for kept in ("app/contests/x.py", "app/latest_x.py", "app/testing.py", "app/mocks.py", "app/attest/x.py"):
        assert rules.match(kept) is None, kept
    assert Exclusion(["app/*.py"]).match("app/sub/x.py") is None


KINDS = {
    f"{PKG}/__init__.py": "",
    f"{PKG}/conn.py": CONN,
    f"{PKG}/base.py": "class BaseFailure(Exception):\n    pass\n",
    f"{PKG}/kinds.py": (
        "import enum\nfrom enum import IntEnum\nfrom typing import Generic, Protocol, TypeVar\n\n"
        "from realtime.base import BaseFailure\n\nT = TypeVar('T')\n\n\n"
        "class ConnectionManagerMode(enum.Enum):\n    A = 'a'\n\n\n"
        "class ConnectionManagerLevel(IntEnum):\n    LOW = 1\n\n\n"
        "class ConnectionManagerProtocol(Protocol):\n    def connect(self) -> None: ...\n\n\n"
        "class GenericConnectionManagerProtocol(Protocol[T]):\n    def get(self) -> T: ...\n\n\n"
        "class ConnectionManagerError(RuntimeError):\n    pass\n\n\n"
        "class ConnectionManagerFailure(BaseFailure):\n    pass\n\n\n"
        "class ConcreteConnectionManager(ConnectionManagerProtocol):\n"
        "    def connect(self) -> None:\n        return None\n"
    ),
}


def test_protocols_enums_and_exceptions_are_their_own_kind(tmp_path):
    root = write(tmp_path, KINDS)
    expected = {
        f"{PKG}.kinds.ConnectionManagerMode": ENUM,
        f"{PKG}.kinds.ConnectionManagerLevel": ENUM,
        f"{PKG}.kinds.ConnectionManagerProtocol": PROTOCOL,
        f"{PKG}.kinds.GenericConnectionManagerProtocol": PROTOCOL,
        f"{PKG}.kinds.ConnectionManagerError": EXCEPTION,
        f"{PKG}.kinds.ConnectionManagerFailure": EXCEPTION,
    }
    for result in both(root):
        # a class implementing a protocol (without listing Protocol itself) is an implementation
        assert kinds(result.classes) == {CANONICAL: CLASS, f"{PKG}.kinds.ConcreteConnectionManager": CLASS}, \
            result.mode
        assert kinds(result.other_classes) == expected, result.mode
        assert all(d.paths for d in result.other_classes)


# -- 5. plain delegating wrappers --------------------------------------------------

SHIMS = {
    f"{PKG}/__init__.py": "",
    f"{PKG}/conn.py": CONN,
    f"{PKG}/returned.py": f"from realtime.conn import {FUNC} as _impl\n\n\ndef {FUNC}(user):\n    return _impl(user)\n",
    f"{PKG}/awaited.py": (
        f"from realtime import conn\n\n\nasync def {FUNC}(user, *, cached=True):\n"
        f"    \"\"\"Old callers.\"\"\"\n    return await conn.{FUNC}(user, cached=cached)\n"
    ),
    f"{PKG}/bare.py": f"from realtime import returned\n\n\ndef {FUNC}(*args, **kwargs):\n    returned.{FUNC}(*args, **kwargs)\n",
    # not shims: they add, drop or change something, or construct
    f"{PKG}/extra.py": f"from realtime.conn import {FUNC} as _impl\n\n\ndef {FUNC}(user):\n    return _impl(user, True)\n",
    f"{PKG}/dropped.py": f"from realtime.conn import {FUNC} as _impl\n\n\ndef {FUNC}(user, region):\n    return _impl(user)\n",
    f"{PKG}/builds.py": f"from realtime.conn import ConnectionManager\n\n\ndef {FUNC}(user):\n    return ConnectionManager(user)\n",
    f"{PKG}/logs.py": (
        f"from realtime.conn import {FUNC} as _impl\n\n\ndef {FUNC}(user):\n    print(user)\n    return _impl(user)\n"
    ),
}


def test_a_function_that_only_forwards_its_parameters_is_a_shim(tmp_path):
    root = write(tmp_path, SHIMS)
    static, runtime = both(root)
    target = f"{PKG}.conn.{FUNC}"
    expected = {f"{PKG}.{m}.{FUNC}": SHIM for m in ("returned", "awaited", "bare")}
    expected.update({f"{PKG}.{m}.{FUNC}": IMPLEMENTATION for m in ("conn", "extra", "dropped", "builds", "logs")})
    for result in (static, runtime):
        assert kinds(result.functions) == expected, result.mode
        # a chain of forwarders ends at the function doing the work
        assert {d.dotted: d.wraps for d in result.functions if d.kind == SHIM} == dict.fromkeys(
            (f"{PKG}.returned.{FUNC}", f"{PKG}.awaited.{FUNC}", f"{PKG}.bare.{FUNC}"), target), result.mode
        assert len(result.implementations(FUNC)) == 5


# -- 6. symlink loops ----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_loop_does_not_multiply_a_class(tmp_path):
    root = write(tmp_path, {f"{PKG}/__init__.py": "", f"{PKG}/conn.py": CONN, f"{PKG}/sub/__init__.py": ""})
    os.symlink("..", root / PKG / "sub" / "loop")  # realtime.sub.loop.sub.loop... is the same tree
    static, runtime = both(root)
    for result in (runtime, static):
        assert dotted(result.classes) == [CANONICAL], result.mode
        assert result.classes[0].paths == (CANONICAL,), result.mode
        assert dotted(result.functions) == [f"{PKG}.conn.{FUNC}"], result.mode
    assert runtime.import_errors == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlinked_file_is_one_module(tmp_path):
    root = write(tmp_path, {f"{PKG}/__init__.py": "", f"{PKG}/conn.py": CONN})
    os.symlink("conn.py", root / PKG / "conn_link.py")  # one file under two names
    for result in both(root):
        assert dotted(result.classes) == [CANONICAL], result.mode


# -- 7. namespace subpackages ---------------------------------------------------------


def test_a_namespace_subpackage_is_scanned_at_run_time_too(tmp_path):
    root = write(tmp_path, {
        f"{PKG}/__init__.py": "",
        f"{PKG}/conn.py": CONN,
        f"{PKG}/legacy/manager.py": "class ConnectionManager:\n    pass\n",  # no __init__.py
        f"{PKG}/legacy/deeper/more.py": f"def {FUNC}(user):\n    return None\n",
    })
    static, runtime = both(root)
    for result in (static, runtime):
        assert dotted(result.classes) == [CANONICAL, f"{PKG}.legacy.manager.ConnectionManager"], result.mode
        assert dotted(result.functions) == [f"{PKG}.conn.{FUNC}", f"{PKG}.legacy.deeper.more.{FUNC}"], result.mode
    assert runtime.import_errors == []


# -- 8. hostile modules ---------------------------------------------------------------

HOSTILE = {
    f"{PKG}/__init__.py": "",
    f"{PKG}/conn.py": CONN,
    f"{PKG}/exits.py": "import os\nos._exit(3)\n",
    f"{PKG}/later.py": "class LateConnectionManager:\n    pass\n",
}


def test_a_module_that_ends_the_interpreter_is_an_import_error_and_the_scan_goes_on(tmp_path):
    root = write(tmp_path, HOSTILE)
    static, runtime = both(root)
    assert [(e.module, e.error_type) for e in runtime.import_errors] == [(f"{PKG}.exits", "InterpreterExit")]
    assert "exit code 3" in runtime.import_errors[0].message
    assert dotted(runtime.classes) == dotted(static.classes) == [CANONICAL, f"{PKG}.later.LateConnectionManager"]


def test_a_module_killed_by_a_signal_is_named(tmp_path):
    root = write(tmp_path, {**HOSTILE, f"{PKG}/exits.py": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"})
    runtime = scan_runtime(root, PKG, PATTERN, [FUNC], timeout=60)
    assert [e.module for e in runtime.import_errors] == [f"{PKG}.exits"]
    assert "SIGKILL" in runtime.import_errors[0].message


def test_a_module_that_replaces_or_closes_stdout_does_not_silence_the_scan(tmp_path):
    root = write(tmp_path, {
        **HOSTILE,
        f"{PKG}/exits.py": "import io, os, sys\nsys.stdout = io.StringIO()\nsys.stderr = io.StringIO()\n",
        f"{PKG}/zcloses.py": "import os\nos.close(1)\n",
    })
    runtime = scan_runtime(root, PKG, PATTERN, [FUNC], timeout=60)
    assert runtime.import_errors == []  # nothing failed: the modules imported, the scan kept its own channel
    assert dotted(runtime.classes) == [CANONICAL, f"{PKG}.later.LateConnectionManager"]


def test_cli_runtime_scan_names_the_module_and_exits_0(tmp_path, capsys):
    root = write(tmp_path, HOSTILE)
    code = main(["scan", "--root", str(root), "--package", PKG, "--class-pattern", PATTERN,
                 "--function", FUNC, "--runtime"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"import error: {PKG}.exits: InterpreterExit" in out
    assert "LateConnectionManager" in out


def test_cli_dead_child_with_no_module_to_blame_is_one_line(tmp_path, capsys):
    root = write(tmp_path, {f"{PKG}/__init__.py": "", f"{PKG}/conn.py": CONN})
    fake = tmp_path / "fakepython"
    fake.write_text("#!/bin/sh\nexit 7\n")
    fake.chmod(0o755)
    code = main(["scan", "--root", str(root), "--package", PKG, "--runtime", "--python", str(fake)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.count("\n") == 1 and "exited with code 7" in captured.err
    assert "Traceback" not in captured.err


# -- ssot scan wording --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["--static", "--runtime"])
def test_cli_says_what_it_searched_for_and_what_it_excluded(tmp_path, capsys, mode):
    root = write(tmp_path, DOUBLES)
    assert main(["scan", "--root", str(root), "--package", PKG, "--class-pattern", "Nothing",
                 "--function", "make_nothing", "--no-cache", mode]) == 0
    out = capsys.readouterr().out
    assert "nothing matched: no class name matching 'Nothing', no function named make_nothing" in out
    assert "6 files excluded (3 by **/tests/**, 1 by **/*_test.py, 1 by **/conftest.py, 1 by **/mocks/**)" in out


def test_cli_exclude_options(tmp_path, capsys):
    root = write(tmp_path, DOUBLES)
    args = ["scan", "--root", str(root), "--package", PKG, "--class-pattern", PATTERN, "--no-cache", "--json"]
    assert main([*args, "--no-default-exclude"]) == 0
    assert len(json.loads(capsys.readouterr().out)["classes"]) == 6
    assert main([*args, "--no-default-exclude", "--exclude", "**/tests/**", "--exclude", "**/mocks/**"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["classes"]) == 3 and data["excluded"] == {"**/tests/**": 3, "**/mocks/**": 1}
    assert main([*args, "--exclude", f"{PKG}/conn.py"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["classes"] == [] and data["excluded"][f"{PKG}/conn.py"] == 1


# -- the target's exclude reaches the scan fixtures ----------------------------------

FIXTURE_PROJECT = """
[tool.ssot]
target = "t"

[tool.ssot.targets.t]
root = "src"
package = "realtime"
class_pattern = "ConnectionManager"
function_name = "get_connection_manager"
{extra}
[tool.ssot.targets.t.issues]
824 = "open"
"""


def _fixture_project(pytester, extra: str, conn: str) -> None:
    pytester.makepyprojecttoml(FIXTURE_PROJECT.format(extra=extra))
    write(pytester.path / "src", {
        f"{PKG}/__init__.py": "",
        f"{PKG}/conn.py": conn,
        f"{PKG}/tests/test_conn.py": "class MockConnectionManager:\n    pass\n",
    })
    pytester.makepyfile(test_scan="""
import pytest
from pytest_ssot.scan.assertions import assert_max_implementations

@pytest.mark.ssot_issue(824)
@pytest.mark.parametrize("fixture", ["ssot_static_scan", "ssot_runtime_scan", "ssot_codebase_scan"])
def test_check(request, fixture):
    assert_max_implementations(request.getfixturevalue(fixture), 1)
""")


@pytest.mark.parametrize("extra, outcomes", [("", {"failed": 3}), ("exclude = []", {"xfailed": 3})])
def test_the_targets_exclude_decides_what_the_fixtures_count(pytester, extra, outcomes):
    """Default: the double is left out, one implementation, the open issue "looks fixed";
    with ``exclude = []`` the double counts and the violation is confirmed."""
    _fixture_project(pytester, extra, CONN)
    result = pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider")
    result.assert_outcomes(**outcomes)


def test_only_excluded_or_non_implementation_matches_is_a_setup_error(pytester):
    _fixture_project(pytester, "", "import enum\n\n\nclass ConnectionManagerMode(enum.Enum):\n    A = 1\n")
    result = pytester.runpytest_subprocess("-p", "ssot", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)  # a setup error (never XFAIL), raised where the test asks for the scan
    result.stdout.fnmatch_lines(["*EmptyScanError: *(only 1 protocol/enum/exception classes, not implementations); "
                                 "1 files were excluded by **/tests/**; check function_name, class_pattern and exclude*"])
