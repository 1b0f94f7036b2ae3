"""An unrelated project of 8 tests that knows nothing of pytest-ssot: pass, fail, skip, xfail, a warning."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FILES = {
    "pyproject.toml": '[project]\nname = "tidewater"\nversion = "1.0"\n\n[tool.pytest.ini_options]\n'
                      'testpaths = ["tests"]\npythonpath = ["."]\n',
    "tidewater/__init__.py": "",
    "tidewater/gauge.py": (
        "import warnings\n\n\n"
        "def level(readings):\n    return sum(readings) / len(readings)\n\n\n"
        "def spring_tide(a, b):\n    return max(a, b) - min(a, b)\n\n\n"
        "def legacy_reading(value):\n"
        "    warnings.warn('legacy_reading is old; use level', DeprecationWarning, stacklevel=2)\n"
        "    return value\n"),
    "tests/test_gauge.py": (
        "import pytest\n\nfrom tidewater.gauge import legacy_reading, level, spring_tide\n\n\n"
        "def test_level():\n    assert level([1, 2, 3]) == 2\n\n\n"
        "@pytest.mark.parametrize('a, b, out', [(5, 2, 3), (2, 5, 3)])\n"
        "def test_spring_tide(a, b, out):\n    assert spring_tide(a, b) == out\n\n\n"
        "def test_level_of_nothing_is_refused():\n    with pytest.raises(ZeroDivisionError):\n        level([])\n\n\n"
        "def test_legacy_reading_still_works():\n    assert legacy_reading(4) == 4\n\n\n"
        "def test_tide_table_matches():\n    assert [level([1, 3]), 7] == [2, 8]\n\n\n"
        "@pytest.mark.skip(reason='needs the harbour sensor')\n"
        "def test_live_sensor():\n    pass\n\n\n"
        "@pytest.mark.xfail(reason='rounding of half tides is undecided')\n"
        "def test_half_tide_rounds_up():\n    assert level([1, 2]) == 2\n"),
}
TEST_COUNT = 8
# what necessarily differs between two runs of the same tests: how long they took, and (-v) the venv's path
_DURATION = re.compile(r"\bin \d+(\.\d+)?s\b( \(\d+:\d\d:\d\d\))?")


def write_project(folder: Path) -> Path:
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def reset(folder: Path) -> None:
    """Back to a fresh checkout: no pytest cache, no bytecode, so every run starts alike."""
    shutil.rmtree(folder / ".pytest_cache", ignore_errors=True)
    for cache in folder.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def masked(output: str, python: Path) -> str:
    return _DURATION.sub("in <duration>", output).replace(str(python.parent.parent), "<venv>")


def run_pytest(python: Path, folder: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``pytest ARGS`` as the user types it: the venv's own console script, from the project folder."""
    reset(folder)
    return subprocess.run([str(python.parent / "pytest"), *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)


def consolidated_user_pyproject(repo: Path) -> str:
    """A user's pyproject naming the reference backend's consolidated state as target ``mine``."""
    root = repo / "examples" / "consolidated"
    return f"""
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
"""
