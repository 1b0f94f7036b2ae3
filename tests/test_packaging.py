"""The suites ship inside the package: an installed user runs them against their own target."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
SUITE_FILES = sorted(p.relative_to(REPO / "suites").as_posix() for p in (REPO / "suites").rglob("*.py"))


def test_every_suite_package_is_declared_in_pyproject():
    text = (REPO / "pyproject.toml").read_text()
    packages = {p.parent.relative_to(REPO / "suites").as_posix() for p in (REPO / "suites").rglob("__init__.py")}
    for package in packages:
        dotted = "pytest_ssot.suites" + ("" if package == "." else "." + package.replace("/", "."))
        assert f'"{dotted}"' in text, f"{dotted} is not listed in [tool.setuptools] packages"
    issue_dirs = {p.name for p in (REPO / "suites").iterdir() if p.is_dir() and p.name.startswith("issue_")}
    assert issue_dirs <= {p.split("/")[0] for p in packages}, "an issue folder lacks __init__.py"


def test_the_wheel_holds_the_suites(built_wheel):
    wheel = built_wheel  # built offline, without isolation: the build backend comes from the test extra
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in SUITE_FILES if f"pytest_ssot/suites/{f}" not in names]
    assert not missing, missing
    assert not any(n.startswith(("examples/", "tests/", "suites/")) for n in names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "ssot = pytest_ssot.plugin" in entry_points and "ssot = pytest_ssot.cli:main" in entry_points


def test_a_user_project_runs_the_installed_suites_with_pyargs(tmp_path):
    root = REPO / "examples" / "consolidated"
    (tmp_path / "pyproject.toml").write_text(f"""
[tool.ssot]
target = "mine"

[tool.ssot.targets.mine]
root = "{root.as_posix()}"
package = "chatapp.websocket_core"
manager = "chatapp.websocket_core.websocket_manager:WebSocketManager"
factory = "chatapp.websocket_core.websocket_manager:get_websocket_manager"
user_context = "chatapp.context:UserContext"
deprecated_modules = ["chatapp.websocket_core.websocket_manager_factory"]

[tool.ssot.targets.mine.issues]
824 = "resolved"
1126 = "resolved"
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSOT_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "pytest_ssot.suites", "-m", "unit", "-p", "no:cacheprovider",
         "-k", "824 or 1126", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "SSOT issues (target mine)" in done.stdout
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
    assert "#824 " in done.stdout and "holds" in done.stdout


def test_the_submodule_guard_reports_a_package_the_scan_could_not_see_whole(tmp_path):
    core = tmp_path / "src" / "app" / "core"
    core.mkdir(parents=True)
    (tmp_path / "src" / "app" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    (core / "manager.py").write_text("class WebSocketManager:\n    pass\n\n"
                                     "def get_websocket_manager(ctx):\n    return WebSocketManager()\n")
    (core / "needs_db.py").write_text("raise RuntimeError('DATABASE_URL is not set')\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ssot]\ntarget = "mine"\n[tool.ssot.targets.mine]\nroot = "src"\npackage = "app.core"\n'
        'factory = "app.core.manager:get_websocket_manager"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSOT_")}
    command = [sys.executable, "-m", "pytest", "--pyargs", "pytest_ssot.suites", "-p", "no:cacheprovider",
               "-k", "test_every_submodule_of_the_package_imports", "-q"]
    broken = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert broken.returncode == 1, broken.stdout[-2000:]
    assert "EmptyScanError: 1 submodule(s) of app.core failed to import" in broken.stdout
    assert "app.core.needs_db: RuntimeError: DATABASE_URL is not set" in broken.stdout
    (core / "needs_db.py").write_text("DATABASE_URL = None\n")
    fixed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert fixed.returncode == 0, fixed.stdout[-2000:]
