"""Agent plumbing of the partial state (unchanged from fragmented: not consolidated yet)."""
