import functools
import warnings

from .manager import WebSocketManager as LegacyWS
from .manager import get_websocket_manager as _canonical


@functools.wraps(_canonical)
def get_websocket_manager(*args, **kwargs):
    warnings.warn("use fragpkg.manager", DeprecationWarning, stacklevel=2)
    return _canonical(*args, **kwargs)
