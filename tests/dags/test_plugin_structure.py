"""The plugin package keeps the plan it promises: imports run downhill, package ``__init__``
files only export, and the top of ``plugins/sparkify`` stays small enough to read at a glance.

Read from the source (ast), not by importing it: an import cycle that happens to resolve at
run time still shows here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT

PACKAGE = PROJECT / "plugins" / "sparkify"
TOP_LEVEL_MODULES_MAX = 12


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, wherever the import statement is (functions'
    deferred imports included: a cycle through them is still a cycle in the plan)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    graph = {}
    for name, path in found.items():
        # Importing a.b.c runs a/__init__ and a/b/__init__ first, but those are not what this
        # module depends on: only the modules named count.
        graph[name] = imported_modules(path, known) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as the list of modules around it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one():
    """The detector itself: a cycle through three modules is found, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_the_plugins():
    graph = import_graph()
    assert "sparkify.staging.copy_target" in graph  # the graph is the real one
    assert find_cycle(graph) is None


def test_backends_share_an_interface_that_imports_neither():
    graph = import_graph()
    interface = "sparkify.staging.copy_target"
    for backend in ("sparkify.staging.postgres_copy", "sparkify.staging.redshift_copy"):
        importers = {m for m, imports in graph.items() if m.startswith(backend)}
        assert any(interface in graph[m] for m in importers), backend
        assert not any(m.startswith(backend) for m in graph[interface])


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("__init__.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_package_init_only_exports(path):
    """A docstring, imports and ``__all__``: code lives in modules that say what it is."""
    for node in ast.parse(path.read_text()).body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_all = isinstance(node, ast.Assign) and [
            getattr(t, "id", None) for t in node.targets
        ] == ["__all__"]
        assert is_docstring or is_all or isinstance(node, ast.Import | ast.ImportFrom), (
            f"{path.relative_to(PROJECT)}:{node.lineno} is code in a package __init__"
        )


def test_top_of_the_plugin_package_stays_small():
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(top) <= TOP_LEVEL_MODULES_MAX, top
