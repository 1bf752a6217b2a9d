"""Dot-commands that show or set what SQLite keeps per connection, as sqlite3 3.54 has them:
.dbconfig, .limit, .filectrl, .vfsinfo, .vfslist, .vfsname, and the line-ending commands
(.crlf, the retired .binary) and .nonce. Their words, messages and exit statuses are
sqlite3 3.54.1's.

Where sqlite3 reads a value through a C pointer (file controls, the VFS of a database),
ctypes gives APSW's ``file_control`` the memory to write into.
"""

from __future__ import annotations

import contextlib
import ctypes
from typing import TYPE_CHECKING

import apsw

from ..safe import SafeModeRefusal
from .args import boolean_value, integer_value
from .registry import command
from .testcase import release_capture
from .tools import atoi, int32

if TYPE_CHECKING:
    from ..state import Shell


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
    for name, op in _DBCONFIG:
        if len(args) > 1 and args[1] != name:
            continue
        scanstatus = False  # sqlite3 puts it back to .scanstats's setting (off) before each command
        if len(args) >= 3:
            value = atoi(args[2]) if name == "fp_digits" else int(boolean_value(args[2], shell.error))
            if op == apsw.SQLITE_DBCONFIG_STMT_SCANSTATUS:
                scanstatus = bool(value)  # (which APSW's config() does not take)
            else:  # (a value SQLite refuses, as an fp_digits out of range, leaves it as it was)
                conn.config(op, value)
        value = int(scanstatus) if op == apsw.SQLITE_DBCONFIG_STMT_SCANSTATUS else conn.config(op, -1)
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
    aliases=("limits",),
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
        conn.limit(code, int32(integer_value(args[2])))
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
    deprecated=True,
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
    if shell.nonce is None or args[1] != shell.nonce:  # sqlite3 ends at once
        shell.error(f'line {shell.lineno}: incorrect nonce: "{args[1]}"')
        release_capture(shell)
        raise SafeModeRefusal(1)
    shell.safe_lifted = True  # for the next command or SQL only (see run_command, after_sql)
    return 0


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
        _file_control(conn, db, op, ctypes.c_int(int32(integer_value(args[1]))))
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
        _file_control(conn, db, op, ctypes.c_int(atoi(args[1])))
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
