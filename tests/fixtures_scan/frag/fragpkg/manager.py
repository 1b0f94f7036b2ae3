import functools


class WebSocketManager:
    """The canonical manager."""

    class NestedWebSocketManager:
        def get_websocket_manager(self):
            return WebSocketManager()


class Helper:
    pass


def get_websocket_manager(user_id=None):
    return WebSocketManager()


@functools.lru_cache(maxsize=None)
def cached_thing():
    return 1
