"""The WebSocket tiers: protocol, client, multi-user harness, servers, staging.

Imports nothing itself: each module is imported by its own path.
"""
