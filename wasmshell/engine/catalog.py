"""libSQL's table of stored functions: its rows read, written and deleted, on one connection.

Stored functions live in exactly libSQL's table, one row per function holding
its whole module (WAT as TEXT, a binary as a BLOB), so a file moves between
libSQL and wasmshell unchanged. Opening a file reads the names only; a body is
read when its function is first needed, so a file with many functions, or a
huge one, opens at once and in little memory.

The file may be hostile: every value read from the table is checked before it
is used, and the SQL here calls no SQL function at all (a user, an extension
or a stored row could have redefined ``lower`` or ``like``): names are
compared in Python and rows are addressed by their exact name. What a row
means (registering it, CREATE and DROP FUNCTION) is the session's.
"""

from __future__ import annotations

import apsw

from .errors import ModuleError, WasmError
from .names import NotUtf8, fold

TABLE = "libsql_wasm_func_table"
TABLE_SQL = f"CREATE TABLE IF NOT EXISTS main.{TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"


def body_problem(body: object) -> str | None:
    """Why a stored body cannot be a module at all, or None if it may be one.

    A body that is readable but does not compile is not judged here: it fails
    when called, with the compiler's message.
    """
    if body is None:
        return "its body is NULL"
    if isinstance(body, int | float):
        return f"its body is {'an INTEGER' if isinstance(body, int) else 'a REAL'}, not a module"
    if len(body) == 0 or (isinstance(body, str) and not body.strip()):
        return "its body is empty"
    if isinstance(body, bytes) and body.startswith(b"\0asm"):
        from .wasmbin import sections

        try:
            for _section in sections(body):
                pass
        except WasmError as exc:
            detail = str(exc).removeprefix("cannot read wasm module: ")
            return f"its body is not a readable wasm binary ({detail})"
    return None


def unusable(name: str, reason: str) -> ModuleError:
    """The error for a stored function whose row cannot be used; ``reason`` is kept for ``.funcs``."""
    error = ModuleError(f"stored function {name} cannot be used: {reason}")
    error.reason = reason  # type: ignore[attr-defined]
    return error


class Catalog:
    """The stored functions of one connection, in libSQL's table of the main database."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection

    def table_exists(self) -> bool:
        """Whether the main database has a table (or view) called libSQL's function table."""
        return bool(self.connection.execute(f"PRAGMA main.table_list('{TABLE}')").fetchall())

    def shape_problem(self) -> str | None:
        """Why the table of libSQL's name cannot hold functions, or None (absent, or libSQL's shape).

        Its rows are read as functions only if it is an ordinary table with a
        ``name`` and a ``body`` column, names compared byte for byte (BINARY).
        """
        found = self.connection.execute(f"PRAGMA main.table_list('{TABLE}')").fetchall()
        if not found:
            return None
        kind = found[0][2]
        if kind != "table":
            kinds = {"view": "a view", "virtual": "a virtual table", "shadow": "a shadow table"}
            return f"{TABLE} is {kinds.get(kind, kind)}, not an ordinary table as libSQL's is"
        columns = {fold(str(row[1])) for row in self.connection.execute(f"PRAGMA main.table_info('{TABLE}')")}
        missing = [c for c in ("name", "body") if c not in columns]
        if missing:
            return f"{TABLE} has no {' and no '.join(missing)} column, unlike libSQL's table"
        collation = self.connection.column_metadata("main", TABLE, "name")[1]
        if fold(str(collation)) != "binary":
            return f"{TABLE} compares names with collation {collation}, not BINARY as libSQL's table does"
        return None

    def create(self) -> None:
        """Create the table as libSQL does, if the main database has none of that name (ModuleError if
        the one there cannot hold functions)."""
        problem = self.shape_problem()
        if problem:
            raise ModuleError(problem)
        self.connection.execute(TABLE_SQL)

    def names(self) -> list[object]:
        """Every row's name as stored (str, bytes, a number or None), without reading any body;
        [] without the table, or with a table of another shape (see ``shape_problem``).

        A TEXT name that is not UTF-8 comes as ``NotUtf8`` bytes rather than
        failing the whole read (CAST is an operator, not a function).
        """
        if not self.table_exists() or self.shape_problem() is not None:
            return []
        try:
            rows = self.connection.execute(f"SELECT name FROM main.{TABLE}").fetchall()
            return [row[0] for row in rows]
        except UnicodeDecodeError:
            pass
        query = f"SELECT CAST(name AS BLOB), CAST(name AS BLOB) = name, name IS NULL FROM main.{TABLE}"
        found: list[object] = []
        for raw, is_blob, is_null in self.connection.execute(query):
            if is_null or is_blob:
                found.append(None if is_null else raw)
                continue
            try:
                found.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                found.append(NotUtf8(raw))
        return found

    def variants(self, name: str) -> list[str]:
        """The stored names equal to ``name`` as SQLite compares function names (any ASCII case)."""
        key = fold(name)
        return [n for n in self.names() if isinstance(n, str) and fold(n) == key]

    def body(self, name: str) -> object:
        """The stored body of the row named exactly ``name``, of whatever type it has."""
        try:
            row = self.connection.execute(f"SELECT body FROM main.{TABLE} WHERE name = ?", (name,)).fetchone()
        except UnicodeDecodeError:
            raise unusable(name, "its body is TEXT that is not valid UTF-8") from None
        if row is None:
            raise unusable(name, f"its row is no longer in {TABLE}")
        return row[0]

    def store(self, rows: list[tuple[str, str | bytes]]) -> None:
        """Write (name, body) rows, replacing rows of the same names in any case, all or none."""
        problem = self.shape_problem()
        if problem:
            raise ModuleError(f"cannot store functions: {problem}")
        with self.connection:  # a savepoint: the table and the rows together, or nothing
            self.connection.execute(TABLE_SQL)
            existing: dict[str, list[str]] = {}
            for stored in self.names():
                if isinstance(stored, str):
                    existing.setdefault(fold(stored), []).append(stored)
            for name, body in rows:
                for old in existing.pop(fold(name), ()):
                    self.connection.execute(f"DELETE FROM main.{TABLE} WHERE name = ?", (old,))
                self.connection.execute(f"INSERT INTO main.{TABLE}(name, body) VALUES(?, ?)", (name, body))

    def delete(self, names: list[str]) -> None:
        """Remove the rows named exactly ``names``, all or none."""
        with self.connection:
            for name in names:
                self.connection.execute(f"DELETE FROM main.{TABLE} WHERE name = ?", (name,))
