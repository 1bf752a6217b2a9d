"""The code's layout keeps its layers: no import cycles, the engine never imports the shell,
functions fit on a screen.

Imports are read from the source (every ``import``, including those inside
functions, which run as surely as the others, only later); imports under
``if TYPE_CHECKING:`` never run and do not count.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wasmshell"
LONGEST_FUNCTION = 60  # lines, a screen


def modules() -> dict[str, tuple[Path, bool]]:
    """Every Python module of the package: dotted name -> (file, is a package)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def extensions() -> set[str]:
    """The C extension modules, by their ``.c`` sources: they import nothing of the package,
    and ``from . import _runwasm`` names one, not the package it is in."""
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts) for path in PACKAGE.rglob("_*.c")
    }


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """The tree's nodes, without what is under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    return [n for n in ast.walk(tree) if id(n) not in skipped]


def imports_of(name: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports when it runs."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source)
    return found


def import_graph() -> dict[str, set[str]]:
    """What each module of the package imports of it, C extensions included (importing nothing)."""
    found = modules()
    known = set(found) | extensions()
    graph = {name: imports_of(name, path, is_package, known) for name, (path, is_package) in found.items()}
    graph.update({name: set() for name in extensions()})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_cycle_check_sees_a_cycle_made_by_an_import_inside_a_function():
    """The check itself: a late import that closes a loop is found."""
    graph = import_graph()
    graph["wasmshell.engine.errors"] = graph["wasmshell.engine.errors"] | {"wasmshell.engine.session"}
    assert any("wasmshell.engine.errors" in c for c in cycles(graph))


def test_an_import_inside_a_function_counts_and_one_for_type_checking_does_not(tmp_path):
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from . import b\n"
        "def f():\n    from . import c\n"
    )
    (tmp_path / "a.py").write_text(source)
    assert imports_of("p.a", tmp_path / "a.py", False, {"p.a", "p.b", "p.c"}) == {"p.c"}


def test_the_engine_never_imports_the_shell():
    graph = import_graph()
    below = {name for name in graph if name.startswith("wasmshell.engine")}
    reached = set(below)
    todo = list(below)
    while todo:
        for target in graph[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    assert not {name for name in reached if name.startswith("wasmshell.shell") or name == "wasmshell.cli"}


def test_functions_fit_on_a_screen():
    long = []
    for name, (path, _) in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_FUNCTION:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


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


# What a batch run (`wasmshell db "select 1"`) must not import: typing brings re, functools,
# contextlib and warnings; signal brings enum. Together they were a third of its start.
# (collections comes with apsw.)
HEAVY_AT_START = ("typing", "re", "enum", "functools", "contextlib", "warnings", "threading", "signal",
                  "dataclasses", "inspect")  # fmt: skip


def test_a_batch_run_imports_none_of_the_heavy_standard_modules(tmp_path):
    """Counted from what the interpreter had before (an editable install's finder imports re);
    run elsewhere than the checkout, whose wasmshell/ may lack the built C parts."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from wasmshell.cli import main\n"
        "code = main([':memory:', 'select 1; select 2 as two;'])\n"
        f"heavy = {HEAVY_AT_START!r}\n"
        "print(code, sorted(m for m in set(sys.modules) - before if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.splitlines() == ["1", "2", "0 []"]


def _imported(command: list[str]) -> set[str]:
    """The modules ``command`` imports, from Python's -X importtime lines (set by environment)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return {
        line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")
    }


def test_the_installed_command_imports_none_of_them_either():
    """The ``wasmshell`` command itself: pip's launcher for an entry point would import re."""
    command = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")
    heavy = _imported([command, ":memory:", "select 1"]) - _imported([sys.executable, "-c", "pass"])
    assert "wasmshell.cli" in heavy
    assert sorted(m for m in heavy if m.split(".")[0] in HEAVY_AT_START) == []
