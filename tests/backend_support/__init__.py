"""Helpers for the reference-backend tests and benchmark (tests/test_backend*.py, benchmarks/golden_path.py).

The two states of the backend are both the package ``chatapp``, so they never share
a process: servers run as subprocesses (``python -m chatapp serve``), facts about
the code are read by a probe script run inside each state's import root, and tokens
are minted by loading ``examples/chatapp_shared/auth.py`` on its own.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
STATES = ("fragmented", "consolidated")
EVENTS = ("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed")


def state_root(state: str) -> Path:
    """The import root of one state of the backend."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; expected one of {STATES}")
    return EXAMPLES / state
