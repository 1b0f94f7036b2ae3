"""The suites ship inside the package: an installed user runs them against their own target."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from install_support.project import consolidated_user_pyproject


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
    (tmp_path / "pyproject.toml").write_text(consolidated_user_pyproject(REPO))
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


# -- what the index shows, and what the sdist carries

def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()


def description_problems(metadata: str, shipped: set[str]) -> list[str]:
    """What is wrong with a wheel's long description for the index: repo-only commands, links to unshipped files."""
    head, _, body = metadata.partition("\n\n")
    problems = []
    if "./scripts/" in body:
        problems.append("names a ./scripts/ command, which only a clone of the repository has")
    for target in re.findall(r"\]\(([^)\s]+)\)", body):
        if not re.match(r"(https?://|mailto:|#)", target) and target.lstrip("./") not in shipped:
            problems.append(f"links {target}, which the wheel does not ship")
    first_command = next((line.strip() for line in body.splitlines() if line.strip() and not line.startswith(("#", "`"))), "")
    if not first_command.startswith("pip install pytest-ssot"):
        problems.append(f"opens with {first_command[:60]!r}, not the install command")
    if "Description-Content-Type: text/markdown" not in head:
        problems.append("no markdown content type")
    return problems


def test_description_problems_sees_each_fault():
    good = "Name: x\nDescription-Content-Type: text/markdown\n\n# x\n\n```bash\npip install pytest-ssot\n```\n" \
           "See [the guide](https://example.org/guide).\n"
    assert description_problems(good, set()) == []
    assert description_problems(good.replace("pip install pytest-ssot", "./scripts/demo"), set()) == [
        "names a ./scripts/ command, which only a clone of the repository has",
        "opens with './scripts/demo', not the install command"]
    linked = good + "[examples](examples/README.md)\n"
    assert description_problems(linked, set()) == ["links examples/README.md, which the wheel does not ship"]
    assert description_problems(linked, {"examples/README.md"}) == []


def test_the_index_page_opens_with_pip_install_and_links_only_urls(built_wheel):
    metadata = _metadata(built_wheel)
    with zipfile.ZipFile(built_wheel) as archive:
        shipped = set(archive.namelist())
    assert description_problems(metadata, shipped) == []
    urls = dict(line.split(": ", 1)[1].split(", ", 1) for line in metadata.splitlines()
                if line.startswith("Project-URL: "))
    assert set(urls) == {"Homepage", "Source", "Issues", "Changelog"}
    assert all(url.startswith("https://github.com/pytest-ssot/pytest-ssot") for url in urls.values())
    assert "pytest_ssot/py.typed" in shipped


def test_the_base_install_requires_no_pytest_plugin(built_wheel):
    requires = [line.split(": ", 1)[1] for line in _metadata(built_wheel).splitlines()
                if line.startswith("Requires-Dist: ")]
    base = [r for r in requires if "extra ==" not in r]
    assert sorted(r.split(">")[0].split(";")[0].strip() for r in base) == ["pytest", "tomli"]
    suites = [r for r in requires if "extra == \"suites\"" in r]
    assert {r.split(">")[0] for r in suites} == {"pytest-asyncio", "websockets"}


def test_the_sdist_tests_run_from_the_unpacked_sdist(tmp_path):
    from ledger_support.wheel import build_sdist

    with tarfile.open(build_sdist(tmp_path)) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # the filter: 3.10.12+, 3.11.4+
        archive.extractall(tmp_path / "unpacked", **safe)
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    for needed in ("conftest.py", "tests/conftest.py", "examples", "suites/issue_824", "benchmarks/startup.py",
                   "docs/index.md", "pytest_ssot/py.typed"):
        assert (unpacked / needed).exists(), f"the sdist lacks {needed}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSOT_", "PYTEST_"))}
    where = subprocess.run([sys.executable, "-c", "import pytest_ssot; print(pytest_ssot.__file__)"], cwd=unpacked,
                           capture_output=True, text=True, timeout=60, env=env)
    assert where.stdout.startswith(str(unpacked)), where.stdout  # the sdist's own code is under test
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_cli_scan.py", "tests/test_static.py", "-q",
                           "-p", "no:cacheprovider", "-p", "no:xdist"],
                          cwd=unpacked, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
