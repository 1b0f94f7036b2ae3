"""A target: one codebase under scrutiny, as its ``[tool.ssot.targets.NAME]`` table describes it.

The validated, frozen result of the configuration (built by
:mod:`pytest_ssot.config.load`), and the errors a check raises when the target lacks
what it needs. Every layer reads targets, so this module imports only the schema.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ssot.config.schema import TARGET_KEYS, THRESHOLD_KEYS, Key
from pytest_ssot.core.violation import SSOTSetupError


class TargetSetupError(SSOTSetupError, RuntimeError):
    """The target configuration lacks something a test needs, or it does not load.

    Deliberately not an SSOTViolation: a broken setup must never pass for a
    confirmed violation of an open issue.
    """


class MissingTargetKey(TargetSetupError):
    """A check needs an optional key the target does not set.

    Not a broken setup but a check that does not apply to this target yet: inside
    a test run it becomes a skip with one reason line per missing key (see
    :mod:`pytest_ssot.config.missing_keys`), so a target without ``app`` runs its
    server-free checks instead of erroring once per server-bound test.
    """

    def __init__(self, target: str, key: str, message: str) -> None:
        super().__init__(message)
        self.target = target
        self.key = key



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

