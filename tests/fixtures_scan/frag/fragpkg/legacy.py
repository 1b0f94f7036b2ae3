def _make_manager(user_id=None):
    return None


get_websocket_manager = _make_manager
