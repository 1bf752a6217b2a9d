"""What completion knows of the database: a snapshot of tables, views, columns and functions."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import apsw

from ...commands.registry import all_commands

if TYPE_CHECKING:
    from ....engine import Session

# SQLite's own table-valued functions (the pragma_* ones are left to PRAGMA's completion).
SQLITE_TABLE_FUNCTIONS = ("json_each", "json_tree")


@functools.cache
def dot_commands() -> dict[str, str]:
    """Every dot-command name and alias, with its one-line help."""
    from ...runner import load_commands  # the runner knows every command module

    names: dict[str, str] = {}
    for cmd in load_commands():
        for name in (cmd.name, *cmd.aliases):
            names[name] = cmd.help
    return names


@functools.cache
def command_words() -> dict[str, tuple[str, ...]]:
    """The words each dot-command takes (``.mode``'s modes, on/off ...), by name."""
    dot_commands()  # every command registered
    return {cmd.name: cmd.words for cmd in all_commands() if cmd.words}


ALL_COLUMNS_LIMIT = 2000  # before a table is named, every column is offered if there are no more


@dataclass(frozen=True)
class Relation:
    """A table or view (virtual tables are tables), with its database and columns."""

    name: str
    kind: str = "table"
    schema: str = "main"
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """A snapshot of what can be completed: schema, functions and dot-commands.

    ``functions`` maps each SQL function name to what it is ("function",
    "aggregate", "window function" or "wasm function"); ``table_functions``
    are those used after FROM (json_each, a Wasm one). ``partial`` is True when part
    could not be read (a locked database), so it is worth reading again soon.
    """

    relations: tuple[Relation, ...] = ()
    functions: Mapping[str, str] = field(default_factory=dict)
    databases: tuple[str, ...] = ("main",)
    indexes: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    pragmas: tuple[str, ...] = ()
    table_functions: tuple[str, ...] = ()
    commands: Mapping[str, str] = field(default_factory=dot_commands)
    command_words: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(command_words()))
    partial: bool = False

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the tables, main database first."""
        return tuple(r.name for r in self.relations if r.kind == "table")

    @property
    def views(self) -> tuple[str, ...]:
        """Names of the views."""
        return tuple(r.name for r in self.relations if r.kind == "view")

    @property
    def wasm_functions(self) -> tuple[str, ...]:
        """Names of the Wasm functions."""
        return tuple(name for name, kind in self.functions.items() if kind == "wasm function")

    @functools.cached_property
    def column_count(self) -> int:
        """How many columns all tables and views have together."""
        return sum(len(r.columns) for r in self.relations)

    @functools.cached_property
    def _by_name(self) -> dict[str, list[Relation]]:
        # SQLite looks in temp, then main, then the attached databases in order.
        order = {"temp": 0, "main": 1}
        index: dict[str, list[Relation]] = {}
        for r in sorted(self.relations, key=lambda r: order.get(r.schema, 2)):
            index.setdefault(r.name.lower(), []).append(r)
        return index

    def relation(self, name: str, schema: str | None = None) -> Relation | None:
        """The table or view ``name`` (any case), in ``schema`` or as SQLite would find it."""
        for r in self._by_name.get(name.lower(), ()):
            if schema is None or r.schema.lower() == schema.lower():
                return r
        return None

    def columns_of(self, name: str, schema: str | None = None) -> tuple[str, ...]:
        """The columns of table or view ``name``; empty if it is unknown."""
        r = self.relation(name, schema)
        return r.columns if r else ()


class _Reader:
    """Runs metadata queries, turning any SQLite error into "nothing read"."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.failed = False

    def rows(self, sql: str, bindings: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return [tuple(row) for row in self.connection.execute(sql, bindings)]
        except (apsw.Error, UnicodeDecodeError):  # UnicodeDecodeError: a name that is not UTF-8
            self.failed = True
            return []

    @contextmanager
    def no_waiting(self) -> Iterator[None]:
        """A locked database is skipped at once rather than waited for (the prompt would hang)."""
        timeout = self.rows("PRAGMA busy_timeout")
        waits = bool(timeout and timeout[0][0])
        if waits:
            self.connection.set_busy_timeout(0)
        try:
            yield
        finally:
            if waits:
                self.connection.set_busy_timeout(timeout[0][0])

    def columns(self, db: str, quoted_db: str, names: list[str]) -> dict[str, tuple[str, ...]]:
        """Columns of the tables and views ``names`` of database ``db``, in one query if it can."""
        found: dict[str, list[str]] = {}
        try:
            # One query for the whole database; a single broken view makes it fail.
            for table, column in self.connection.execute(
                f"SELECT m.name, p.name FROM {quoted_db}.sqlite_schema AS m,"
                " pragma_table_xinfo(m.name, ?1) AS p WHERE m.type IN ('table', 'view')",
                (db,),
            ):
                found.setdefault(table, []).append(column)
        except apsw.Error:
            found = {}
            for name in names:
                try:
                    found[name] = [
                        row[0]
                        for row in self.connection.execute(
                            "SELECT name FROM pragma_table_xinfo(?1, ?2)", (name, db)
                        )
                    ]
                except apsw.Error:
                    continue  # a view on a dropped table, a virtual table of a missing module
        return {name: tuple(columns) for name, columns in found.items()}


def _functions(reader: _Reader, wasm_functions: Iterable[str], stored: bool) -> dict[str, str]:
    """Every function by name, with what it is; Wasm ones are those named, and with ``stored`` the
    names of the function table (registered on the connection, not SQLite's own)."""
    from ....engine.catalog import TABLE
    from ....engine.names import fold

    given = {fold(name): name for name in wasm_functions}
    wasm = set(given)
    if stored:
        rows = reader.rows(f"SELECT CAST(name AS BLOB) FROM main.{TABLE}")
        wasm.update(fold(raw.decode("utf-8", "replace")) for (raw,) in rows if isinstance(raw, bytes))
    kinds = {"a": "aggregate", "w": "window function"}  # built-in aggregates are "w" too
    functions: dict[str, str] = {}
    # The PRAGMA, not the pragma_function_list table, works while the database is locked.
    for name, builtin, kind, *_ in sorted(reader.rows("PRAGMA function_list")):
        if fold(name) in wasm and not builtin:
            functions[name] = "wasm function"
        elif functions.get(name, "function") == "function":
            functions[name] = kinds.get(kind, "function")
    known = {fold(name) for name in functions}
    functions.update((name, "wasm function") for key, name in given.items() if key not in known)
    return functions


def read_metadata(
    connection: apsw.Connection, wasm_functions: Iterable[str] = (), table_functions: Iterable[str] = ()
) -> Metadata:
    """What can be completed on ``connection``: never raises, never waits for a lock.

    Reads ``sqlite_schema`` of every database, the columns of each table and
    view (``pragma_table_xinfo``), the functions (``PRAGMA function_list``) and
    pragma names. ``wasm_functions`` names the Wasm functions (a stored one is
    not registered until first used); the names of ``libsql_wasm_func_table``
    mark registered functions that are not SQLite's own. ``table_functions``
    may be table-valued (offered after FROM with ``SQLITE_TABLE_FUNCTIONS``).
    No SQL function is called (one could be redefined).
    """
    from ....engine.catalog import TABLE
    from ....sqltext import quote_identifier_always

    reader = _Reader(connection)
    relations: list[Relation] = []
    indexes: list[str] = []
    triggers: list[str] = []
    with reader.no_waiting():
        databases = [row[1] for row in reader.rows("PRAGMA database_list")] or ["main"]
        for db in databases:
            quoted = quote_identifier_always(db)
            objects = reader.rows(f"SELECT type, name, sql FROM {quoted}.sqlite_schema")
            names = [name for kind, name, _ in objects if kind in ("table", "view")]
            columns = reader.columns(db, quoted, names) if names else {}
            for kind, name, sql in objects:
                if kind in ("table", "view"):
                    relations.append(Relation(name, kind, db, columns.get(name, ())))
                elif kind == "index" and sql is not None:  # not sqlite_autoindex_*
                    indexes.append(name)
                elif kind == "trigger":
                    triggers.append(name)
        stored = any(r.name.lower() == TABLE and r.schema == "main" for r in relations)
        functions = _functions(reader, wasm_functions, stored)
        pragmas = tuple(row[0] for row in reader.rows("PRAGMA pragma_list"))
    return Metadata(
        relations=tuple(relations),
        functions=functions,
        databases=tuple(databases),
        indexes=tuple(indexes),
        triggers=tuple(triggers),
        pragmas=pragmas,
        table_functions=tuple(dict.fromkeys([*SQLITE_TABLE_FUNCTIONS, *table_functions])),
        partial=reader.failed,
    )


def metadata_version(session: Session) -> Any:
    """What changes when a snapshot of ``session_metadata`` goes out of date: the session,
    its databases' schema versions, and its Wasm functions. Cheap enough for every keystroke."""
    from ....sqltext import quote_identifier_always

    try:
        conn = session.connection
        databases = [name for _seq, name, _file in conn.execute("PRAGMA database_list")]
        version = "PRAGMA {}.schema_version"
        schemas = [conn.execute(version.format(quote_identifier_always(db))).fetchall() for db in databases]
    except Exception:  # the prompt must survive whatever the database does
        return None
    return session, databases, schemas, session.functions_version


def session_metadata(session: Session) -> Metadata:
    """``read_metadata`` for a wasmshell Session, marking its Wasm functions (table-valued ones
    offered after FROM only, once known to be)."""
    from ....engine.names import fold

    tables = {fold(name) for name in session.table_function_names(unread=False)}
    scalars = [name for name in session.functions.names() if fold(name) not in tables]
    found = read_metadata(
        session.connection, scalars, [*session.table_function_names(), *session.builtins.table_names()]
    )
    # sqlite3's built-in functions are loaded when first named: offered before that too.
    for name in session.builtins.function_names():
        found.functions.setdefault(name, "function")
    return found
