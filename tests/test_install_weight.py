"""Installing pytest-ssot leaves an unrelated project's pytest run as it was.

Two venvs a user could have (tests/install_support/venvs.py): only pytest, and
pytest with pytest-ssot's base install from a wheel of this checkout. The same
8-test project runs in both; the outputs must be the same line for line, except
pytest's own ``plugins:`` header line, which lists every installed pytest plugin
and so necessarily names ssot. Startup is compared without a clock: the
modules the run imports in each venv differ by exactly six small plugin
modules. Its time is measured by benchmarks/startup.py, not asserted here.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from install_support.project import TEST_COUNT, consolidated_user_pyproject, masked, run_pytest, write_project
from install_support.venvs import UserVenvs, WheelhouseUnavailable, clean_env, user_venvs

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pytest_asyncio", "hypothesis", "xdist", "websockets")


@pytest.fixture(scope="session")
def venvs(built_wheel: Path) -> UserVenvs:
    try:
        return user_venvs(built_wheel)
    except WheelhouseUnavailable as exc:
        pytest.skip(str(exc))


def added_lines(before: str, after: str) -> list[str]:
    """Lines of ``after`` that ``before`` lacks, or a ``-removed``/``+added`` diff when anything else changed."""
    diff = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
    if any(d.startswith("-") for d in diff):
        return diff
    return [d[2:] for d in diff]


def test_added_lines_sees_any_difference():
    assert added_lines("a\nb\n", "a\nplugins: x\nb\n") == ["plugins: x"]
    assert added_lines("a\nb\n", "a\nc\n") == ["- b", "+ c"]
    assert added_lines("a\n", "a\n") == []


@pytest.mark.parametrize("args", [[], ["-v", "-rA"]], ids=["plain", "verbose"])
def test_an_unrelated_project_runs_the_same_with_the_plugin_installed(venvs, tmp_path, args):
    project = write_project(tmp_path / "tidewater")
    env = clean_env()
    alone = run_pytest(venvs.only_pytest, project, args, env)
    beside = run_pytest(venvs.with_ssot, project, args, env)
    assert alone.returncode == beside.returncode == 1, alone.stdout[-2000:]  # the project has one failing test
    assert f"collected {TEST_COUNT} items" in alone.stdout
    assert masked(alone.stderr, venvs.only_pytest) == masked(beside.stderr, venvs.with_ssot)
    # the only line allowed to differ: pytest lists installed plugins in its header
    assert added_lines(masked(alone.stdout, venvs.only_pytest), masked(beside.stdout, venvs.with_ssot)) == [
        f"plugins: ssot-{version('pytest-ssot')}"]


def test_the_base_install_holds_no_other_pytest_plugin(venvs, tmp_path):
    # every run here starts outside the checkout: `python -c` puts the working folder on sys.path
    listed = subprocess.run(
        [str(venvs.with_ssot), "-c", "import importlib.metadata as m; print('\\n'.join(sorted("
         "d.metadata['Name'].lower() for d in m.distributions() if any(e.group == 'pytest11' for e in d.entry_points))))"],
        capture_output=True, text=True, timeout=60, env=clean_env(), cwd=tmp_path)
    assert listed.stdout.split() == ["pytest-ssot"], listed.stdout + listed.stderr
    found = subprocess.run([str(venvs.with_ssot), "-c", f"import importlib.util as u; print([m for m in {HEAVY!r} "
                            "if u.find_spec(m)])"], capture_output=True, text=True, timeout=60, env=clean_env(),
                           cwd=tmp_path)
    assert found.stdout.strip() == "[]", found.stdout + found.stderr


def test_the_plugin_module_imports_only_the_standard_library_and_pytest(tmp_path):
    probe = ("import sys; import pytest; before = set(sys.modules); import pytest_ssot.plugin; "
             "print('\\n'.join(sorted({m.partition('.')[0] for m in set(sys.modules) - before})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=clean_env(),
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    foreign = [m for m in done.stdout.split() if m != "pytest_ssot" and m not in sys.stdlib_module_names]
    assert not foreign, foreign
    assert "pytest_ssot" in done.stdout.split()  # the probe saw the import at all


SUITES_PROJECT = """
[tool.ssot]
target = "ledgers"

[tool.ssot.targets.ledgers]
root = "src"
package = "bookkeeping.core"
factory = "bookkeeping.core.journal:open_journal"
"""


def _configured_project(folder: Path) -> Path:
    core = folder / "src" / "bookkeeping" / "core"
    core.mkdir(parents=True)
    (folder / "src" / "bookkeeping" / "__init__.py").write_text("")
    (core / "__init__.py").write_text("")
    (core / "journal.py").write_text("class Journal:\n    pass\n\n\ndef open_journal(ctx):\n    return Journal()\n")
    (folder / "pyproject.toml").write_text(SUITES_PROJECT)
    return folder


def test_the_suites_without_their_extra_say_what_to_install(venvs, tmp_path):
    project = _configured_project(tmp_path / "books")
    done = subprocess.run([str(venvs.with_ssot.parent / "pytest"), "--pyargs", "pytest_ssot.suites", "-q"],
                          cwd=project, capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == ["ERROR: the bundled suites need pytest-asyncio and websockets, not installed here: "
                      "pip install 'pytest-ssot[suites]'"], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_state_machine_without_hypothesis_says_what_to_install(venvs, tmp_path):
    done = subprocess.run([str(venvs.with_ssot), "-c", "from pytest_ssot import manager_state_machine"],
                          capture_output=True, text=True, timeout=60, env=clean_env(), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "pytest_ssot.config.extras.MissingExtra: manager_state_machine needs hypothesis, which is not installed: "
        "pip install 'pytest-ssot[stateful]'")


def test_the_base_install_scans_and_prints_its_version(venvs, tmp_path):
    project = _configured_project(tmp_path / "books")
    ssot = venvs.with_ssot.parent / "ssot"
    shown = subprocess.run([str(ssot), "--version"], capture_output=True, text=True, timeout=60, env=clean_env(),
                           cwd=project)
    assert (shown.returncode, shown.stdout.strip()) == (0, f"ssot {version('pytest-ssot')}")
    scanned = subprocess.run([str(ssot), "scan", "--root", "src", "--package", "bookkeeping.core",
                              "--function", "open_journal", "--no-cache"],
                             cwd=project, capture_output=True, text=True, timeout=120, env=clean_env())
    assert scanned.returncode == 0, scanned.stderr
    assert "bookkeeping.core.journal.open_journal" in scanned.stdout


# -- plugin autoload disabled: the one documented command line (README "Install")

AUTOLOAD_OFF = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


def _consolidated_project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(consolidated_user_pyproject(REPO))
    return folder


def test_the_suites_run_with_autoload_disabled_by_the_documented_line(tmp_path):
    project = _consolidated_project(tmp_path / "mine")
    env = dict(clean_env(), **{AUTOLOAD_OFF: "1"})
    # README: PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 pytest -p ssot --pyargs pytest_ssot.suites
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "ssot", "--pyargs", "pytest_ssot.suites",
                           "-m", "unit", "-k", "824 or 1126", "-p", "no:cacheprovider", "-q"],
                          cwd=project, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "not natively supported" not in done.stdout
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary


def test_autoload_disabled_and_asyncio_refused_is_one_line_exit_4(tmp_path):
    project = _consolidated_project(tmp_path / "mine")
    env = dict(clean_env(), **{AUTOLOAD_OFF: "1"})
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "ssot", "-p", "no:asyncio", "--pyargs",
                           "pytest_ssot.suites", "-m", "unit", "-p", "no:cacheprovider", "-q"],
                          cwd=project, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 4, done.stdout[-3000:]
    assert done.stderr.strip().splitlines() == [
        "ERROR: the bundled suites need pytest-asyncio's plugin, which this run did not load (-p no:asyncio?): "
        "drop -p no:asyncio, or add -p asyncio"], done.stderr


def test_an_unconfigured_run_with_autoload_disabled_loads_no_asyncio(tmp_path):
    (tmp_path / "test_plain.py").write_text(
        "import pytest\n\n\n@pytest.mark.unit\ndef test_asyncio_stays_out(pytestconfig):\n"
        "    assert not pytestconfig.pluginmanager.has_plugin('asyncio')\n")
    command = [sys.executable, "-m", "pytest", "-p", "ssot", "-p", "no:cacheprovider", "-q", "test_plain.py"]
    unconfigured = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                  env=dict(clean_env(), **{AUTOLOAD_OFF: "1"}))
    assert unconfigured.returncode == 0, unconfigured.stdout[-2000:]
    # the same test fails where the plugin is in use (an --ssot-* option): the check can see asyncio loaded
    configured = subprocess.run([*command, "--ssot-tier=unit"], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, env=dict(clean_env(), **{AUTOLOAD_OFF: "1"}))
    assert configured.returncode == 1, configured.stdout[-2000:]


# -- what an unconfigured run pays: no configuration code imported

IMPORTED_CONFIG = ("import sys, pytest; pytest.main(['-q', '-p', 'no:cacheprovider']); "
                   "print('config imported:', 'pytest_ssot.config.load' in sys.modules)")


def test_an_unrelated_run_never_imports_the_configuration_code(venvs, tmp_path):
    unrelated = write_project(tmp_path / "tidewater")
    done = subprocess.run([str(venvs.with_ssot), "-c", IMPORTED_CONFIG], cwd=unrelated, capture_output=True,
                          text=True, timeout=120, env=clean_env())
    assert done.stdout.strip().splitlines()[-1] == "config imported: False", done.stdout[-2000:]
    configured = _configured_project(tmp_path / "books")
    (configured / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    done = subprocess.run([str(venvs.with_ssot), "-c", IMPORTED_CONFIG], cwd=configured, capture_output=True,
                          text=True, timeout=120, env=clean_env())
    assert done.stdout.strip().splitlines()[-1] == "config imported: True", done.stdout[-2000:]


def test_every_switching_option_is_known_to_the_cheap_check(pytester):
    from pytest_ssot.config.activation import OPTION_DESTS

    config = pytester.parseconfig()
    dests = {option.dest for option in config._parser.getgroup("ssot").options}
    # --ssot-wait-for-threads only changes how a configured run ends; every other option switches the plugin on
    assert dests - {"ssot_wait_for_threads"} == set(OPTION_DESTS)


# -- startup, compared without a clock: what an unrelated run imports in each venv

IMPORTED_MODULES = ("import sys, pytest; pytest.main(['-q', '-p', 'no:cacheprovider']); "
                    "print('modules:', ' '.join(sorted(sys.modules)))")

# the whole price of an unconfigured run: these small modules and nothing they pull in
# (benchmarks/startup.py times them: a median of about 4 ms)
UNCONFIGURED_MODULES = ["pytest_ssot", "pytest_ssot.config", "pytest_ssot.config.activation", "pytest_ssot.fixtures",
                        "pytest_ssot.hookspecs", "pytest_ssot.plugin"]


def imported_by_a_run(python: Path, project: Path) -> set[str]:
    done = subprocess.run([str(python), "-c", IMPORTED_MODULES], cwd=project, capture_output=True, text=True,
                          timeout=120, env=clean_env())
    lines = [line for line in done.stdout.splitlines() if line.startswith("modules: ")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    return set(lines[-1].split()[1:])


def test_an_unrelated_run_imports_what_pytest_alone_does_and_six_small_modules(venvs, tmp_path):
    project = write_project(tmp_path / "tidewater")
    alone = imported_by_a_run(venvs.only_pytest, project)
    beside = imported_by_a_run(venvs.with_ssot, project)
    assert "_pytest.main" in alone  # the probe saw pytest run at all
    assert sorted(beside - alone) == UNCONFIGURED_MODULES
    assert not alone - beside


def test_the_import_comparison_sees_a_plugin_that_pulls_in_more(venvs, tmp_path):
    # the same project, configured: the plugin's session, scanners and reports load, and the comparison says so
    project = _configured_project(tmp_path / "books")
    (project / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    alone = imported_by_a_run(venvs.only_pytest, project)
    beside = imported_by_a_run(venvs.with_ssot, project)
    extra = sorted(beside - alone)
    assert extra != UNCONFIGURED_MODULES
    assert "pytest_ssot.session" in extra and "pytest_ssot.config.load" in extra, extra


def test_a_rootdir_conftest_adapter_reaches_the_suites_run_with_pyargs(tmp_path):
    # README "An adapter of your own": the hook in the project's conftest.py serves the installed suites too
    project = _consolidated_project(tmp_path / "mine")
    (project / "conftest.py").write_text(
        "from pathlib import Path\n"
        "from pytest_ssot import TargetAdapter\n\n\n"
        "class CountingAdapter(TargetAdapter):\n"
        "    def __init__(self, target):\n"
        "        super().__init__(target)\n"
        "        Path(__file__).with_name('adapter-used').write_text('yes')\n\n\n"
        "def pytest_ssot_make_adapter(config, target):\n"
        "    return CountingAdapter(target)\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "ssot", "--pyargs", "pytest_ssot.suites",
                           "-m", "unit", "-k", "889", "-p", "no:cacheprovider", "-q"],
                          cwd=project, capture_output=True, text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (project / "adapter-used").read_text() == "yes"
