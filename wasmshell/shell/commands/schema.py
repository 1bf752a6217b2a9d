"""Dot-commands that read the schema: .tables, .indexes, .schema, .databases.

Their output is sqlite3's (3.40) byte for byte: the same rows of
``sqlite_schema`` in the same order (chosen in Python, so that a redefined
``like`` or ``lower`` on the connection changes nothing), the same column layout for .tables and
the same rewriting of CREATE statements for .schema (a schema name for
attached databases, a ``/* view(columns) */`` comment after views and
virtual tables, ``IF NOT EXISTS`` for quoted table names).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import apsw

from ...engine.names import fold
from ...sqltext import quote_identifier, quote_identifier_always, sql_string
from ..state import Shell
from .args import option_match
from .patterns import PatternError, glob, like
from .registry import command

_SPACE = " \t\n\v\f\r"


def database_names(conn: apsw.Connection) -> list[str]:
    """The schema names of the attached databases, main first."""
    return [row[1] for row in conn.execute("PRAGMA database_list") if row[1] is not None]


def byte_len(text: str) -> int:
    """Length in bytes, which is what C's printf pads to."""
    return len(text.encode("utf-8", "surrogateescape"))


# -- writing CREATE statements -------------------------------------------------


def schema_line(sql: str, tail: str) -> str:
    """A schema statement followed by ``tail``, as sqlite3's printSchemaLine writes it.

    A statement ending inside a comment gets the comment closed before the
    ``;``, and ``CREATE TABLE "x"`` becomes ``CREATE TABLE IF NOT EXISTS "x"``
    (as FTS shadow tables need when a dump is read back).
    """
    if tail.startswith(";") and ("/*" in sql or "--" in sql):
        for ending in ("", "*/", "\n"):
            if apsw.complete(sql + ending + ";"):
                sql += ending
                break
    if sql.startswith(("CREATE TABLE '", 'CREATE TABLE "')):
        return "CREATE TABLE IF NOT EXISTS " + sql[13:] + tail
    return sql + tail


def comment_text(text: str) -> str:
    """``text`` to write inside a one-line ``/* */`` comment (an error message naming an object):
    each ``*/`` that would end the comment early becomes ``**``, as sqlite3's shellFakeSchema
    does, and a line break a space. (sqlite3 3.54 writes both as they are: a name holding
    ``*/`` and a line ``.shell ...`` makes its dump run that line when read back, and a
    comment over several lines is one that a reader must not take for a blank line.)"""
    while "*/" in text:
        text = text.replace("*/", "**")
    return text.replace("\n", " ")


def _sqlite_sees(text: str) -> str:
    """``text`` for SQLite's tokenizer: a byte that is not UTF-8 (kept as a lone surrogate,
    which cannot be passed to SQLite) stands as U+FFFD, a character of a name as it is."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _top_level_line_starts(sql: str) -> Iterator[int]:
    """The offsets of the lines of ``sql`` that start outside any string, quoted name or comment,
    as SQLite's tokenizer (and so every shell reading a dump back) sees them."""
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "\n":
            i += 1
            if i < n:
                yield i
            continue
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = sql.find(close, i + 1)  # a doubled quote closes and reopens: the same for lines
            i = n if end < 0 else end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end  # the newline ends the comment and starts a line
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            i += 1


def _misread_line(line: str) -> bool:
    """True if a reader at the start of a statement would take ``line`` for something else:
    a dot-command or a ``#`` comment line, or (stripped of white space, Python's included, as
    wasmshell strips it) a line holding only ``/`` or ``go`` and comments, which sqlite3 3.40
    and wasmshell take for the end of the statement."""
    if line[:1] in (".", "#"):
        return True
    word = line.strip()
    if word[:1] == "/":
        rest = word[1:]
    elif word[:2].lower() == "go":
        rest = word[2:]
    else:
        return False
    return not rest or apsw.incomplete(_sqlite_sees(rest) + "\n").status == apsw.SQLITE_EMPTY


def statement_lines(sql: str) -> str:
    """Schema SQL to copy into a dump, read back as the one statement it is.

    SQLite accepts a statement whose lines a shell reading a dump would take
    apart: ``CREATE VIEW v AS SELECT x`` then a line ``go`` then a line
    ``.shell ...`` is one valid view, but sqlite3 3.40 and wasmshell end the
    statement at ``go`` and run the next line as a dot-command (sqlite3 3.54
    writes such a view as it is). Each such line that starts outside any
    string or comment gets an empty comment ``/**/`` in front: the same
    tokens for SQLite, a line that no shell takes for anything but SQL.
    """
    if "\n" not in sql:
        return sql
    parts = []
    done = 0
    for start in _top_level_line_starts(sql):
        end = sql.find("\n", start)
        if _misread_line(sql[start : None if end < 0 else end]):
            parts.append(sql[done:start])
            parts.append("/**/")
            done = start
    return "".join(parts) + sql[done:] if parts else sql


def complete_sql(sql: str, line_follows: bool = False) -> str:
    """``sql`` with a string, quoted name or comment left open at its end closed, as sqlite3
    3.54's shell_complete_sql() does, so that the ``;`` written after it ends the statement;
    with ``line_follows`` a ``--`` comment is left to the line break the caller writes.

    sqlite3 3.40 wrote ``CREATE VIEW w AS SELECT 2 /* open`` and then ``;``:
    the comment ran on over the statements after it, up to a ``*/`` in a
    later view, after which that view's own lines were read as commands.
    """
    state = apsw.incomplete(_sqlite_sees(sql))
    closing = {None: "", "-": "\n", "/": "*/"}.get(state.incomplete, state.incomplete)
    closing += ")" * max(state.balance, 0)
    if state.status not in (apsw.SQLITE_OK, apsw.SQLITE_EMPTY):
        closing += {2: "END", 3: ";END"}.get(state.requires, "")
    if line_follows and closing == "\n":
        return sql
    return sql + closing


def _to_end_of_line_is_blank(text: str, start: int) -> bool:
    """True if only spaces or a ``--`` comment follow ``start`` on its line."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            return True
        if ch in _SPACE:
            i += 1
            continue
        return text.startswith("--", i)
    return True


def _collapse_spaces(sql: str) -> str:
    """One space for each run of white space; none after ``(`` or before ``(`` and ``)``."""
    out: list[str] = []
    for ch in sql.lstrip(_SPACE):
        if ch in _SPACE:
            if out[-1] == "\r":
                out[-1] = "\n"
            if out[-1] in _SPACE or out[-1] == "(":
                continue
        elif ch in "()" and out and out[-1] in _SPACE:
            out.pop()
        out.append(ch)
    return "".join(out).rstrip(_SPACE)


def indented(sql: str) -> str:
    """A CREATE statement as ``.schema --indent`` writes it: one column per line."""
    upper = sql[:11].upper()
    if upper.startswith(("CREATE VIEW", "CREATE TRIG")):
        return sql + ";\n"
    text = _collapse_spaces(sql)
    if byte_len(text) < 79:
        return schema_line(text, ";\n")
    parts: list[str] = []
    current: list[str] = []
    depth = lines = 0
    end = ""
    i = 0
    while i < len(text):
        ch = text[i]
        # Quote tracking is as simple as sqlite3's: brackets count even inside quotes.
        if ch == end:
            end = ""
        elif ch in "\"'`":
            end = ch
        elif ch == "[":
            end = "]"
        elif ch == "-" and text.startswith("-", i + 1):
            end = "\n"
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if lines > 0 and depth == 0 and current:
                parts.append(schema_line("".join(current), "\n"))
                current = []
        current.append(ch)
        if (
            depth == 1
            and not end
            and (ch in "(\n" or (ch == "," and not _to_end_of_line_is_blank(text, i + 1)))
        ):
            if ch == "\n":
                current.pop()
            parts.append(schema_line("".join(current), "\n  "))
            current = []
            lines += 1
            while i + 1 < len(text) and text[i + 1] in _SPACE:
                i += 1
        i += 1
    parts.append(schema_line("".join(current), ";\n"))
    return "".join(parts)


# -- .schema --------------------------------------------------------------------

_SCHEMA_PREFIXES = ("TABLE", "INDEX", "UNIQUE INDEX", "VIEW", "TRIGGER", "VIRTUAL TABLE")


def fake_schema(conn: apsw.Connection, schema: str | None, name: str) -> str | None:
    """``name(col1,col2,...)`` for a view or virtual table, or None if it has no columns."""
    try:
        columns = [
            row[1]
            for row in conn.execute(
                f"PRAGMA {quote_identifier_always(schema or 'main')}.table_info={sql_string(name)}"
            )
        ]
    except apsw.Error:
        return None
    if not columns:
        return None
    prefix = ""
    if schema is not None:
        prefix = (schema if schema.lower() == "temp" else quote_identifier(schema)) + "."
    return prefix + quote_identifier(name) + "(" + ",".join(quote_identifier(c or "") for c in columns) + ")"


def with_schema_name(conn: apsw.Connection, sql: str, schema: str | None, name: str) -> str:
    """A CREATE statement with the schema name added and, for views, the column list."""
    if not sql.startswith("CREATE "):
        return sql
    for prefix in _SCHEMA_PREFIXES:
        head = "CREATE " + prefix
        if not sql.startswith(head + " "):
            continue
        result = None
        if schema is not None:
            if quote_identifier(schema) != schema and schema.lower() != "temp":
                result = f"{head} {quote_identifier_always(schema)}.{sql[len(head) + 1 :]}"
            else:
                result = f"{head} {schema}.{sql[len(head) + 1 :]}"
        if prefix[0] == "V":
            fake = fake_schema(conn, schema, name)
            if fake is not None:
                # Closed first: an open comment or string would swallow the column list and
                # what follows it; a column name holding */ must not end the comment.
                result = f"{complete_sql(result or sql, line_follows=True)}\n/* {comment_text(fake)} */"
        if result is not None:
            return result
    return sql


class _SchemaRow(NamedTuple):
    number: float  # the database's place in PRAGMA database_list; modules come last
    rowid: Any
    sql: str | None
    sname: str
    tbl_name: str | None
    name: str | None
    module: bool


def _matches_pattern(pattern: str, subject: str | None, limit: int) -> bool:
    """sqlite3's test for .schema's pattern: GLOB if it has a wildcard of GLOB's, else LIKE with ``\\``."""
    if any(c in pattern for c in "*?["):
        return glob(pattern, subject, limit)
    return like(pattern, subject, "\\", limit)


def _schema_rows(conn: apsw.Connection, pattern: str | None, nosys: bool) -> list[_SchemaRow]:
    """What sqlite3's .schema query selects: every attached schema, then (with a pattern) eponymous
    tables, in its order. Filtered here, so that no SQL function the connection may have redefined
    (``like``, ``glob``, ``lower``, ``printf``) is called."""
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    rows = []
    for number, db in enumerate(database_names(conn), 1):
        query = f"SELECT rowid, sql, tbl_name, name FROM {quote_identifier(db)}.sqlite_schema ORDER BY rowid"
        rows += [_SchemaRow(number, *row[:2], db, *row[2:], False) for row in conn.execute(query)]
    if pattern is not None:
        rows += [_SchemaRow(9e99, n, None, "main", n, n, True) for (n,) in conn.execute("PRAGMA module_list")]
    chosen = []
    for row in rows:
        if pattern is not None:
            if "." in pattern:  # printf('%s.%s', sname, tbl_name), NULL printed as nothing
                subject: str | None = f"{row.sname}.{row.tbl_name or ''}"
            else:
                subject = row.tbl_name
            if subject is None or not _matches_pattern(pattern, fold(subject), limit):
                continue
        if nosys and (row.name is None or like("sqlite_%", row.name)):
            continue
        if row.sql is not None or row.module:
            chosen.append(row)
    chosen.sort(key=lambda r: (r.number, r.rowid))
    return chosen


def schema_statements(conn: apsw.Connection, pattern: str | None, nosys: bool) -> Iterator[str]:
    """The CREATE statements .schema shows, rewritten as sqlite3 rewrites them."""
    for row in _schema_rows(conn, pattern, nosys):
        if row.module:
            fake = fake_schema(conn, None, str(row.name))
            if fake is not None:
                yield f"/* {fake} */"
        else:
            schema = None if row.sname.lower() == "main" else row.sname
            yield with_schema_name(conn, str(row.sql), schema, str(row.name))


def _is_schema_table(conn: apsw.Connection, pattern: str) -> bool:
    names = ("sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema")
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    return any(like(pattern, name, "\\", limit) for name in names)


@command(
    "schema",
    "schema ?PATTERN?",
    "Show the CREATE statements matching PATTERN",
    safe=True,
    options=("--indent", "--nosys"),
    arguments=("relation",),
)
def _schema(shell: Shell, args: list[str]) -> int:
    """Show the CREATE statements of the objects whose table matches PATTERN."""
    indent = nosys = False
    pattern = None
    for arg in args[1:]:
        if option_match(arg, "indent"):
            indent = True
        elif option_match(arg, "nosys"):
            nosys = True
        elif arg.startswith("-"):
            shell.error(f'Unknown option: "{arg}"')
            return 1
        elif pattern is None:
            pattern = arg
        else:
            shell.error("Usage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?")
            return 1
    conn = shell.session.connection
    out = shell.out

    def show(sql: str) -> None:
        # Read back (.read), the text is the statements it shows and nothing else: what a
        # statement leaves open is closed, and no line of it is taken for a dot-command.
        sql = complete_sql(sql)
        out.write(statement_lines(indented(sql)) if indent else schema_line(statement_lines(sql), ";\n"))

    try:
        if pattern is not None and _is_schema_table(conn, pattern):
            show(
                f"CREATE TABLE {pattern} (\n  type text,\n  name text,\n  tbl_name text,\n"
                "  rootpage integer,\n  sql text\n)"
            )
        for sql in schema_statements(conn, pattern, nosys):
            show(sql)
    except (apsw.Error, PatternError) as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0


# -- .tables and .indexes ---------------------------------------------------------


def _names(conn: apsw.Connection, pattern: str, indexes: bool) -> list[str | None]:
    """Names of tables and views (or of indexes) in every database, ``db.name`` outside main, sorted
    as sqlite3's query sorts them; matched here, not with SQL's LIKE (see _schema_rows)."""
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    names: list[str | None] = []
    for db in database_names(conn):
        query = f"SELECT type, name, tbl_name FROM {quote_identifier_always(db)}.sqlite_schema"
        for kind, name, tbl_name in conn.execute(query):
            if indexes:
                chosen = kind == "index" and like(pattern, tbl_name, None, limit)
            else:
                chosen = (
                    kind in ("table", "view")
                    and name is not None
                    and not like("sqlite_%", name)
                    and like(pattern, name, None, limit)
                )
            if chosen:
                names.append(name if db.lower() == "main" or name is None else f"{db}.{name}")
    names.sort(key=lambda n: (n is not None, n or ""))  # ORDER BY 1: NULL first
    return names


def columns_layout(names: list[str]) -> str:
    """Names in as many columns as fit 80 characters, filled top to bottom."""
    if not names:
        return ""
    width = max(byte_len(n) for n in names)
    ncols = max(80 // (width + 2), 1)
    nrows = (len(names) + ncols - 1) // ncols
    lines = []
    for i in range(nrows):
        cells = []
        for j in range(i, len(names), nrows):
            name = names[j]
            cells.append(("" if j < nrows else "  ") + name + " " * (width - byte_len(name)))
        lines.append("".join(cells) + "\n")
    return "".join(lines)


def _list_names(shell: Shell, args: list[str], indexes: bool) -> int:
    conn = shell.session.connection
    if indexes and len(args) > 2:
        shell.error("Usage: .indexes ?LIKE-PATTERN?")
        return 1
    pattern = args[1] if len(args) > 1 else "%"
    try:
        names = _names(conn, pattern, indexes)
    except (apsw.Error, PatternError) as exc:
        shell.error(f"Error: {exc}")
        return 1
    shell.out.write(columns_layout(["" if n is None else str(n) for n in names]))
    return 0


@command(
    "tables",
    "tables ?TABLE?",
    "List names of tables matching LIKE pattern TABLE",
    safe=True,
    arguments=("relation",),
)
def _tables(shell: Shell, args: list[str]) -> int:
    """List tables and views, in columns as sqlite3 does."""
    return _list_names(shell, args, indexes=False)


@command(
    "indexes",
    "indexes ?TABLE?",
    "Show names of indexes",
    aliases=("indices",),
    safe=True,
    arguments=("table",),
)
def _indexes(shell: Shell, args: list[str]) -> int:
    """List the indexes of tables matching TABLE."""
    return _list_names(shell, args, indexes=True)


# -- .databases -------------------------------------------------------------------

_TXN = {apsw.SQLITE_TXN_NONE: "", apsw.SQLITE_TXN_READ: " read-txn", apsw.SQLITE_TXN_WRITE: " write-txn"}


@command("databases", "databases", "List names and files of attached databases", safe=True)
def _databases(shell: Shell, args: list[str]) -> int:
    """One line per attached database: name, file, r/o or r/w and any open transaction."""
    conn = shell.session.connection
    rows = [(r[1], r[2]) for r in conn.execute("PRAGMA database_list") if None not in (r[1], r[2])]
    for name, path in rows:
        mode = "r/o" if conn.readonly(name) else "r/w"
        shown = path or '""'
        shell.out.write(f"{name}: {shown} {mode}{_TXN.get(conn.txn_state(name), '')}\n")
    return 0
