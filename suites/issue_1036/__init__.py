"""Bundled fail-first suite (pytest-ssot)."""
