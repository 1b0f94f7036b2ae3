"""Hooks that pytest-ssot adds, for users who need to bend it to their codebase."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ssot.config.target import Target


@pytest.hookspec(firstresult=True)
def pytest_ssot_make_adapter(config: pytest.Config, target: Target) -> Any:
    """Return the adapter through which suites call into ``target``.

    Implement it in a ``conftest.py`` to replace :class:`pytest_ssot.TargetAdapter`
    (e.g. when your factory needs a database session). The first non-None result
    wins; the built-in implementation runs last.
    """
