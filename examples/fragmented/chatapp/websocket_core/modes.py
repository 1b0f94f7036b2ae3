"""Manager modes.

#960 "enum mode isolation": enum members are process-wide singletons, and the
managers store their user context on them (see ``manager.py``), so the enum carries
the last user's context across users.
"""

from __future__ import annotations

from enum import Enum


class ManagerMode(Enum):
    UNIFIED = "unified"
    ISOLATED = "isolated"
    LEGACY = "legacy"
