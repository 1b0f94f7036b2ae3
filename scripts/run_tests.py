"""Run pytest with a real staging tier: the consolidated reference server, as its own process.

``./scripts/test`` calls this. It starts ``examples/consolidated``'s server (through
pytest-ssot's own process launcher) with a fresh signing secret, exports its URL as
``SSOT_STAGING_URL`` and the secret as ``CHATAPP_SECRET`` (so the target's token
function mints tokens that server accepts), runs pytest with the given arguments,
and always stops the server. The exit code is pytest's. When ``SSOT_STAGING_URL`` is
already set, that URL is used and no server is started.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_ROOT = ROOT / "examples" / "consolidated"
REFERENCE_APP = "chatapp.server:serve"


def main(argv: Sequence[str]) -> int:
    pytest_command = [sys.executable, "-m", "pytest", *argv]
    if os.environ.get("SSOT_STAGING_URL"):
        return subprocess.call(pytest_command)
    from pytest_ssot.servers import ServerStartError, start_app_process

    secret = secrets.token_hex(16)
    try:
        server = start_app_process(REFERENCE_APP, REFERENCE_ROOT, env={"CHATAPP_SECRET": secret})
    except ServerStartError as exc:
        print(f"run_tests: the staging stand-in did not start: {exc}", file=sys.stderr)
        return 3
    try:
        print(f"run_tests: staging tier against the consolidated reference server at {server.url}",
              file=sys.stderr, flush=True)
        env = dict(os.environ, SSOT_STAGING_URL=server.url, CHATAPP_SECRET=secret)
        return subprocess.call(pytest_command, env=env)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
