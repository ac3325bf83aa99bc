"""The package's modules form no import cycle (read with `ast`; nothing is imported or built).

Every import counts: at module level, inside functions and under `TYPE_CHECKING`,
because a cycle that only works thanks to a deferred import is still a cycle. An
edge goes to the module named; the packages' `__init__` modules only hold docstrings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "orchestration"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / PACKAGE


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that `name` imports, resolved to module names."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # The relative import's anchor: the package itself or the module's package.
                anchor = name.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from package import module` imports the module; `from module import x` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # The longest prefix that is a module of the package (`a.b.func` → `a.b`).
            parts = target.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts:
                found.add(".".join(parts))
    found.discard(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = package_modules(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path `a → … → a`, or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_orchestration_has_no_import_cycle():
    graph = import_graph(PACKAGE_DIR)
    assert "orchestration.ingest.landing" in graph  # the walk found the subpackages
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a → b → a, one of them deferred inside a function
        (
            {"a.py": "from pkg import b\n", "b.py": "def f():\n    from pkg.a import x\n"},
            ["pkg.a", "pkg.b", "pkg.a"],
        ),
        # a relative import inside a subpackage, closing a cycle through its package
        (
            {
                "sub/__init__.py": "from .c import y\n",
                "sub/c.py": "from ..a import z\n",
                "a.py": "from pkg.sub import c\n",
            },
            ["pkg.a", "pkg.sub.c", "pkg.a"],
        ),
        # only under TYPE_CHECKING: still a cycle
        (
            {
                "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from pkg.b import B\n",
                "b.py": "import pkg.a\n",
            },
            ["pkg.a", "pkg.b", "pkg.a"],
        ),
        # a → b, b → c: no cycle
        ({"a.py": "import pkg.b\n", "b.py": "from pkg import c\n", "c.py": ""}, None),
    ],
    ids=["deferred-import", "relative-import", "type-checking-import", "no-cycle"],
)
def test_import_cycle_detection_finds_cycles_of_every_import_form(tmp_path, files, expected):
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    assert find_cycle(import_graph(root)) == expected
