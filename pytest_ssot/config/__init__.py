"""The [tool.ssot] document: schema, targets, activation, extras, link templates, catalog titles.

Imports nothing itself: each module is imported by its own path.
"""
