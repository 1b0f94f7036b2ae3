"""A consolidated package: one class, one factory, re-exported."""
from cleanpkg.websocket_manager import WebSocketManager, get_websocket_manager

__all__ = ["WebSocketManager", "get_websocket_manager"]
