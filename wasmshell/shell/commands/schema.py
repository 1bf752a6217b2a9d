"""Dot-commands that read the schema: .tables, .indexes, .schema, .fullschema, .databases.

Their output is sqlite3 3.54's byte for byte: the same rows of ``sqlite_schema``
(and of ``pragma_index_list``) in the same order, chosen in Python, so that a
redefined ``like`` or ``lower`` on the connection changes nothing; names in
3.54's split layout (the split mode); CREATE statements rewritten as 3.54
rewrites them for .schema (a schema name for attached databases, what a
statement leaves open closed before its ``;``, a ``/* view(columns) */``
comment after views and virtual tables, --indent's one column per line).

One difference, for safety: a line of a CREATE statement that a shell reading
the listing back would take for a command gets ``/**/`` in front
(statement_lines), as in a dump.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import apsw

from ...engine.names import fold
from ...sqltext import quote_identifier, quote_identifier_always
from ..output import modes, qrf
from ..output.base import OutputSettings
from ..output.render import mode_renderer
from ..output.streams import InsertRenderer
from ..state import Shell
from .args import byte_len, option_match
from .patterns import PatternError, glob, like
from .registry import command

_SPACE = " \t\n\v\f\r"


def database_names(conn: apsw.Connection) -> list[str]:
    """The schema names of the attached databases, main first."""
    return [row[1] for row in conn.execute("PRAGMA database_list") if row[1] is not None]


def raw_text(conn: apsw.Connection) -> Callable[[str], str]:
    """How to select a TEXT column of this database so that it reads back exactly: as a BLOB
    (``CAST(x AS BLOB)``) in a UTF-8 database, where bytes that are not UTF-8 then come through;
    as it is in a UTF-16 one, where the BLOB would be UTF-16 and SQLite's text is always valid."""
    if conn.execute("PRAGMA encoding").get == "UTF-8":
        return lambda expr: f"CAST({expr} AS BLOB)"
    return lambda expr: expr


def name_value(conn: apsw.Connection, name: str) -> str | bytes:
    """``name`` to bind for ``CAST(? AS TEXT)``: its bytes in a UTF-8 database (so that a name
    that is not UTF-8 is found), the text in a UTF-16 one (where CAST reads bytes as UTF-16)."""
    if conn.execute("PRAGMA encoding").get == "UTF-8":
        return name.encode("utf-8", "surrogateescape")
    return name


def stored_text(value: Any) -> Any:
    """A TEXT column read as a BLOB (``CAST(x AS BLOB)``) as text, bytes that are not UTF-8
    kept (surrogateescape: written out, they are the same bytes, as sqlite3 writes them);
    any other value as it is."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


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


def sql_completion(sql: str, semicolon: bool = False) -> str:
    """What sqlite3 3.54 appends to ``sql`` to end it (its appendCompletion): the closing of a
    string, quoted name or comment left open (a line break after ``--``), the ``)`` of open
    parentheses, and, with ``semicolon``, the ``;`` (``END;`` or ``;END;`` inside a trigger)
    that the statement still lacks; without it only the ``END`` or ``;END`` part."""
    state = apsw.incomplete(_sqlite_sees(sql))
    closing = {None: "", "-": "\n", "/": "*/"}.get(state.incomplete, state.incomplete)
    closing += ")" * max(state.balance, 0)
    if state.status not in (apsw.SQLITE_OK, apsw.SQLITE_EMPTY):
        end = {1: ";", 2: "END;", 3: ";END;"}.get(state.requires, "")
        closing += end if semicolon else end[:-1]
    return closing


def complete_sql(sql: str, line_follows: bool = False) -> str:
    """``sql`` with a string, quoted name or comment left open at its end closed, as sqlite3
    3.54's shell_complete_sql() does, so that the ``;`` written after it ends the statement;
    with ``line_follows`` a ``--`` comment is left to the line break the caller writes.

    sqlite3 3.40 wrote ``CREATE VIEW w AS SELECT 2 /* open`` and then ``;``:
    the comment ran on over the statements after it, up to a ``*/`` in a
    later view, after which that view's own lines were read as commands.
    """
    closing = sql_completion(sql)
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


def _is_word_at(text: str, i: int, word: str) -> bool:
    """True if ``word`` (any case) stands at ``text[i]`` and no letter, digit or ``_`` follows."""
    after = text[i + len(word) : i + len(word) + 1]
    return text[i : i + len(word)].upper() == word and not (
        after.isascii() and (after.isalnum() or after == "_")
    )


def indented(sql: str) -> str:
    """A CREATE statement as ``.schema --indent`` writes it (sqlite3 3.54's shell_format_schema):
    white space collapsed and, when that is still 79 bytes or more, one column per line, and an
    index's WHERE terms one per line. Views and triggers stay as they are."""
    upper = sql[:11].upper()
    if upper.startswith(("CREATE VIEW", "CREATE TRIG")):
        return sql
    is_index = sql[:12].upper() == "CREATE INDEX" or sql[:19].upper() == "CREATE UNIQUE INDEX"
    text = _collapse_spaces(sql)
    if byte_len(text) < 79:
        return text
    parts: list[str] = []
    current: list[str] = []
    depth = lines = 0
    end = ""
    where = False
    i = 0
    while i < len(text):
        ch = text[i]
        # Quote tracking is as simple as sqlite3's: a quote's own kind ends it, doubled or not.
        if ch == end:
            end = ""
        elif end:
            pass
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
            if lines > 0 and depth == 0 and current and not where:
                parts.append("".join(current) + "\n")
                current = []
        elif ch in "wW" and depth == 0 and is_index and _is_word_at(text, i, "WHERE"):
            where = True
        elif ch in "aA" and where and depth == 0 and _is_word_at(text, i, "AND"):
            parts.append("".join(current) + "\n    ")
            current = []
        current.append(ch)
        if (
            depth == 1
            and not end
            and not where
            and (ch in "(\n" or (ch == "," and not _to_end_of_line_is_blank(text, i + 1)))
        ):
            if ch == "\n":
                current.pop()
            parts.append("".join(current) + "\n  ")
            current = []
            lines += 1
            while i + 1 < len(text) and text[i + 1] in _SPACE:
                i += 1
        i += 1
    parts.append("".join(current))
    return "".join(parts)


# -- .schema and .fullschema ------------------------------------------------------

_SCHEMA_PREFIXES = ("TABLE", "INDEX", "UNIQUE INDEX", "VIEW", "TRIGGER", "VIRTUAL TABLE")


def fake_schema(conn: apsw.Connection, schema: str | None, name: str) -> str | None:
    """``name(col1,col2,...)`` for a view or virtual table, or None if it has no columns; each
    ``*/`` written ``**``, so that the text can stand in a comment."""
    query = f"SELECT {raw_text(conn)('name')} FROM pragma_table_info(CAST(? AS TEXT), ?)"
    try:
        columns = [stored_text(c) for (c,) in conn.execute(query, (name_value(conn, name), schema or "main"))]
    except apsw.Error:
        return None
    if not columns:
        return None
    prefix = ""
    if schema is not None:
        prefix = (schema if schema.lower() == "temp" else quote_identifier(schema)) + "."
    text = prefix + quote_identifier(name) + "(" + ",".join(quote_identifier(c or "") for c in columns) + ")"
    while "*/" in text:
        text = text.replace("*/", "**")
    return text


def with_schema_name(conn: apsw.Connection, sql: str, schema: str | None, name: str | None) -> str:
    """A CREATE statement as sqlite3 3.54's .schema writes it (shell_add_schema): the schema
    name added for attached databases, what it leaves open closed and its ``;``, and after a
    view or virtual table a comment with its columns. Other text stays as it is."""
    if not sql.startswith("CREATE "):
        return sql
    for prefix in _SCHEMA_PREFIXES:
        head = "CREATE " + prefix
        if not sql.startswith(head + " "):
            continue
        text = sql
        if schema is not None:
            if quote_identifier(schema) != schema and schema.lower() != "temp":
                text = f"{head} {quote_identifier_always(schema)}.{sql[len(head) + 1 :]}"
            else:
                text = f"{head} {schema}.{sql[len(head) + 1 :]}"
        text += sql_completion(text, semicolon=True)
        fake = fake_schema(conn, schema, name) if prefix[0] == "V" and name is not None else None
        if fake is not None:
            text += f"\n/* {fake} */"
        return text
    return sql


class _SchemaRow(NamedTuple):
    number: float  # the database's place in PRAGMA database_list; modules come last
    rowid: Any  # sorted by, within a database (a module's name for modules)
    sql: str | None
    sname: str
    tbl_name: str | None
    name: str | None
    module: bool


def _sort_key(value: Any) -> Any:
    """A value as SQLite's ORDER BY compares it: numbers before TEXT, TEXT by its UTF-8 bytes."""
    if isinstance(value, str):
        return (1, value.encode("utf-8", "surrogateescape"))
    return (0, value)


def _matches_pattern(pattern: str, subject: str | None, limit: int) -> bool:
    """sqlite3's test for .schema's pattern: GLOB if it has a wildcard of GLOB's, else LIKE with ``\\``."""
    if any(c in pattern for c in "*?["):
        return glob(pattern, subject, limit)
    return like(pattern, subject, "\\", limit)


def _is_system_name(name: str | None) -> bool:
    """``name LIKE 'sqlite__%' ESCAPE '_'``: the name starts with ``sqlite_`` in any case."""
    return like("sqlite__%", name, "_")


def _schema_rows(conn: apsw.Connection, pattern: str | None, nosys: bool) -> list[_SchemaRow]:
    """What sqlite3's .schema query selects: every attached schema, then (with a pattern) eponymous
    tables, in its order. Filtered here, so that no SQL function the connection may have redefined
    (``like``, ``glob``, ``lower``, ``printf``) is called."""
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    rows = []
    raw = raw_text(conn)
    for number, db in enumerate(database_names(conn), 1):
        query = (
            f"SELECT rowid, {raw('sql')}, {raw('tbl_name')}, {raw('name')}"
            f" FROM {quote_identifier_always(db)}.sqlite_schema"
        )
        for rowid, sql, tbl_name, name in conn.execute(query):
            rows.append(
                _SchemaRow(
                    number, rowid, stored_text(sql), db, stored_text(tbl_name), stored_text(name), False
                )
            )
    if pattern is not None:
        modules = conn.execute("SELECT name FROM pragma_module_list")
        rows += [_SchemaRow(9e99, n, None, "main", n, n, True) for (n,) in modules]
    chosen = []
    for row in rows:
        if pattern is not None:
            if "." in pattern:
                # sqlite3 3.54 means format('%s.%s', sname, tbl_name), but its query has the
                # format written '%%s.%%s': every row's text is "%s.%s"
                subject: str | None = "%s.%s"
            else:
                subject = row.tbl_name
            if subject is None or not _matches_pattern(pattern, fold(subject), limit):
                continue
        if nosys and (row.name is None or _is_system_name(row.name)):
            continue
        if row.sql is not None or row.module:
            chosen.append(row)
    chosen.sort(key=lambda r: (r.number, _sort_key(r.rowid)))
    return chosen


def schema_statements(conn: apsw.Connection, pattern: str | None, nosys: bool, indent: bool) -> Iterator[str]:
    """The CREATE statements .schema shows, each rewritten as sqlite3 3.54 rewrites it."""
    for row in _schema_rows(conn, pattern, nosys):
        if row.module:
            fake = fake_schema(conn, None, str(row.name))
            if fake is None:
                continue
            text = f"/* {fake} */"
        else:
            schema = None if row.sname.lower() == "main" else row.sname
            text = with_schema_name(conn, str(row.sql), schema, row.name)
            if indent:
                text = indented(text)
        yield text + sql_completion(text, semicolon=True)


def _schema_table_header(pattern: str, limit: int) -> str | None:
    """The CREATE TABLE of the schema table that .schema shows first when PATTERN names it."""
    names = ("sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema")
    if not any(like(pattern, name, "\\", limit) for name in names):
        return None
    temp = "temp." if like("sqlite_t%", pattern) else ""
    return (
        f"CREATE TABLE {temp}sqlite_schema (\n  type text,\n  name text,\n  tbl_name text,\n"
        "  rootpage integer,\n  sql text\n);\n"
    )


def _write_listing(shell: Shell, texts: Iterator[str], end: str) -> None:
    """Schema texts as sqlite3 writes them in list mode, each followed by ``end``: read back
    (.read), the text is the statements it shows and nothing else (see statement_lines)."""
    out = shell.out
    style = qrf.ValueStyle(qrf.PLAIN)
    for text in texts:
        out.write(qrf.render(statement_lines(text), style) + end)


@command(
    "schema",
    "schema ?PATTERN?",
    "Show the CREATE statements matching PATTERN",
    safe=True,
    options=("--indent", "--nosys"),
    arguments=("relation",),
    details=(
        "   Options:",
        "      --indent             Try to pretty-print the schema",
        '      --nosys              Omit objects whose names start with "sqlite_"',
    ),
)
def _schema(shell: Shell, args: list[str]) -> int:
    """Show the CREATE statements of the objects whose table matches PATTERN."""
    indent = nosys = False
    pattern = None
    for arg in args[1:]:
        if option_match(arg, "indent"):
            indent = True
        elif option_match(arg, "debug"):
            pass  # sqlite3 shows its query instead; wasmshell has no such query to show
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
    if pattern is not None:  # the shell's own tables are listed too, as in sqlite3
        shell.session.builtins.load_mentioned("pragma_module_list")
    try:
        if pattern is not None:
            header = _schema_table_header(pattern, conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH))
            if header is not None:
                shell.out.write(header)
        _write_listing(shell, schema_statements(conn, pattern, nosys, indent), "\n")
    except (apsw.Error, PatternError) as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0


def _fullschema_statements(conn: apsw.Connection) -> Iterator[str]:
    """The CREATE statements of main and temp, as .fullschema lists them: no sqlite_ objects, in
    rowid order across both, each with what it leaves open closed."""
    rows = []
    raw = raw_text(conn)
    for db in ("main", "temp"):
        query = f"SELECT rowid, type, {raw('name')}, {raw('sql')} FROM {db}.sqlite_schema"
        rows += [
            (rowid, kind, stored_text(name), stored_text(sql))
            for rowid, kind, name, sql in conn.execute(query)
            if kind not in (None, "meta") and sql is not None
        ]
    rows.sort(key=lambda row: _sort_key(row[0]))  # stable: main's before temp's of the same rowid
    for _rowid, _kind, name, sql in rows:
        if name is not None and not _is_system_name(name):  # NOT LIKE is NULL for a NULL name
            yield sql + sql_completion(sql)


@command(
    "fullschema",
    "fullschema ?--indent?",
    "Show schema and the content of sqlite_stat tables",
    safe=True,
    options=("--indent",),
)
def _fullschema(shell: Shell, args: list[str]) -> int:
    """Show the schema, then the rows of sqlite_stat1 and sqlite_stat4 as INSERT statements."""
    if len(args) > 2 or (len(args) == 2 and not option_match(args[1], "indent")):
        shell.error("Usage: .fullschema ?--indent?")
        return 1
    conn = shell.session.connection
    try:
        # --indent is accepted and, as in sqlite3 3.54, changes nothing.
        _write_listing(shell, _fullschema_statements(conn), ";\n")
    except apsw.Error as exc:
        shell.error(f"Error: {exc}")
        return 1
    query = f"SELECT name FROM main.sqlite_schema WHERE name IN {_STAT_TABLES}"
    stats = {name for (name,) in conn.execute(query)}
    if not stats:
        shell.out.write("/* No STAT tables available */\n")
        return 0
    shell.out.write("ANALYZE sqlite_schema;\n")
    for table in ("sqlite_stat1", "sqlite_stat4"):
        if table in stats:
            settings = OutputSettings(mode="insert", table=table)
            settings.multiinsert = shell.settings.multiinsert  # (the mode's: tty's puts rows together)
            renderer = _StatRenderer(shell.out, settings)
            cursor = conn.execute(f"SELECT * FROM {table}")
            try:
                renderer.start([d[0] for d in cursor.getdescription()])
            except apsw.ExecutionCompleteError:
                continue  # no rows
            renderer.write_rows(cursor)
            renderer.finish()
    shell.out.write("ANALYZE sqlite_schema;\n")
    return 0


class _StatRenderer(InsertRenderer):
    """INSERT statements as .fullschema writes them: a BLOB as its bytes, control characters as
    ``^X`` (sqlite3 3.54 keeps list mode's way of showing BLOBs there: not SQL that reads back)."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.SQL, qrf.AS_TEXT, null="NULL", literal_reals=True)


# GLOB 'sqlite_stat[134]' (sqlite_stat3 is looked for, but not shown)
_STAT_TABLES = ("sqlite_stat1", "sqlite_stat3", "sqlite_stat4")


# -- .tables and .indexes ---------------------------------------------------------


def _table_names(conn: apsw.Connection, pattern: str | None) -> list[str]:
    """Names of tables and views in every database, ``db.name`` outside main, as sqlite3 3.54's
    .tables query selects and sorts them; matched here, not with SQL's LIKE (see _schema_rows)."""
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    names = []
    raw = raw_text(conn)
    for db in database_names(conn):
        query = f"SELECT type, {raw('name')} FROM {quote_identifier_always(db)}.sqlite_schema"
        for kind, name in ((k, stored_text(n)) for k, n in conn.execute(query)):
            if kind not in ("table", "view") or name is None or _is_system_name(name):
                continue
            if pattern is not None and not like(pattern, name, None, limit):
                continue
            names.append(name if db.lower() == "main" else f"{db}.{name}")
    names.sort(key=_sort_key)
    return names


def _show_names(shell: Shell, title: str, names: list[str]) -> None:
    """Names in sqlite3 3.54's split layout: as many columns as fit the screen."""
    settings = shell.settings.copy()
    modes.change(settings, "split")
    renderer = mode_renderer(shell.out, settings)
    renderer.start([title])
    renderer.write_rows([name] for name in names)
    renderer.finish()


@command(
    "tables",
    "tables ?TABLE?",
    "List names of tables matching LIKE pattern TABLE",
    safe=True,
    arguments=("relation",),
)
def _tables(shell: Shell, args: list[str]) -> int:
    """List tables and views, in columns as sqlite3 does (arguments after the first are ignored)."""
    try:
        names = _table_names(shell.session.connection, args[1] if len(args) > 1 else None)
    except (apsw.Error, PatternError):
        return 0  # sqlite3 3.54 shows nothing and no error (a pattern too long, a damaged file)
    _show_names(shell, "name", names)
    return 0


class _IndexOptions(NamedTuple):
    everything: bool  # --all: system indexes too
    system: bool  # --sys: only the indexes SQLite made (sqlite_autoindex_...)
    expressions: bool  # --expr: only indexes on expressions or generated columns
    debug: bool  # --debug: show sqlite3's query instead
    pattern: str | None


_INDEX_QUERY = (
    "SELECT if(t.schema='main',i.name,t.schema||'.'||i.name)\n"
    "FROM pragma_table_list t, pragma_index_list(t.name,t.schema) i\n"
)
_EXPRESSION_TEST = (
    " (EXISTS(SELECT 1 FROM pragma_index_xinfo(i.name) WHERE cid=-2)\n"
    "       OR\n"
    "       EXISTS(SELECT cid FROM pragma_table_xinfo(t.name) WHERE hidden=2"
    " INTERSECT "
    " SELECT cid FROM pragma_index_info(i.name)))\n"
)


def _index_query_text(options: _IndexOptions) -> str:
    """The query sqlite3 3.54's .indexes runs, as ``--debug`` shows it."""
    text, sep = _INDEX_QUERY, "WHERE"
    if options.expressions:
        text, sep = text + sep + _EXPRESSION_TEST, "AND"
    if options.system:
        text, sep = text + f"{sep} i.name LIKE 'sqlite__autoindex__%' ESCAPE '_'\n", "AND"
    elif not options.everything:
        text, sep = text + f"{sep} i.name NOT LIKE 'sqlite__%' ESCAPE '_'\n", "AND"
    if options.pattern is not None:
        text += f"{sep} i.name LIKE '%{options.pattern.replace(chr(39), chr(39) * 2)}%'\n"
    return text + "ORDER BY 1"


def _index_names(conn: apsw.Connection, options: _IndexOptions) -> list[str]:
    """The indexes of every table, ``schema.name`` outside main, as .indexes selects and sorts
    them. SQLite lists them; the names are matched here (no SQL function is called)."""
    query = (
        f"SELECT t.schema, {raw_text(conn)('i.name')}"
        " FROM pragma_table_list t, pragma_index_list(t.name,t.schema) i"
    )
    if options.expressions:
        query += " WHERE" + _EXPRESSION_TEST
    limit = conn.limit(apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH)
    names = []
    for schema, stored in conn.execute(query):
        name = stored_text(stored)
        if options.system:
            if not like("sqlite__autoindex__%", name, "_"):
                continue
        elif not options.everything and _is_system_name(name):
            continue
        if options.pattern is not None and not like(f"%{options.pattern}%", name, None, limit):
            continue
        names.append(name if schema == "main" else f"{schema}.{name}")
    names.sort(key=_sort_key)
    return names


def _index_options(shell: Shell, args: list[str]) -> _IndexOptions | None:
    """.indexes's arguments as sqlite3 3.54 reads them, or None after writing its error."""
    everything = system = expressions = debug = False
    pattern = None
    for i, arg in enumerate(args[1:], 1):
        if arg.startswith("-"):
            name = arg[2:] if arg.startswith("--") else arg[1:]
            if name in ("all", "a"):
                everything = True
            elif name == "sys":
                system, everything = True, False
            elif name == "expr":
                expressions, everything = True, False
            elif name == "debug":
                debug = True
            else:
                shell.dot_error(i, "unknown option")
                return None
        elif pattern is None:
            pattern = arg
        else:
            shell.dot_error(i, "unknown argument")
            return None
    return _IndexOptions(everything, system, expressions, debug, pattern)


@command(
    "indexes",
    "indexes ?PATTERN?",
    "Show names of indexes matching PATTERN",
    aliases=("indices",),
    safe=True,
    options=("-a", "--all", "--expr", "--sys"),
    arguments=("table",),
    details=(
        "   -a|--all                Also show system-generated indexes",
        "   --expr                  Show only expression indexes",
        "   --sys                   Show only system-generated indexes",
    ),
)
def _indexes(shell: Shell, args: list[str]) -> int:
    """List the indexes whose names hold PATTERN, in columns as sqlite3 does."""
    options = _index_options(shell, args)
    if options is None:
        return 1
    if options.debug:
        shell.stdout.write(_index_query_text(options) + ";\n")
        return 0
    try:
        names = _index_names(shell.session.connection, options)
    except (apsw.Error, PatternError):
        return 0  # as .tables
    _show_names(shell, _INDEX_QUERY.split("\n")[0][7:], names)
    return 0


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
