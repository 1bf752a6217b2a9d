"""Dot-commands that report what SQLite does while statements run, as sqlite3 3.54 has them:
.auth (each authorizer call, and GLOBs to deny or ignore), .progress (the progress
handler, with limits and a timeout), .trace (statements, rows, timings) and .log (SQLite's
error log). While one of them reports, statements run one at a time (``Tools.watching``),
so that nothing is reported twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import apsw

from .args import boolean_value, integer_value, option_match
from .registry import command
from .tools import Progress, Tools, atof, close, int32, output_file, tools

if TYPE_CHECKING:
    from ..state import Shell


# -- .auth --------------------------------------------------------------------------

_ACTIONS = (
    None,
    "CREATE_INDEX",
    "CREATE_TABLE",
    "CREATE_TEMP_INDEX",
    "CREATE_TEMP_TABLE",
    "CREATE_TEMP_TRIGGER",
    "CREATE_TEMP_VIEW",
    "CREATE_TRIGGER",
    "CREATE_VIEW",
    "DELETE",
    "DROP_INDEX",
    "DROP_TABLE",
    "DROP_TEMP_INDEX",
    "DROP_TEMP_TABLE",
    "DROP_TEMP_TRIGGER",
    "DROP_TEMP_VIEW",
    "DROP_TRIGGER",
    "DROP_VIEW",
    "INSERT",
    "PRAGMA",
    "READ",
    "SELECT",
    "TRANSACTION",
    "UPDATE",
    "ATTACH",
    "DETACH",
    "ALTER_TABLE",
    "REINDEX",
    "ANALYZE",
    "CREATE_VTABLE",
    "DROP_VTABLE",
    "FUNCTION",
    "SAVEPOINT",
    "RECURSIVE",
)


def _quoted(value: str | None) -> str:
    """SQLite's %Q: NULL, or the text in single quotes."""
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _authorizer(shell: Shell, state: Tools) -> Callable[..., int]:
    def authorize(op: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
        action = _ACTIONS[op] if 0 < op < len(_ACTIONS) else "(unknown)"
        message = f"{action} {_quoted(arg1)} {_quoted(arg2)} {_quoted(db)} {_quoted(trigger)}"
        verdict, answer = "OK", apsw.SQLITE_OK
        if state.auth_deny and apsw.strglob(state.auth_deny, message) == 0:
            verdict, answer = "DENY", apsw.SQLITE_DENY
        elif state.auth_ignore and apsw.strglob(state.auth_ignore, message) == 0:
            verdict, answer = "IGNORE", apsw.SQLITE_IGNORE
        shell.out.write(f"authorizer: {message} -> {verdict}\n")
        if state.auth_base is not None:  # safe mode still refuses what touches files
            state.auth_base(op, arg1, arg2, db, trigger)
        return answer

    return authorize


@command(
    "auth",
    "auth ON|OFF",
    "Show authorizer callbacks",
    safe=True,
    details=(
        "   Options:",
        "     --deny GLOB           Return SQLITE_DENY if pattern matches",
        "     --ignore GLOB         Return SQLITE_IGNORE if pattern matches",
    ),
    options=("--deny GLOB", "--ignore GLOB"),
    arguments=("words",),
    words=("on", "off"),
)
def _auth(shell: Shell, args: list[str]) -> int:
    state = tools(shell)
    on: bool | None = None
    i = 1
    while i < len(args):
        word = args[i][1:] if args[i][:2] == "--" else args[i]
        if word in ("-deny", "-ignore"):
            i += 1
            if i >= len(args):
                return shell.dot_error(i - 1, "missing argument")
            setattr(state, "auth_deny" if word == "-deny" else "auth_ignore", args[i] or None)
        elif on is None:
            on = boolean_value(word, shell.error)
        else:
            return shell.dot_error(i, "unknown argument")
        i += 1
    if on is None:
        shell.error("Usage: .auth ON|OFF [--deny GLOB] [--ignore]")
        return 1
    if shell.safe is None:  # under -safe, sqlite3 puts its safe-mode authorizer back at once
        set_authorizer(shell, on)
    return 0


def set_authorizer(shell: Shell, on: bool) -> None:
    """Turn .auth's authorizer on or off for the connection open now (safe mode's stays)."""
    state = tools(shell)
    conn = shell.session.connection
    if not state.auth_on:
        state.auth_base = conn.authorizer
    conn.authorizer = _authorizer(shell, state) if on else state.auth_base
    state.auth_on = on


# -- .progress ----------------------------------------------------------------------


def _progress_handler(shell: Shell, progress: Progress) -> Callable[[], bool]:
    def handler() -> bool:
        progress.count += 1
        if progress.timeout > 0 and time.monotonic() - progress.started >= progress.timeout:
            shell.out.write(f"Progress timeout after {time.monotonic() - progress.started:.6f} seconds\n")
            return True
        if progress.limit > 0 and progress.count >= progress.limit:
            shell.out.write(f"Progress limit reached ({progress.count})\n")
            if progress.reset:
                progress.count = 0
            if progress.once:
                progress.limit = 0
            return True
        if not progress.quiet:
            shell.out.write(f"Progress {progress.count}\n")
        return False

    return handler


@command(
    "progress",
    "progress N",
    "Invoke progress handler after every N opcodes",
    safe=True,
    prefix=3,
    details=(
        "   --limit N                 Interrupt after N progress callbacks",
        "   --once                    Do no more than one progress interrupt",
        "   --quiet|-q                No output except at interrupts",
        "   --reset                   Reset the count for each input and interrupt",
        "   --timeout S               Halt after running for S seconds",
    ),
    options=("--limit N", "--once", "--quiet", "--reset", "--timeout S"),
)
def _progress(shell: Shell, args: list[str]) -> int:
    progress = Progress()
    tools(shell).progress = progress
    every = 0
    i = 1
    while i < len(args):
        word = args[i]
        if word[:1] != "-":
            every = int32(integer_value(word))
            i += 1
            continue
        name = word[2:] if word[:2] == "--" else word[1:]
        if name in ("quiet", "q"):
            progress.quiet = True
        elif name == "reset":
            progress.reset = True
        elif name == "once":
            progress.once = True
        elif name == "timeout":
            if i == len(args) - 1:
                return shell.dot_error(i, "missing argument")
            i += 1
            progress.timeout = atof(args[i])
            if progress.timeout > 0:
                progress.quiet, progress.reset, progress.once = True, False, False
                every = every or 100
        elif name == "limit":
            if i + 1 >= len(args):
                shell.error("Error: missing argument on --limit")
                return 1
            i += 1
            progress.limit = int32(integer_value(args[i])) % 2**32  # (an unsigned count)
        else:
            shell.error(f'Error: unknown option: "{word}"')
            return 1
        i += 1
    progress.started = time.monotonic()
    shell.progress_every = max(every, 0)  # (the interactive progress line calls no more often)
    conn = shell.session.connection
    # SQLite calls no handler for N of 0 or less.
    conn.set_progress_handler(_progress_handler(shell, progress) if every > 0 else None, max(every, 0))
    if every > 0:
        conn.trace_v2(apsw.SQLITE_TRACE_STMT, _statement_starts(progress), id=Progress)
    else:
        conn.trace_v2(0, None, id=Progress)
    tools(shell).progress_on = every > 0
    return 0


def _statement_starts(progress: Progress) -> Callable[[dict[str, Any]], None]:
    """sqlite3 times --timeout from the start of each input's SQL, and --reset counts from
    there: here, from the start of each statement (a trigger's are part of theirs)."""

    def started(event: dict[str, Any]) -> None:
        if not event.get("trigger"):
            progress.started = time.monotonic()
            if progress.reset:
                progress.count = 0

    return started


# -- .trace, .log -------------------------------------------------------------------


def _trace_callback(state: Tools) -> Callable[[dict[str, Any]], None]:
    statements: dict[int, str] = {}  # the text of each statement by APSW's id, for its rows

    def trace(event: dict[str, Any]) -> None:
        where = state.trace_out
        if where is None:
            return
        out = where()
        code = event["code"]
        if code == apsw.SQLITE_TRACE_STMT and not event.get("trigger"):
            statements[event["id"]] = event["sql"]
        if not code & state.trace_mask:  # (statements are traced for their rows' sake)
            return
        if code == apsw.SQLITE_TRACE_CLOSE:
            out.write("-- closing database connection\n")
            return
        if code == apsw.SQLITE_TRACE_ROW:
            sql = statements.get(event["id"])
        else:
            sql = event.get("sql")
            if event.get("trigger"):
                sql = f"-- {sql}"  # SQLite's own text of a trigger's statements (APSW drops "-- ")
        if sql is None:
            return
        sql = sql.rstrip(";")
        if code == apsw.SQLITE_TRACE_PROFILE:
            out.write(f"{sql}; -- {event.get('nanoseconds', 0)} ns\n")
            statements.pop(event["id"], None)
        else:
            out.write(f"{sql};\n")

    return trace


_TRACE_OPTIONS = {
    "profile": apsw.SQLITE_TRACE_PROFILE,
    "row": apsw.SQLITE_TRACE_ROW,
    "stmt": apsw.SQLITE_TRACE_STMT,
    "close": apsw.SQLITE_TRACE_CLOSE,
}


@command(
    "trace",
    "trace ?OPTIONS?",
    "Output each SQL statement as it is run",
    safe=True,
    details=(
        "    FILE                    Send output to FILE",
        "    stdout                  Send output to stdout",
        "    stderr                  Send output to stderr",
        "    off                     Disable tracing",
        "    --expanded              Expand query parameters",
        "    --plain                 Show SQL as it is input",
        "    --stmt                  Trace statement execution (SQLITE_TRACE_STMT)",
        "    --profile               Profile statements (SQLITE_TRACE_PROFILE)",
        "    --row                   Trace each row (SQLITE_TRACE_ROW)",
        "    --close                 Trace connection close (SQLITE_TRACE_CLOSE)",
    ),
    options=("--expanded", "--plain", "--stmt", "--profile", "--row", "--close"),
    arguments=("path",),
)
def _trace(shell: Shell, args: list[str]) -> int:
    state = tools(shell)
    mask = 0
    for word in args[1:]:
        if word[:1] == "-":
            if option_match(word, "expanded"):
                state.trace_expanded = True
            elif option_match(word, "plain"):
                state.trace_expanded = False
            elif any(option_match(word, name) for name in _TRACE_OPTIONS):
                mask |= _TRACE_OPTIONS[word.lstrip("-")]
            else:
                shell.error(f'Unknown option "{word}" on ".trace"')
                return 1
        else:
            close(state.trace_file)
            state.trace_out, state.trace_file = output_file(shell, word)
    conn = shell.session.connection
    if state.trace_out is None:
        conn.trace_v2(0, None, id=Tools)
    else:
        state.trace_mask = mask or apsw.SQLITE_TRACE_STMT
        conn.trace_v2(state.trace_mask | apsw.SQLITE_TRACE_STMT, _trace_callback(state), id=Tools)
    return 0


def _log(state: Tools) -> Callable[[int, str], None]:
    def log(code: int, message: str) -> None:
        where = state.log_out
        if where is not None:
            out = where()
            out.write(f"({code}) {message}\n")
            out.flush()

    return log


@command(
    "log",
    "log FILE|on|off",
    "Turn logging on or off.  FILE can be stderr/stdout",
    safe=True,
    arguments=("path",),
)
def _log_command(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        shell.error("Usage: .log FILENAME")
        return 1
    state = tools(shell)
    name = args[1]
    if shell.safe is not None and name not in ("on", "off"):
        shell.stdout.write('cannot set .log to anything other than "on" or "off"\n')
        name = "off"
    close(state.log_file)
    state.log_out, state.log_file = output_file(shell, "stdout" if name == "on" else name)
    # SQLite's log is the process's, and may be set at any time.
    apsw.config(apsw.SQLITE_CONFIG_LOG, _log(state) if state.log_out is not None else None)
    return 0
