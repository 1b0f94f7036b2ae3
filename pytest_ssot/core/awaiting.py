"""Sync or async: a target's factory and manager methods may be either.

Real codebases switch their factory between the two during a consolidation,
so every call into the target goes through one of these two functions instead
of each caller checking ``inspect.isawaitable`` itself.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any


async def maybe_await(value: Any) -> Any:
    """``value``, awaited first if it is awaitable (from async code)."""
    return await value if inspect.isawaitable(value) else value


def resolve_blocking(value: Any) -> Any:
    """``value``, run to completion on a fresh event loop if it is awaitable (from sync code)."""
    return asyncio.run(maybe_await(value)) if inspect.isawaitable(value) else value
