"""The configuration as the plugin, the CLI and scripts load it: every key checked, in one list.

:mod:`pytest_ssot.config.load` checks the keys without reaching into the layers above
it; the two checks that do (can the target's interpreter run the probes, does
the ledger read) are wired in here, so a broken ``python`` or ``--ssot-baseline``
is still one more line of the same :class:`~pytest_ssot.config.load.ConfigError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pytest_ssot.config.load import CliValues, SSOTConfig, build_config
from pytest_ssot.report.ledger import load_ledger  # collection needs the ledger module anyway


def load_config(
    pyproject: Path | None,
    cli: CliValues,
    environ: Mapping[str, str] = os.environ,
    invocation_dir: Path | None = None,
    resolve_references: bool = True,
) -> SSOTConfig | None:
    """Build the effective configuration, or None when pytest-ssot is not in use.

    Not in use means: no ``[tool.ssot]`` section and no ``--ssot-*`` option.
    Environment variables alone never switch the plugin on, so a stray
    ``SSOT_STAGING_URL`` on a CI machine leaves unrelated projects untouched.
    ``resolve_references=False`` checks every key but not that the target's
    ``module:attr`` names resolve today (``ssot history`` judges old commits).
    """
    return build_config(pyproject, cli, environ, invocation_dir, resolve_references,
                        python_problem=_python_problem, load_ledger=load_ledger)


def _python_problem(python: str) -> str | None:
    """:func:`pytest_ssot.scan.child.python_problem`, imported only when a target names its ``python``."""
    from pytest_ssot.scan.child import python_problem

    return python_problem(python)
