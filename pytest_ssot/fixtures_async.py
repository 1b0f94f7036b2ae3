"""Fixtures that are coroutines: registered only when pytest-asyncio is active.

Kept apart so that importing the plugin never imports pytest-asyncio: with
plugin autoload disabled (``-p ssot`` alone) it would otherwise be loaded, and
recompiled under PYTHONDONTWRITEBYTECODE, on every run.
"""

from __future__ import annotations

from typing import Any

import pytest_asyncio


@pytest_asyncio.fixture
async def ssot_client_factory(ssot_harness: Any) -> Any:
    """``await connect(user_id)`` -> a connected EventClient; every one is closed after the test."""
    clients: list[Any] = []

    async def connect(user_id: str) -> Any:
        client = await ssot_harness.connect(user_id)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.close()
