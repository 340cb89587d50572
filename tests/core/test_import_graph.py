"""The import graph of ``app``, read with ``ast``: no module imports itself through others,
and no import runs from a lower layer to a higher one.

Every ``import``/``from … import`` of an ``app`` module counts, at any depth (imports inside
functions and under ``TYPE_CHECKING`` are dependencies too). Run with ``-s`` to see the
summary.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
LAYERS = (
    ("core", ("app", "app.core")),
    ("domain", ("app.domain",)),
    ("geo", ("app.geo",)),
    ("storage", ("app.storage",)),
    # app.models (the API's schemas) sits with the services: the event stream sends them
    ("services", ("app.services", "app.models")),
    ("interfaces", ("app.api", "app.web", "app.serving")),
    ("main", ("app.main",)),
    # the console command runs the app (``aidmap serve``), so it sits above it
    ("command", ("app.cli", "app.__main__")),
)
"""Low to high: a module may import its own layer and the ones before it."""


def module_name(path: Path) -> str:
    """The dotted name of a module file under ``app``."""
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each ``app`` module and the ``app`` modules it imports (a name imported from a
    package counts as its submodule when there is one, else as the package)."""
    modules = {module_name(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def layer_of(module: str) -> int:
    """The index in ``LAYERS`` of the longest prefix that names the module."""
    best = max(
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    )
    return best[1]


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, f"import cycles: {[sorted(c) for c in found]}"


def test_no_import_runs_up_the_layers() -> None:
    graph = import_graph()
    upward = sorted(
        f"{source} ({LAYERS[layer_of(source)][0]}) -> {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in graph.items()
        for target in targets
        if layer_of(target) > layer_of(source)
    )
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_print_graph_summary() -> None:
    graph = import_graph()
    edges = Counter(
        (LAYERS[layer_of(source)][0], LAYERS[layer_of(target)][0])
        for source, targets in graph.items()
        for target in targets
    )
    lines = [f"{len(graph)} modules, {sum(edges.values())} imports between them"]
    lines += [f"  {a:>10} -> {b:<10} {n:4d}" for (a, b), n in sorted(edges.items())]
    lines.append(f"cycles: {[sorted(c) for c in cycles(graph)] or 'none'}")
    print("\n".join(lines))
    assert sum(edges.values()) > len(graph)  # the graph was read, not empty


def test_the_checks_catch_a_cycle_and_an_arrow_up() -> None:
    graph = {"app.core.a": {"app.storage.b"}, "app.storage.b": {"app.core.a"}}
    assert cycles(graph) == [{"app.core.a", "app.storage.b"}]
    assert layer_of("app.storage.b") > layer_of("app.core.a")
    assert layer_of("app.cli.serve") > layer_of("app.main") > layer_of("app.models") > 0
