"""Dot-commands that inspect or configure the database connection, as sqlite3 3.54 has them.

.dbconfig, .limit, .filectrl and the .vfs* commands read and set what SQLite keeps per
connection; .auth, .progress, .trace and .log show what SQLite reports while statements
run; .connection keeps more than one connection open; .clone and .restore copy whole
databases. Their words, messages and exit statuses are sqlite3 3.54.1's. What they keep
between commands (the hooks' settings, the other connections) lives in one ``Tools``
object per shell (``tools(shell)``).

Where sqlite3 reads a value through a C pointer (file controls, the VFS of a database),
ctypes gives APSW's ``file_control`` the memory to write into.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import apsw

from ..output import modes
from ..output.base import OutputSettings
from ..output.render import mode_renderer
from ..safe import SafeModeRefusal
from .args import boolean_value, integer_value, option_match
from .data import backup_message
from .registry import command, help_lines

if TYPE_CHECKING:
    from ...engine import Session
    from ..state import Shell


# -- what the commands keep ---------------------------------------------------------


@dataclass
class Progress:
    """.progress's settings and count (sqlite3's nProgress, mxProgress, flgProgress)."""

    count: int = 0
    limit: int = 0  # stop a statement after this many calls; 0: never
    quiet: bool = False  # say nothing until a limit or the timeout stops a statement
    reset: bool = False  # count from 0 again after each stop
    once: bool = False  # stop one statement only
    timeout: float = 0.0  # seconds a statement may run before it is stopped; 0: no timeout
    started: float = 0.0  # when the statement being counted began


@dataclass
class Slot:
    """One of .connection's five places: a connection, or none yet."""

    session: Session | None = None  # (None for the active place: its connection is shell.session)
    fresh: Session | None = None  # the temporary database the place opened itself, if it did
    used: bool = False  # whether a statement ran on that one


@dataclass
class Tools:
    """What this module's commands keep for one shell."""

    auth_on: bool = False
    auth_deny: str | None = None  # .auth --deny GLOB
    auth_ignore: str | None = None  # .auth --ignore GLOB
    auth_base: Any = None  # the authorizer .auth on went in front of (safe mode's), to put back
    progress: Progress = field(default_factory=Progress)
    trace_out: TextIO | None = None
    trace_file: TextIO | None = None  # a file .trace opened, to close when it changes
    trace_expanded: bool = False
    trace_mask: int = 0  # the SQLITE_TRACE_ events asked for
    log_out: TextIO | None = None
    log_file: TextIO | None = None
    slots: list[Slot] = field(default_factory=lambda: [Slot() for _ in range(5)])
    active: int = 0  # the slot whose connection is shell.session
    scanstatus: bool = False  # .dbconfig stmt_scanstatus (APSW cannot set SQLite's own)
    progress_on: bool = False

    def watching(self) -> bool:
        """Whether something reports each statement as it is tried (.auth, .trace, .progress,
        .log): statements then run one at a time, so that a batch's retries show nothing twice."""
        return self.auth_on or self.progress_on or self.trace_out is not None or self.log_out is not None


def tools(shell: Shell) -> Tools:
    """This shell's ``Tools``, made on first use."""
    if shell.tools is None:
        shell.tools = Tools()
    return shell.tools


def _int32(value: int) -> int:
    """A C ``(int)`` cast of a 64-bit value."""
    return (value + 2**31) % 2**32 - 2**31


def _atoi(text: str) -> int:
    """C's atoi: optional white space and sign, then digits; 0 when there are none."""
    found = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    return _int32(int(found.group(1))) if found else 0


def _output_file(shell: Shell, name: str) -> tuple[TextIO | None, TextIO | None]:
    """sqlite3's output_file_open for .trace and .log: (stream, file to close), where stdout
    and stderr are the shell's, "off" and anything else under -safe is nothing."""
    if name == "stdout":
        return shell.stdout, None
    if name == "stderr":
        return shell.stderr, None
    if name == "off" or shell.safe is not None:
        return None, None
    try:
        stream = open(name, "w", encoding="utf-8", errors="surrogateescape", newline="\n")  # noqa: SIM115
    except OSError:
        shell.error(f'Error: cannot open "{name}"')
        return None, None
    return stream, stream


def _close(stream: TextIO | None) -> None:
    if stream is not None:
        stream.close()


# -- .dbconfig ----------------------------------------------------------------------

_DBCONFIG = (
    ("attach_create", apsw.SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE),
    ("attach_write", apsw.SQLITE_DBCONFIG_ENABLE_ATTACH_WRITE),
    ("comments", apsw.SQLITE_DBCONFIG_ENABLE_COMMENTS),
    ("defensive", apsw.SQLITE_DBCONFIG_DEFENSIVE),
    ("dqs_ddl", apsw.SQLITE_DBCONFIG_DQS_DDL),
    ("dqs_dml", apsw.SQLITE_DBCONFIG_DQS_DML),
    ("enable_fkey", apsw.SQLITE_DBCONFIG_ENABLE_FKEY),
    ("enable_qpsg", apsw.SQLITE_DBCONFIG_ENABLE_QPSG),
    ("enable_trigger", apsw.SQLITE_DBCONFIG_ENABLE_TRIGGER),
    ("enable_view", apsw.SQLITE_DBCONFIG_ENABLE_VIEW),
    ("fts3_tokenizer", apsw.SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER),
    ("fp_digits", apsw.SQLITE_DBCONFIG_FP_DIGITS),
    ("legacy_alter_table", apsw.SQLITE_DBCONFIG_LEGACY_ALTER_TABLE),
    ("legacy_file_format", apsw.SQLITE_DBCONFIG_LEGACY_FILE_FORMAT),
    ("load_extension", apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION),
    ("no_ckpt_on_close", apsw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE),
    ("reset_database", apsw.SQLITE_DBCONFIG_RESET_DATABASE),
    ("reverse_scanorder", apsw.SQLITE_DBCONFIG_REVERSE_SCANORDER),
    ("stmt_scanstatus", apsw.SQLITE_DBCONFIG_STMT_SCANSTATUS),
    ("trigger_eqp", apsw.SQLITE_DBCONFIG_TRIGGER_EQP),
    ("trusted_schema", apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA),
    ("writable_schema", apsw.SQLITE_DBCONFIG_WRITABLE_SCHEMA),
)


@command(
    "dbconfig",
    "dbconfig ?op? ?val?",
    "List or change sqlite3_db_config() options",
    safe=True,
    prefix=3,
    arguments=("words",),
    words=tuple(name for name, _ in _DBCONFIG),
)
def _dbconfig(shell: Shell, args: list[str]) -> int:
    conn = shell.session.connection
    state = tools(shell)
    for name, op in _DBCONFIG:
        if len(args) > 1 and args[1] != name:
            continue
        if len(args) >= 3:
            value = _atoi(args[2]) if name == "fp_digits" else int(boolean_value(args[2], shell.error))
            if op == apsw.SQLITE_DBCONFIG_STMT_SCANSTATUS:
                state.scanstatus = bool(value)
            else:  # (a value SQLite refuses, as an fp_digits out of range, leaves it as it was)
                conn.config(op, value)
        if op == apsw.SQLITE_DBCONFIG_STMT_SCANSTATUS:
            # APSW's config() does not take this one: it is kept here, for .scanstats to read.
            value = int(state.scanstatus)
        else:
            value = conn.config(op, -1)
        shown = str(value) if name == "fp_digits" else ("on" if value else "off")
        shell.out.write(f"{name:>19} {shown}\n")
        if len(args) > 1:
            return 0
    if len(args) > 1:
        shell.dot_error(1, "unknown dbconfig", 'Enter ".dbconfig" with no arguments for a list')
    return 0  # sqlite3's exit status says nothing of an unknown option


# -- .limit -------------------------------------------------------------------------

_LIMITS = (
    ("length", apsw.SQLITE_LIMIT_LENGTH),
    ("sql_length", apsw.SQLITE_LIMIT_SQL_LENGTH),
    ("column", apsw.SQLITE_LIMIT_COLUMN),
    ("expr_depth", apsw.SQLITE_LIMIT_EXPR_DEPTH),
    ("parser_depth", apsw.SQLITE_LIMIT_PARSER_DEPTH),
    ("compound_select", apsw.SQLITE_LIMIT_COMPOUND_SELECT),
    ("vdbe_op", apsw.SQLITE_LIMIT_VDBE_OP),
    ("function_arg", apsw.SQLITE_LIMIT_FUNCTION_ARG),
    ("attached", apsw.SQLITE_LIMIT_ATTACHED),
    ("like_pattern_length", apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH),
    ("variable_number", apsw.SQLITE_LIMIT_VARIABLE_NUMBER),
    ("trigger_depth", apsw.SQLITE_LIMIT_TRIGGER_DEPTH),
    ("worker_threads", apsw.SQLITE_LIMIT_WORKER_THREADS),
    ("schema", apsw.SQLITE_LIMIT_SCHEMA),
    ("trigger_steps", apsw.SQLITE_LIMIT_TRIGGER_STEPS),
)


@command(
    "limit",
    "limit ?LIMIT? ?VAL?",
    "Display or change the value of an SQLITE_LIMIT",
    safe=True,
    prefix=5,
    arguments=("words",),
    words=tuple(name for name, _ in _LIMITS),
)
def _limit(shell: Shell, args: list[str]) -> int:
    conn = shell.session.connection
    if len(args) == 1:  # on stdout, not .output's file, as sqlite3 writes them
        shell.stdout.write("".join(f"{name:>20} {conn.limit(code)}\n" for name, code in _LIMITS))
        return 0
    if len(args) > 3:
        shell.error("Usage: .limit NAME ?NEW-VALUE?")
        return 1
    typed = args[1].lower()
    found = [(name, code) for name, code in _LIMITS if name.startswith(typed)]
    if len(found) > 1:
        shell.error(f'ambiguous limit: "{args[1]}"')
        return 1
    if not found:
        shell.error(f'unknown limit: "{args[1]}"\nenter ".limits" with no arguments for a list.')
        return 1
    name, code = found[0]
    if len(args) == 3:
        # A negative value leaves the limit as it is; one above SQLite's own ceiling is cut to it.
        conn.limit(code, _int32(integer_value(args[2])))
    else:
        shell.stdout.write(f"{name:>20} {conn.limit(code)}\n")
    return 0


# -- .crlf, .binary, .nonce -----------------------------------------------------------


@command(
    "crlf",
    "crlf ?on|off?",
    "Whether or not to use \\r\\n line endings",
    aliases=("crnl",),
    safe=True,
    prefix=4,
    arguments=("words",),
    words=("on", "off"),
)
def _crlf(shell: Shell, args: list[str]) -> int:
    # Only Windows writes \r\n: elsewhere the setting is always off, whatever is asked.
    shell.error("crlf is OFF")
    return 0


@command(
    "binary",
    "binary on|off",
    "Deprecated: see .crlf",
    safe=True,
    prefix=3,
    hidden=True,
)
def _binary(shell: Shell, args: list[str]) -> int:
    shell.error('The ".binary" command is deprecated.')
    return 1


@command(
    "nonce",
    "nonce STRING",
    "Suspend safe mode for one command if nonce matches",
    safe=True,
    prefix=5,
)
def _nonce(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        shell.error("Usage: .nonce NONCE")
        return 1
    # No nonce can match: wasmshell has no -nonce option to set one. sqlite3 ends at once.
    shell.error(f'line {shell.lineno}: incorrect nonce: "{args[1]}"')
    raise SafeModeRefusal(1)


# -- .vfsinfo, .vfslist, .vfsname -----------------------------------------------------


class _Vfs(ctypes.Structure):
    """The head of SQLite's sqlite3_vfs, as far as .vfsinfo reads it."""

    _fields_ = (
        ("iVersion", ctypes.c_int),
        ("szOsFile", ctypes.c_int),
        ("mxPathname", ctypes.c_int),
        ("pNext", ctypes.c_void_p),
        ("zName", ctypes.c_char_p),
    )


def _vfs_of(conn: apsw.Connection, db: str) -> _Vfs | None:
    """The VFS that database ``db`` of ``conn`` uses, or None (no such database)."""
    pointer = ctypes.c_void_p()
    try:
        conn.file_control(db, apsw.SQLITE_FCNTL_VFS_POINTER, ctypes.addressof(pointer))
    except apsw.Error:
        return None
    if not pointer.value:
        return None
    return _Vfs.from_address(pointer.value)


def _vfs_lines(name: str, version: int, size: int, longest: int, mark: str = "") -> str:
    return (
        f'vfs.zName      = "{name}"{mark}\nvfs.iVersion   = {version}\n'
        f"vfs.szOsFile   = {size}\nvfs.mxPathname = {longest}\n"
    )


@command(
    "vfsinfo",
    "vfsinfo ?AUX?",
    "Information about the top-level VFS",
    safe=True,
    arguments=("database",),
)
def _vfsinfo(shell: Shell, args: list[str]) -> int:
    vfs = _vfs_of(shell.session.connection, args[1] if len(args) == 2 else "main")
    if vfs is not None:
        name = (vfs.zName or b"").decode("utf-8", "replace")
        shell.out.write(_vfs_lines(name, vfs.iVersion, vfs.szOsFile, vfs.mxPathname))
    return 0


def _register_appendvfs(conn: apsw.Connection) -> None:
    """sqlite3 has the append VFS (apndvfs) in every process; here it comes from APSW's
    extension, registered the first time a list of VFSes is asked for."""
    if "apndvfs" in apsw.vfs_names():
        return
    from ...engine import native

    try:
        from apsw import sqlite_extra

        native.load_extension(conn, sqlite_extra.path("appendvfs"))
    except Exception:
        return


@command("vfslist", "vfslist", "List all available VFSes", safe=True)
def _vfslist(shell: Shell, args: list[str]) -> int:
    conn = shell.session.connection
    _register_appendvfs(conn)
    current = _vfs_of(conn, "main")
    current_name = (current.zName or b"").decode("utf-8", "replace") if current is not None else None
    blocks = [
        _vfs_lines(
            vfs["zName"],
            vfs["iVersion"],
            vfs["szOsFile"],
            vfs["mxPathname"],
            "  <--- CURRENT" if vfs["zName"] == current_name else "",
        )
        for vfs in apsw.vfs_details()
    ]
    shell.out.write("-----------------------------------\n".join(blocks))
    return 0


@command(
    "vfsname",
    "vfsname ?AUX?",
    "Print the name of the VFS stack",
    safe=True,
    arguments=("database",),
)
def _vfsname(shell: Shell, args: list[str]) -> int:
    try:
        name = shell.session.connection.vfsname(args[1] if len(args) == 2 else "main")
    except apsw.Error:
        name = None
    if name:
        shell.out.write(f"{name}\n")
    return 0


# -- .filectrl ----------------------------------------------------------------------

# name, SQLITE_FCNTL_ code, what it takes (for its usage line)
_FILE_CONTROLS = (
    ("chunk_size", apsw.SQLITE_FCNTL_CHUNK_SIZE, "SIZE"),
    ("data_version", apsw.SQLITE_FCNTL_DATA_VERSION, ""),
    ("has_moved", apsw.SQLITE_FCNTL_HAS_MOVED, ""),
    ("lock_timeout", apsw.SQLITE_FCNTL_LOCK_TIMEOUT, "MILLISEC"),
    ("persist_wal", apsw.SQLITE_FCNTL_PERSIST_WAL, "[BOOLEAN]"),
    ("psow", apsw.SQLITE_FCNTL_POWERSAFE_OVERWRITE, "[BOOLEAN]"),
    ("reserve_bytes", apsw.SQLITE_FCNTL_RESERVE_BYTES, "[N]"),
    ("size_limit", apsw.SQLITE_FCNTL_SIZE_LIMIT, "[LIMIT]"),
    ("tempfilename", apsw.SQLITE_FCNTL_TEMPFILENAME, ""),
)


def _file_control(conn: apsw.Connection, db: str, op: int, cell: ctypes._SimpleCData) -> None:
    """Run a file control on ``cell``; as sqlite3, whatever it answers is not checked
    (a database without a file, or no such database, leaves ``cell`` as it was)."""
    with contextlib.suppress(apsw.Error):
        conn.file_control(db, op, ctypes.addressof(cell))


def _filectrl_run(shell: Shell, db: str, name: str, op: int, args: list[str]) -> str | None:
    """Run file control ``name`` with ``args`` (the command's words from the control's name
    on); what to print after it, or None when the arguments are wrong."""
    conn = shell.session.connection
    count = len(args)
    if name == "size_limit":
        if count not in (1, 2):
            return None
        limit = ctypes.c_int64(integer_value(args[1]) if count == 2 else -1)
        _file_control(conn, db, op, limit)
        return f"{limit.value}\n"
    if name in ("lock_timeout", "chunk_size"):
        if count != 2:
            return None
        _file_control(conn, db, op, ctypes.c_int(_int32(integer_value(args[1]))))
        return ""
    if name in ("persist_wal", "psow"):
        if count not in (1, 2):
            return None
        flag = ctypes.c_int(int(boolean_value(args[1], shell.error)) if count == 2 else -1)
        _file_control(conn, db, op, flag)
        return f"{flag.value}\n"
    if name in ("data_version", "has_moved"):
        if count != 1:
            return None
        answer = ctypes.c_int(0)
        _file_control(conn, db, op, answer)
        return f"{answer.value}\n"
    if name == "tempfilename":
        if count != 1:
            return None
        text = ctypes.c_char_p()
        _file_control(conn, db, op, text)
        # (SQLite allocated the name, and APSW offers no sqlite3_free: a few bytes stay.)
        return text.value.decode("utf-8", "replace") + "\n" if text.value else ""
    # reserve_bytes: set when a value is given, then always shown
    if count >= 2:
        _file_control(conn, db, op, ctypes.c_int(_atoi(args[1])))
    reserve = ctypes.c_int(-1)
    _file_control(conn, db, op, reserve)
    return f"{reserve.value}\n"


@command(
    "filectrl",
    "filectrl CMD ...",
    "Run various sqlite3_file_control() operations",
    safe=True,
    details=(
        '   --schema SCHEMA         Use SCHEMA instead of "main"',
        "   --help                  Show CMD details",
    ),
    options=("--schema SCHEMA", "--help"),
    arguments=("words",),
    words=tuple(name for name, _, _ in _FILE_CONTROLS),
)
def _filectrl(shell: Shell, args: list[str]) -> int:
    words = list(args)
    db = "main"
    if len(words) >= 4 and words[1] in ("--schema", "-schema"):
        db = words[2]
        words[1:3] = []
    typed = words[1] if len(words) >= 2 else "help"
    if typed[:1] == "-" and typed[1:]:
        typed = typed[1:]
        if typed[:1] == "-" and typed[1:]:
            typed = typed[1:]
    if typed == "help":
        shell.out.write(
            "Available file-controls:\n"
            + "".join(f"  .filectrl {name} {usage}\n" for name, _, usage in _FILE_CONTROLS)
        )
        return 1
    found = [control for control in _FILE_CONTROLS if control[0].startswith(typed)]
    if len(found) > 1:
        shell.error(f'Error: ambiguous file-control: "{typed}"\nUse ".filectrl --help" for help')
        return 1
    if not found:  # (sqlite3 says so, and goes on as if nothing were wrong)
        shell.error(f'Error: unknown file-control: {typed}\nUse ".filectrl --help" for help')
        return 0
    name, op, usage = found[0]
    shown = _filectrl_run(shell, db, name, op, words[1:])
    if shown is None:
        shell.out.write(f"Usage: .filectrl {typed} {usage}\n")
        return 1
    shell.out.write(shown)
    return 0


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
            every = _int32(integer_value(word))
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
            progress.timeout = _atof(args[i])
            if progress.timeout > 0:
                progress.quiet, progress.reset, progress.once = True, False, False
                every = every or 100
        elif name == "limit":
            if i + 1 >= len(args):
                shell.error("Error: missing argument on --limit")
                return 1
            i += 1
            progress.limit = _int32(integer_value(args[i])) % 2**32  # (an unsigned count)
        else:
            shell.error(f'Error: unknown option: "{word}"')
            return 1
        i += 1
    progress.started = time.monotonic()
    conn = shell.session.connection
    # SQLite calls no handler for N of 0 or less.
    conn.set_progress_handler(_progress_handler(shell, progress) if every > 0 else None, max(every, 0))
    tools(shell).progress_on = every > 0
    return 0


def _atof(text: str) -> float:
    """C's atof: the longest number at the start of ``text``, 0.0 if none."""
    found = re.match(r"[ \t\n\v\f\r]*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?)", text, re.I)
    return float(found.group(1)) if found else 0.0


# -- .trace, .log -------------------------------------------------------------------


def _trace_callback(state: Tools) -> Callable[[dict[str, Any]], None]:
    statements: dict[int, str] = {}  # the text of each statement by APSW's id, for its rows

    def trace(event: dict[str, Any]) -> None:
        out = state.trace_out
        if out is None:
            return
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
            _close(state.trace_file)
            state.trace_out, state.trace_file = _output_file(shell, word)
    conn = shell.session.connection
    if state.trace_out is None:
        conn.trace_v2(0, None, id=Tools)
    else:
        state.trace_mask = mask or apsw.SQLITE_TRACE_STMT
        conn.trace_v2(state.trace_mask | apsw.SQLITE_TRACE_STMT, _trace_callback(state), id=Tools)
    return 0


def _log(state: Tools) -> Callable[[int, str], None]:
    def log(code: int, message: str) -> None:
        out = state.log_out
        if out is not None:
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
    _close(state.log_file)
    state.log_out, state.log_file = _output_file(shell, "stdout" if name == "on" else name)
    # SQLite's log is the process's, and may be set at any time.
    apsw.config(apsw.SQLITE_CONFIG_LOG, _log(state) if state.log_out is not None else None)
    return 0


# -- .connection --------------------------------------------------------------------


def _slot_label(shell: Shell, slot: Slot, active: bool) -> str:
    session = shell.session if active else slot.session
    if session is None or session is slot.fresh:
        return "(memory)"  # (sqlite3 names no file for a connection a place opened itself)
    return session.path or "(temporary-file)"


@command(
    "connection",
    "connection [close] [#]",
    "Open or close an auxiliary database connection",
    safe=True,
    arguments=("words",),
    words=("close",),
)
def _connection(shell: Shell, args: list[str]) -> int:
    state = tools(shell)
    if len(args) == 1:  # on stdout, as sqlite3 lists them
        for index, slot in enumerate(state.slots):
            if index == state.active:
                shell.stdout.write(f"ACTIVE {index}: {_slot_label(shell, slot, True)}\n")
            elif slot.session is not None:
                shell.stdout.write(f"       {index}: {_slot_label(shell, slot, False)}\n")
        return 0
    if len(args) == 2 and len(args[1]) == 1 and args[1].isdigit():
        index = int(args[1])
        if index != state.active and index < len(state.slots):
            _switch(shell, state, index)
        return 0
    if len(args) == 3 and args[1] == "close" and len(args[2]) == 1 and args[2].isdigit():
        index = int(args[2])
        if index >= len(state.slots):
            return 0
        if index == state.active:
            shell.error("cannot close the active database connection")
            return 1
        slot = state.slots[index]
        if slot.session is not None:
            slot.session.close()
            slot.session = slot.fresh = None
        return 0
    shell.error("Usage: .connection [close] [CONNECTION-NUMBER]")
    return 1


def _switch(shell: Shell, state: Tools, index: int) -> None:
    """Make place ``index``'s connection the shell's. A place with none gets a temporary
    database; sqlite3 opens it only when it is first used, so one left unused is closed again
    when the shell moves on, and is not listed."""
    here = state.slots[state.active]
    here.session = shell.session
    if here.session is here.fresh and not here.used:
        here.session.close()
        here.session = here.fresh = None
    target = state.slots[index]
    if target.session is None:
        target.session = target.fresh = shell.open("")
        target.used = False

        def used(_event: dict[str, Any], slot: Slot = target) -> None:
            slot.used = True

        target.session.connection.trace_v2(apsw.SQLITE_TRACE_STMT, used, id=Slot)
    shell.session, target.session = target.session, None
    state.active = index
    state.auth_on = False  # hooks belong to the connection they were set on, as in sqlite3


# -- .clone, .restore ---------------------------------------------------------------


def _clone_rows(shell: Shell, source: apsw.Connection, target: apsw.Connection, table: str) -> None:
    """Copy the rows of ``table`` as sqlite3's .clone does, row by row, going on past errors
    (and, if reading forwards fails, reading backwards)."""
    query = f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"'
    try:
        cursor = source.cursor().execute(query)
        columns = len(cursor.get_description())
    except apsw.Error as exc:
        shell.error(f"Error {exc.extendedresult}: {_message(exc)} on [{query}]")
        return
    # sqlite3 puts the name in as it is (%s): a name with a double quote makes a bad statement.
    insert = f'INSERT OR IGNORE INTO "{table}" VALUES(' + ",".join("?" * columns) + ");"
    try:
        target.cursor().execute("EXPLAIN " + insert, (None,) * columns).fetchall()
    except apsw.Error as exc:
        shell.error(f"Error {exc.extendedresult}: {_message(exc)} on [{insert}]")
        return
    for attempt in (cursor, None):
        rows = attempt
        if rows is None:
            try:
                rows = source.cursor().execute(f"{query} ORDER BY rowid DESC;")
            except apsw.Error:
                shell.error(f'Warning: cannot step "{table}" backwards')
                return
        try:
            for row in rows:
                values = tuple(v.split("\0", 1)[0] if isinstance(v, str) else v for v in row)
                try:
                    target.execute(insert, values)
                except apsw.Error as exc:
                    shell.error(f"Error {exc.extendedresult}: {_message(exc)}")
            return
        except apsw.Error:
            continue  # reading failed part way (a damaged file): try from the other end


def _message(exc: apsw.Error) -> str:
    """SQLite's message, without APSW's class name."""
    text = str(exc)
    name = type(exc).__name__
    return text[len(name) + 2 :] if text.startswith(name + ": ") else text


def _clone_schema(
    shell: Shell, source: apsw.Connection, target: apsw.Connection, where: str, with_rows: bool
) -> None:
    """Make the objects of the schema rows ``where`` selects in ``target``, in rowid order."""
    query = f"SELECT name, sql FROM sqlite_schema WHERE {where} ORDER BY rowid ASC"
    try:
        rows = source.cursor().execute(query).fetchall()
    except apsw.Error as exc:
        shell.error(f"Error: ({exc.extendedresult}) {_message(exc)} on [{query}]")
        return
    for name, sql in rows:
        if name is None or sql is None:
            continue
        if name.lower() != "sqlite_sequence":
            shell.stdout.write(f"{name}... ")
            shell.stdout.flush()
            try:
                target.execute(sql).fetchall()
            except apsw.Error as exc:
                shell.error(f"Error: {_message(exc)}\nSQL: [{sql}]")
        if with_rows:
            _clone_rows(shell, source, target, name)
        shell.stdout.write("done\n")


@command(
    "clone",
    "clone NEWDB",
    "Clone data into NEWDB from the existing database",
    safe="cannot run .clone in safe mode",
    arguments=("path",),
)
def _clone(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        shell.error("Usage: .clone FILENAME")
        return 1
    path = args[1]
    if os.path.lexists(path):  # never written over
        shell.error(f'File "{path}" already exists.')
        return 0
    try:
        target = apsw.Connection(path)
    except apsw.Error as exc:
        shell.error(f"Cannot create output database: {_message(exc)}")
        return 0
    source = shell.session.connection
    try:
        source.execute("PRAGMA writable_schema=ON;")
        target.execute("BEGIN EXCLUSIVE;")
        _clone_schema(shell, source, target, "type='table'", True)
        _clone_schema(shell, source, target, "type!='table'", False)
        target.execute("COMMIT;")
    except apsw.Error:
        pass  # as sqlite3: what could be copied is there
    finally:
        source.execute("PRAGMA writable_schema=OFF;")
        target.close()
    return 0


@command(
    "restore",
    "restore ?DB? FILE",
    'Restore content of DB (default "main") from FILE',
    safe="cannot run .restore in safe mode",
    prefix=3,
    arguments=("database", "path"),
)
def _restore(shell: Shell, args: list[str]) -> int:
    if len(args) not in (2, 3):
        shell.error("Usage: .restore ?DB? FILE")
        return 1
    path, db = (args[1], "main") if len(args) == 2 else (args[2], args[1])
    try:
        source = apsw.Connection(path)
    except apsw.Error:
        shell.error(f'Error: cannot open "{path}"')
        return 1
    conn = shell.session.connection
    try:
        with conn.backup(db, source, "main") as backup:
            busy = 0
            while not backup.done:
                try:
                    backup.step(100)
                except apsw.BusyError:
                    busy += 1
                    if busy > 3:
                        raise
                    time.sleep(0.1)
    except (apsw.BusyError, apsw.LockedError):
        shell.error("Error: source database is busy")
        return 1
    except apsw.Error as exc:
        shell.error(f"Error: {backup_message(exc)}")
        return 1
    finally:
        source.close()
    shell.session.sync_stored()  # the restored file's stored Wasm functions, as at .open
    return 0


# -- .sha3sum, .diskused, .dbtotxt ----------------------------------------------------


def _show_query(shell: Shell, sql: str, settings: OutputSettings | None = None) -> bool:
    """Run ``sql`` and show its rows in the current mode (or ``settings``'); False if it
    failed, with nothing said (sqlite3 runs these without reporting errors)."""
    try:
        cursor = shell.session.connection.cursor().execute(sql)
        columns = [name for name, _ in cursor.get_description()]
        rows = cursor.fetchall()
    except apsw.Error:
        return False
    renderer = mode_renderer(shell.out, settings or shell.settings)
    renderer.start(columns)
    renderer.write_rows(rows)
    renderer.finish()
    return True


def _sql_text(text: str) -> str:
    """A string as an SQL literal."""
    return "'" + text.replace("'", "''") + "'"


_SHA3_TABLES = "SELECT lower(name) as tname FROM sqlite_schema WHERE type='table' AND coalesce(rootpage,0)>1"


def _sha3_queries(conn: apsw.Connection, pattern: str | None, schema: bool) -> list[tuple[str, str]]:
    """(query, table) for each table .sha3sum hashes, in sqlite3's order."""
    if schema:
        sql = _SHA3_TABLES + " UNION ALL SELECT 'sqlite_schema' ORDER BY 1 collate nocase"
    else:
        sql = _SHA3_TABLES + " AND name NOT LIKE 'sqlite__%' ESCAPE '_' ORDER BY 1 collate nocase"
    queries = []
    for (table,) in conn.execute(sql).fetchall():
        if table is None:
            continue
        if pattern is not None and apsw.strlike(pattern, table) != 0:
            continue
        if not table.startswith("sqlite_"):
            query = 'SELECT * FROM "' + table.replace('"', '""') + '" NOT INDEXED;'
        else:
            query = {
                "sqlite_schema": "SELECT type,name,tbl_name,sql FROM sqlite_schema ORDER BY name;",
                "sqlite_sequence": "SELECT name,seq FROM sqlite_sequence ORDER BY name;",
                "sqlite_stat1": "SELECT tbl,idx,stat FROM sqlite_stat1 ORDER BY tbl,idx;",
                "sqlite_stat4": f"SELECT * FROM {table} ORDER BY tbl, idx, rowid;\n",
            }.get(table, "")
        queries.append((query, table))
    return queries


_TEXT_CHECK = """with tabcols as materialized(
select tname, cname
from ( select printf('"%w"',ss.tname) as tname, printf('"%w"',ti.name) as cname
 from ({tables}) ss
 inner join pragma_table_info(tname) ti))
select 'SELECT total(bad_text_count) AS bad_text_count
FROM ('||group_concat(query, ' UNION ALL ')||')' as btc_query
 from (select 'SELECT COUNT(*) AS bad_text_count
FROM '||tname||' WHERE '
||group_concat('CAST(CAST('||cname||' AS BLOB) AS TEXT)<>'||cname
|| ' AND typeof('||cname||')=''text'' ',
' OR ') as query, tname from tabcols group by tname)"""


def _sha3_text_check(shell: Shell, pattern: str | None, debug: bool) -> bool:
    """sqlite3's check for TEXT that does not read back the same as bytes (it warns on stderr);
    False where sqlite3 says ".sha3sum failed." (no table to check, or SQL that cannot run)."""
    conn = shell.session.connection
    tables = (
        "SELECT lower(name) as tname FROM sqlite_schema\nWHERE type='table' AND coalesce(rootpage,0)>1\n"
        "AND name NOT LIKE 'sqlite__%' ESCAPE '_'"
        + (" AND name LIKE $tspec" if pattern is not None else "")
        + "\nORDER BY 1 collate nocase"
    )
    query = _TEXT_CHECK.format(tables=tables)
    if debug:
        shell.out.write(query + "\n")
    try:
        row = conn.execute(query, {"tspec": pattern} if pattern is not None else None).fetchone()
    except apsw.Error:
        return False
    generated = row[0] if row else None
    if debug:
        shell.out.write(f"{generated if generated is not None else '(null)'}\n")
    if generated is None:
        return False
    try:
        found = conn.execute(generated).fetchone()
    except apsw.Error:
        return False
    bad = int((found[0] or 0) + 0.5) if found else 0
    if bad > 0:
        shell.error(f"Digest includes {bad} invalidly encoded text field{'s' if bad > 1 else ''}.")
    return True


@command(
    "sha3sum",
    "sha3sum ...",
    "Compute a SHA3 hash of database content",
    safe=True,
    prefix=4,
    details=(
        "    Options:",
        "      --schema              Also hash the sqlite_schema table",
        "      --sha3-224            Use the sha3-224 algorithm",
        "      --sha3-256            Use the sha3-256 algorithm (default)",
        "      --sha3-384            Use the sha3-384 algorithm",
        "      --sha3-512            Use the sha3-512 algorithm",
        "    Any other argument is a LIKE pattern for tables to hash",
    ),
    options=("--schema", "--sha3-224", "--sha3-256", "--sha3-384", "--sha3-512"),
    arguments=("table",),
)
def _sha3sum(shell: Shell, args: list[str]) -> int:
    pattern: str | None = None
    schema = debug = False
    size = 224  # (the help says 256 is the default; sqlite3 uses 224)
    for word in args[1:]:
        if word[:1] == "-":
            name = word[2:] if word[:2] == "--" else word[1:]
            if name == "schema":
                schema = True
            elif name in ("sha3-224", "sha3-256", "sha3-384", "sha3-512"):
                size = int(name[5:])
            elif name == "debug":
                debug = True
            else:
                shell.error(f'Unknown option "{word}" on "{args[0]}"')
                shell.out.write("".join(line + "\n" for line in help_lines(args[0])))
                return 1
        elif pattern is not None:
            shell.error("Usage: .sha3sum ?OPTIONS? ?LIKE-PATTERN?")
            return 1
        else:
            pattern = word
            schema = schema or apsw.strlike("sqlite\\_%", word, ord("\\")) == 0
    session = shell.session
    session.builtins.load_mentioned("sha3_query")
    try:
        queries = _sha3_queries(session.connection, pattern, schema)
    except apsw.Error:
        queries = []
    values = "),(".join(f"{_sql_text(query)},{_sql_text(table)}" for query, table in queries)
    if pattern is not None:
        select = f"SELECT lower(hex(sha3_query(a,{size}))) AS hash, b AS label   FROM [sha3sum$query]"
    else:
        select = f"SELECT lower(hex(sha3_query(group_concat(a,''),{size}))) AS hash   FROM [sha3sum$query]"
    sql = f"WITH [sha3sum$query](a,b) AS({'VALUES(' + values if queries else ''})) {select}"
    if debug:
        shell.out.write(sql + "\n")
    else:
        _show_query(shell, sql)
    if not _sha3_text_check(shell, pattern, debug):
        shell.error(".sha3sum failed.")
        return 1
    return 0


@command(
    "diskused",
    "diskused ?SCHEMA?",
    "Report database space and size stats",
    safe=True,
    prefix=8,
    arguments=("database",),
)
def _diskused(shell: Shell, args: list[str]) -> int:
    schema: str | None = None
    for index, word in enumerate(args[1:], 1):
        if word[:1] == "-":
            return shell.dot_error(index, "unknown option")
        if schema is not None:
            return shell.dot_error(index, "unknown argument")
        schema = word
    shell.session.builtins.load_mentioned("diskused")
    settings = shell.settings.copy()
    modes.change(settings, "batch")
    _show_query(shell, f"SELECT diskused({'NULL' if schema is None else _sql_text(schema)})", settings)
    return 0


_SHOWN = bytes(c if 32 <= c <= 126 and chr(c) not in '{}"\\' else ord(".") for c in range(256))


@command("dbtotxt", "dbtotxt", "Hex dump of the database file", safe=True, prefix=3)
def _dbtotxt(shell: Shell, args: list[str]) -> int:
    conn = shell.session.connection
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        files = conn.execute("PRAGMA database_list").fetchall()
        image = conn.serialize("main")
    except apsw.Error as exc:
        shell.error(f"ERROR: {_message(exc)}")
        return 1
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1) or pages < 1 or image is None:
        return 1
    path = (files[0][2] if files else "") or "unk.db"
    slash = path.rfind("/")
    name = path[slash + 1 :] if slash >= 0 and path[slash + 1 :] else path
    out = shell.out
    out.write(f"| size {pages * page_size} pagesize {page_size} filename {name}\n")
    for number in range(1, pages + 1):
        page = image[(number - 1) * page_size : number * page_size]
        labelled = False
        for at in range(0, len(page), 16):
            line = page[at : at + 16]
            if not any(line):
                continue
            if not labelled:
                out.write(f"| page {number} offset {(number - 1) * page_size}\n")
                labelled = True
            hexed = " ".join(f"{b:02x}" for b in line)
            out.write(f"|  {at:5d}: {hexed}   {line.translate(_SHOWN).decode('ascii')}\n")
    out.write(f"| end {name}\n")
    return 0
