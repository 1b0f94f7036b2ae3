"""Small packages written to ``tmp_path`` and imported for one test, under names no demo uses."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


@contextmanager
def generated_package(root: Path, files: dict[str, str]) -> Iterator[Path]:
    """Write ``files`` under ``root``, put it on ``sys.path``, and forget every module imported from it after."""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    tops = {name.split("/")[0].removesuffix(".py") for name in files}
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] in tops]:
            del sys.modules[name]


def load(module: str) -> ModuleType:
    """Import ``module`` from a generated package."""
    return importlib.import_module(module)
