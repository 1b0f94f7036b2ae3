from cleanpkg import get_websocket_manager


def serve():
    return get_websocket_manager("u")
