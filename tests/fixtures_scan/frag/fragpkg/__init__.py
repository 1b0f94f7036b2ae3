"""A fragmented package: duplicates, aliases, shims, nesting, re-exports."""
from fragpkg.manager import get_websocket_manager, WebSocketManager
