"""The engine's layers: imports point one way, the engine never imports the shell, wasmtime waits.

Imports are read from the source (those inside functions and under
``TYPE_CHECKING`` included), so a cycle hidden by a late import fails too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wasmshell"


def _modules() -> dict[str, Path]:
    """Every Python module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _extensions() -> set[str]:
    """The C extension modules (by their ``.c`` source): they import nothing of the package."""
    names = set()
    for path in PACKAGE.rglob("_*.c"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.add(".".join(parts))
    return names


def _resolve(name: str, known: set[str]) -> str | None:
    """The module ``name`` names: itself, else the nearest enclosing known module."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # "from . import x" names module x when there is one, else something of the package.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        found.update(t for t in (_resolve(t, known) for t in targets) if t is not None and t != module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules) | _extensions()
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    graph.update({name: set() for name in _extensions()})
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def _is_engine(module: str) -> bool:
    return module == "wasmshell" or module.startswith("wasmshell.engine")


def test_no_import_cycle_involves_the_engine():
    cycles = [c for c in _cycles(_graph()) if any(_is_engine(m) for m in c)]
    assert cycles == []


def test_the_engine_never_imports_the_shell():
    graph = _graph()
    reaching = {
        module: sorted(m for m in imported if m.startswith(("wasmshell.shell", "wasmshell.cli")))
        for module, imported in graph.items()
        if module.startswith("wasmshell.engine")
    }
    assert {module: found for module, found in reaching.items() if found} == {}


def test_the_cycle_check_sees_a_cycle_made_by_an_import_inside_a_function():
    """The check itself: a late import that closes a loop is found."""
    graph = _graph()
    graph["wasmshell.engine.errors"] = graph["wasmshell.engine.errors"] | {"wasmshell.engine.session"}
    assert any("wasmshell.engine.errors" in c for c in _cycles(graph))


def test_plain_sql_does_not_import_wasmtime():
    """Opening a database and running SQL without Wasm leaves wasmtime (and the runtime) unimported,
    and dataclasses too (it brings inspect, ast and dis: milliseconds of every start-up)."""
    code = (
        "import sys, wasmshell\n"
        "s = wasmshell.connect()\n"
        "s.execute('create table t(x); select 1').fetchall()\n"
        "slow = ('wasmtime', 'dataclasses', 'inspect')\n"
        "print(sorted(m for m in sys.modules if m in slow or m.endswith(('.runtime', '.abi'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
