"""A check that needs a key the target lacks is skipped, with one reason line per missing key.

``Target.require`` raises :class:`~pytest_ssot.config.target.MissingTargetKey`; here it
becomes a skip, raised from one place with one text per (tier, key), so pytest's
``-rs`` folds every test skipped for it into one line with a count, and the
terminal summary prints that line in a default run too. Without ``app`` the
server-free checks run and the server-bound ones skip, instead of one
``TargetSetupError`` per test turning clean commits red. The verdict treats
skipped checks as not run (``inconclusive``), never as passing. A missing
staging URL (:class:`MissingSetting`, raised by ``ssot_staging``) is folded the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest

from pytest_ssot.config.target import MissingTargetKey
from pytest_ssot.core.violation import SSOTSetupError
from pytest_ssot.config.schema import TIERS

# what a line to add looks like, per key a bundled check may need
EXAMPLES = {
    "app": '"module:serve"',
    "token": '"module:make_token"',
    "factory": '"module:get_manager"',
    "user_context": '"module:make_user_context"',
    "manager": '"module:Manager"',
}

_reason_key = pytest.StashKey[str]()
_where_key = pytest.StashKey["tuple[str, int]"]()


class MissingSetting(SSOTSetupError):
    """A run-wide setting a check needs is not given (the staging URL); its message is the whole reason line.

    Raised by a fixture instead of ``pytest.skip``: pytest reports a fixture's
    skip at each test's own line, which ``-rs`` cannot fold.
    """


def skip_reason(error: MissingTargetKey | MissingSetting, tier: str | None) -> str:
    """The one line for every test skipped because ``error.key`` is missing (identical across tests)."""
    if isinstance(error, MissingSetting):
        return str(error)
    example = EXAMPLES.get(error.key, "...")
    where = f"{tier} tier: " if tier else ""
    return (f"{where}target {error.target!r} has no {error.key!r} "
            f"(add {error.key} = {example} to [tool.ssot.targets.{error.target}])")


def where_to_fix(config: pytest.Config, target: str | None) -> tuple[str, int]:
    """The pyproject.toml and the (1-based) line of ``[tool.ssot.targets.TARGET]``: where a missing key goes."""
    from pytest_ssot.config.activation import pyproject_for

    pyproject = pyproject_for(config.rootpath, config.inipath)
    if pyproject is None:
        return "pyproject.toml", 1
    header = f"[tool.ssot.targets.{target}]" if target else "[tool.ssot]"
    try:
        lines = pyproject.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    line = next((i for i, text in enumerate(lines, 1) if text.strip() == header), 1)
    try:
        shown = str(pyproject.relative_to(config.invocation_params.dir))
    except ValueError:
        shown = str(pyproject)
    return shown, line


def tier_of(item: pytest.Item) -> str | None:
    return next((t for t in TIERS if item.get_closest_marker(t)), None)


class MissingKeySkips:
    """Turns a :class:`MissingTargetKey` or :class:`MissingSetting` in setup or call into a skip, counted per reason."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._where: dict[str | None, tuple[str, int]] = {}  # per target: the pyproject is read once a run

    def _skip(self, item: pytest.Item, error: MissingTargetKey | MissingSetting) -> None:
        reason = skip_reason(error, tier_of(item))
        item.stash[_reason_key] = reason
        target = getattr(error, "target", None)
        if target not in self._where:
            self._where[target] = where_to_fix(item.config, target)
        item.stash[_where_key] = self._where[target]
        pytest.skip(reason)  # always this line: pytest folds skips by location and reason

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            return (yield)
        except (MissingTargetKey, MissingSetting) as error:
            self._skip(item, error)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            return (yield)
        except (MissingTargetKey, MissingSetting) as error:
            self._skip(item, error)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Generator[None, Any, Any]:
        report = yield
        reason = item.stash.get(_reason_key, None)
        if reason is not None and report.skipped and call.when != "teardown":
            report.ssot_missing_key = reason  # travels to the xdist controller with the report
            if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
                # shown where the fix goes (the target's table), not the plugin's line that skipped
                path, line = item.stash[_where_key]
                report.longrepr = (path, line, report.longrepr[2])
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        reason = getattr(report, "ssot_missing_key", None)
        if reason is not None:
            self.counts[reason] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.counts or hasattr(terminalreporter.config, "workerinput"):
            return
        for reason, count in sorted(self.counts.items()):
            terminalreporter.write_line(f"ssot: {count} test{'s' if count != 1 else ''} skipped: {reason}")
