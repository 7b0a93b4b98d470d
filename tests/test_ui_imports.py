"""The dashboard's import rules: no private name taken from another module, no cycle between ui modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("ui", "layers", "riskmodel", "patrols")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def dashboard_files() -> list[Path]:
    return sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "app.py", ROOT / "dashboard.py"]


def imports_of(tree: ast.AST) -> list[tuple[str, str | None]]:
    """``(module, name)`` of every import (``name`` is ``None`` for ``import module``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out += [(node.module, a.name) for a in node.names]
    return out


def ui_modules() -> set[str]:
    return {module_name(p) for p in dashboard_files()}


def ui_edges(path: Path, known: set[str]) -> set[str]:
    """The ui modules that ``path`` imports (``from ui import maps`` is an arrow to ``ui.maps``)."""
    edges = set()
    for module, name in imports_of(ast.parse(path.read_text(encoding="utf-8"))):
        target = f"{module}.{name}" if name and f"{module}.{name}" in known else module
        if target in known:
            edges.add(target)
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_known_answers():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_private_name_imported_from_another_module():
    bad = []
    for path in dashboard_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module, name in imports_of(tree):
            if module.split(".")[0] in PROJECT and name and name.startswith("_"):
                bad.append(f"{path.relative_to(ROOT)}: from {module} import {name}")
        imported = {name for module, name in imports_of(tree) if module == "ui" and name}
        for node in ast.walk(tree):  # common._x, maps._y...
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and node.attr.startswith("_")
            ):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not bad, bad


def test_no_import_cycle_between_ui_modules():
    known = ui_modules()
    graph = {module_name(p): ui_edges(p, known) for p in dashboard_files()}
    assert "ui.maps.raster" in graph["ui.maps"] and "ui.common" in graph["ui.page_map"], "the graph was read"
    assert find_cycle(graph) is None, find_cycle(graph)


def test_ui_modules_are_small():
    long = {
        str(p.relative_to(ROOT)): n for p in dashboard_files() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long
