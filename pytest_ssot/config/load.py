"""Read and validate ``[tool.ssot]``, merged with options and environment.

Every mistake becomes one line naming the key, the value, where it came from and
the fix, and all mistakes of one file are reported together in a single
:class:`ConfigError` (a ``pytest.UsageError``: exit code 4), so a user fixes their
configuration in one round instead of one error per run.

This module holds the run-wide results (:class:`SSOTConfig`, :class:`CliValues`)
and the root table's checks; a target's table is checked in
:mod:`pytest_ssot.config.target_table`, a staging URL in :mod:`pytest_ssot.config.staging_url`.
The two checks that need higher layers (can the target's interpreter run the
probes, does the ledger read) are handed in by :func:`pytest_ssot.configure.load_config`,
the entry point everyone calls.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from pytest_ssot.config.activation import pyproject_for  # noqa: F401 (re-exported: callers import it from here)
from pytest_ssot.config.schema import (  # noqa: F401 (re-exported: the tables are part of the config's API)
    DEFAULT_EVENTS,
    ROOT_KEYS,
    STATUSES,
    TARGET_KEYS,
    THRESHOLD_KEYS,
    TIERS,
    short,
)
from pytest_ssot.config.staging_url import staging_url_problem
from pytest_ssot.config.target import MissingTargetKey, Target, TargetSetupError, Thresholds  # noqa: F401 (re-exported)
from pytest_ssot.config.target_table import TableChecks

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class ConfigError(pytest.UsageError):
    """One or more configuration mistakes; each line is one mistake and its fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class SSOTConfig:
    """Everything the plugin needs, after precedence (CLI > environment > file)."""

    pyproject: Path | None
    target: Target | None
    statuses: Mapping[int, str]
    tiers: tuple[str, ...] | None
    staging_url: str | None
    report_path: Path | None
    known_targets: tuple[str, ...] = ()
    # a secret: kept out of repr, reports and logs
    staging_token: str | None = field(default=None, repr=False)
    baseline_path: Path | None = None
    baseline_update: bool = False
    baseline_accept: bool = False  # also write new findings (implies baseline_update)
    # the target's ledger, read and checked with the rest of the configuration (None without --ssot-baseline)
    ledger: Any = field(default=None, repr=False, compare=False)
    # --ssot-issue / SSOT_ISSUES numbers neither the target nor the bundled suites know: the plugin
    # refuses them before the first test unless a collected test carries ssot_issue(N)
    unverified_issues: tuple[int, ...] = ()
    urls: Mapping[str, str] = field(default_factory=dict)  # [tool.ssot] urls: link templates for the reports

    def status_of(self, issue: int) -> str | None:
        return self.statuses.get(issue)


@dataclass(frozen=True)
class CliValues:
    """The ``--ssot-*`` options as given (None / empty when absent)."""

    target: str | None = None
    issues: Sequence[str] = ()
    tiers: Sequence[str] = ()
    staging_url: str | None = None
    report: str | None = None
    staging_token: str | None = field(default=None, repr=False)
    baseline: str | None = None
    baseline_update: bool = False
    baseline_accept: bool = False

    def any_given(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


# --------------------------------------------------------------------------- loading


def read_ssot_table(pyproject: Path) -> dict[str, Any] | None:
    """The ``[tool.ssot]`` table, or None when the file has none.

    A bytes search first: most pyproject files have no such section, and the
    plugin must cost nothing there.
    """
    try:
        raw = pyproject.read_bytes()
    except OSError:
        return None
    if b"ssot" not in raw:
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{pyproject}: not valid TOML ({exc}); fix the syntax of the file"]) from None
    section = data.get("tool", {}).get("ssot") if isinstance(data.get("tool"), dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError([f"{pyproject}: 'tool.ssot' must be a table; fix: write it as [tool.ssot]"])
    return section


# the ledger reader: (path, target, must_exist) -> the ledger; a pytest.UsageError when it does not read
LedgerReader = Callable[..., Any]


def build_config(
    pyproject: Path | None,
    cli: CliValues,
    environ: Mapping[str, str],
    invocation_dir: Path | None,
    resolve_references: bool,
    *,
    python_problem: Callable[[str], str | None],
    load_ledger: LedgerReader,
) -> SSOTConfig | None:
    """The effective configuration, or None when not in use; callers use :func:`pytest_ssot.configure.load_config`.

    ``python_problem`` says why an interpreter cannot run the probes (asked for
    the selected target's ``python`` when references are resolved);
    ``load_ledger`` reads ``--ssot-baseline``: both are checked with every
    other key, so their problems join the one list.
    """
    section = read_ssot_table(pyproject) if pyproject is not None else None
    if section is None and not cli.any_given():
        return None
    validator = _Validator(pyproject, section or {}, cli, environ, invocation_dir,
                           python_problem=python_problem, load_ledger=load_ledger)
    validator.resolve_references = resolve_references
    return validator.build()


class _Validator(TableChecks):
    """Collects every problem instead of stopping at the first: the root table, the options, the environment."""

    def __init__(
        self,
        pyproject: Path | None,
        section: Mapping[str, Any],
        cli: CliValues,
        environ: Mapping[str, str],
        invocation_dir: Path | None = None,
        *,
        python_problem: Callable[[str], str | None],
        load_ledger: LedgerReader,
    ) -> None:
        super().__init__(pyproject, python_problem)
        self.invocation_dir = invocation_dir or Path.cwd()  # where relative command-line paths start
        self.resolve_references = True
        self.section = section
        self.cli = cli
        self.environ = environ
        self.load_ledger = load_ledger

    # -- top level

    def build(self) -> SSOTConfig:
        self._unknown_keys("tool.ssot", self.section, ROOT_KEYS)
        targets_raw = self.section.get("targets", {})
        if not isinstance(targets_raw, dict):
            self.problem(self._where("tool.ssot"), "targets", targets_raw, "must be a table of targets",
                         "write each target as [tool.ssot.targets.NAME]")
            targets_raw = {}
        known = tuple(sorted(targets_raw))

        target_name, target_origin = self._pick(
            self.cli.target, "SSOT_TARGET", "target", "--ssot-target"
        )
        target: Target | None = None
        for name, table in targets_raw.items():
            selected = name == target_name
            candidate = self._target(name, table, resolve=selected and self.resolve_references)
            if selected:
                target = candidate
        if target_name is not None and target_name not in targets_raw:
            listing = ", ".join(known) if known else "none are configured"
            self.problems.append(
                f"{target_origin}: target {target_name!r} is unknown (known targets: {listing}); "
                f"fix: pick a known one or add [tool.ssot.targets.{target_name}] to pyproject.toml"
            )

        statuses = dict(target.issues) if target is not None else {}
        overrides = {**self._env_issues(), **self._cli_issues()}
        statuses.update(overrides)
        from pytest_ssot.config.catalog import ISSUE_TITLES

        declared = set(target.issues) if target is not None else set()
        unverified = tuple(sorted(n for n in overrides if n not in ISSUE_TITLES and n not in declared))
        tiers = self._tiers()
        staging_url = self._staging_url()
        report, report_origin = self._pick(self.cli.report, "SSOT_REPORT", "report", "--ssot-report")
        if report:
            self._writable(report_origin, "report", self.invocation_dir / report)
        baseline, baseline_origin = self._pick(self.cli.baseline, "SSOT_BASELINE", "baseline", "--ssot-baseline")
        if baseline and baseline_origin.startswith(self._where("tool.ssot")):
            baseline = str(self.base / baseline)  # in the file: relative to pyproject.toml
        if (baseline or self.cli.baseline_update or self.cli.baseline_accept) and target is None:
            self.problems.append(
                f"{baseline_origin or '--ssot-baseline-update (command line)'}: a ledger is kept per "
                "target, but no target is selected; fix: pass --ssot-target NAME or set target in [tool.ssot]"
            )
        updating = self.cli.baseline_update or self.cli.baseline_accept
        if updating and not baseline:
            option = "--ssot-baseline-accept" if self.cli.baseline_accept else "--ssot-baseline-update"
            self.problems.append(f"{option} (command line): no ledger file to update; "
                                 "fix: also pass --ssot-baseline PATH")
        ledger = None
        if baseline and target_name is not None:
            ledger = self._ledger(self.invocation_dir / baseline, target_name, updating, baseline_origin)

        urls = self._check(self._where("tool.ssot"), ROOT_KEYS["urls"], self.section.get("urls", {}))
        if self.problems:
            raise ConfigError(self.problems)
        return SSOTConfig(
            pyproject=self.pyproject,
            target=target,
            statuses=statuses,
            tiers=tiers,
            staging_url=staging_url,
            report_path=Path(report) if report else None,
            known_targets=known,
            staging_token=self.cli.staging_token or self.environ.get("SSOT_STAGING_TOKEN") or None,
            baseline_path=Path(baseline) if baseline else None,
            baseline_update=self.cli.baseline_update or self.cli.baseline_accept,
            baseline_accept=self.cli.baseline_accept,
            ledger=ledger,
            unverified_issues=unverified,
            urls=urls,
        )

    def _writable(self, origin: str, what: str, path: Path) -> None:
        """A file the run writes at its end must be writable now: found after every test ran, it lost the run.

        The writer replaces the file atomically from a temporary file beside it,
        so that is what is tried: create one in the folder, and remove it.
        """
        import tempfile

        folder = path.parent
        while not folder.exists() and folder != folder.parent:  # missing folders are created, like --junitxml's
            folder = folder.parent
        why = None
        if path.is_dir():
            why = f"{path} is a folder"
        elif not folder.is_dir():
            why = f"{folder} is not a folder"
        else:
            try:
                fd, probe = tempfile.mkstemp(prefix=".ssot-write-check-", dir=folder)
                os.close(fd)
                os.unlink(probe)
            except OSError as exc:
                why = f"cannot write in {folder} ({exc.strerror or exc})"
        if why is not None:
            self.problems.append(f"{origin}: cannot write the {what} to {path}: {why}; "
                                 "fix: give a path in a writable folder")

    def _ledger(self, path: Path, target: str, updating: bool, origin: str) -> Any:
        """The ledger, read now so a malformed one is reported with every other mistake."""
        if updating:
            self._writable(origin, "ledger", path)
        try:
            return self.load_ledger(path, target, must_exist=not updating)
        except pytest.UsageError as exc:
            self.problems.append(str(exc).splitlines()[0])
            return None

    def _pick(self, cli_value: str | None, env: str, key: str, option: str) -> tuple[str | None, str]:
        """A value by precedence, and a description of where it came from."""
        if cli_value:
            return cli_value, f"{option} (command line)"
        if self.environ.get(env):
            return self.environ[env], f"{env} (environment)"
        value = self.section.get(key)
        if value is None:
            return None, ""
        if not isinstance(value, str) or not value:
            self.problem(self._where("tool.ssot"), key, value, "must be a non-empty string",
                         f'write it as {key} = "..."')
            return None, ""
        return value, f"{self._where('tool.ssot')} {key}"

    def _parse_issue_assignments(self, items: Sequence[str], origin: str) -> dict[int, str]:
        statuses: dict[int, str] = {}
        for item in items:
            number, sep, status = item.partition("=")
            number = number.strip().lstrip("#")
            status = status.strip()
            if not sep or not number.isdigit():
                self.problems.append(
                    f"{origin}: {item!r} is not N=STATUS; fix: write e.g. 824=open or 824=resolved"
                )
            elif status not in STATUSES:
                self.problems.append(
                    f"{origin}: issue {number} status {status!r} is unknown; "
                    f"fix: use one of {', '.join(STATUSES)}"
                )
            else:
                statuses[int(number)] = status
        return statuses

    def _cli_issues(self) -> dict[int, str]:
        return self._parse_issue_assignments(self.cli.issues, "--ssot-issue (command line)")

    def _env_issues(self) -> dict[int, str]:
        raw = self.environ.get("SSOT_ISSUES", "")
        items = [part for part in re.split(r"[,\s]+", raw) if part]
        return self._parse_issue_assignments(items, "SSOT_ISSUES (environment)")

    def _tiers(self) -> tuple[str, ...] | None:
        if self.cli.tiers:
            raw: Any = ",".join(self.cli.tiers)
            origin = "--ssot-tier (command line)"
        elif self.environ.get("SSOT_TIER"):
            raw, origin = self.environ["SSOT_TIER"], "SSOT_TIER (environment)"
        elif self.section.get("tiers") is not None:
            raw, origin = self.section["tiers"], f"{self._where('tool.ssot')} tiers"
        else:
            return None
        names = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.problems.append(f"{origin}: {short(raw)} must be a list of tier names; "
                                 f"fix: use some of {', '.join(TIERS)}")
            return None
        tiers = tuple(n.strip() for n in names if n.strip())
        bad = [t for t in tiers if t not in TIERS]
        if bad or not tiers:
            self.problems.append(
                f"{origin}: tier {', '.join(map(repr, bad)) or 'list is empty'} unknown; "
                f"fix: use a comma-separated subset of {','.join(TIERS)}"
            )
            return None
        return tiers

    def _staging_url(self) -> str | None:
        url, origin = self._pick(self.cli.staging_url, "SSOT_STAGING_URL", "staging_url", "--ssot-staging-url")
        if url is None:
            return None
        why = staging_url_problem(url)
        if why is not None:
            shown = re.sub(r"//[^/@]*@", "//***@", url)  # never echo credentials
            self.problems.append(f"{origin}: {short(shown)} {why}; fix: give ws://HOST:PORT/PATH or wss://HOST/PATH")
            return None
        return url

