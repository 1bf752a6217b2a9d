"""Dot-commands that open more connections or copy whole databases, as sqlite3 3.54 has
them: .connection (five places for connections, one active), .clone (a new file made row by
row from this database, going on past damage) and .restore (a database read back with
SQLite's backup API). .clone and .restore touch files: -safe refuses them.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

import apsw

from .data import backup_message
from .registry import command
from .tools import Slot, Tools, sqlite_message, tools

if TYPE_CHECKING:
    from ..state import Shell


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


def _code(exc: apsw.Error) -> int:
    """SQLite's extended result code of an error (1, SQLITE_ERROR, for APSW's own errors)."""
    return getattr(exc, "extendedresult", 1)


def _clone_rows(shell: Shell, source: apsw.Connection, target: apsw.Connection, table: str) -> None:
    """Copy the rows of ``table`` as sqlite3's .clone does, row by row, going on past errors
    (and, if reading forwards fails, reading backwards)."""
    query = f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"'
    described: list[int] = []

    def prepared(cursor: apsw.Cursor, _sql: str, _bindings: Any) -> bool:
        described.append(len(cursor.get_description()))  # (a table without rows ends at once)
        return True

    cursor = source.cursor()
    cursor.exec_trace = prepared
    try:
        cursor.execute(query)
    except apsw.Error as exc:
        shell.error(f"Error {_code(exc)}: {sqlite_message(exc)} on [{query}]")
        return
    columns = described[0]
    # sqlite3 puts the name in as it is (%s): a name with a double quote makes a bad statement.
    insert = f'INSERT OR IGNORE INTO "{table}" VALUES(' + ",".join("?" * columns) + ");"
    try:
        target.cursor().execute("EXPLAIN " + insert, (None,) * columns).fetchall()
    except apsw.Error as exc:
        shell.error(f"Error {_code(exc)}: {sqlite_message(exc)} on [{insert}]")
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
                    shell.error(f"Error {_code(exc)}: {sqlite_message(exc)}")
            return
        except apsw.Error:
            continue  # reading failed part way (a damaged file): try from the other end


def _clone_schema(
    shell: Shell, source: apsw.Connection, target: apsw.Connection, where: str, with_rows: bool
) -> None:
    """Make the objects of the schema rows ``where`` selects in ``target``, in rowid order."""
    query = f"SELECT name, sql FROM sqlite_schema WHERE {where} ORDER BY rowid ASC"
    try:
        rows = source.cursor().execute(query).fetchall()
    except apsw.Error as exc:
        shell.error(f"Error: ({_code(exc)}) {sqlite_message(exc)} on [{query}]")
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
                shell.error(f"Error: {sqlite_message(exc)}\nSQL: [{sql}]")
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
        shell.error(f"Cannot create output database: {sqlite_message(exc)}")
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
