"""Command line: ``python -m chatapp serve`` and ``python -m chatapp token USER_ID``.

``serve`` prints the bound ``ws://`` URL alone on the first line of stdout (logs go
to stderr), so a parent process can start it on port 0 and read where it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import sys
from typing import Sequence

from chatapp.auth import DEFAULT_TTL_SECONDS, mint_token
from chatapp.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chatapp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the WebSocket server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--db", help="SQLite file (default: $CHATAPP_DB, else in memory)")
    serve.add_argument("--admin", help="user id allowed to ask for diagnostics (default: $CHATAPP_ADMIN_USER or 'admin')")
    serve.add_argument("--max-frame-bytes", type=int, help="larger frames are refused with close code 1009")
    token = commands.add_parser("token", help="print a signed token for a user")
    token.add_argument("user_id")
    token.add_argument("--ttl", type=float, default=DEFAULT_TTL_SECONDS, help="seconds of validity (negative: expired)")
    return parser


async def _serve(host: str, port: int, settings: Settings) -> None:
    from chatapp.server import serve

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)

    def announce(url: str) -> None:
        print(url, flush=True)

    try:
        await serve(host, port, ready=announce, settings=settings)
    except asyncio.CancelledError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        print(mint_token(args.user_id, args.ttl))
        return 0
    logging.basicConfig(level=os.environ.get("CHATAPP_LOG_LEVEL", "WARNING"), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"db_path": args.db, "admin_user_id": args.admin, "max_frame_bytes": args.max_frame_bytes}
    settings = dataclasses.replace(Settings.from_env(), **{k: v for k, v in overrides.items() if v is not None})
    from chatapp.server import InsecureSecretError

    try:
        asyncio.run(_serve(args.host, args.port, settings))
    except InsecureSecretError as exc:  # the public development secret off loopback: one line, no traceback
        print(f"chatapp: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
