"""Headless chromium for the dashboard: found on PATH, run bounded in time, no network.

Shared by tests/test_dashboard_browser.py and the main job (scripts/demo.py),
which keeps screenshots of the dashboards under artifacts/.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

WINDOW = (1280, 1600)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
         "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}"]
MISSING = ("chromium is not installed; scripts/ensure_browser.sh installs it (needs root or "
           "passwordless sudo, and apt-get)")


def chromium() -> str | None:
    """The chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
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
