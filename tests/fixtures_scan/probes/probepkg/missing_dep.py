import ssot_fixture_dependency_that_does_not_exist  # noqa: F401
