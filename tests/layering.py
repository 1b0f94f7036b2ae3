"""The package's layers, read from the README's layout table, and the imports that cross them.

This project's own single source of truth: the table in README.md says which folder of
``pytest_ssot/`` may import which; :func:`violations` lists every import that the table
does not allow, and :func:`cycles` every import cycle between modules (imports inside
functions included; only ``if TYPE_CHECKING:`` blocks are left out, they never run).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

TOP = "top"  # the package's own folder: the plugin's face
_ROW = re.compile(r"^\|\s*`pytest_ssot/(?P<folder>[a-z_]*)/?`[^|]*\|[^|]*\|\s*(?P<allowed>[^|]*)\|\s*$")


def layer_table(readme: str) -> dict[str, set[str]]:
    """folder ('top' for the package itself) -> the folders it may import, from the README's layout table."""
    table: dict[str, set[str]] = {}
    for line in readme.splitlines():
        match = _ROW.match(line.strip())
        if match:
            folder = match["folder"] or TOP
            allowed = {a.strip(" `/") for a in match["allowed"].split(",")} - {"", "-", "nothing"}
            table[folder] = {a.replace("pytest_ssot", "").strip("/") or TOP for a in allowed}
    return table


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of ``package``'s modules outside ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + "."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == package or node.module.startswith(package + ".")):
            for alias in node.names:  # `from pkg.layer import module` imports a module, not a name
                yield node.lineno, f"{node.module}.{alias.name}" if node.module.count(".") < 2 else node.module
        stack.extend(ast.iter_child_nodes(node))


def module_graph(package_dir: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module: first line}, for every module of the package at ``package_dir``."""
    package = package_dir.name
    modules = {".".join((package, *p.relative_to(package_dir).with_suffix("").parts)).removesuffix(".__init__"): p
               for p in sorted(package_dir.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for line, target in _imports(ast.parse(path.read_text(), str(path)), package):
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]  # a name imported from a module: the module
            if target != name and target in modules:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def folder_of(module: str, folders: set[str]) -> str:
    """The layer folder a module lives in: the subpackage right below the package, else the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in folders else TOP


def violations(package_dir: Path, table: Mapping[str, set[str]]) -> list[str]:
    """Every import from one folder into another that the table does not allow, and every folder it lacks."""
    found = []
    graph = module_graph(package_dir)
    folders = {p.parent.name for p in package_dir.glob("*/__init__.py")}
    for module, edges in graph.items():
        here = folder_of(module, folders)
        if here not in table:
            found.append(f"{module}: its folder {here!r} is not in the layout table")
            continue
        for target, line in edges.items():
            there = folder_of(target, folders)
            if there != here and there not in table[here]:
                found.append(f"{module}:{line} imports {target}: {here} may not import {there}")
    return found


def cycles(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
