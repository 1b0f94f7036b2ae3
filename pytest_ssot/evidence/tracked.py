"""What an instance tracker records about one instance, and the errors of tracking.

Kept apart from the patching and the tracker so the other evidence helpers
(concurrency, contracts, the state machine) read user ids the same way without
loading the tracker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_ssot.core.violation import SSOTSetupError


class TrackingError(SSOTSetupError, TypeError):
    """A class cannot be tracked (e.g. a built-in type whose ``__init__`` cannot be set).

    Not an SSOTViolation: a tracker that could not be installed found nothing.
    """


class NothingTracked(TrackingError):
    """A check of the tracker saw no instance: it would pass without evidence.

    Usually the tracked classes are not what the factory builds (a guard class
    that is never instantiated), or the managers were made before the tracker ran.
    """


def read_attr_path(obj: Any, path: str) -> Any:
    """Follow a dotted attribute path; None when any step is missing, None, or raises.

    Properties that raise are treated as "no value" so that a half-built or
    misbehaving instance cannot break the tracker.
    """
    value = obj
    for part in path.split("."):
        try:
            value = getattr(value, part, None)
        except Exception:
            return None
        if value is None:
            return None
    return value


def user_label(user_id: Any) -> str:
    """How a user id appears in messages; None is "no user context"."""
    return "None (no user context)" if user_id is None else str(user_id)


Frame = tuple[str, int, str, str]  # (file, line, function, module): formatted only when shown


@dataclass(eq=False)
class TrackedInstance:
    """One instance seen by a tracker: no strong reference to it is kept.

    ``frames`` is the creation site followed by up to :data:`CALLER_FRAMES` of its
    callers (a helper's line alone says little about which path created it).
    """

    __slots__ = ("ref", "object_id", "class_name", "frames", "user_id", "via")
    ref: Callable[[], Any] | None  # None: no __weakref__ slot, tracked by id only
    object_id: int
    class_name: str
    frames: tuple[Frame, ...]
    user_id: Any
    via: str | None

    @property
    def weakly_referenced(self) -> bool:
        return self.ref is not None

    @property
    def site(self) -> str:
        """``file:line in function`` of the creation site."""
        return format_frame(self.frames[0]) if self.frames else "<unknown>"

    @property
    def callers(self) -> tuple[str, ...]:
        return tuple(format_frame(f) for f in self.frames[1:])

    @property
    def alive(self) -> bool:
        return self.ref is None or self.ref() is not None

    def current_user_id(self, user_id_attr: str) -> Any:
        """The user id now (it may have been set after ``__init__``), else as recorded."""
        obj = self.ref() if self.ref is not None else None
        return self.user_id if obj is None else read_attr_path(obj, user_id_attr)

    def describe(self) -> str:
        via = f" via {self.via}" if self.via else ""
        callers = f" (called from {' <- '.join(self.callers)})" if self.callers else ""
        note = "" if self.weakly_referenced else " (no __weakref__ slot: tracked by id, liveness unknown)"
        gone = "" if self.alive else " (since collected)"
        return f"{self.class_name} id=0x{self.object_id:x} created at {self.site}{callers}{via}{note}{gone}"

    @property
    def origin(self) -> str:
        """``module.function`` of the creation site: where it was made, without file, line or id."""
        if not self.frames:
            return "<unknown>"
        return f"{self.frames[0][3]}.{self.frames[0][2]}"

    def to_json(self) -> dict[str, Any]:
        return {"user_id": None if self.user_id is None else str(self.user_id), "class": self.class_name,
                "site": self.site, "callers": list(self.callers), "id": self.object_id, "via": self.via,
                "weakly_referenced": self.weakly_referenced}


def format_frame(frame: Frame) -> str:
    return f"{frame[0]}:{frame[1]} in {frame[2]}"
