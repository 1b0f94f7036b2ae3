"""Basics every layer uses: violations, notes, child processes, threads, progress, small helpers.

Imports nothing itself: each module is imported by its own path.
"""
