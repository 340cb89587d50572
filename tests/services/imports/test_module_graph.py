"""The import package's modules import one another without a circle (type-only imports too)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import app.services.imports as package

PACKAGE = package.__name__


def imports_within_package() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports, read from its source."""
    graph: dict[str, set[str]] = {}
    for path in Path(package.__file__).parent.glob("*.py"):
        module = f"{PACKAGE}.{path.stem}"
        graph[module] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            graph[module] |= {name for name in names if name.startswith(f"{PACKAGE}.")}
    return {module: targets & graph.keys() - {module} for module, targets in graph.items()}


def test_the_import_modules_form_no_circle():
    graph = imports_within_package()
    assert f"{PACKAGE}.read" in graph[f"{PACKAGE}.plan"]  # the graph is read, not empty
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"modules import each other in a circle: {exc.args[1]}") from None
    assert order.index(f"{PACKAGE}.table") < order.index(f"{PACKAGE}.read")


def test_only_the_dispatcher_knows_every_reader():
    readers = {f"{PACKAGE}.{name}" for name in ("csv_reader", "xlsx_reader", "geojson_reader",
                                                "gpkg_reader")}  # fmt: skip
    graph = imports_within_package()
    assert graph[f"{PACKAGE}.read"] >= readers
    knowing = {module for module, targets in graph.items() if targets & readers}
    assert knowing == {f"{PACKAGE}.read"}
