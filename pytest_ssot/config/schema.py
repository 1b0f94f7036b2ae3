"""What ``[tool.ssot]`` may contain: every key, its type check, default and meaning.

The tables here are the single source the validator, the README reference and
the docs test read; adding a key is one line in a table (plus its field on
:class:`~pytest_ssot.config.target.Target`).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ssot.core.locate import is_dotted_name, split_reference

STATUSES = ("open", "resolved")
TIERS = ("unit", "integration", "staging")
DEFAULT_EVENTS = (
    "agent_started",
    "agent_thinking",
    "tool_executing",
    "tool_completed",
    "agent_completed",
)
# files both scans leave out by default: test files and test doubles, wherever they sit
# under the root (globs: see pytest_ssot.config.exclude)
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/mocks/**",
    "**/fakes/**",
)
# a manager class is one whose name contains both words; the factory function the seeds look for
DEFAULT_CLASS_PATTERN = r"(?i)^(?=.*websocket)(?=.*manager)"
DEFAULT_FUNCTION_NAME = "get_websocket_manager"


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Key:
    """One configuration key: its type check, default and documentation."""

    name: str
    kind: str
    default: Any
    doc: str
    choices: tuple[str, ...] = ()


THRESHOLD_KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("max_redundant_implementations", "int", 3,
            "most redundant manager implementations tolerated (#824: 9 found, 3 acceptable)"),
        Key("max_import_paths", "int", 11,
            "most distinct import paths to the manager (#960: fewer than 12)"),
        Key("golden_path_seconds", "number", 2.0,
            "time limit from message sent to the final event (#1036: under 2 s)"),
        Key("concurrent_users", "int_list", [8, 10],
            "user counts for the concurrency checks (#960: 8, #1036: 10)"),
        Key("factory_timeout_seconds", "number", 10.0,
            "time limit for importing and calling the factory before it counts as a hang (#824)"),
    )
}

TARGET_KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("root", "dir", None, "import root of the target, relative to pyproject.toml; also the static-scan root"),
        Key("package", "module", None, "dotted package that is scanned, e.g. 'app.realtime'"),
        Key("manager", "ref_list", [], "canonical manager class(es) as 'module:Class'"),
        Key("factory", "ref", None, "canonical factory as 'module:function' (sync or async)"),
        Key("user_context", "ref", None, "callable taking a user id and returning a user context"),
        Key("deprecated_modules", "module_list", [], "modules that must no longer import"),
        Key("deprecated_names", "ref_list", [],
            "'module:Name' imports that must fail (deprecated classes and functions); never resolved"),
        Key("allowed_factory_modules", "module_list", [], "'*factory*' modules that are legitimate"),
        Key("app", "ref", None,
            "async server entry point the integration tier starts: 'module:serve', serve(host, port, *, ready)"),
        Key("events", "str_list", list(DEFAULT_EVENTS), "the critical events, in order"),
        Key("python", "python", None, "interpreter for subprocess probes (default: the one running pytest)"),
        Key("class_pattern", "regex", DEFAULT_CLASS_PATTERN,
            "regex a class name must match to count as a manager implementation"),
        Key("exclude", "glob_list", list(DEFAULT_EXCLUDE),
            "root-relative globs of files both scans leave out ('**' spans folders); "
            "the default leaves out test files and test doubles; [] scans everything"),
        Key("function_name", "identifier", DEFAULT_FUNCTION_NAME, "name of the factory function to find duplicates of"),
        Key("direct_instantiation", "choice", "forbidden",
            "policy for calling the manager class directly", ("forbidden", "allowed")),
        Key("null_user_context", "choice", "reuse",
            "what the factory does for a null user context", ("reuse", "error")),
        Key("user_id_attr", "attr_path", "user_context.user_id", "attribute path from a manager to its user id"),
        Key("admin_user", "str", "admin", "user id whose token may read the server's diagnostics"),
        Key("sample_user", "str", "user-001",
            "user id the #889 checks reproduce a second manager with (the seeds' was demo-user-001)"),
        Key("token", "ref", None,
            "'module:function' returning a bearer token for a user id (integration and staging tiers)"),
        Key("known_import_failures", "module_reasons", {},
            "submodules of the package known to fail to import, each with the reason: module -> reason"),
        Key("thresholds", "table", {}, "overrides of the seeds' numbers (see THRESHOLD_KEYS)"),
        Key("issues", "table", {}, "issue number -> 'open' | 'resolved'"),
        Key("waive", "waivers", {},
            "check id ('test_file.py::test_name', as the ledger names it) -> why it does not apply; "
            "the check is skipped with that reason and counted as waived"),
    )
}

ROOT_KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("target", "str", None, "default target name (overridden by --ssot-target / SSOT_TARGET)"),
        Key("targets", "table", {}, "the named targets"),
        Key("tiers", "tier_list", None, "default tiers to run (overridden by --ssot-tier / SSOT_TIER)"),
        Key("staging_url", "str", None, "staging URL (overridden by --ssot-staging-url / SSOT_STAGING_URL)"),
        Key("report", "str", None, "JSON report path (overridden by --ssot-report / SSOT_REPORT)"),
        Key("baseline", "str", None,
            "ratchet baseline file, relative to pyproject.toml (overridden by --ssot-baseline / SSOT_BASELINE)"),
        Key("urls", "url_templates", {},
            "link templates for reports: issue ({issue}), source ({path}, {line}, {commit}, {branch}), "
            "run ({commit}, {branch}, {env[NAME]})"),
    )
}

REQUIRED_TARGET_KEYS = ("root", "package")


# --------------------------------------------------------------------------- type checks

MISSING = object()  # a required key that is absent
INVALID = object()  # a value that failed its check


@dataclass(frozen=True)
class Bad:
    what: str
    fix: str


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_str(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, str) and value:
        return value
    return Bad(f"must be a non-empty string, not {type(value).__name__}", f'write it as {spec.name} = "..."')


def _check_dir(base: Path, value: Any, spec: Key) -> Any:
    if not isinstance(value, str) or not value:
        return _check_str(base, value, spec)
    path = (base / value).resolve()
    if not path.is_dir():
        return Bad(f"folder {path} does not exist", "give the target's import root, relative to pyproject.toml")
    return path


def _check_module(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, str) and is_dotted_name(value):
        return value
    return Bad("is not a dotted module name", f'write it as {spec.name} = "package.module"')


def _check_ref(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, str):
        try:
            split_reference(value)
        except ValueError:
            pass
        else:
            return value
    return Bad("is not a 'module:attribute' reference", f'write it as {spec.name} = "package.module:Name"')


def _check_ref_list(base: Path, value: Any, spec: Key) -> Any:
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list) and all(not isinstance(_check_ref(base, i, spec), Bad) for i in items):
        return tuple(items)
    return Bad("must be 'module:Class' or a list of them", f'write it as {spec.name} = "package.module:Class"')


def _check_module_list(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, list) and all(isinstance(i, str) and is_dotted_name(i) for i in value):
        return tuple(value)
    return Bad("must be a list of dotted module names", f'write it as {spec.name} = ["package.module"]')


def _check_str_list(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, list) and value and all(isinstance(i, str) and i for i in value):
        return tuple(value)
    return Bad("must be a non-empty list of strings", f'write it as {spec.name} = ["a", "b"]')


def _check_glob_list(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, list) and all(isinstance(i, str) and i.strip() and not os.path.isabs(i) for i in value):
        return tuple(value)
    return Bad("must be a list of root-relative globs (may be empty)", f'write it as {spec.name} = ["**/tests/**"]')


# bounds of the thresholds: a count of 0 can never be met (the canonical implementation and its one
# import path always exist), and a limit beyond these is a typo, not a policy; larger time limits
# also overflow the timers they feed (an infinite one used to end in an OverflowError)
MAX_COUNT = 1_000_000
MAX_SECONDS = 86_400.0
MAX_USERS = 1_000


def _check_int(base: Path, value: Any, spec: Key) -> Any:
    if type(value) is int and 1 <= value <= MAX_COUNT:
        return value
    what = f"a {type(value).__name__}" if type(value) is not int else str(value)
    return Bad(f"must be a whole number from 1 to {MAX_COUNT:,} (the canonical one always counts), not {what}",
               f"write it as {spec.name} = {spec.default}")


def _check_number(base: Path, value: Any, spec: Key) -> Any:
    if type(value) in (int, float) and math.isfinite(value) and 0 < value <= MAX_SECONDS:
        return float(value)
    return Bad(f"must be a finite number of seconds above 0 and at most {MAX_SECONDS:g}",
               f"write it as {spec.name} = {spec.default}")


def _check_int_list(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, list) and value and all(type(i) is int and 2 <= i <= MAX_USERS for i in value):
        return value
    return Bad(f"must be a non-empty list of whole numbers from 2 to {MAX_USERS} "
               "(a concurrency check needs two users)", f"write it as {spec.name} = {spec.default}")


def _check_choice(base: Path, value: Any, spec: Key) -> Any:
    if value in spec.choices:
        return value
    return Bad("is not an allowed value", f"use one of {', '.join(map(repr, spec.choices))}")


def _check_regex(base: Path, value: Any, spec: Key) -> Any:
    if not isinstance(value, str):
        return _check_str(base, value, spec)
    try:
        re.compile(value)
    except re.error as exc:
        return Bad(f"is not a valid regular expression ({exc})", "fix the pattern (Python re syntax)")
    return value


def _check_identifier(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, str) and value.isidentifier():
        return value
    return Bad("is not a Python identifier", f'write it as {spec.name} = "function_name"')


def _check_attr_path(base: Path, value: Any, spec: Key) -> Any:
    if isinstance(value, str) and is_dotted_name(value):
        return value
    return Bad("is not a dotted attribute path", f'write it as {spec.name} = "user_context.user_id"')


def _check_python(base: Path, value: Any, spec: Key) -> Any:
    if not isinstance(value, str) or not value:
        return _check_str(base, value, spec)
    candidate = (base / value) if ("/" in value or os.sep in value) else None
    if candidate is not None:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        return Bad(f"interpreter {candidate} does not exist or is not executable",
                    "give the path of the target's python (e.g. .venv/bin/python)")
    found = shutil.which(value)
    if found:
        return found
    return Bad(f"interpreter {value!r} is not on PATH", "give a path or a command found on PATH")


def _check_waivers(base: Path, value: Any, spec: Key) -> Any:
    if not isinstance(value, dict):
        return Bad("must be a table", f'write it as [{spec.name}] with lines like "test_x.py::test_y" = "why"')
    for check, reason in value.items():
        file_name, sep, test = check.partition("::")
        if not (sep and file_name.endswith(".py") and "/" not in file_name and test):
            return Bad(f"{check!r} is not a check id",
                       "write the test's file name and name, e.g. \"test_824_unit.py::test_one_class\"")
        if not isinstance(reason, str) or not reason.strip():
            return Bad(f"{check!r} has no reason", "say why the check does not apply, as a non-empty string")
    return {check: reason.strip() for check, reason in value.items()}


def _check_module_reasons(base: Path, value: Any, spec: Key) -> Any:
    """A table of dotted module name -> non-empty reason; every bad entry named in one line."""
    fix = f'write each entry as "package.module" = "why it fails" under [...{spec.name}] (quote the module name)'
    if not isinstance(value, dict):
        return Bad("must be a table of module -> reason", fix)
    bad = []
    for module, reason in value.items():
        if isinstance(reason, dict):  # an unquoted dotted key: TOML made it a nested table
            bad.append(f"{module!r} is split into a nested table (unquoted dotted key)")
        elif not is_dotted_name(module):
            bad.append(f"{module!r} is not a dotted module name")
        elif not isinstance(reason, str) or not reason.strip():
            bad.append(f"{module!r} has no reason (needs a non-empty string)")
    if bad:
        return Bad("; ".join(bad), fix)
    return {module: reason.strip() for module, reason in value.items()}


def _check_url_templates(base: Path, value: Any, spec: Key) -> Any:
    from pytest_ssot.config.links import TemplateError, check_templates

    if not isinstance(value, dict):
        return Bad("must be a table of link templates",
                   'write it as urls = {issue = "https://github.com/OWNER/REPO/issues/{issue}"}')
    try:
        return check_templates(value, spec.name)
    except TemplateError as exc:
        what, _sep, fix = str(exc).partition("; fix: ")
        return Bad(what.removeprefix(f"{spec.name}: "), fix or "fix the template")


CHECKS: dict[str, Callable[[Path, Any, Key], Any]] = {
    "str": _check_str,
    "dir": _check_dir,
    "module": _check_module,
    "ref": _check_ref,
    "ref_list": _check_ref_list,
    "module_list": _check_module_list,
    "str_list": _check_str_list,
    "glob_list": _check_glob_list,
    "int": _check_int,
    "number": _check_number,
    "int_list": _check_int_list,
    "choice": _check_choice,
    "regex": _check_regex,
    "identifier": _check_identifier,
    "attr_path": _check_attr_path,
    "python": _check_python,
    "waivers": _check_waivers,
    "module_reasons": _check_module_reasons,
    "url_templates": _check_url_templates,
}
