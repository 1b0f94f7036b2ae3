"""Is pytest-ssot in use in this run? Answered without importing the configuration code.

Every pytest run of a venv that has the plugin asks this, so the common answer
("no": no ``--ssot-*`` option and no ``ssot`` in pyproject.toml) costs one file
read and no imports; only a "maybe" goes on to :func:`pytest_ssot.configure.load_config`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# the ``--ssot-*`` options (argparse dests) that switch the plugin on, as CliValues.any_given does
OPTION_DESTS = ("ssot_target", "ssot_issue", "ssot_tier", "ssot_staging_url", "ssot_staging_token",
                "ssot_baseline", "ssot_baseline_update", "ssot_baseline_accept", "ssot_report")


def pyproject_for(rootpath: Path, inipath: Path | None) -> Path | None:
    """The pyproject.toml that holds ``[tool.ssot]``: the inifile if it is one, else the rootdir's."""
    if inipath is not None and inipath.name == "pyproject.toml":
        return inipath
    candidate = rootpath / "pyproject.toml"
    return candidate if candidate.is_file() else None


def options_given(options: Any) -> bool:
    """Does the parsed command line (an argparse namespace) carry an ``--ssot-*`` option that switches the plugin on?"""
    return any(getattr(options, dest, None) for dest in OPTION_DESTS)


def may_be_in_use(rootpath: Path, inipath: Path | None, options: Any) -> bool:
    """False only when certainly not in use: no ``--ssot-*`` option in ``options`` and no ``ssot`` in the pyproject."""
    if options_given(options):
        return True
    pyproject = pyproject_for(rootpath, inipath)
    if pyproject is None:
        return False
    try:
        return b"ssot" in pyproject.read_bytes()
    except OSError:
        return False
