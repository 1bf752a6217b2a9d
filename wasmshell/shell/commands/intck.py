""".intck, sqlite3 3.54's incremental integrity check, in the same steps.

sqlite3 checks each b-tree of the main database (every table and index with pages, and
sqlite_schema), in the order of their names, one step per row of a check: a table's check
visits each row once, then once for each of the table's indexes (is the row's entry
there?); an index's check visits each entry (is its row in the table?). One more step
ends each b-tree. A row whose entry is missing, or an entry whose row is missing, is an
error with sqlite3's message; so is a b-tree SQLite finds corrupt while reading it. At the
end: "N steps, M errors". Here the same visits are made with queries of wasmshell's own,
so that the counts and the messages are sqlite3's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import apsw

from .args import integer_value
from .registry import command
from .tools import sqlite_message

if TYPE_CHECKING:
    from ..state import Shell


def _name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Index(NamedTuple):
    """An index, as its check needs it."""

    name: str
    table: str
    columns: list[str] | None  # the indexed columns, quoted; None if one is an expression
    partial: str | None  # its WHERE clause, if it is a partial index


def _quote(conn: apsw.Connection, values: tuple[object, ...]) -> str:
    """The values as SQL's quote() writes them, comma-separated."""
    return ",".join(conn.execute("SELECT quote(?)", (v,)).fetchone()[0] for v in values)


def _key(conn: apsw.Connection, table: str) -> list[str]:
    """How a row of ``table`` is found: its rowid, or a WITHOUT ROWID table's primary key."""
    indexes = conn.execute("SELECT name, origin FROM pragma_index_list(?)", (table,)).fetchall()
    named = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type='index'")}
    for name, origin in indexes:
        if origin == "pk" and name not in named:  # a WITHOUT ROWID table's own key
            rows = conn.execute("SELECT name FROM pragma_index_xinfo(?) WHERE key", (name,)).fetchall()
            return [_name(column) for (column,) in rows]
    return ["_rowid_"]


def _partial(sql: str | None) -> str | None:
    """The WHERE clause of a CREATE INDEX statement, if it has one (after the column list)."""
    if not sql:
        return None
    depth, i, quote = 0, 0, ""
    while i < len(sql):
        c = sql[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"`":
            quote = c
        elif c == "[":
            quote = "]"
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                rest = sql[i + 1 :]
                found = rest.lower().find("where")
                return rest[found + 5 :].strip() if found >= 0 else None
        i += 1
    return None


def _indexes(conn: apsw.Connection, table: str) -> list[_Index]:
    """The indexes a table's check looks into (not a WITHOUT ROWID table's key), by name."""
    named = {
        name: sql
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type='index' AND tbl_name=?", (table,)
        )
    }
    found = []
    for (name,) in conn.execute("SELECT name FROM pragma_index_list(?) ORDER BY name", (table,)).fetchall():
        if name not in named and name.startswith("sqlite_autoindex_") and _key(conn, table) != ["_rowid_"]:
            continue
        columns = conn.execute("SELECT cid, name FROM pragma_index_xinfo(?) WHERE key", (name,)).fetchall()
        listed = None if any(cid < 0 for cid, _ in columns) else [_name(column) for _, column in columns]
        found.append(_Index(name, table, listed, _partial(named.get(name))))
    return found


def _table_steps(conn: apsw.Connection, table: str) -> Iterator[str | None]:
    """The steps of a table's check: each row, then each row's entry in each index."""
    key = _key(conn, table)
    indexes = _indexes(conn, table)
    for row in conn.execute(f"SELECT {', '.join(key)} FROM {_name(table)} NOT INDEXED").fetchall():
        yield None
        for index in indexes:
            yield _missing_entry(conn, index, key, row)


def _missing_entry(
    conn: apsw.Connection, index: _Index, key: list[str], row: tuple[object, ...]
) -> str | None:
    """sqlite3's message if ``row`` of the table has no entry in ``index`` (None if it has, or
    if the index has an expression, which this check leaves to PRAGMA integrity_check)."""
    if index.columns is None:
        return None
    table = _name(index.table)
    at = " AND ".join(f"{column} IS ?" for column in key)
    columns = ", ".join(index.columns)
    values = conn.execute(f"SELECT {columns} FROM {table} NOT INDEXED WHERE {at}", row).fetchone()
    if values is None:
        return None
    if index.partial is not None:
        inside = conn.execute(f"SELECT ({index.partial}) FROM {table} NOT INDEXED WHERE {at}", row).fetchone()
        if not inside or not inside[0]:
            return None
    match = " AND ".join(f"{column} IS ?" for column in [*index.columns, *key])
    if index.partial is not None:  # (else the planner may not use the index)
        match += f" AND ({index.partial})"
    query = f"SELECT 1 FROM {table} INDEXED BY {_name(index.name)} WHERE {match}"
    if conn.execute(query, (*values, *row)).fetchone() is not None:
        return None
    return f"entry ({_quote(conn, (*values, *row))}) missing from index {index.name}"


def _index_steps(conn: apsw.Connection, name: str) -> Iterator[str | None]:
    """The steps of an index's check: each entry, and whether its row is in the table."""
    table = conn.execute("SELECT tbl_name FROM sqlite_schema WHERE name=?", (name,)).fetchone()[0]
    index = next((i for i in _indexes(conn, table) if i.name == name), None)
    key = _key(conn, table)
    if index is None or index.columns is None:
        where = f" WHERE {index.partial}" if index is not None and index.partial else ""
        for _ in conn.execute(f"SELECT 1 FROM {_name(table)} INDEXED BY {_name(name)}{where}").fetchall():
            yield None
        return
    columns = [*index.columns, *key]
    where = f" WHERE {index.partial}" if index.partial else ""
    query = f"SELECT {', '.join(columns)} FROM {_name(table)} INDEXED BY {_name(name)}{where}"
    match = " AND ".join(f"{column} IS ?" for column in columns)
    check = f"SELECT 1 FROM {_name(table)} NOT INDEXED WHERE {match}"
    for entry in conn.execute(query).fetchall():
        if conn.execute(check, entry).fetchone() is not None:
            yield None
        else:
            yield f"surplus entry ({_quote(conn, entry)}) in index {name}"


def _objects(conn: apsw.Connection) -> list[tuple[str, bool]]:
    """The b-trees to check, by name, and whether each is an index."""
    rows = conn.execute(
        "SELECT name, type='index' FROM main.sqlite_schema WHERE (type='table' OR type='index') AND rootpage"
        " UNION ALL SELECT 'sqlite_schema', 0 ORDER BY 1"
    ).fetchall()
    return [(name, bool(is_index)) for name, is_index in rows]


def integrity_steps(conn: apsw.Connection) -> Iterator[str | None]:
    """Each step of the check: None, or the message of what is wrong there."""
    try:
        objects = _objects(conn)
    except apsw.CorruptError:
        yield "corruption found while reading database schema"
        return
    for name, is_index in objects:
        steps = _index_steps(conn, name) if is_index else _table_steps(conn, name)
        try:
            yield from steps
        except apsw.CorruptError:
            yield f"corruption found while scanning database object {name}"
            continue
        yield None  # the step that finds the check of this one done


@command(
    "intck",
    "intck ?STEPS?",
    "Run an incremental integrity check on the db",
    safe=True,
)
def _intck(shell: Shell, args: list[str]) -> int:
    every = integer_value(args[1]) if len(args) == 2 else 1
    if every == 0 and args[1] == "register":
        return 0  # (sqlite3 registers its SQL helper function; here there is none to register)
    if len(args) > 2 or every <= 0:  # (sqlite3 unlocks every STEPS steps: nothing to see)
        shell.error("Usage: .intck STEPS_PER_UNLOCK")
        return 1
    steps = errors = 0
    failed = False
    try:
        for message in integrity_steps(shell.session.connection):
            steps += 1
            if message is not None:
                shell.out.write(message + "\n")
                errors += 1
    except apsw.Error as exc:  # a check that cannot run: said, and counted so far
        shell.error(sqlite_message(exc))
        failed = True
    shell.out.write(f"{steps} steps, {errors} errors\n")
    return int(failed)
