"""pytest-ssot hooks (placeholder while the core lands in this session)."""
