"""The wire protocol: validate client frames, shape error frames.

Every way a frame can be wrong maps to one error code, so a client (or a test) can
tell a malformed frame from a refused one; the connection stays open after any of
them. Frames over the size limit never get here: the websockets library closes the
connection with 1009 first.
"""

from __future__ import annotations

import json
from typing import Any

MAX_CONTENT_CHARS = 8000
MAX_THREAD_ID_CHARS = 64

# request type -> required string fields
REQUESTS: dict[str, tuple[str, ...]] = {
    "create_thread": (),
    "message": ("thread_id", "content"),
    "history": ("thread_id",),
    "diagnostics": (),
}
_LIMITS = {"thread_id": MAX_THREAD_ID_CHARS, "content": MAX_CONTENT_CHARS}


class ProtocolError(Exception):
    """A frame the server refuses; ``code`` is machine-readable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: refused like any other malformed frame."""
    raise ValueError(f"{name} is not a JSON value")


def _has_lone_surrogate(value: Any) -> bool:
    """True if any string (key or value) of the parsed frame is no valid Unicode; iterative, any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_request(raw: str | bytes) -> dict[str, Any]:
    """The validated request in ``raw``, or ProtocolError saying what is wrong with it."""
    if isinstance(raw, bytes):
        raise ProtocolError("binary_frame", "binary frames are not supported; send JSON text")
    try:
        request = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ProtocolError("invalid_json", "frame is nested too deeply") from None
    except ValueError as exc:  # a JSONDecodeError, or an integer of more digits than Python converts
        why = getattr(exc, "msg", None) or str(exc).splitlines()[0][:120]
        raise ProtocolError("invalid_json", f"frame is not valid JSON: {why}") from None
    if _has_lone_surrogate(request):  # "\\ud800" parses, but no database or encoder takes it
        raise ProtocolError("invalid_json", "frame is not valid JSON: a string holds a lone surrogate")
    if not isinstance(request, dict):
        raise ProtocolError("not_an_object", f"frame must be a JSON object, not {type(request).__name__}")
    kind = request.get("type")
    if kind is None:
        raise ProtocolError("missing_field", "frame has no 'type'")
    if not isinstance(kind, str):
        raise ProtocolError("invalid_field", "'type' must be a string")
    if kind not in REQUESTS:
        raise ProtocolError("unknown_type", f"unknown frame type {kind[:40]!r}; expected one of {sorted(REQUESTS)}")
    for name in REQUESTS[kind]:
        if name not in request:
            raise ProtocolError("missing_field", f"{kind!r} needs {name!r}")
        value = request[name]
        if not isinstance(value, str):
            raise ProtocolError("invalid_field", f"{name!r} must be a string")
        if not value.strip() or len(value) > _LIMITS[name]:
            raise ProtocolError("invalid_field", f"{name!r} must be 1 to {_LIMITS[name]} characters")
    return request


def error_frame(code: str, message: str) -> str:
    """The JSON text of an error reply."""
    return json.dumps({"type": "error", "code": code, "message": message})
