"""Manager errors.

#824: "(plus 2 more error/metrics classes)": the name scan counts this class among
the nine redundant WebSocket manager implementations.
"""


class WebSocketManagerError(RuntimeError):
    """Raised when a manager cannot be created for a context."""
