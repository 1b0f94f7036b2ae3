"""chatapp: a small chat-agent backend, fragmented state.

Only ``websocket_core`` differs between examples/fragmented and
examples/consolidated. The modules both states share (server, auth, protocol,
store, agent, settings, the CLI) live once in examples/chatapp_shared and join this
package through ``__path__``, so ``chatapp.server`` resolves there while
``chatapp.websocket_core`` resolves to this state's own copy.
"""

import os as _os

__path__.append(  # type: ignore[name-defined]  # noqa: F821 (set by the import system)
    _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))), "chatapp_shared")
)
