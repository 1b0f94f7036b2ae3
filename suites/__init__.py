"""The bundled fail-first suites, one package per issue; run them with `pytest --pyargs pytest_ssot.suites`."""
