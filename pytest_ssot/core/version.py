"""The plugin's version, in a module of its own.

pyproject.toml reads it from here (``[tool.setuptools.dynamic]``), ``ssot --version``
and the report's run metadata import it from here, and the package re-exports it,
so none of them needs the package root (whose lazy table names every module).
"""

__version__ = "0.1.0"
