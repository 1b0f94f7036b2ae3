"""Finding duplicates: runtime walk, static scanner and its parts, probes, findings, assertions.

Imports nothing itself: each module is imported by its own path.
"""
