"""chatapp: a small chat-agent backend, partial state (consolidation part-way done).

Partial state: examples/fragmented with some of the fixes of examples/consolidated
landed, the way a team lands them check by check (examples/README.md lists which
checks are clean and which still find their violation here). As in the other two
states, only ``websocket_core`` (and the ``agents`` adapter) is this state's own:
the shared modules (server, auth, protocol, store, agent, settings, the CLI) live
once in examples/chatapp_shared and join this package through ``__path__``, so
``chatapp.server`` resolves there while ``chatapp.websocket_core`` resolves to this
state's own copy.
"""

import os as _os

__path__.append(  # type: ignore[name-defined]  # noqa: F821 (set by the import system)
    _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))), "chatapp_shared")
)
