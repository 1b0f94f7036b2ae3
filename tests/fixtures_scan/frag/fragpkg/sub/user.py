from fragpkg.websocket_manager_factory import WebSocketManagerFactory


def build():
    from .. import websocket_manager_factory  # noqa: F401
    return WebSocketManagerFactory
