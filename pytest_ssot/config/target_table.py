"""Check one ``[tool.ssot.targets.NAME]`` table, collecting every problem instead of stopping at the first.

:class:`TableChecks` holds the problem list and the one-line format every
configuration mistake shares (key, value, what is wrong, the fix); the root
``[tool.ssot]`` table is checked by its subclass in :mod:`pytest_ssot.config.load`.
Whether the target's interpreter can run the probes is asked through
``python_problem``, handed in by the caller: this layer starts no process.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pytest_ssot.core.locate import check_reference, find_module
from pytest_ssot.config.schema import (
    CHECKS,
    INVALID,
    MISSING,
    REQUIRED_TARGET_KEYS,
    STATUSES,
    TARGET_KEYS,
    THRESHOLD_KEYS,
    Bad,
    Key,
    short,
)
from pytest_ssot.config.target import Target, Thresholds


class TableChecks:
    """The problems found so far, and the checks of a target's table."""

    def __init__(self, pyproject: Path | None, python_problem: Callable[[str], str | None]) -> None:
        self.pyproject = pyproject
        self.base = pyproject.parent if pyproject is not None else Path.cwd()
        self.python_problem = python_problem  # why an interpreter cannot run the probes, or None
        self.problems: list[str] = []
        self.faulty: set[tuple[str, str]] = set()  # (where, key) already reported: later checks leave them be

    # -- reporting

    def _where(self, table: str) -> str:
        name = self.pyproject.name if self.pyproject is not None else "pyproject.toml"
        return f"{name} [{table}]"

    def problem(self, where: str, key: str, value: Any, what: str, fix: str) -> None:
        shown = "" if value is MISSING else f" = {short(value)}"
        self.problems.append(f"{where}: {key}{shown}: {what}; fix: {fix}")
        self.faulty.add((where, key))

    def _unknown_keys(self, table: str, data: Mapping[str, Any], known: Mapping[str, Key]) -> None:
        for key in data:
            if key not in known:
                near = difflib.get_close_matches(key, list(known), n=1)
                hint = f"did you mean {near[0]!r}?" if near else f"known keys: {', '.join(sorted(known))}"
                self.problem(self._where(table), key, data[key], f"unknown key ({hint})",
                             "rename or remove it")

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
        self._pattern_finds_the_manager(where, values)
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

    def _pattern_finds_the_manager(self, where: str, values: dict[str, Any]) -> None:
        """The class checks count classes ``class_pattern`` matches: one that misses the canonical manager is a mistake.

        Left unset on a codebase with other names, the seeds' default matches
        nothing, and every class check would stop on an empty scan.
        """
        if {(where, "manager"), (where, "class_pattern")} & self.faulty:
            return  # one line per mistake: a manager that does not resolve, a pattern that does not compile
        managers = [ref.rpartition(":")[2].rpartition(".")[2] for ref in values.get("manager") or ()]
        pattern = values.get("class_pattern", TARGET_KEYS["class_pattern"].default)
        if not managers or not isinstance(pattern, str):
            return
        try:
            compiled = re.compile(pattern)
        except re.error:
            return
        if not any(compiled.search(name) for name in managers):
            shown = "class_pattern" if "class_pattern" in values else "class_pattern (its default)"
            self.problem(where, shown, pattern, f"matches no manager class ({', '.join(managers)}), so the class "
                         "checks would never count them",
                         f'set class_pattern to match your manager classes, e.g. class_pattern = "{managers[0]}"')

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
            why = self.python_problem(values["python"])
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
