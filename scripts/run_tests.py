"""Run pytest with a real staging tier: the consolidated reference server, as its own process.

``./scripts/test`` calls this. It starts the ``demo-consolidated`` target's server
(``scripts/demo.py``'s ``target_server``: the target's app, root and python, with a
fresh signing secret in ``CHATAPP_SECRET`` so the target's token function mints
tokens that server accepts), exports its URL as ``SSOT_STAGING_URL``, runs pytest
with the given arguments (on two xdist workers unless they say otherwise), and always
stops the server. The exit code is pytest's.
When ``SSOT_STAGING_URL`` is already set, that URL is used and no server is started.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from typing import Sequence

REFERENCE_TARGET = "demo-consolidated"
# two xdist workers unless the caller chose (-n / --numprocesses / -p no:xdist): the full run
# takes ~5.3 min this way against ~9.6 min in one process, measured on 2 cores
DEFAULT_WORKERS = ["-n", "2"]


def with_workers(argv: Sequence[str]) -> list[str]:
    """``argv`` with :data:`DEFAULT_WORKERS` in front, unless it already says how many workers (or none)."""
    chosen = any(a in ("-n", "--numprocesses", "no:xdist", "-pno:xdist") or a.startswith("--numprocesses=")
                 or (a.startswith("-n") and not a.startswith("--")) for a in argv)
    return list(argv) if chosen else [*DEFAULT_WORKERS, *argv]


def main(argv: Sequence[str]) -> int:
    from pytest_ssot.core.children import call, exit_on_signals

    exit_on_signals()  # SIGTERM unwinds like Ctrl-C: pytest and the server stop with us
    pytest_command = [sys.executable, "-m", "pytest", *with_workers(argv)]
    if os.environ.get("SSOT_STAGING_URL"):
        return call(pytest_command)
    from demo import target_server  # scripts/demo.py, beside this file
    from pytest_ssot.ws.servers import ServerStartError

    with ExitStack() as stack:
        try:
            server = stack.enter_context(target_server(REFERENCE_TARGET))
        except ServerStartError as exc:
            print(f"run_tests: the staging stand-in did not start: {exc}", file=sys.stderr)
            return 3
        print(f"run_tests: staging tier against the consolidated reference server at {server.url}",
              file=sys.stderr, flush=True)
        return call(pytest_command, env=dict(os.environ, SSOT_STAGING_URL=server.url))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
