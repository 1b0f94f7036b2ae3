"""The package's layout is this project's own single source of truth (issue 17).

README.md's layout table says which folder of ``pytest_ssot/`` may import which; these
tests hold every module to it, find no import cycle, and show that the check fails on
a lower layer importing a higher one.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from layering import TOP, cycles, layer_table, module_graph, violations

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pytest_ssot"
TABLE = layer_table((REPO / "README.md").read_text())


def test_the_readme_table_names_every_folder_of_the_package():
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert set(TABLE) == folders | {TOP}


def test_no_folder_imports_one_its_row_does_not_name():
    assert violations(PACKAGE, TABLE) == []


def test_no_import_cycle_between_modules():
    assert cycles(module_graph(PACKAGE)) == []


def test_the_fixtures_never_import_the_plugin():
    assert "pytest_ssot.plugin" not in module_graph(PACKAGE)["pytest_ssot.fixtures"]


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root / "pkg"


README_SAMPLE = """
| folder | what it is | may import |
| --- | --- | --- |
| `pytest_ssot/` | the face | core, report |
| `pytest_ssot/core/` | basics | nothing |
| `pytest_ssot/report/` | reports | core |
"""


def test_the_table_is_read_from_the_readme():
    assert layer_table(README_SAMPLE) == {TOP: {"core", "report"}, "core": set(), "report": {"core"}}


def test_a_lower_layer_importing_a_higher_one_fails_and_the_clean_tree_passes(tmp_path):
    files = {"__init__.py": "", "core/__init__.py": "", "report/__init__.py": "",
             "core/basics.py": "X = 1\n",
             "report/build.py": "from pkg.core.basics import X\n",
             "plugin.py": "from pkg.report import build\n"}
    clean = _package(tmp_path / "clean", files)
    assert violations(clean, layer_table(README_SAMPLE)) == []
    upward = _package(tmp_path / "upward", {**files, "core/basics.py": """
        def later():
            from pkg.report.build import X  # inside a function still counts
            return X
        """})
    found = violations(upward, layer_table(README_SAMPLE))
    assert found == ["pkg.core.basics:3 imports pkg.report.build: core may not import report"]


def test_a_folder_missing_from_the_table_is_named(tmp_path):
    package = _package(tmp_path, {"__init__.py": "", "extra/__init__.py": "", "extra/thing.py": "Y = 2\n"})
    assert "pkg.extra.thing: its folder 'extra' is not in the layout table" in violations(
        package, layer_table(README_SAMPLE))


def test_a_cycle_is_found_even_through_a_function_but_not_through_type_checking(tmp_path):
    package = _package(tmp_path, {"__init__.py": "",
                                  "a.py": "import pkg.b\n",
                                  "b.py": "def f():\n    from pkg import a\n    return a\n"})
    assert cycles(module_graph(package)) == [["pkg.a", "pkg.b"]]
    typed = _package(tmp_path / "typed", {"__init__.py": "",
                                          "a.py": "import pkg.b\n",
                                          "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                                  "    from pkg import a\n"})
    assert cycles(module_graph(typed)) == []


def test_the_layer_folders_import_nothing_themselves():
    """An unconfigured run loads ``pytest_ssot.config`` for its activation check: the folder costs nothing."""
    for init in PACKAGE.glob("*/__init__.py"):
        assert not module_graph(PACKAGE)[f"pytest_ssot.{init.parent.name}"], init
        tree = ast.parse(init.read_text())
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))], init
