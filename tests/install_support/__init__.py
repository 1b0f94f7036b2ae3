"""What a user's machine holds: venvs with and without pytest-ssot, and a project of theirs that never heard of it."""
