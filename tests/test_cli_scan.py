"""``ssot scan``: table and JSON, static and runtime, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_ssot.cli import main

FIXTURES = Path(__file__).parent / "fixtures_scan"
EXAMPLES = Path(__file__).parent.parent / "examples"
SCHEMA = {"mode", "classes", "functions", "import_errors", "files_scanned", "parse_errors", "seconds"}
ENTRY = {"name", "module", "file", "line", "paths"}


def run_json(capsys, *args: str) -> dict:
    assert main(["scan", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def frag_copy(tmp_path) -> Path:
    shutil.copytree(FIXTURES / "frag", tmp_path / "frag")
    return tmp_path / "frag"


@pytest.mark.parametrize("mode", ["--static", "--runtime"])
def test_json_schema(capsys, frag_copy, mode):
    data = run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg", mode)
    assert SCHEMA <= set(data) and data["mode"] == mode[2:]
    assert all(ENTRY <= set(c) for c in data["classes"] + data["functions"])
    assert {f["kind"] for f in data["functions"]} == {"implementation", "shim", "alias"}
    manager = next(c for c in data["classes"] if c["module"] == "fragpkg.manager" and c["name"] == "WebSocketManager")
    assert "fragpkg.compat.LegacyWS" in manager["paths"]


def test_static_and_runtime_json_agree(capsys, frag_copy):
    static = run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg", "--static")
    runtime = run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg", "--runtime")

    def strip(entries):
        return sorted((e["module"], e["qualname"], e.get("kind"), e["line"], tuple(e["paths"])) for e in entries)

    assert strip(static["classes"]) == strip(runtime["classes"])
    assert strip(static["functions"]) == strip(runtime["functions"])


def tree_bytes(root: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None) under ``root``, by relative path."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def test_tree_bytes_sees_a_new_file_and_a_new_folder(tmp_path):
    before = tree_bytes(tmp_path)
    (tmp_path / ".cache").mkdir()
    assert tree_bytes(tmp_path) != before
    (tmp_path / ".cache").rmdir()
    (tmp_path / "x.py").write_text("")
    assert tree_bytes(tmp_path) != before


def test_static_caches_outside_the_scanned_tree_unless_no_cache(capsys, frag_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("SSOT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = tree_bytes(frag_copy)
    run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg", "--no-cache")
    assert not (tmp_path / "xdg").exists()
    first = run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg")
    second = run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg")
    assert first["files_parsed"] > 0 and second["files_parsed"] == 0 and second["classes"] == first["classes"]
    assert tree_bytes(frag_copy) == before  # nothing written into the scanned tree
    home = tmp_path / "xdg" / "pytest-ssot"
    assert (home / "CACHEDIR.TAG").read_text().splitlines()[0] == "Signature: 8a477f597d28d172789f06886806bc55"
    (scans,) = (home / "scans").iterdir()
    assert scans.name.startswith("frag-") and any(scans.iterdir())


def test_cache_dir_flag_and_env_choose_the_cache_home(capsys, frag_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SSOT_CACHE_DIR", str(tmp_path / "from-env"))
    run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg")
    assert (tmp_path / "from-env" / "CACHEDIR.TAG").is_file()
    run_json(capsys, "--root", str(frag_copy), "--package", "fragpkg", "--cache-dir", str(tmp_path / "flag"))
    assert (tmp_path / "flag" / "CACHEDIR.TAG").is_file() and any((tmp_path / "flag" / "scans").iterdir())


def test_an_unwritable_cache_home_scans_without_cache_and_says_so(capsys, frag_copy, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["scan", "--root", str(frag_copy), "--package", "fragpkg", "--cache-dir", str(blocker / "sub"),
                 "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["files_parsed"] > 0
    (line,) = captured.err.splitlines() or [""]
    assert line.startswith("ssot scan: cache not used") and "--cache-dir" in line


def test_custom_pattern_and_functions(capsys):
    data = run_json(capsys, "--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--no-cache",
                    "--class-pattern", "^Helper$", "--function", "cached_thing", "--function", "build")
    assert [c["name"] for c in data["classes"]] == ["Helper"]
    assert sorted(f["name"] for f in data["functions"]) == ["build", "cached_thing"]


def test_table_output_and_import_errors(capsys):
    assert main(["scan", "--root", str(FIXTURES / "bad"), "--package", "badpkg", "--runtime"]) == 0
    out = capsys.readouterr().out
    assert "import error: badpkg.broken_import: ModuleNotFoundError" in out
    assert "class" in out and "badpkg.good.WebSocketManager" in out
    assert main(["scan", "--root", str(FIXTURES / "bad"), "--package", "badpkg", "--no-cache"]) == 0
    out = capsys.readouterr().out
    if sys.version_info < (3, 12):  # PEP 701 f-strings parse from 3.12 on
        assert "parse error:" in out and "newsyntax.py:4" in out


def test_importers_option(capsys):
    data = run_json(capsys, "--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--no-cache",
                    "--importers-of", "fragpkg.websocket_manager_factory")
    assert [i["line"] for i in data["importers"]] == [1, 5]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--root", "/nonexistent", "--package", "x"], "--root is not a directory"),
        (["--root", str(FIXTURES / "frag")], "--root and --package are needed, or --target NAME"),
        (["--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--function", "get-broker"],
         "--function 'get-broker' is not a Python name"),
        (["--target", "nosuch", "--pyproject", str(FIXTURES / "frag")], "no pyproject.toml at"),
        (["--root", str(FIXTURES / "frag"), "--package", "no.such"], "not found under"),
        (["--root", str(FIXTURES / "frag"), "--package", "bad name"], "not a dotted module name"),
        (["--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--class-pattern", "("], "not a valid regex"),
        (["--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--runtime", "--python", "/no/py"],
         "python interpreter not found"),
        (["--root", str(FIXTURES / "frag"), "--package", "fragpkg", "--static", "--runtime"], "not allowed with"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, args, message):
    assert main(["scan", *args]) == 4
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


TARGET_PYPROJECT = """
[tool.ssot]
target = "tide"

[tool.ssot.targets.tide]
root = "src"
package = "tidal.streams"
class_pattern = "SubscriptionBroker$"
function_name = "get_subscription_broker"
exclude = []
"""


def _tidal(tmp_path: Path) -> Path:
    streams = tmp_path / "src" / "tidal" / "streams"
    streams.mkdir(parents=True)
    (tmp_path / "src" / "tidal" / "__init__.py").write_text("")
    (streams / "__init__.py").write_text("")
    for name in ("broker", "legacy_broker", "test_broker"):  # the test file counts: this target excludes nothing
        (streams / f"{name}.py").write_text("class SubscriptionBroker:\n    pass\n\n\n"
                                            "def get_subscription_broker(ctx):\n    return SubscriptionBroker()\n")
    (tmp_path / "pyproject.toml").write_text(TARGET_PYPROJECT)
    return tmp_path


def test_target_takes_the_names_and_paths_from_pyproject(capsys, tmp_path, monkeypatch):
    project = _tidal(tmp_path)
    monkeypatch.chdir(project / "src")  # the nearest pyproject.toml upwards
    assert main(["scan", "--target", "tide", "--static", "--no-cache", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert sorted(c["module"] for c in found["classes"]) == [
        "tidal.streams.broker", "tidal.streams.legacy_broker", "tidal.streams.test_broker"]
    assert len(found["functions"]) == 3
    # an option given wins over the target's value; the default target needs no --target
    assert main(["scan", "--pyproject", str(project / "pyproject.toml"), "--function", "nothing_here",
                 "--exclude", "**/test_*.py", "--static", "--no-cache", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["functions"] == [] and len(found["classes"]) == 2


def test_an_unknown_target_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(_tidal(tmp_path))
    assert main(["scan", "--target", "tid"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("ssot scan: ") and "'tid' is unknown (known targets: tide)" in err and err.count("\n") == 1


def test_no_command_is_one_line_naming_the_commands_and_help(capsys):
    assert main([]) == 4
    assert capsys.readouterr().err == (
        "ssot: the following arguments are required: {scan,report,history} (see ssot --help)\n")


def test_console_script_runs_without_pytest_loaded(tmp_path):
    code = (
        "import sys; from pytest_ssot.cli import main; rc = main(sys.argv[1:]);"
        "assert 'pytest' not in sys.modules and '_pytest' not in sys.modules, 'pytest imported'; sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code, "scan", "--root", str(FIXTURES / "clean"),
                           "--package", "cleanpkg", "--no-cache", "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["functions"][0]["kind"] == "implementation"


@pytest.mark.parametrize("state", ["fragmented", "consolidated"])
@pytest.mark.parametrize("mode", ["--static", "--runtime"])
def test_reference_backend(capsys, state, mode):
    root = EXAMPLES / state
    if not (root / "chatapp" / "websocket_core").is_dir():
        pytest.skip(f"examples/{state} has not landed yet")
    data = run_json(capsys, "--root", str(root), "--package", "chatapp.websocket_core", mode, "--no-cache")
    assert data["classes"], "the backend defines at least one manager class"
    if state == "consolidated":
        assert len({(c["module"], c["qualname"]) for c in data["classes"] if c["name"] == "WebSocketManager"}) == 1
