__all__ = ["UnifiedWebSocketManager", "get_websocket_manager"]


class UnifiedWebSocketManager:
    pass


def get_websocket_manager(user_id=None):
    return UnifiedWebSocketManager()


WSMAlias = UnifiedWebSocketManager
