"""Ssot history: the static checks over git commits, read from git objects.

Imports nothing itself: each module is imported by its own path.
"""
