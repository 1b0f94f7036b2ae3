"""The target an ``ssot`` command works on: ``--target NAME`` of the nearest ``pyproject.toml`` (or ``--pyproject``).

Shared by ``ssot history`` and ``ssot scan --target``; each command turns
:class:`TargetNotLoaded` into its own one-line usage error (exit 4).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target


class TargetNotLoaded(ValueError):
    """No target to work on: no pyproject, no [tool.ssot], an unknown or unselected target, a bad key."""


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml from ``start`` upwards."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_target(pyproject: str | None, name: str | None) -> Target:
    """The selected target of the [tool.ssot] configuration, or one line saying what is missing."""
    from pytest_ssot.config.load import CliValues, ConfigError
    from pytest_ssot.configure import load_config

    path = Path(pyproject) if pyproject else find_pyproject(Path.cwd())
    if path is None or not path.is_file():
        raise TargetNotLoaded(f"no pyproject.toml {'at ' + pyproject if pyproject else 'here or above'}; "
                              "run from the project or pass --pyproject FILE")
    try:
        config = load_config(path, CliValues(target=name), os.environ, Path.cwd(), resolve_references=False)
    except ConfigError as exc:
        first = exc.problems[0] if exc.problems else str(exc)
        raise TargetNotLoaded(first.replace("--ssot-target (command line)", "--target")) from None
    if config is None:
        raise TargetNotLoaded(f"{path} has no [tool.ssot] table; describe the target there first")
    if config.target is None:
        known = ", ".join(config.known_targets) or "none configured"
        raise TargetNotLoaded(f"no target selected (known targets: {known}); pass --target NAME")
    return config.target
