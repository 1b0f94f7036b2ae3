"""Deprecated: still importable."""


class WebSocketManagerFactory:
    pass
