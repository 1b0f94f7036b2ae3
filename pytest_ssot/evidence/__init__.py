"""Live behaviour: instance tracking, isolation, concurrency, factory contracts, state machine.

Imports nothing itself: each module is imported by its own path.
"""
