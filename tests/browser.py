"""Headless chromium for the dashboard: found on PATH, run bounded in time, no network.

Shared by tests/test_dashboard_browser.py and the main job (scripts/demo.py),
which keeps screenshots of the dashboards under artifacts/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

WINDOW = (1280, 1600)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
         "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}"]
ROOT = Path(__file__).resolve().parent.parent
BROWSERS = Path(os.environ.get("SSOT_BROWSERS") or ROOT / ".venv" / "browsers")


def _missing() -> str:
    """Why there is no chromium: the reason scripts/ensure_browser.sh wrote, or that it has not run."""
    unavailable = BROWSERS / "unavailable"
    why = unavailable.read_text().strip() if unavailable.is_file() else "scripts/ensure_browser.sh has not run"
    return f"no chromium on PATH or in {BROWSERS}: {why}"


MISSING = _missing()


def chromium() -> str | None:
    """A chromium on PATH, else the one scripts/ensure_browser.sh unpacked into .venv/browsers (no root), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.access(BROWSERS / "chromium", os.X_OK):
        return str(BROWSERS / "chromium")
    return None


def run_browser(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless chromium run with its own profile folder, at most 180 s."""
    command = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)


def screenshot(page: Path, png: Path, browser: str | None = None) -> str | None:
    """Screenshot ``page`` into ``png``; None when done, else why not (one line)."""
    browser = browser or chromium()
    if browser is None:
        return MISSING
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ssot-browser-") as profile:
        try:
            result = run_browser(browser, Path(profile), f"--screenshot={png}", page.resolve().as_uri())
        except subprocess.TimeoutExpired:
            return "chromium took longer than 180 s"
    if result.returncode != 0 or not png.exists():
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"chromium exited {result.returncode}: {tail}"
    return None
