"""Agent plumbing of the fragmented state (outside ``websocket_core``, as in the seed)."""
