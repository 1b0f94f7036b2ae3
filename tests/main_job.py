"""``scripts/demo.py`` (the main job, README command 1) loaded as a module: tests run the suites the way it does."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def _load_main_job() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ssot_main_job", REPO / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAIN_JOB = _load_main_job()
