"""Manager modes.

Partial state: #960 "enum mode isolation" is fixed here. The members are still
process-wide singletons and every manager still records its mode, but no manager
stores its user context on a member any more (see ``manager.py``), so no enum
member carries one user's state to another. ``ISOLATED`` is a leftover: its manager
class went away with ``websocket_manager_factory``.
"""

from __future__ import annotations

from enum import Enum


class ManagerMode(Enum):
    UNIFIED = "unified"
    ISOLATED = "isolated"
    LEGACY = "legacy"
