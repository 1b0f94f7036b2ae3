"""Factories for the adapters.

Partial state: unchanged from fragmented. The deprecated ``websocket_manager_factory``
is gone, but this second ``*factory*`` module is not (#1126 "no forbidden
``*factory*`` modules": it is not on the allowed list).
"""

from __future__ import annotations

from typing import Any

from chatapp.agents.agent_registry import WebSocketManagerAdapter
from chatapp.websocket_core.manager import WebSocketManager  # noqa: F401 (#960: one more path)
from chatapp.websocket_core.protocols import LegacyWebSocketManagerAdapter


def create_legacy_adapter(manager: Any) -> LegacyWebSocketManagerAdapter:
    return LegacyWebSocketManagerAdapter(manager)


def create_agent_adapter(manager: Any, thread_id: str, run_id: str) -> WebSocketManagerAdapter:
    return WebSocketManagerAdapter(manager, thread_id, run_id)
