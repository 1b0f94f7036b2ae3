"""The optional dependencies: heavy parts are extras, so a plain install leaves other pytest runs alone.

pytest-asyncio, hypothesis and pytest-xdist are pytest plugins: installed, they
load into every pytest run of the machine's venv, print header lines and
warnings, and cost startup time. So the base install needs only pytest; the
bundled suites need ``pytest-ssot[suites]``, the Hypothesis state machine
``pytest-ssot[stateful]``. A feature whose extra is missing says so in one line
that names the install command (:class:`MissingExtra`; exit code 4 for the
suites).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# importable module -> (distribution, the extra that installs it)
PROVIDED_BY: dict[str, tuple[str, str]] = {
    "pytest_asyncio": ("pytest-asyncio", "suites"),
    "websockets": ("websockets", "suites"),
    "hypothesis": ("hypothesis", "stateful"),
}
SUITE_MODULES = ("pytest_asyncio", "websockets")
ASYNCIO_PLUGIN = "asyncio"  # pytest-asyncio's entry-point and plugin name


class MissingExtra(ImportError):
    """A feature's optional dependency is not installed; the message is the one line that fixes it."""


def install_line(extra: str) -> str:
    return f"pip install 'pytest-ssot[{extra}]'"


def is_installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def require(module: str, feature: str) -> ModuleType:
    """``module`` imported, or :class:`MissingExtra` naming ``feature`` and the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.partition(".")[0]:
            raise  # the module is there but something it imports is not: not ours to rename
        distribution, extra = PROVIDED_BY[module]
        raise MissingExtra(f"{feature} needs {distribution}, which is not installed: "
                           f"{install_line(extra)}") from None


def suites_dir() -> Path | None:
    """Where ``pytest_ssot.suites`` lives (the repository's suites/ in an editable install)."""
    spec = importlib.util.find_spec("pytest_ssot.suites")
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def suites_problem(config: pytest.Config) -> str | None:
    """Why this run cannot run the bundled suites (one line), or None when it can."""
    absent = [PROVIDED_BY[m][0] for m in SUITE_MODULES if not is_installed(m)]
    if absent:
        return (f"the bundled suites need {' and '.join(absent)}, not installed here: "
                f"{install_line('suites')}")
    if not config.pluginmanager.has_plugin(ASYNCIO_PLUGIN):
        return ("the bundled suites need pytest-asyncio's plugin, which this run did not load "
                "(-p no:asyncio?): drop -p no:asyncio, or add -p asyncio")
    return None


def is_suite_path(path: Path, suites: Path | None) -> bool:
    return suites is not None and (path == suites or suites in path.parents)


def load_asyncio_when_needed(early_config: pytest.Config) -> bool:
    """With plugin autoload disabled, ``-p ssot`` in a configured project also loads pytest-asyncio.

    The suites are async; without this, ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
    pytest -p ssot`` would need ``-p asyncio`` too. Runs before the command
    line is parsed, so pytest-asyncio's options and ini keys are known. An
    unconfigured run, or one where pytest-asyncio is blocked, absent or loaded
    already, is left alone. True when it loaded the plugin.
    """
    manager = early_config.pluginmanager
    if manager.has_plugin(ASYNCIO_PLUGIN) or manager.is_blocked(ASYNCIO_PLUGIN):
        return False
    if not is_installed("pytest_asyncio") or not _in_use(early_config):
        return False
    return bool(manager.load_setuptools_entrypoints("pytest11", name=ASYNCIO_PLUGIN))


def _in_use(early_config: pytest.Config) -> bool:
    """The same test as :func:`pytest_ssot.configure.load_config`: a ``[tool.ssot]`` table or an ``--ssot-*`` option."""
    from pytest_ssot.config.activation import may_be_in_use, options_given, pyproject_for

    namespace: Any = early_config.known_args_namespace
    if not may_be_in_use(early_config.rootpath, early_config.inipath, namespace):
        return False
    if options_given(namespace):
        return True
    from pytest_ssot.config.load import read_ssot_table

    pyproject = pyproject_for(early_config.rootpath, early_config.inipath)
    try:
        return pyproject is not None and read_ssot_table(pyproject) is not None
    except pytest.UsageError:
        return True  # a broken table is in use: pytest_configure reports it
