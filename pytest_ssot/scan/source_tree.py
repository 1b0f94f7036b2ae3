"""The ``.py`` files of a source tree and the module names they define.

Pure path arithmetic, importing nothing: which file is ``a.b``, which module a
file is, and what a relative import names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

from pytest_ssot.config.exclude import Exclusion

SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


@dataclass(frozen=True)
class SourceFile:
    module: str
    path: str
    is_package: bool


def iter_source_files(
    root: str | os.PathLike[str], package: str | None = None, exclude: Exclusion | None = None
) -> Iterator[SourceFile]:
    """Every ``.py`` file of ``package`` under ``root`` (the whole root if None).

    Files ``exclude`` matches (by root-relative path) are left out and counted
    there. Symlinked directories are not entered (``sub/loop -> ..`` would
    repeat the tree forever), and a symlinked file whose target lies in the
    same tree is left to its real name: one file, one module.
    """
    root_path = os.path.realpath(root)
    parts = package.split(".") if package else []
    base = os.path.join(root_path, *parts)
    if parts and not os.path.isdir(base):
        single = base + ".py"
        if os.path.isfile(single):
            rel = "/".join(parts[:-1] + [parts[-1] + ".py"])
            if exclude and exclude.match(rel):
                exclude.modules.append(package or "")
            else:
                yield SourceFile(package or "", single, False)
        return
    inside = base + os.sep
    rel_base = list(parts)
    stack = [(base, rel_base)]
    while stack:
        dirpath, dir_parts = stack.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name not in SKIP_DIRS and not name.startswith(".") and not entry.is_symlink():
                    subdirs.append((entry.path, dir_parts + [name]))
                continue
            if not name.endswith(".py"):
                continue
            if entry.is_symlink() and os.path.realpath(entry.path).startswith(inside):
                continue  # scanned under its real name
            is_package = name == "__init__.py"
            module = ".".join(dir_parts if is_package else dir_parts + [name[:-3]])
            if exclude and exclude.match("/".join(dir_parts + [name])):
                exclude.modules.append(module)
                continue
            yield SourceFile(module, entry.path, is_package)
        stack.extend(reversed(subdirs))


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
