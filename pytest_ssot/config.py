"""Read and validate ``[tool.ssot]``, merged with options and environment.

Every mistake becomes one line naming the key, the value, where it came from and
the fix, and all mistakes of one file are reported together in a single
:class:`ConfigError` (a ``pytest.UsageError``: exit code 4), so a user fixes their
configuration in one round instead of one error per run.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from pytest_ssot.activation import pyproject_for  # noqa: F401 (re-exported: callers import it from here)
from pytest_ssot.locate import check_reference, find_module
from pytest_ssot.schema import (  # noqa: F401 (re-exported: the tables are part of the config's API)
    CHECKS,
    DEFAULT_EVENTS,
    INVALID,
    MISSING,
    REQUIRED_TARGET_KEYS,
    ROOT_KEYS,
    STATUSES,
    TARGET_KEYS,
    THRESHOLD_KEYS,
    TIERS,
    Bad,
    Key,
    short,
)
from pytest_ssot.violation import SSOTSetupError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

class TargetSetupError(SSOTSetupError, RuntimeError):
    """The target configuration lacks something a test needs, or it does not load.

    Deliberately not an SSOTViolation: a broken setup must never pass for a
    confirmed violation of an open issue.
    """


class MissingTargetKey(TargetSetupError):
    """A check needs an optional key the target does not set.

    Not a broken setup but a check that does not apply to this target yet: inside
    a test run it becomes a skip with one reason line per missing key (see
    :mod:`pytest_ssot.missing_keys`), so a target without ``app`` runs its
    server-free checks instead of erroring once per server-bound test.
    """

    def __init__(self, target: str, key: str, message: str) -> None:
        super().__init__(message)
        self.target = target
        self.key = key


class ConfigError(pytest.UsageError):
    """One or more configuration mistakes; each line is one mistake and its fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------- results


def _default(table: Mapping[str, Key], key: str) -> Any:
    """A key's default from the schema; lists as tuples, since the results are frozen."""
    value = table[key].default
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class Thresholds:
    max_redundant_implementations: int = _default(THRESHOLD_KEYS, "max_redundant_implementations")
    max_import_paths: int = _default(THRESHOLD_KEYS, "max_import_paths")
    golden_path_seconds: float = _default(THRESHOLD_KEYS, "golden_path_seconds")
    concurrent_users: tuple[int, ...] = _default(THRESHOLD_KEYS, "concurrent_users")
    factory_timeout_seconds: float = _default(THRESHOLD_KEYS, "factory_timeout_seconds")


@dataclass(frozen=True)
class Target:
    """One codebase under scrutiny and the names of its SSOT pieces."""

    name: str
    root: Path
    package: str
    manager: tuple[str, ...] = _default(TARGET_KEYS, "manager")
    factory: str | None = _default(TARGET_KEYS, "factory")
    user_context: str | None = _default(TARGET_KEYS, "user_context")
    deprecated_modules: tuple[str, ...] = _default(TARGET_KEYS, "deprecated_modules")
    deprecated_names: tuple[str, ...] = _default(TARGET_KEYS, "deprecated_names")
    allowed_factory_modules: tuple[str, ...] = _default(TARGET_KEYS, "allowed_factory_modules")
    app: str | None = _default(TARGET_KEYS, "app")
    events: tuple[str, ...] = _default(TARGET_KEYS, "events")
    python: str = sys.executable  # the schema's None: "the one running pytest"
    class_pattern: str = _default(TARGET_KEYS, "class_pattern")
    function_name: str = _default(TARGET_KEYS, "function_name")
    exclude: tuple[str, ...] = _default(TARGET_KEYS, "exclude")
    direct_instantiation: str = _default(TARGET_KEYS, "direct_instantiation")
    null_user_context: str = _default(TARGET_KEYS, "null_user_context")
    user_id_attr: str = _default(TARGET_KEYS, "user_id_attr")
    token: str | None = _default(TARGET_KEYS, "token")
    admin_user: str = _default(TARGET_KEYS, "admin_user")
    sample_user: str = _default(TARGET_KEYS, "sample_user")
    known_import_failures: Mapping[str, str] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    issues: Mapping[int, str] = field(default_factory=dict)
    waive: Mapping[str, str] = field(default_factory=dict)

    def require(self, key: str) -> Any:
        """The value of an optional key a check needs; a one-line :class:`MissingTargetKey` naming the fix if unset."""
        value = getattr(self, key)
        if not value:
            raise MissingTargetKey(self.name, key, f"target {self.name!r} has no {key!r} ({TARGET_KEYS[key].doc}); "
                                                   f"add {key} = ... to [tool.ssot.targets.{self.name}]")
        return value

    @property
    def manager_class_name(self) -> str:
        """The canonical manager class's own name, from ``manager`` (a missing key: a one-line skip, never a guess)."""
        return self.require("manager")[0].rpartition(":")[2].rpartition(".")[2]


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
    section = read_ssot_table(pyproject) if pyproject is not None else None
    if section is None and not cli.any_given():
        return None
    validator = _Validator(pyproject, section or {}, cli, environ, invocation_dir)
    validator.resolve_references = resolve_references
    return validator.build()


class _Validator:
    """Collects every problem instead of stopping at the first."""

    def __init__(
        self,
        pyproject: Path | None,
        section: Mapping[str, Any],
        cli: CliValues,
        environ: Mapping[str, str],
        invocation_dir: Path | None = None,
    ) -> None:
        self.invocation_dir = invocation_dir or Path.cwd()  # where relative command-line paths start
        self.resolve_references = True
        self.pyproject = pyproject
        self.base = pyproject.parent if pyproject is not None else Path.cwd()
        self.section = section
        self.cli = cli
        self.environ = environ
        self.problems: list[str] = []

    # -- reporting

    def _where(self, table: str) -> str:
        name = self.pyproject.name if self.pyproject is not None else "pyproject.toml"
        return f"{name} [{table}]"

    def problem(self, where: str, key: str, value: Any, what: str, fix: str) -> None:
        shown = "" if value is MISSING else f" = {short(value)}"
        self.problems.append(f"{where}: {key}{shown}: {what}; fix: {fix}")

    def _unknown_keys(self, table: str, data: Mapping[str, Any], known: Mapping[str, Key]) -> None:
        for key in data:
            if key not in known:
                near = difflib.get_close_matches(key, list(known), n=1)
                hint = f"did you mean {near[0]!r}?" if near else f"known keys: {', '.join(sorted(known))}"
                self.problem(self._where(table), key, data[key], f"unknown key ({hint})",
                             "rename or remove it")

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
        from pytest_ssot.catalog import ISSUE_TITLES

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
        from pytest_ssot.ledger import load_ledger

        if updating:
            self._writable(origin, "ledger", path)
        try:
            return load_ledger(path, target, must_exist=not updating)
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

    # -- one target

    def _target(self, name: str, table: Any, *, resolve: bool) -> Target | None:
        where = self._where(f"tool.ssot.targets.{name}")
        if not isinstance(table, dict):
            self.problem(self._where("tool.ssot.targets"), name, table, "must be a table",
                         f"write it as [tool.ssot.targets.{name}]")
            return None
        self._unknown_keys(f"tool.ssot.targets.{name}", table, TARGET_KEYS)
        for key in REQUIRED_TARGET_KEYS:
            if key not in table:
                self.problem(where, key, MISSING, "is required", f'add {key} = "..." to the target')
        values: dict[str, Any] = {}
        for key, spec in TARGET_KEYS.items():
            if key in table and key not in ("thresholds", "issues"):
                checked = self._check(where, spec, table[key])
                if checked is not INVALID:
                    values[key] = checked
        values["thresholds"] = self._thresholds(name, table.get("thresholds", {}))
        values["issues"] = self._issue_table(name, table.get("issues", {}))
        if resolve and "root" in values:
            self._resolve_references(where, values)
        self._known_failures_under_package(where, values)
        if any(key not in values for key in REQUIRED_TARGET_KEYS):
            return None
        return Target(name=name, **values)

    def _check(self, where: str, spec: Key, value: Any) -> Any:
        result = CHECKS[spec.kind](self.base, value, spec)
        if isinstance(result, Bad):
            self.problem(where, spec.name, value, result.what, result.fix)
            return INVALID
        return result

    def _thresholds(self, name: str, raw: Any) -> Thresholds:
        table = f"tool.ssot.targets.{name}.thresholds"
        if not isinstance(raw, dict):
            self.problem(self._where(f"tool.ssot.targets.{name}"), "thresholds", raw, "must be a table",
                         f"write it as [{table}]")
            return Thresholds()
        self._unknown_keys(table, raw, THRESHOLD_KEYS)
        values = {}
        for key, spec in THRESHOLD_KEYS.items():
            if key in raw:
                checked = self._check(self._where(table), spec, raw[key])
                if checked is not INVALID:
                    values[key] = tuple(checked) if isinstance(checked, list) else checked
        return Thresholds(**values)

    def _issue_table(self, name: str, raw: Any) -> dict[int, str]:
        table = f"tool.ssot.targets.{name}.issues"
        if not isinstance(raw, dict):
            self.problem(self._where(f"tool.ssot.targets.{name}"), "issues", raw, "must be a table",
                         f"write it as [{table}] with lines like 824 = \"open\"")
            return {}
        statuses: dict[int, str] = {}
        for number, status in raw.items():
            if not str(number).lstrip("#").isdigit():
                self.problem(self._where(table), str(number), status, "is not an issue number",
                             'use the number alone, e.g. 824 = "open"')
            elif status not in STATUSES:
                self.problem(self._where(table), str(number), status, "unknown status",
                             f"use one of {', '.join(map(repr, STATUSES))}")
            else:
                statuses[int(str(number).lstrip("#"))] = status
        return statuses

    def _known_failures_under_package(self, where: str, values: dict[str, Any]) -> None:
        """Only the package's own submodules are imported by the scan, so only they can be known failures."""
        package, known = values.get("package"), values.get("known_import_failures")
        if not package or not known:
            return
        outside = [m for m in known if not m.startswith(package + ".")]
        if outside:
            self.problem(where, "known_import_failures", known,
                         f"{', '.join(map(repr, outside))} not a submodule of package {package!r}",
                         f"list only submodules of {package} (the runtime scan imports nothing else)")

    def _resolve_references(self, where: str, values: dict[str, Any]) -> None:
        """Check that every module:attr of the selected target can be found, and that its python is one."""
        if "python" in values:
            from pytest_ssot.probes import python_problem

            why = python_problem(values["python"])
            if why is not None:
                self.problem(where, "python", values["python"], why,
                             "give the target's Python 3 interpreter (e.g. .venv/bin/python)")
        search = [str(values["root"])]
        package = values.get("package")
        if package and find_module(package, search, use_sys_path=False) is None:
            self.problem(where, "package", package, f"is not found under root {values['root']}",
                         "give the dotted package to scan, as imported from the root")
        for key in ("manager", "factory", "user_context", "app", "token"):
            refs = values.get(key)
            for ref in ([refs] if isinstance(refs, str) else refs or []):
                why = check_reference(ref, search)
                if why is not None:
                    self.problem(where, key, ref, f"does not resolve: {why}",
                                 f"point it at an importable module:attribute under root {values['root']}")


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def staging_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be connected to (scheme, host, port), or None; so a typo is not a setup error per test."""
    from urllib.parse import urlsplit

    if any(c.isspace() for c in url) or not url.isprintable():
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port that is no number or out of range, a broken [IPv6] literal
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("ws", "wss"):
        return "is not a WebSocket URL (scheme must be ws or wss)"
    host = parts.hostname
    if not host:
        return "has no host"
    if port == 0:
        return "has port 0, which nothing listens on"
    if parts.username is not None or parts.password is not None:
        return "carries credentials; pass the token with --ssot-staging-token or SSOT_STAGING_TOKEN instead"
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        if "[" in parts.netloc:
            return f"has an invalid IPv6 host {host!r}"
        labels = host.rstrip(".").split(".")
        if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels) or \
                (labels[-1].isdigit() and len(labels) == 4):
            return f"has an invalid host name {host!r}"
    return None
