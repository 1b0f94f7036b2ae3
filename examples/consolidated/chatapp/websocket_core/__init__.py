"""WebSocket managers, consolidated: one class, one factory, one import path.

Import them from ``chatapp.websocket_core.websocket_manager``; this package
re-exports nothing, so there is no second path to the same names.
"""
