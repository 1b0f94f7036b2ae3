"""Run a target's async server entry point as a process: ``python serve_app.py module:attr``.

Standard library only and loaded by file path, so it runs on the target's own
interpreter without pytest-ssot installed there. Prints the bound ``ws://`` URL
alone on the first line of stdout (the entry point hands it to ``ready``), then
serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from typing import Any


def _load(reference: str) -> Any:
    module_name, _, attr_path = reference.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


async def _main(reference: str, host: str, port: int) -> None:
    app = _load(reference)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await app(host, port, ready=lambda url: print(url, flush=True))
    except asyncio.CancelledError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", help="module:attr of an async serve(host, port, *, ready)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else ""
    sys.path[:] = [p for p in sys.path if p != here]  # this folder must not shadow the target's modules
    asyncio.run(_main(args.app, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
