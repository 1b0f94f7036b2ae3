"""The ledger, fail-first outcomes, the JSON report, merge, markdown, dashboard, charts, terminal table.

Imports nothing itself: each module is imported by its own path.
"""
