"""How agents used to reach a manager: one more interface for the same thing.

Partial state: unchanged from fragmented. #824: ``WebSocketManagerAdapter`` is still
one of the redundant implementations the name scan reports (the agent code has not
been migrated to the canonical manager yet).
"""

from __future__ import annotations

from typing import Any


class WebSocketManagerAdapter:
    """Lets an agent ``notify(event_type, payload)`` through a manager, for one run."""

    def __init__(self, manager: Any, thread_id: str, run_id: str) -> None:
        self.manager = manager
        self.thread_id = thread_id
        self.run_id = run_id

    @property
    def user_context(self) -> Any:
        return self.manager.user_context

    async def notify(self, event_type: str, payload: dict[str, Any]) -> Any:
        return await self.manager.emit(event_type, thread_id=self.thread_id, run_id=self.run_id, data=payload)
