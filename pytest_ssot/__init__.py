"""pytest-ssot: fail-first tests for single-source-of-truth consolidations.

Only :class:`SSOTViolation` is imported eagerly: the plugin module imports this
package on every pytest run, configured or not, so everything heavier (scanners,
websockets, hypothesis) is loaded on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import Any

from pytest_ssot.violation import SSOTViolation

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily, PEP 562)
_LAZY: dict[str, str] = {
    "SSOTConfig": "pytest_ssot.config",
    "Target": "pytest_ssot.config",
    "load_config": "pytest_ssot.config",
    "TargetAdapter": "pytest_ssot.adapter",
}

__all__ = ["SSOTViolation", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_ssot' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
