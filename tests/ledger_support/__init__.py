"""Support for the ledger's end-to-end tests: a generated, partially consolidated target."""
