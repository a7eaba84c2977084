"""The layers' dependencies point one way (services -> projections -> schemas) and no
module imports another that imports it back, however indirectly (ARCHITECTURE, issue 7)."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("schemas", "projections", "services")
# What each layer may import of the others.
ALLOWED: dict[str, set[str]] = {
    "schemas": {"schemas"},
    "projections": {"projections", "schemas"},
    "services": {"services", "projections", "schemas"},
}


def modules() -> dict[str, Path]:
    """Every first-party module by dotted name (a package by its own name)."""
    found = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int, bool]]:
    """(imported first-party module, line, at module level) for every import statement in
    the file, in functions too: an import moved into a function still counts."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` mod.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno, id(node) in top


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {t for t, _, _ in imports(name, path, known)} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_every_layer_and_its_imports() -> None:
    edges = graph()

    assert {"schemas.events", "projections.fold", "services.ingest.consumer"} <= set(edges)
    assert "projections.fold" in edges["services.store.aggregate"]
    assert "schemas.recorded" in edges["projections.fold"]


def test_dependencies_point_one_way_services_projections_schemas() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in sorted(targets)
        if target.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]

    assert wrong == [], "\n".join(wrong)


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert cycles(edges) == [["a", "b", "c"]]


def test_first_party_imports_are_at_module_level_but_in_the_commands() -> None:
    # An import inside a function is how a cycle hides; none is needed. The commands
    # (services/cli) import what each one runs, so `potrack status` does not load the web
    # server and Kafka clients (and the entry point loads them only in `main`, so Ctrl-C
    # while they load is one line); their imports still count in the cycle check above.
    known = modules()
    inside = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in known.items()
        for target, line, top in imports(name, path, known)
        if not top and name != "services.cli" and not name.startswith("services.cli.")
    ]

    assert inside == [], "\n".join(inside)
