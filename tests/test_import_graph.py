"""The package's import graph has no cycle, counting imports inside functions and under TYPE_CHECKING.

Parsed from the source (ast), not imported: every `import id2face.x` / `from id2face.x import y` /
relative import anywhere in a module is an edge, to the module itself or, for `from pkg import name`,
to the submodule `pkg.name` when there is one (else to the package).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = "id2face"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / PKG).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _edges(name: str, source: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that `name` imports (anywhere in its body)."""
    tree = ast.parse(source)
    base = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t.startswith(PKG) and t != name and t != PKG:
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: _edges(name, path.read_text(), _is_package(path), modules) for name, path in modules.items()
    }


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_imports_in_functions_and_type_checking():
    modules = {m: Path() for m in ("id2face.a", "id2face.b", "id2face.c", "id2face.p", "id2face.p.q")}
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from id2face.b import B\n"
        "def f():\n    import id2face.c\n    from .p import q\n"
    )
    assert _edges("id2face.a", source, False, modules) == {"id2face.b", "id2face.c", "id2face.p.q"}
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert len(import_graph()) > 50


def test_no_import_cycle():
    assert find_cycles(import_graph()) == []


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_layers_import_only_downwards():
    allowed = {
        "geometry": set(),
        "io": {"io"},
        "identity": {"geometry", "io", "face", "identity"},
        "face": {"geometry", "io", "face"},
        "model": {"geometry", "io", "identity", "model"},  # io: a leaf (its map files, io/map_files.py)
    }
    graph = import_graph()
    wrong = {(m, d) for m, deps in graph.items() if _layer(m) in allowed
             for d in deps if _layer(d) not in allowed[_layer(m)]}
    assert wrong == set()
