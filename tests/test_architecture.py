"""The house rules, checked on the source with ``ast``: one-way imports, no private names
across modules, streamlit only in the UI, modules of at most ~600 lines.

Every top-level folder holding an ``__init__.py`` is a project package and is walked
(so a new package is covered without editing this file), together with the top-level
scripts such as ``app.py``.  The walker takes the folder to walk, so the tests below
also plant each kind of offence in ``tmp_path`` and check that it is caught.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
# the only modules allowed to import streamlit (tests and benchmarks are not walked)
UI_MODULES = ("ui", "app", "dashboard")


@dataclass(frozen=True)
class Import:
    """One import statement of a project module, resolved to the project module it reads."""

    source: str  # importing module, dotted
    target: str  # imported project module, dotted
    names: tuple[str, ...]  # names taken from it by ``from target import ...`` (empty for ``import target``)
    line: int


# --- the walker -----------------------------------------------------------------
def project_modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every module of ``root``: its packages (found by ``__init__.py``) and top-level scripts."""
    modules: dict[str, Path] = {}
    for script in sorted(root.glob("*.py")):
        modules[script.stem] = script
    for init in sorted(root.glob("*/__init__.py")):
        package = init.parent
        if package.name.startswith("."):
            continue
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(p.startswith(".") or p == "__pycache__" for p in parts):
                continue
            if not all((root.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
                continue  # a folder of scripts inside a package, not a subpackage
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a project module (``layers.park.load_park`` -> ``layers.park``)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in modules:
            return candidate
    return None


def module_imports(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of project modules in one module, at any depth (inside functions too), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name, modules)
                if target is not None and target != name:
                    found.append(Import(name, target, (), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names: list[str] = []
            for alias in node.names:
                submodule = f"{base}.{alias.name}" if base else alias.name
                if submodule in modules:  # ``from . import earthranger``: the submodule itself
                    if submodule != name:
                        found.append(Import(name, submodule, (), node.lineno))
                else:
                    names.append(alias.name)
            target = _known(base, modules)
            if names and target is not None and target != name:
                found.append(Import(name, target, tuple(names), node.lineno))
    return found


def all_imports(root: Path) -> list[Import]:
    """The imports of every project module under ``root``."""
    modules = project_modules(root)
    return [imp for name, path in modules.items() for imp in module_imports(name, path, modules)]


# --- the rules ------------------------------------------------------------------
def import_cycles(imports: list[Import]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per strongly connected group of modules that import each other."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm (the graph has a few hundred nodes)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the first module of ``group``, within the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & group):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in {group}")  # pragma: no cover - a strongly connected group has one


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(imports: list[Import]) -> list[tuple[str, str, str, int]]:
    """``(module, from module, name, line)`` for each private name taken from another module.

    A private name is one with a leading underscore (dunders excepted).  A private
    module (such as ``pkg/sub/_common.py``) may be imported within its own package only.
    """
    found = []
    for imp in imports:
        found.extend((imp.source, imp.target, n, imp.line) for n in imp.names if _private(n))
        parts = imp.target.split(".")
        for i, part in enumerate(parts):
            home = ".".join(parts[:i])  # the package a private module belongs to
            if _private(part) and imp.source != home and not imp.source.startswith(home + "."):
                found.append((imp.source, home, part, imp.line))
    return found


def streamlit_imports(root: Path) -> list[tuple[str, int]]:
    """``(module, line)`` for each library module (not ``ui``, not ``app``) importing streamlit."""
    found = []
    for name, path in project_modules(root).items():
        if name.split(".")[0] in UI_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            if "streamlit" in roots:
                found.append((name, node.lineno))
    return found


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Module -> number of lines, for the package modules over ``limit`` lines."""
    out = {}
    for name, path in project_modules(root).items():
        if "." not in name and path.name != "__init__.py":
            continue  # top-level scripts are not package modules
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out[name] = n
    return out


# --- the project obeys them ----------------------------------------------------------
@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports(ROOT)


def test_every_package_is_walked():
    packages = {name for name in project_modules(ROOT) if "." not in name}
    assert {"layers", "riskmodel", "patrols", "ui", "app"} <= packages
    assert {"layers.readers", "layers.importers", "layers.importers.common"} <= set(project_modules(ROOT))


def test_no_import_cycle(imports):
    cycles = [" -> ".join(c) for c in import_cycles(imports)]
    assert not cycles, "import cycles (make every arrow point one way): " + "; ".join(cycles)


def test_no_private_name_imported_from_another_module(imports):
    found = [f"{m} line {line}: {name} from {src}" for m, src, name, line in private_imports(imports)]
    assert not found, "private names imported across modules (give them a public home): " + "; ".join(found)


def test_no_library_module_imports_streamlit():
    found = streamlit_imports(ROOT)
    where = ", ".join(f"{m} line {n}" for m, n in found)
    assert not found, "streamlit imported outside ui/, app.py and dashboard.py: " + where


def test_no_module_over_600_lines():
    found = long_modules(ROOT)
    assert not found, f"modules over {MAX_LINES} lines (split them along their concepts): {found}"


# --- the walker catches what it should, on planted projects ----------------------------
def plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_planted_cycle_is_found_through_relative_and_function_imports(tmp_path):
    root = plant(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import f\n",
            "pkg/b.py": "def f():\n    from pkg.sub import c\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from .. import a\n",
            "pkg/d.py": "import pkg.a\n",
            "notapackage/e.py": "import pkg.d\n",
        },
    )
    cycles = import_cycles(all_imports(root))
    assert cycles == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]
    assert "notapackage.e" not in project_modules(root)


def test_a_tree_without_cycles_passes(tmp_path):
    root = plant(tmp_path, {"pkg/__init__.py": "from . import a\n", "pkg/a.py": "from .b import f\n", "pkg/b.py": ""})
    imports = all_imports(root)
    assert {(i.source, i.target) for i in imports} == {("pkg", "pkg.a"), ("pkg.a", "pkg.b")}
    assert import_cycles(imports) == []


def test_planted_private_imports_are_found(tmp_path):
    root = plant(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import _hidden, public, __version__\n",
            "pkg/b.py": "_hidden = public = __version__ = 1\n",
            "pkg/sub/__init__.py": "from ._common import thing\nfrom . import _common\n",
            "pkg/sub/_common.py": "thing = 1\n",
            "pkg/sub/user.py": "from ._common import thing\n",
            "pkg/outsider.py": "from .sub._common import thing\n",
            "pkg/aliased.py": "from .b import public as _p\n",
        },
    )
    found = {(m, src, name) for m, src, name, _ in private_imports(all_imports(root))}
    assert found == {("pkg.a", "pkg.b", "_hidden"), ("pkg.outsider", "pkg.sub", "_common")}


def test_planted_streamlit_import_in_a_library_is_found(tmp_path):
    root = plant(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/plot.py": "def draw():\n    import streamlit.components.v1 as c\n",
            "ui/__init__.py": "",
            "ui/page.py": "import streamlit as st\n",
            "app.py": "from streamlit import session_state\n",
        },
    )
    assert streamlit_imports(root) == [("lib.plot", 2)]


def test_a_planted_long_module_is_found(tmp_path):
    root = plant(
        tmp_path,
        {
            "newpkg/__init__.py": "",
            "newpkg/big.py": "x = 1\n" * (MAX_LINES + 1),
            "newpkg/ok.py": "x = 1\n" * MAX_LINES,
            "script.py": "x = 1\n" * (MAX_LINES + 1),
        },
    )
    assert long_modules(root) == {"newpkg.big": MAX_LINES + 1}
