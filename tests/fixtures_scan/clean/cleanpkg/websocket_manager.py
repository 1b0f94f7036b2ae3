class WebSocketManager:
    pass


_instances = {}


def get_websocket_manager(user_id):
    return _instances.setdefault(user_id, WebSocketManager())
