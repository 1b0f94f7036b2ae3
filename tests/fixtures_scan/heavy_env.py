"""Load a heavy mix of modules into this interpreter (run it as a script).

Used by the introspection test (``--check``: scan everything, warnings as errors,
and verify the scan imported nothing) and by ``benchmarks/scan_speed.py``.
Never import this from a test process: it pollutes ``sys.modules`` for good.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import sys
import warnings

# modules with side effects beyond importing (GUIs, browsers, printing, test suites)
SKIP_TOP = {
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "__main__",
    "pydoc_data", "ensurepip", "venv", "lib2to3", "msilib", "winreg", "winsound", "_winapi",
}
THIRD_PARTY = ["hypothesis", "pytest", "_pytest", "xdist", "websockets", "pytest_asyncio", "execnet",
               "pluggy", "pygments", "packaging", "sortedcontainers", "iniconfig"]
WALK = ["email", "json", "xml", "asyncio", "http", "urllib", "concurrent", "importlib", "logging",
        "multiprocessing", "unittest", "sqlite3", "ctypes", "dbm", "encodings", "html", "wsgiref",
        "xmlrpc", "collections", "curses", "distutils", "zoneinfo", "tomllib", "hypothesis", "_pytest",
        "websockets", "xdist", "pygments", "execnet", "packaging"]
SKIP_SUB = ("pygments.styles", "hypothesis.extra", "websockets.legacy.auth",
            "distutils.command.bdist_msi", "encodings.mbcs", "encodings.oem", "encodings.cp65001",
            "ctypes.wintypes", "multiprocessing.popen_spawn_win32", "asyncio.windows", "_pytest.debugging")


def _try(name: str, failed: list[str]) -> object | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return importlib.import_module(name)
    except BaseException:  # noqa: BLE001 - a module that does not import cleanly is skipped
        failed.append(name)
        return None


def import_everything() -> list[str]:
    """Import the mix; returns the names that failed (skipped, not an error)."""
    failed: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(sys.stdlib_module_names):
            if name not in SKIP_TOP:
                _try(name, failed)
        for name in THIRD_PARTY:
            _try(name, failed)
        for name in WALK:
            module = sys.modules.get(name) or _try(name, failed)
            path = getattr(module, "__path__", None)
            if path is None:
                continue
            for info in pkgutil.walk_packages(path, name + ".", onerror=lambda n: None):
                leaf = info.name.split(".")[-1]
                if not info.name.startswith(SKIP_SUB) and "test" not in leaf and leaf != "__main__":
                    _try(info.name, failed)
    return failed


def check() -> int:
    from pytest_ssot.scan.introspect import scan_modules

    import_everything()
    before = set(sys.modules)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = scan_modules("")
        second = scan_modules("", r"(?i)(manager|config|error)$", ["main", "dumps", "get"])
    new = set(sys.modules) - before
    print(f"modules={result.modules_scanned} new_modules={len(new)} classes={len(second.classes)} "
          f"functions={len(second.functions)}")
    if new:
        print("imported during the scan:", sorted(new)[:20])
    return 0


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(check())
    print(len(import_everything()))
