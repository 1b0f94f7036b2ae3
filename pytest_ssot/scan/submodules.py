"""A package's submodules by file name, from a listing: "does this module exist?" without importing it.

The forbidden-factory check asks it of the file system (:func:`find_submodules`,
through ``pkgutil.iter_modules``) and ``ssot history`` of a git tree
(:func:`match_submodules` with the tree's own listing).
"""

from __future__ import annotations

import fnmatch
import os
import pkgutil
from pathlib import Path
from typing import Any, Callable, Sequence

from pytest_ssot.scan.child import ProbeSetupError, check_root


def find_submodules(
    root: str | os.PathLike[str],
    package: str,
    pattern: str = "*factory*",
    *,
    allow: Sequence[str] = (),
    recursive: bool = False,
) -> list[str]:
    """Submodules of ``package`` whose name matches ``pattern`` (fnmatch, case-insensitive).

    Read from the file system (``pkgutil.iter_modules`` over the package's
    directory): nothing is imported. ``allow`` holds short or dotted names that
    are permitted. Returns dotted names, sorted.
    """
    base = Path(check_root(root), *package.split("."))
    if not base.is_dir():
        raise ProbeSetupError(f"package {package!r} is not a directory under {str(root)!r}")
    return match_submodules(base, package, pattern, allow=allow, recursive=recursive,
                            iter_modules=lambda d: ((i.name, i.ispkg) for i in pkgutil.iter_modules([str(d)])),
                            join=lambda d, name: d / name)


def match_submodules(
    base: Any,
    package: str,
    pattern: str,
    *,
    allow: Sequence[str],
    recursive: bool,
    iter_modules: Callable[[Any], Any],
    join: Callable[[Any, str], Any],
) -> list[str]:
    """:func:`find_submodules` over any listing: ``iter_modules(dir)`` yields (name, is_package) as pkgutil does.

    The seam lets ``ssot history`` ask the same question of a git tree.
    """
    allowed = set(allow)
    found = []
    todo = [(base, package)]
    while todo:
        directory, prefix = todo.pop()
        for name, ispkg in iter_modules(directory):
            dotted = f"{prefix}.{name}"
            if fnmatch.fnmatch(name.lower(), pattern.lower()) and not ({name, dotted} & allowed):
                found.append(dotted)
            if recursive and ispkg:
                todo.append((join(directory, name), dotted))
    return sorted(found)
