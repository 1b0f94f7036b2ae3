"""Manager kits for the instance / isolation / concurrency / state-machine tests."""
