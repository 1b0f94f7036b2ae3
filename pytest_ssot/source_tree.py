"""The ``.py`` files of a source tree and the module names they define.

Pure path arithmetic, importing nothing: which file is ``a.b``, which module a
file is, and what a relative import names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


@dataclass(frozen=True)
class SourceFile:
    module: str
    path: str
    is_package: bool


def iter_source_files(root: str | os.PathLike[str], package: str | None = None) -> Iterator[SourceFile]:
    """Every ``.py`` file of ``package`` under ``root`` (the whole root if None)."""
    root_path = os.path.realpath(root)
    parts = package.split(".") if package else []
    base = os.path.join(root_path, *parts)
    if parts and not os.path.isdir(base):
        single = base + ".py"
        if os.path.isfile(single):
            yield SourceFile(package or "", single, False)
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        rel = os.path.relpath(dirpath, root_path)
        dir_parts = [] if rel == "." else rel.split(os.sep)
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(dirpath, filename)
            if filename == "__init__.py":
                yield SourceFile(".".join(dir_parts), path, True)
            else:
                yield SourceFile(".".join(dir_parts + [filename[:-3]]), path, False)


def module_file(root: str, module: str) -> SourceFile | None:
    """The file that defines ``module`` under ``root``, if any."""
    base = os.path.join(root, *module.split("."))
    init = os.path.join(base, "__init__.py")
    if os.path.isfile(init):
        return SourceFile(module, init, True)
    if os.path.isfile(base + ".py"):
        return SourceFile(module, base + ".py", False)
    return None


def resolve_relative(module: str, is_package: bool, target: str, level: int) -> str:
    """Absolute module named by ``from <level dots><target> import ...`` in ``module``."""
    if not level:
        return target
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join(p for p in parts + ([target] if target else []) if p)
