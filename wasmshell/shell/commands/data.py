"""Dot-commands that move data in and out: .dump, .import, .backup, .save, .parameter.

Each writes what sqlite3 3.54 writes, byte for byte, so that scripts and
dumps made by one shell work with the other: .dump's statements (but for
REALs, written so that they read back exactly), .import's CSV dialect and
its messages about short and long rows, and the TEMP table
``sqlite_parameters`` that holds the values .parameter binds to statements.
A database SQLite cannot read (a malformed schema, a damaged page) is dumped
as sqlite3 3.54 writes it, and no file can make a dump that runs a
dot-command when read back (see the notes at the head of the .dump part).
"""

from __future__ import annotations

import contextlib
import csv as _csv
import itertools
import math
import mmap
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO

import apsw

from ...engine import native
from ...sqltext import quote_identifier, quote_identifier_always, sql_string
from ..output.base import OutputSettings, Renderer
from ..output.qrf import ASCII, OFF, sql_text
from ..output.values import c_string, dump_real, quote_value
from ..parameters import stored_parameters
from ..state import Shell
from .args import integer_value
from .patterns import PatternError, like
from .registry import DATABASE_FILES, command
from .schema import (
    byte_len,
    comment_text,
    complete_sql,
    name_value,
    raw_text,
    schema_line,
    statement_lines,
)

# -- .dump ------------------------------------------------------------------------
#
# A database SQLite reads is written as sqlite3 3.54 writes it. SQLite is asked
# in defensive mode, as sqlite3 3.54 opens every file, so a schema it cannot
# parse (text after the statement, bad SQL, a missing table, NULL where SQL
# belongs) fails to load instead of being read back raw, and a damaged page is
# met as SQLite reports it: for those, the dump is what sqlite3 3.54 writes,
# comment lines saying what went wrong. Whatever a file holds, every line of
# the dump is SQL, a comment or part of one: no file can put a line there that
# a shell reading the dump back would take for a dot-command.

_CORRUPT = apsw.SQLITE_CORRUPT


def dump_literal(value: Any, escape: str) -> str:
    """One value of an INSERT statement in a dump: TEXT as ``%#Q`` writes it (with control
    characters, ``unistr('...\\u000a...')``, or as it is when ``escape`` is OFF), a BLOB
    as ``x'..'``; a REAL reads back exactly (values.dump_real)."""
    t = type(value)
    if t is float:
        return dump_real(value)
    if t is str:
        return sql_text(c_text(value), escape)
    if t is int:
        return str(value)
    if value is None:
        return "NULL"
    return "x'" + bytes(value).hex() + "'"


def c_text(text: str) -> str:
    """``text`` as C reads it: up to the first NUL (what SQLite parses and sqlite3 prints)."""
    cut = text.find("\0")
    return text if cut < 0 else text[:cut]


def _schema_statement(sql: str, tail: str) -> str:
    """A CREATE statement and the text after it, as a dump writes it: sqlite3's line, with
    what is left open closed (3.54) and no line a shell could misread."""
    # (schema_line's own closing of comments has nothing left to do: only its IF NOT EXISTS)
    return schema_line(statement_lines(complete_sql(sql)), "") + tail


@dataclass
class DumpOptions:
    """What .dump was asked for."""

    patterns: list[str] = field(default_factory=list)
    preserve_rowids: bool = False
    escape: str = ASCII  # how TEXT with control characters is written: .mode's --escape
    data_only: bool = False
    nosys: bool = False


@dataclass
class _DumpState:
    writable_schema: bool = False
    errors: int = 0


class _SchemaObject(NamedTuple):
    name: str | None
    type: str | None
    sql: str | None
    tbl_name: str | None


def _dump_chooser(
    schema: list[_SchemaObject], patterns: list[str], limit: int
) -> Callable[[str | None], bool]:
    """sqlite3's test for .dump's LIKE patterns: the objects matching one, and virtual tables' shadows.

    Done in Python over the rows of sqlite_schema: SQL's LIKE, substr and
    length are functions the connection may have redefined.
    """
    if not patterns:
        return lambda _name: True
    virtual = [
        o.name for o in schema if o.name is not None and like("CREATE VIRTUAL TABLE%", o.sql, None, limit)
    ]

    def chosen(name: str | None) -> bool:
        if name is None:
            return False
        for pattern in patterns:
            if like(pattern, name, "\\", limit):
                return True
            for table in virtual:  # a shadow table of a matching virtual table: its name and "_"
                if like(pattern, table, "\\", limit) and name[: len(table) + 1] == table + "_":
                    return True
        return False

    return chosen


def _text_of(value: Any) -> str | None:
    """A value of sqlite_schema read as BLOB, as the C string sqlite3 sees (bytes not UTF-8 kept)."""
    if value is None:
        return None
    if isinstance(value, str):  # a UTF-16 database's (see schema.raw_text)
        return c_text(value)
    return c_text(bytes(value).decode("utf-8", "surrogateescape"))


def _read_schema(conn: apsw.Connection) -> list[_SchemaObject]:
    """Every row of sqlite_schema, in rowid order.

    Read as BLOBs: a name or SQL text that is not UTF-8 comes through byte
    for byte instead of failing to decode (CAST is an operator: nothing a
    connection can redefine).
    """
    raw = raw_text(conn)
    columns = ", ".join(raw(name) for name in ("name", "type", "sql", "tbl_name"))
    query = f"SELECT {columns} FROM sqlite_schema ORDER BY rowid"
    return [_SchemaObject(*map(_text_of, row)) for row in conn.execute(query)]


@contextlib.contextmanager
def _defensive(conn: apsw.Connection) -> Iterator[None]:
    """SQLite in defensive mode for the time of a dump, as sqlite3 3.54 runs: then
    ``PRAGMA writable_schema=ON`` cannot make it read a schema it cannot parse."""
    before = conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1)
    conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
    try:
        yield
    finally:
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, before)


class _Column(NamedTuple):
    name: str
    type: str
    pk: int


def _table_info(conn: apsw.Connection, table: str) -> list[_Column]:
    """The columns of ``table`` (sqlite3's ``PRAGMA table_info``); names that are not UTF-8
    come through byte for byte, the table's name is passed as a value, not in the SQL."""
    raw = raw_text(conn)
    query = f"SELECT {raw('name')}, {raw('type')}, pk FROM pragma_table_info(CAST(? AS TEXT))"
    try:
        rows = conn.execute(query, (name_value(conn, table),)).fetchall()
    except apsw.Error:
        return []
    return [_Column(str(_text_of(name)), _text_of(kind) or "", pk) for name, kind, pk in rows]


def _is_utf8(text: str) -> bool:
    """False for text holding bytes that are not UTF-8 (lone surrogates): no SQL can name it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rowid_column(conn: apsw.Connection, table: str, columns: list[_Column]) -> str | None:
    """The name to select a table's rowid by, if --preserve-rowids needs one."""
    pk = [c for c in columns if c.pk]
    if len(pk) == 1 and pk[0].type.upper() == "INTEGER":
        # An INTEGER PRIMARY KEY is the rowid itself unless it has an index of its own.
        query = "SELECT 1 FROM pragma_index_list(CAST(? AS TEXT)) WHERE origin = 'pk'"
        if not conn.execute(query, (name_value(conn, table),)).fetchall():
            return None
    lowered = {c.name.lower() for c in columns}
    for name in ("rowid", "_rowid_", "oid"):
        if name not in lowered:
            try:
                conn.column_metadata(None, table, name)
            except apsw.Error:
                return None  # a WITHOUT ROWID table
            return name
    return None


def _write_table_rows(conn: apsw.Connection, columns: list[str], table: str, rows: _DumpRows) -> None:
    """Write the rows of a table; TEXT that is not valid UTF-8 comes through byte for byte."""
    try:
        # The cursor goes to the C loop as it is: no Python code runs per row.
        rows.write_rows(conn.execute(f"SELECT {','.join(columns)} FROM {table}"))
        return
    except UnicodeDecodeError:
        done = rows.count  # the rows before it are written
    # Read the rest again with TEXT as bytes, so that it is written out unchanged.
    # Without typeof(), which may be redefined, and without comparing two TEXT
    # values (a column's collation may be redefined too): a BLOB equals itself
    # cast to a BLOB; otherwise only TEXT sorts above infinity (+c has no affinity).
    is_text = "+{0} > 9e999 AND NOT CAST({0} AS BLOB) = {0}"
    raw = ",".join(is_text.format(c) for c in columns)
    as_bytes = "CASE WHEN {0} THEN CAST({1} AS BLOB) ELSE {1} END"
    raw += "," + ",".join(as_bytes.format(is_text.format(c), c) for c in columns)
    half = len(columns)
    rows.write_rows(
        tuple(
            value.decode("utf-8", "surrogateescape") if is_text else value
            for is_text, value in zip(row[:half], row[half:], strict=True)
        )
        for row in itertools.islice(conn.execute(f"SELECT {raw} FROM {table}"), done, None)
    )


@contextlib.contextmanager
def _reversed_scans(conn: apsw.Connection) -> Iterator[None]:
    """Tables scanned from their last row to their first, as sqlite3 re-reads a damaged table."""
    before = conn.execute("PRAGMA reverse_unordered_selects").fetchall()[0][0]
    conn.execute(f"PRAGMA reverse_unordered_selects={int(not before)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA reverse_unordered_selects={before}")


def _dump_rows(shell: Shell, table: str, opts: DumpOptions, state: _DumpState) -> None:
    """INSERT statements for every row of ``table``.

    A damaged page ends the scan with SQLITE_CORRUPT: as sqlite3 does, a
    comment says so and the table is read again from its last row, for the
    rows past the damage.
    """
    conn = shell.session.connection
    info = _table_info(conn, table)
    if not info:
        state.errors += 1
        return
    if not all(_is_utf8(name) for name in (table, *(c.name for c in info))):
        # sqlite3 names them in its SQL as they are; SQL passed to SQLite from Python is UTF-8.
        shell.error(f"Error: cannot read the rows of {table}: a name in it is not UTF-8")
        state.errors += 1
        return
    try:
        rowid = _rowid_column(conn, table, info) if opts.preserve_rowids else None
    except apsw.Error:  # as sqlite3 counts a failure of its tableColumnList
        state.errors += 1
        return
    selected = ([rowid] if rowid else []) + [quote_identifier(c.name) for c in info]
    head = "INSERT INTO " + quote_identifier(table)
    if opts.preserve_rowids:
        # sqlite3 3.54 names the columns, the rowid as "rowid"; here as the name that selects it:
        # where "rowid" is also a column's name, 3.54's INSERT gives the rowid to that column.
        head += "(" + ",".join(selected) + ")"
    head += " VALUES("

    source = quote_identifier(table)

    def write_rows() -> None:
        _write_table_rows(conn, selected, source, _DumpRows(shell.out, head, opts.escape))

    try:
        write_rows()
    except apsw.Error as exc:
        state.errors += 1
        if getattr(exc, "result", 1) == _CORRUPT:
            shell.out.write("/****** CORRUPTION ERROR *******/\n")
            with contextlib.suppress(apsw.Error), _reversed_scans(conn):
                write_rows()


class _DumpRows(Renderer):
    """The INSERT statements of one table's rows: insert mode's C loop with .dump's literals."""

    def __init__(self, out: TextIO, head: str, escape: str) -> None:
        super().__init__(out, OutputSettings())
        self.head = head
        self.escape = escape

    def literal(self, value: Any) -> str:
        return dump_literal(value, self.escape)

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1
        self.out.write(self.head + ",".join([self.literal(v) for v in values]) + ");\n")

    def c_layout(self) -> tuple[Any, ...]:
        return ("dump", ",", ");\n", "NULL", self.literal, None, self.head, self.escape == OFF)


def _writable_schema(shell: Shell, state: _DumpState) -> None:
    """Turn on writable_schema in the dump, once (it is turned off at its end)."""
    if not state.writable_schema:
        shell.out.write("PRAGMA writable_schema=ON;\n")
        state.writable_schema = True


def _count_rows(conn: apsw.Connection, table: str) -> int:
    """How many rows ``table`` has; 0 if that cannot be read (sqlite3's db_int)."""
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    except apsw.Error:
        return 0


def _dump_table(shell: Shell, name: str, sql: str, opts: DumpOptions, state: _DumpState) -> None:
    """The CREATE statement of one table (or what stands for it) and then its rows."""
    write = shell.out.write
    if name == "sqlite_sequence" and not opts.nosys:
        # Emptied and refilled only if it has rows, for then the tables read back before it
        # made it (and it need not exist otherwise); also with --data-only, as sqlite3 3.54.
        if _count_rows(shell.session.connection, "sqlite_sequence"):
            _writable_schema(shell, state)
            write("CREATE TABLE IF NOT EXISTS sqlite_sequence(name,seq);\nDELETE FROM sqlite_sequence;\n")
    elif name.startswith("sqlite_stat") and len(name) == 12 and not opts.nosys:
        if not opts.data_only:
            write("ANALYZE sqlite_schema;\n")
    elif name.startswith("sqlite_"):
        return
    elif opts.data_only:
        pass
    elif sql.startswith("CREATE VIRTUAL TABLE"):
        # A virtual table is recreated by writing its schema row: its module may not be loaded.
        _writable_schema(shell, state)
        write(
            "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
            f"VALUES('table',{sql_string(name)},{sql_string(name)},0,{sql_string(sql)});\n"
        )
        return
    else:
        write(_schema_statement(sql, ";\n"))
    _dump_rows(shell, name, opts, state)


def _quietly(conn: apsw.Connection, sql: str) -> None:
    """Run SQL whose failure sqlite3 ignores too."""
    with contextlib.suppress(apsw.Error):
        conn.execute(sql).fetchall()


def _write_unreadable(shell: Shell, opts: DumpOptions, failure: apsw.Error, state: _DumpState) -> None:
    """What sqlite3 3.54 writes when sqlite_schema cannot be read (a malformed schema, a
    damaged page, a file that is not a database): its table query meets SQLITE_CORRUPT and
    says so in three comments (the third the syntax error of its retry), and its query of
    indexes, triggers and views fails the same way; only an error other than corruption
    counts as an error of the dump."""
    write = shell.out.write
    message = comment_text(str(failure))
    code = getattr(failure, "result", 1)
    if code == _CORRUPT:
        write(f"/****** CORRUPTION ERROR *******/\n/****** {message} ******/\n")
        write('/****** ERROR: near "ORDER": syntax error ******/\n')
    if not opts.data_only:
        write(f"/**** ERROR: ({code}) {message} *****/\n")
        if code != _CORRUPT:
            state.errors += 1


_ORDER = {"view": 0, "trigger": 1, "index": 2}


def _needs_writable_schema(shell: Shell, opts: DumpOptions, schema: list[_SchemaObject]) -> bool:
    """Whether a virtual table is among the objects dumped: read back, the dump writes its row
    of sqlite_schema, which SQLite refuses in defensive mode (sqlite3 3.54 warns of it)."""
    limit = shell.session.connection.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    try:
        chosen = _dump_chooser(schema, opts.patterns, limit)
        return any(like("CREATE VIRTUAL TABLE%", o.sql, None, limit) and chosen(o.name) for o in schema)
    except PatternError:  # sqlite3's query fails the same way: no warning
        return False


def _dump_objects(shell: Shell, opts: DumpOptions, schema: list[_SchemaObject], state: _DumpState) -> None:
    """The tables (CREATE and rows), then the indexes, triggers and views."""
    conn = shell.session.connection
    write = shell.out.write
    try:
        chosen = _dump_chooser(schema, opts.patterns, conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH))
        tables = [o for o in schema if o.type == "table" and o.sql is not None and chosen(o.name)]
        # sqlite3's ORDER BY tbl_name='sqlite_sequence', rowid: NULL first, sqlite_sequence last.
        tables.sort(key=lambda o: -1 if o.tbl_name is None else o.tbl_name == "sqlite_sequence")
        for table in tables:
            if table.name is not None:
                _dump_table(shell, table.name, str(table.sql), opts, state)
        if not opts.data_only:
            # sqlite3's ORDER BY type COLLATE NOCASE DESC: views, triggers, indexes, each in
            # rowid order (a stable sort, as SQLite's sorter is here).
            others = [o for o in schema if o.type in _ORDER and o.sql is not None and chosen(o.name)]
            for o in sorted(others, key=lambda o: _ORDER[str(o.type)]):
                # A -- comment left open is ended by a line break, and (as 3.54 writes it, a blank
                # line after it) the ";" goes on a line of its own wherever "--" is in the SQL.
                sql = complete_sql(str(o.sql))
                write(statement_lines(sql) + ("\n;\n" if "--" in sql else ";\n"))
    except (apsw.Error, PatternError) as exc:  # as sqlite3's run_table_dump_query reports a failed query
        write(f"/**** ERROR: ({getattr(exc, 'result', 1)}) {comment_text(str(exc))} *****/\n")
        state.errors += 1


def dump_database(shell: Shell, opts: DumpOptions) -> int:
    """Write the database (or the objects matching the patterns) as SQL text; 1 if it met errors."""
    conn = shell.session.connection
    write = shell.out.write
    state = _DumpState()
    with _defensive(conn):
        try:
            schema, failure = _read_schema(conn), None
        except apsw.Error as exc:
            schema, failure = [], exc
            # sqlite3 3.54 reads the schema once before it starts, and says why it could not.
            shell.error(f"sql error: {exc} ({getattr(exc, 'result', 1)})")
        if failure is None and _needs_writable_schema(shell, opts, schema):
            write("/* WARNING: Script requires that SQLITE_DBCONFIG_DEFENSIVE be disabled */\n")
        if not opts.data_only:
            write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
        _quietly(conn, "SAVEPOINT dump; PRAGMA writable_schema=ON")
        try:
            if failure is None:
                _dump_objects(shell, opts, schema, state)
            else:
                _write_unreadable(shell, opts, failure, state)
        finally:
            if state.writable_schema:
                write("PRAGMA writable_schema=OFF;\n")
            _quietly(conn, "PRAGMA writable_schema=OFF;")
            _quietly(conn, "RELEASE dump;")
    if not opts.data_only:
        write(";\nROLLBACK; -- due to errors\n" if state.errors else "COMMIT;\n")
    return 1 if state.errors else 0


@command(
    "dump",
    "dump ?OBJECTS?",
    "Render database content as SQL",
    safe=True,
    arguments=("relation",),
    repeated=True,
    details=(
        "   Options:",
        "     --data-only            Output only INSERT statements",
        "     --newlines             Allow unescaped newline characters in output",
        '     --nosys                Omit system tables (ex: "sqlite_stat1")',
        "     --preserve-rowids      Include ROWID values in the output",
        "   OBJECTS is a LIKE pattern for tables, indexes, triggers or views to dump",
        "   Additional LIKE patterns can be given in subsequent arguments",
    ),
)
def _dump(shell: Shell, args: list[str]) -> int:
    """Write the database, or the tables matching LIKE patterns, as SQL statements."""
    # sqlite3 3.54 takes --newlines and ignores it: TEXT with line ends is written with unistr().
    flags = {
        "preserve-rowids": "preserve_rowids",
        "newlines": None,
        "data-only": "data_only",
        "nosys": "nosys",
    }
    opts = DumpOptions(escape=shell.settings.escape)  # .mode's --escape (3.54)
    for index, arg in enumerate(args[1:], 1):
        if not arg.startswith("-"):
            opts.patterns.append(arg)
            continue
        name = arg[2:] if arg.startswith("--") else arg[1:]
        if name not in flags:
            shell.dot_error(index, "unknown option")
            return 1
        if flags[name] is not None:
            setattr(opts, str(flags[name]), True)
    return dump_database(shell, opts)


# -- .import ----------------------------------------------------------------------

IMPORT_HELP = """\
.import FILE TABLE       Import data from FILE into TABLE
   Options:
     --ascii               Use \\037 and \\036 as column and row separators
     --csv                 Use , and \\n as column and row separators
     --skip N              Skip the first N rows of input
     --schema S            Target table to be S.TABLE
     -v                    "Verbose" - increase auxiliary output
   Notes:
     *  If TABLE does not exist, it is created.  The first row of input
        determines the column names.
     *  If neither --csv or --ascii are used, the input mode is derived
        from the ".mode" output mode
     *  If FILE begins with "|" then it is a command that generates the
        input text.
"""

EOF = -1
_QUOTE = 0x22
_CR = 0x0D


class FieldReader:
    """Reads the fields of CSV or ASCII-separated input as sqlite3's .import does.

    ``read()`` returns the next field's bytes (None at the end of input) and
    sets ``term`` to the byte that ended it (a separator, or EOF). ``line``
    counts row separators, for messages. Quirks are sqlite3's: a quoted field
    runs until a quote followed by a separator, and a UTF-8 byte-order mark
    at the very start is skipped. In CSV, the byte after an escape byte (3.54's
    --qesc inside quotes, --esc outside) is taken as it is; an escape at the
    end of input stands for a byte 0xFF, as sqlite3's EOF does.
    """

    def __init__(
        self,
        data: bytes | mmap.mmap,
        name: str,
        colsep: int,
        rowsep: int,
        csv: bool,
        warn: Any,
        escapes: tuple[int, int] = (0, 0),
        line: int = 1,
    ) -> None:
        self.data = data
        self.name = name
        self.colsep = colsep
        self.rowsep = rowsep
        self.csv = csv
        self.warn = warn
        self.quoted_escape, self.plain_escape = escapes if csv else (0, 0)
        self.pos = 0
        self.line = line
        self.term = EOF
        self.started = False  # a field has been read, so no byte-order mark is looked for
        self._stop = re.compile(b"[" + re.escape(bytes([colsep])) + re.escape(bytes([rowsep])) + b"]")

    def read(self) -> bytes | None:
        """The next field, or None at the end of input."""
        if self.csv and not self.started and self.data[self.pos : self.pos + 3] == b"\xef\xbb\xbf":
            self.pos += 3
            self.started = True
        if self.pos >= len(self.data):
            self.term = EOF
            return None
        if self.csv and self.data[self.pos] == _QUOTE:
            self.pos += 1
            value = self._quoted()
        elif self.plain_escape:
            value = self._plain_escaped()
        else:
            value = self._plain()
        self.started = True
        return value

    def _next_byte(self) -> int:
        """The next byte, or EOF."""
        if self.pos >= len(self.data):
            return EOF
        self.pos += 1
        return self.data[self.pos - 1]

    def _plain_escaped(self) -> bytes:
        """``_plain`` with an escape byte, one byte at a time."""
        out = bytearray()
        c = self._next_byte()
        while c not in (EOF, self.colsep, self.rowsep):
            if c == self.plain_escape:
                c = self._next_byte()
            out.append(c & 0xFF)
            c = self._next_byte()
        return self._ended(bytes(out), c)

    def _plain(self) -> bytes:
        data = self.data
        start = self.pos
        match = self._stop.search(data, start)
        end = match.start() if match else len(data)
        self.pos = end + 1 if end < len(data) else end
        return self._ended(data[start:end], data[end] if end < len(data) else EOF)

    def _ended(self, value: bytes, term: int) -> bytes:
        """An unquoted field ended by ``term``: a row's end is counted, and a CR before it dropped in CSV."""
        self.term = term
        if term == self.rowsep:
            self.line += 1
            if self.csv and value.endswith(b"\r"):
                value = value[:-1]
        return value

    def _quoted(self) -> bytes:
        data, n = self.data, len(self.data)
        colsep, rowsep, escape = self.colsep, self.rowsep, self.quoted_escape
        start_line = self.line
        out = bytearray()
        pc = ppc = 0
        bulk_ok = _QUOTE not in (colsep, rowsep) and not escape
        while True:
            if bulk_ok and pc != _QUOTE and not (pc == _CR and ppc == _QUOTE):
                # Up to the next quote nothing can end the field: copy the run at once.
                stop = data.find(b'"', self.pos)
                stop = n if stop < 0 else stop
                if stop > self.pos:
                    run = data[self.pos : stop]
                    out += run
                    self.line += run.count(rowsep)
                    ppc = run[-2] if len(run) > 1 else pc
                    pc = run[-1]
                    self.pos = stop
            if self.pos < n:
                c = data[self.pos]
                self.pos += 1
            else:
                c = EOF
            if c == rowsep:
                self.line += 1
            if c == escape and escape:
                out.append(self._next_byte() & 0xFF)
                ppc = pc = 0
                continue
            if c == _QUOTE and pc == _QUOTE:
                pc = 0
                continue
            if (
                (c in (colsep, rowsep, EOF) and pc == _QUOTE)
                or (c == rowsep and pc == _CR and ppc == _QUOTE)
            ):  # fmt: skip
                del out[out.rindex(b'"') :]
                self.term = c
                return bytes(out)
            if pc == _QUOTE and c != _CR:
                self.warn(f'{self.name}:{self.line}: unescaped " character')
            if c == EOF:
                self.warn(f'{self.name}:{start_line}: unterminated "-quoted field')
                self.term = EOF
                return bytes(out)
            out.append(c)
            ppc, pc = pc, c


def _ascii_fold(text: str) -> str:
    """Lower-case ASCII letters only, as SQLite's NOCASE collation compares."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def column_definitions(header: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """The column list .import creates a table with, and the renames it made.

    Empty names become ``?``. Names that repeat (ignoring ASCII case) get
    ``_N`` added, N the column's position, with leading zeros only when
    needed to keep every name distinct.
    """
    names = [n or "?" for n in header]
    folded = [_ascii_fold(n) for n in names]
    repeated = [folded.count(f) > 1 for f in folded]
    suffixes = [""] * len(names)
    if any(repeated):
        digits = math.ceil(math.log10(len(names) + 0.5))

        def renamed(zeros: int, width: int) -> list[str]:
            return [
                _ascii_fold(f"{n}_{'0' * zeros}{str(i).zfill(width)}") if r else f
                for i, (n, f, r) in enumerate(zip(names, folded, repeated, strict=True), 1)
            ]

        zeros = 0
        while True:
            candidates = renamed(zeros, digits)
            if len(set(candidates)) == len(candidates):
                break
            zeros += 1
        suffixes = [f"_{'0' * zeros}{i}" if r else "" for i, r in enumerate(repeated, 1)]
    parts = []
    for i, (name, suffix) in enumerate(zip(names, suffixes, strict=True)):
        if i:
            parts.append(", " if i % 4 else ",\n ")
        parts.append(quote_identifier_always(name + suffix))
    renames = [(n, n + s) for n, s in zip(names, suffixes, strict=True) if s]
    return "(\n" + "".join(parts) + ")", renames


@dataclass
class ImportOptions:
    """What .import was asked to do. Separators and escapes are bytes, 0 where not given."""

    file: str = ""
    table: str = ""
    schema: str | None = None
    skip: int = 0
    verbose: int = 0
    colsep: int = 0
    rowsep: int = 0
    ascii: bool = False  # fields without quotes (--ascii, or .mode ascii)
    escapes: tuple[int, int] = (0, 0)  # --qesc (in quotes) and --esc (outside)


def _first_byte(text: str) -> int:
    """The first byte of ``text`` (as sqlite3 takes ``azArg[i][0]``), 0 if it is empty."""
    return text.encode("utf-8", "surrogateescape")[:1][0] if text else 0


def _parse_import(shell: Shell, args: list[str]) -> ImportOptions | None:
    """Options and names from the .import line, or None after reporting a mistake."""
    opts = ImportOptions(ascii=shell.settings.mode == "ascii")
    file: str | None = None
    table: str | None = None
    i = 1
    while i < len(args):
        arg = args[i][1:] if args[i].startswith("--") else args[i]
        last = i == len(args) - 1
        if not arg.startswith("-"):
            if file is None:
                file = arg
            elif table is None:
                table = arg
            else:
                shell.dot_error(i, "unknown argument")
                return None
        elif arg == "-v":
            opts.verbose += 1
        elif arg == "-schema" and not last:
            i += 1
            opts.schema = args[i]
        elif arg == "-skip" and not last:
            i += 1
            opts.skip = integer_value(args[i])
        elif arg in ("-ascii", "-csv"):
            opts.ascii = arg == "-ascii"
            opts.colsep = opts.colsep or (0x1F if opts.ascii else ord(","))
            opts.rowsep = opts.rowsep or (0x1E if opts.ascii else ord("\n"))
        elif arg in ("-colsep", "-rowsep", "-esc", "-qesc"):
            if last:
                shell.dot_error(i, "missing argument")
                return None
            i += 1
            byte = _first_byte(args[i])
            if arg == "-colsep":
                opts.colsep = byte
            elif arg == "-rowsep":
                opts.rowsep = byte
            else:
                quoted, plain = opts.escapes
                opts.escapes = (byte, plain) if arg == "-qesc" else (quoted, byte)
        else:
            shell.dot_error(i, "unknown option")
            return None
        i += 1
    if file is None or table is None:
        missing = "FILE" if file is None else "TABLE"
        shell.dot_error(len(args), None, f"Missing {missing} argument\n")
        return None
    opts.file, opts.table = file, table
    return opts


def _separators(shell: Shell, opts: ImportOptions) -> bool:
    """The separators not given take the first byte of the output mode's (else , and \\n), as
    sqlite3 3.54 does; a CR row separator is a LF one outside --ascii. False after an error."""
    s = shell.settings
    opts.colsep = opts.colsep or _first_byte(s.colsep) or ord(",")
    if opts.colsep & 0x80:
        shell.error("Error: .import column separator must be ASCII")
        return False
    opts.rowsep = opts.rowsep or _first_byte(s.rowsep) or ord("\n")
    if opts.rowsep == _CR and not opts.ascii:
        opts.rowsep = ord("\n")
    if opts.rowsep & 0x80:
        shell.error("Error: .import row separator must be ASCII")
        return False
    return True


class _Source(NamedTuple):
    """The text to import, the name messages give it, and the input line it starts after."""

    data: bytes | mmap.mmap
    name: str
    lines_before: int = 0


def _read_source(shell: Shell, name: str) -> _Source | None:
    """The input: a file, mapped rather than read (a file of any size imports in flat memory),
    the output of ``|command``, or the lines after the command up to ``<<MARK``'s mark; None
    after an error."""
    if name.startswith("|"):
        shell.flush()
        output = subprocess.run(name[1:], shell=True, stdout=subprocess.PIPE, check=False).stdout
        return _Source(output, "<pipe>")
    if name.startswith("<<") and len(name) > 2:
        return _here_document(shell, name[2:])
    try:
        with open(name, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return _Source(b"", name)
            return _Source(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), name)
    except (OSError, ValueError):
        shell.dot_error(0, None, f'cannot open "{name}"')
        return None


def _here_document(shell: Shell, mark: str) -> _Source | None:
    """The lines of the input after the command, up to one that starts with ``mark``; None
    (after sqlite3's message) when the input ends first."""
    start = shell.lineno
    lines = []
    while (line := shell.next_input_line()) is not None:
        if line.startswith(mark):
            return _Source("".join(lines).encode("utf-8", "surrogateescape"), shell.input_source, start)
        lines.append(line if line.endswith("\n") else line + "\n")
    end, shell.lineno = shell.lineno, start
    shell.dot_error(0, None, f'Content terminator "{mark}" not found.')
    shell.lineno = end
    return None


def _column_count(conn: apsw.Connection, sql: str, nparams: int = 0) -> int:
    """How many columns ``sql`` returns, found by preparing it without running it."""
    count = 0

    def trace(cursor: apsw.Cursor, _sql: str, _bindings: Any) -> bool:
        nonlocal count
        count = len(cursor.get_description())
        return False

    cursor = conn.cursor()
    cursor.exec_trace = trace
    with contextlib.suppress(apsw.ExecTraceAbort):
        cursor.execute(sql, [None] * nparams, can_cache=False)  # a cached one may be stale
    return count


def _create_from_header(shell: Shell, reader: FieldReader, opts: ImportOptions) -> bool:
    """Create the missing table with columns named by the first row; False after an error."""
    header = []
    while (value := reader.read()) is not None:
        header.append(value.split(b"\0", 1)[0].decode("utf-8", "replace"))
        if reader.term != reader.colsep:
            break
    if not header:
        shell.error(f"{reader.name}: empty file")
        return False
    columns, renames = column_definitions(header)
    if renames:
        text = ",\n".join(
            f"{quote_identifier_always(old)} to {quote_identifier_always(new)}" for old, new in renames
        )
        message = f"Columns renamed during .import {reader.name} due to duplicates:\n{text}"
        if shell.flags.interactive and shell.input_depth <= 1:
            shell.out.write(message + "\n")
        else:
            shell.error(message)
    schema = quote_identifier_always(opts.schema or "main")
    create = f"CREATE TABLE {schema}.{quote_identifier_always(opts.table)}{columns}\n"
    if opts.verbose:
        shell.out.write(create + "\n")
    try:
        shell.session.connection.execute(create)
    except apsw.Error as exc:
        shell.error(f"{create} failed:\n{exc}")
        return False
    return True


def _decode_row(values: list[bytes | None]) -> list[str | bytes | None] | None:
    """The fields as text for binding, or None if one is not valid UTF-8."""
    try:
        return [None if v is None else v.decode("utf-8") for v in values]
    except UnicodeDecodeError:
        return None


def _insert_rows(
    shell: Shell, reader: FieldReader, ncol: int, insert: str, meter: Any = None
) -> tuple[int, int]:
    """Insert a row per input line; return (rows added, rows failed).

    Rows go to SQLite through executemany, which reuses one prepared
    statement; a row that fails is reported with its line and the rest go
    on (with .bail on, the import stops there, as sqlite3's does).
    """
    conn = shell.session.connection
    # Fields that are not valid UTF-8 go in as TEXT all the same, byte for byte.
    raw_insert = insert.replace("?", "CAST(? AS TEXT)")
    feed = _RowFeed(shell, reader, ncol, insert, meter)
    rows = feed.rows()
    cursor = conn.cursor()
    failed = 0
    while True:
        try:
            cursor.executemany(insert, rows)
        except Exception as exc:  # a function a trigger calls may raise anything
            shell.error(f"{reader.name}:{feed.line_of(feed.handed() - 1)}: INSERT failed: {exc}")
            failed += 1
            if shell.interrupted or shell.flags.bail:  # an interrupted import is rolled back
                break
            continue
        if feed.raw is None or feed.stopped:
            break
        index = feed.handed() - 1  # the row that is not UTF-8
        try:
            conn.execute(raw_insert, feed.raw)
        except Exception as exc:  # a function a trigger calls may raise anything
            shell.error(f"{reader.name}:{feed.line_of(index)}: INSERT failed: {exc}")
            failed += 1
            if shell.flags.bail:
                break
        feed.raw = None
        rows = feed.rows()
    failed += feed.failed
    return feed.handed() - failed, failed


class _RowFeed:
    """The rows of an .import, for executemany, and the input line of each.

    Many plain lines come at once from the bulk reader and pass through
    without Python code per row; the rest are read field by field as sqlite3
    reads them: short rows are filled with NULL and long ones cut, each with
    a message, and like sqlite3's bound parameters ``bound`` keeps its
    values from one row to the next.
    """

    def __init__(self, shell: Shell, reader: FieldReader, ncol: int, insert: str, meter: Any = None) -> None:
        self.shell, self.reader, self.ncol, self.insert = shell, reader, ncol, insert
        self.meter = meter  # the progress bar on a terminal: told the bytes read and the rows so far
        self.stop_on_blank = shell.settings.mode == "ascii"
        self.bulk = _bulk_reader(reader, ncol) if not self.stop_on_blank else None
        # Plain lines inserted in C, no Python object per row (engine.native.bulk_inserter)
        self.fast = native.bulk_inserter(shell.session.connection) if self.bulk is not None else None
        self.failed = 0  # rows whose INSERT failed in C
        self.stopped = False  # one did, under .bail or an interrupt: the import ends
        self.bound: list[bytes | None] = [None] * ncol
        self.raw: list[bytes | None] | None = None  # a row that is not UTF-8, for its own INSERT
        self._done = 0  # rows handed over before the current batch
        self._batch: list[Any] = []
        self._left: Any = iter(())  # what is left of the current batch
        self._first_line = 0  # the input line of the batch's first row

    def handed(self) -> int:
        """How many rows have been handed over (to executemany, or as ``raw``)."""
        return self._done + len(self._batch) - self._left.__length_hint__()

    def line_of(self, index: int) -> int:
        """The input line the row numbered ``index`` began on (one of the current batch)."""
        return self._first_line + (index - self._done)

    def _start(self, batch: list[Any], first_line: int) -> Iterator[Any]:
        self._done += len(self._batch)
        self._batch, self._left, self._first_line = batch, iter(batch), first_line
        return self._left

    def rows(self) -> Iterator[list[Any]]:
        """Rows until the end of input, or until one that is not UTF-8 (then in ``raw``)."""
        reader = self.reader
        while True:
            if self.shell.interrupted:  # between statements, where sqlite3_interrupt cannot reach
                raise apsw.InterruptError("interrupted")
            if self.meter is not None:  # once per chunk of plain lines, or per awkward line
                self.meter.update(reader.pos, self.handed() - self.failed)
            if self.fast is not None and self._insert_fast():
                if self.stopped:
                    return
                continue
            lines = self.bulk.read() if self.bulk is not None else None
            if lines is not None:  # many plain lines at once
                yield from self._start(lines, reader.line - len(lines))
                continue
            line = reader.line
            row = self._read_row(line)
            if row is not None:
                decoded = _decode_row(row)
                if decoded is None:
                    self.raw = list(row)
                    next(self._start([self.raw], line))  # handed over, to its own INSERT
                    return
                yield from self._start([decoded], line)
            if reader.term == EOF:
                return

    def _insert_fast(self) -> bool:
        """Insert the plain lines from the reader's position in C (the usual case); False when
        the next line is not plain, for the readers here. A row whose INSERT fails is reported
        (sqlite3's message, its line) and the lines after it go on."""
        reader, bulk = self.reader, self.bulk
        if not reader.started or reader.pos >= len(reader.data):
            return False
        assert bulk is not None
        plain = bulk.plain_chunk(reader.pos)
        if plain is None:
            return False
        chunk = plain[0] + bytes([reader.rowsep])
        assert self.fast is not None
        lines, used, error = self.fast(
            self.insert, chunk, chr(reader.colsep), chr(reader.rowsep), reader.csv, self.ncol
        )
        if lines == 0:
            return False
        first = reader.line
        reader.pos += used
        reader.line += lines
        reader.term = reader.rowsep
        self._done += lines
        if error is not None:
            self.shell.error(f"{reader.name}:{first + lines - 1}: INSERT failed: {error}")
            self.failed += 1
            self.stopped = self.shell.interrupted or self.shell.flags.bail
        return True

    def _read_row(self, line: int) -> list[bytes | None] | None:
        """The next row's fields as sqlite3 binds them, or None when a line gave no row."""
        reader, ncol, bound, error = self.reader, self.ncol, self.bound, self.shell.error
        i = 0
        while i < ncol:
            value = reader.read()
            if i == 0 and (value is None or (self.stop_on_blank and not value)):
                break
            if value is None and reader.csv and i == ncol - 1:
                value = b""  # CSV may end without a line end after a row's last field
            bound[i] = None if value is None else value.split(b"\0", 1)[0]
            if i < ncol - 1 and reader.term != reader.colsep:
                if i == 0 and value in (b"\n", b"\r\n"):
                    break  # a line end left after another row separator: no row (sqlite3 3.54)
                error(
                    f"{reader.name}:{line}: expected {ncol} columns but found {i + 1}"
                    " - filling the rest with NULL"
                )
                bound[i + 1 :] = [None] * (ncol - i - 1)
                i = ncol + 1
                break
            i += 1
        if reader.term == reader.colsep:
            while True:
                reader.read()
                i += 1
                if reader.term != reader.colsep:
                    break
            error(f"{reader.name}:{line}: expected {ncol} columns but found {i} - extras ignored")
        return bound if i >= ncol else None


_BULK_BYTES = 1 << 20


def _bulk_reader(reader: FieldReader, ncol: int) -> _BulkLines | None:
    """A reader of many plain lines at once, the usual case; None where fields need care.

    Each call takes up to a megabyte of whole lines that are simple (no NUL;
    in csv, a CR only before the row separator and quotes only around whole
    fields with none inside), are UTF-8 and have exactly ``ncol`` fields,
    and returns their fields; it returns None to let ``FieldReader`` read
    the next line field by field (and at the very start, for a byte-order
    mark).
    """
    if reader.colsep == reader.rowsep or reader.colsep >= 0x80 or reader.rowsep >= 0x80:
        return None
    if reader.quoted_escape or reader.plain_escape:  # an escape byte changes what a line holds
        return None
    return _BulkLines(reader, ncol)


class _BulkLines:
    """``_bulk_reader``'s reader: its patterns made once, then a chunk of lines per call."""

    def __init__(self, reader: FieldReader, ncol: int) -> None:
        self.reader, self.ncol, self.data = reader, ncol, reader.data
        self.end_byte, self.colsep, self.rowsep = (
            bytes([reader.rowsep]),
            chr(reader.colsep),
            chr(reader.rowsep),
        )
        self.csv = reader.csv
        # What needs FieldReader: NULs, and (csv) a CR that does not end a line.
        self.awkward = re.compile(b"\\0|\r(?!" + re.escape(self.end_byte) + b")" if self.csv else b"\\0")
        # csv lines whose quoted fields are simple: "text" with no quote or line end inside.
        sep, end = re.escape(self.colsep), re.escape(self.rowsep)
        one = f'(?:"[^"\\r{end}]*"|[^"\\r{sep}{end}]*)'
        self.simple_lines = re.compile(f"(?:{one}(?:{sep}{one}){{{ncol - 1}}}{end})*")

    def read(self) -> list[list[str]] | None:
        """The fields of the plain lines from the reader's position, which moves past them; or None."""
        reader = self.reader
        pos = reader.pos
        if not reader.started or pos >= len(self.data):
            return None
        plain = self.plain_chunk(pos)
        if plain is None:
            return None
        chunk, text = plain
        rows = self._rows(text)
        wrong = list(map(self.ncol.__ne__, map(len, rows)))  # no Python code per row
        taken = wrong.index(True) if True in wrong else len(rows)
        if taken == 0:
            return None
        if taken < text.count(self.rowsep) + 1:
            skipped = chunk.split(self.end_byte)[taken:]
            chunk = chunk[: len(chunk) - sum(len(part) + 1 for part in skipped)]
        reader.pos = pos + len(chunk) + 1
        reader.term = reader.rowsep
        reader.line += taken
        return rows[:taken]

    def plain_chunk(self, pos: int) -> tuple[bytes, str] | None:
        """Whole lines from ``pos``, up to a megabyte, before the first awkward one or bytes that
        are not UTF-8: their bytes (the last line end left out) and text; None if there are none."""
        data, end_byte = self.data, self.end_byte
        end = data.rfind(end_byte, pos, min(pos + _BULK_BYTES, len(data)))
        if end < 0:
            return None
        chunk = data[pos : end + 1]
        # Counted first, at C speed: where there is no NUL and every CR ends a line, nothing to search.
        if chunk.find(b"\0") >= 0 or (self.csv and chunk.count(b"\r") != chunk.count(b"\r" + end_byte)):
            odd = self.awkward.search(chunk)
            end = -1 if odd is None else chunk.rfind(end_byte, 0, odd.start())
            if end < 0:
                return None
        else:
            end = len(chunk) - 1
        chunk = chunk[:end]  # plain lines up to the first awkward one, the last line end left out
        try:
            return chunk, chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            cut = chunk.rfind(end_byte, 0, exc.start)
            if cut < 0:
                return None
            return chunk[:cut], chunk[:cut].decode("utf-8")

    def _rows(self, text: str) -> list[list[str]]:
        """The fields of the lines of ``text``; in csv, of its leading simple lines, unquoted."""
        colsep, rowsep = self.colsep, self.rowsep
        if self.csv and "\r" in text:  # CR LF: the CR goes, as FieldReader drops it
            text = text.replace("\r" + rowsep, rowsep).removesuffix("\r")
        if not (self.csv and '"' in text):
            return [line.split(colsep) for line in text.split(rowsep)]
        good = self.simple_lines.match(text + rowsep).group().split(rowsep)[:-1]
        return list(_csv.reader(good, delimiter=colsep, quotechar='"', strict=True))


def import_file(shell: Shell, opts: ImportOptions) -> int:
    """Import the file into the table, creating it from the header row if it is missing.

    Outside a transaction the whole import is one: the table it creates and
    the rows it adds are there together or not at all, whatever stops the
    process. An interrupt (SIGINT, Ctrl-C) rolls it all back.
    """
    conn = shell.session.connection
    shell.interrupted = False  # as sqlite3: only a SIGINT from now on stops the import
    if not _separators(shell, opts):
        return 1
    source = _read_source(shell, opts.file)
    if source is None:
        return 1
    reader = FieldReader(
        source.data, source.name, opts.colsep, opts.rowsep, not opts.ascii, shell.error, opts.escapes,
        line=source.lines_before + 1,
    )  # fmt: skip
    if opts.verbose:
        colsep, rowsep = c_string(chr(opts.colsep)), c_string(chr(opts.rowsep))
        shell.out.write(f"Column separator {colsep}, row separator {rowsep}\n")
    for _ in range(opts.skip):
        while reader.read() is not None and reader.term == reader.colsep:
            pass
    begin = not conn.in_transaction
    if begin:
        conn.execute("BEGIN")
    # On a terminal, a bar once the import has run a second (interactive/progress.py).
    meter = shell.progress.meter(len(source.data)) if shell.progress is not None else None
    try:
        status = _import_rows(shell, reader, opts, meter)
    except BaseException:
        if begin:
            _quietly(conn, "ROLLBACK")
        raise
    finally:
        if meter is not None:
            meter.close()
    if begin:
        _quietly(conn, "ROLLBACK" if shell.interrupted else "COMMIT")
    if opts.verbose and status is not None:
        added, failed = status
        lines = reader.line - 1 - source.lines_before
        shell.out.write(f"Added {added} rows with {failed} errors using {lines} lines of input\n")
    return 1 if status is None or status[1] or shell.interrupted else 0


def _table_exists(conn: apsw.Connection, schema: str | None, table: str) -> bool:
    """Whether ``table`` is a table (not a view) of ``schema`` (or of any database), as
    sqlite3_table_column_metadata finds one; or a view of that schema (main if none)."""
    tables = "SELECT 1 FROM pragma_table_list WHERE name = ?1 COLLATE NOCASE AND type <> 'view'"
    if conn.execute(tables + " AND (?2 IS NULL OR schema = ?2 COLLATE NOCASE)", (table, schema)).fetchall():
        return True
    schema_table = f"{quote_identifier_always(schema or 'main')}.sqlite_schema"
    views = f"SELECT 1 FROM {schema_table} WHERE name = ? AND type = 'view'"
    try:
        return bool(conn.execute(views, (table,)).fetchall())
    except apsw.Error:
        return False


def _import_rows(
    shell: Shell, reader: FieldReader, opts: ImportOptions, meter: Any = None
) -> tuple[int, int] | None:
    """The part of an import inside its transaction: create the table if need be, insert.
    The rows added and the rows that failed; None after an error."""
    conn = shell.session.connection
    if not _table_exists(conn, opts.schema, opts.table) and not _create_from_header(shell, reader, opts):
        return None
    try:
        query = "SELECT count(*) FROM pragma_table_info(?, ?)"
        ncol = int(conn.execute(query, (opts.table, opts.schema)).fetchall()[0][0])
    except apsw.Error as exc:
        shell.error(f"Error: {exc}")
        return None
    if ncol == 0:
        return 0, 0
    target = quote_identifier_always(opts.table)
    if opts.schema is not None:
        target = f"{quote_identifier_always(opts.schema)}.{target}"
    insert = f"INSERT INTO {target} VALUES(" + ",".join("?" * ncol) + ")"
    if opts.verbose >= 2:
        shell.out.write(f"Insert using: {insert}\n")
    try:
        _column_count(conn, insert, ncol)
    except apsw.Error as exc:
        shell.error(f"Error: {exc}")
        return None
    return _insert_rows(shell, reader, ncol, insert, meter)


@command(
    "import",
    "import FILE TABLE",
    "Import data from FILE into TABLE",
    safe="cannot run .import in safe mode",
    options=(
        "--csv",
        "--ascii",
        "--colsep C",
        "--rowsep C",
        "--esc C",
        "--qesc C",
        "--skip N",
        "--schema SCHEMA",
        "-v",
    ),
    arguments=("path", "table"),
    files=(".csv", ".tsv", ".txt"),
)
def _import(shell: Shell, args: list[str]) -> int:
    """Import CSV (or ASCII-separated) data into a table, creating it if need be."""
    opts = _parse_import(shell, args)
    if opts is None:
        return 1
    return import_file(shell, opts)


# -- .backup and .save --------------------------------------------------------------


# SQLite's sqlite3_errstr() for the codes a backup can fail with: apsw leaves the
# message of a failed backup step empty ("not an error").
_ERRSTR = {
    5: "database is locked",
    6: "database table is locked",
    7: "out of memory",
    8: "attempt to write a readonly database",
    10: "disk I/O error",
    11: "database disk image is malformed",
    13: "database or disk is full",
    14: "unable to open database file",
    26: "file is not a database",
}


def backup_message(exc: apsw.Error) -> str:
    """The message sqlite3 prints for a failed backup."""
    message = str(exc)
    if message == "not an error":
        return _ERRSTR.get(getattr(exc, "result", 1) & 0xFF, "unknown error")
    return message


def _backup_to(shell: Shell, args: list[str]) -> int:
    """Copy a database of this session (main by default) to a file with SQLite's backup API."""
    target = source = None
    fast = False
    for index, arg in enumerate(args[1:], 1):
        if arg.startswith("-"):
            option = arg[1:] if arg.startswith("--") else arg
            if option == "-async":
                fast = True
            elif option == "-append":
                shell.error("Error: --append is not supported: it needs sqlite3's appendvfs")
                return 1
            else:
                shell.dot_error(index, "unknown option", "should be -append or -async")
                return 1
        elif target is None:
            target = arg
        elif source is None:
            source, target = target, arg
        else:
            shell.error("Usage: .backup ?DB? ?OPTIONS? FILENAME")
            return 1
    if target is None:
        shell.error("missing FILENAME argument on .backup")
        return 1
    try:
        dest = apsw.Connection(target, flags=apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
    except apsw.Error:
        shell.error(f'Error: cannot open "{target}"')
        return 1
    try:
        if fast:
            _quietly(dest, "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF;")
        with dest.backup("main", shell.session.connection, source or "main") as backup:
            while not backup.done:
                backup.step(100)
    except apsw.Error as exc:
        shell.error(f"Error: {backup_message(exc)}")
        return 1
    finally:
        dest.close()
    return 0


@command(
    "backup",
    "backup ?DB? FILE",
    'Backup DB (default "main") to FILE',
    arguments=("database+path", "path"),
    files=DATABASE_FILES,
    details=(
        "   Options:",
        "       --append            Use the appendvfs",
        "       --async             Write to FILE without journal and fsync()",
    ),
)
def _backup(shell: Shell, args: list[str]) -> int:
    """Write a copy of a database to FILE."""
    return _backup_to(shell, args)


@command(
    "save",
    "save ?OPTIONS? FILE",
    "Write database to FILE (an alias for .backup ...)",
    arguments=("path",),
    files=DATABASE_FILES,
)
def _save(shell: Shell, args: list[str]) -> int:
    """The same as .backup."""
    return _backup_to(shell, args)


# -- .parameter ----------------------------------------------------------------------

PARAMETER_HELP = """\
.parameter CMD ...       Manage SQL parameter bindings
   clear                   Erase all bindings
   init                    Initialize the TEMP table that holds bindings
   list                    List the current parameter bindings
   set PARAMETER VALUE     Given SQL parameter PARAMETER a value of VALUE
                           PARAMETER should start with one of: $ : @ ?
   unset PARAMETER         Remove PARAMETER from the binding table
"""

_PARAMETER_TABLE = (
    "CREATE TABLE IF NOT EXISTS temp.sqlite_parameters(\n  key TEXT PRIMARY KEY,\n  value\n) WITHOUT ROWID;"
)


def init_parameters(conn: apsw.Connection) -> None:
    """Create ``temp.sqlite_parameters`` (a name SQLite reserves, so allowed only for a moment)."""
    defensive = conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1)
    writable = conn.config(apsw.SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1)
    conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0)
    conn.config(apsw.SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1)
    try:
        _quietly(conn, _PARAMETER_TABLE)
    finally:
        conn.config(apsw.SQLITE_DBCONFIG_WRITABLE_SCHEMA, writable)
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, defensive)


def _run_first_statement(conn: apsw.Connection, sql: str) -> str | None:
    """Run the first statement of ``sql`` only, as sqlite3_prepare does; the message if it did not compile."""
    started = 0

    def first_only(_cursor: apsw.Cursor, _sql: str, _bindings: Any) -> bool:
        nonlocal started
        started += 1
        return started == 1

    cursor = conn.cursor()
    cursor.exec_trace = first_only
    try:
        cursor.execute(sql).fetchall()
    except apsw.ExecTraceAbort:
        pass
    except apsw.Error as exc:
        if not started:
            return str(exc)
        # It compiled and then failed, or a later statement did: sqlite3 ignores both.
    return None


def _set_parameter(conn: apsw.Connection, key: str, value: str) -> str | None:
    """Store a parameter: VALUE as an SQL expression if it is one, else as text. An error message or None."""
    init_parameters(conn)
    head = f"REPLACE INTO temp.sqlite_parameters(key,value)VALUES({sql_string(key)},"
    if _run_first_statement(conn, f"{head}{value});") is None:
        return None
    return _run_first_statement(conn, f"{head}{sql_string(value)});")


def _list_parameters(shell: Shell) -> None:
    """Write each parameter and its value, names padded to the longest (at most 40)."""
    params = stored_parameters(shell.session.connection)
    if not params:
        return
    width = min(max(len(k) for k in params), 40)
    for key, value in sorted(params.items(), key=lambda kv: kv[0].encode("utf-8", "surrogateescape")):
        pad = " " * max(width - byte_len(key), 0)
        shell.out.write(f"{key}{pad} {quote_value(value)}\n")


@command(
    "parameter",
    "parameter CMD ...",
    "Manage SQL parameter bindings",
    safe=True,
    arguments=("words",),
    words=("clear", "init", "list", "set", "unset"),
    details=(
        "   clear                   Erase all bindings",
        "   init                    Initialize the TEMP table that holds bindings",
        "   list                    List the current parameter bindings",
        "   set PARAMETER VALUE     Given SQL parameter PARAMETER a value of VALUE",
        "                           PARAMETER should start with one of: $ : @ ?",
        "   unset PARAMETER         Remove PARAMETER from the binding table",
    ),
)
def _parameter(shell: Shell, args: list[str]) -> int:
    """Set, list, unset or clear the values bound to statements' parameters (:x, @x, $x, ?N)."""
    conn = shell.session.connection
    action = args[1] if len(args) > 1 else ""
    rc = 0
    if len(args) == 2 and action == "clear":
        _quietly(conn, "DROP TABLE IF EXISTS temp.sqlite_parameters;")
    elif len(args) == 2 and action == "list":
        _list_parameters(shell)
    elif len(args) == 2 and action == "init":
        init_parameters(conn)
    elif len(args) == 4 and action == "set":
        error = _set_parameter(conn, args[2], args[3])
        if error is not None:
            shell.out.write(f"Error: {error}\n")
            rc = 1
    elif len(args) == 3 and action == "unset":
        _quietly(conn, f"DELETE FROM temp.sqlite_parameters WHERE key={sql_string(args[2])}")
    else:
        shell.out.write(PARAMETER_HELP)
    return rc


# -- binding parameters to statements -----------------------------------------------
