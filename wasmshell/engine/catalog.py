"""Wasm functions known to a session: stored in the database, or for this session only.

Stored functions live in exactly libSQL's table, one row per function holding
its whole module (WAT as TEXT, a binary as a BLOB), so a file moves between
libSQL and wasmshell unchanged. They are registered with SQLite when the file
is opened and compiled on their first call, so opening a file with many
functions stays fast and a body that no longer compiles fails only when used.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import apsw

from .errors import ArgumentError, ModuleError, WasmError
from .statements import CreateFunction, DropFunction

if TYPE_CHECKING:
    from .abi import FunctionInfo, SqlFunction
    from .session import Session

TABLE = "libsql_wasm_func_table"
TABLE_SQL = f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
_IMPORT = re.compile(rb"\(\s*import\b")


def has_imports(body: str | bytes) -> bool:
    """Whether a module imports anything, judged without compiling it.

    Errs towards True (a WAT comment mentioning "(import" counts), which only
    costs a function its deterministic flag.
    """
    if isinstance(body, str):
        return _IMPORT.search(body.encode("utf-8", "surrogatepass")) is not None
    if body.startswith(b"\0asm"):
        from .wasmbin import import_count

        try:
            return import_count(body) > 0
        except WasmError:
            return True
    return _IMPORT.search(body) is not None


class WasmFunction:
    """One Wasm function registered as an SQL function, compiled on first use."""

    def __init__(
        self, session: Session, name: str, body: str | bytes, origin: str, export: str | None = None
    ) -> None:
        self.session = session
        self.name = name
        self.body = body
        self.origin = origin  # "stored" or "session"
        self.export = export
        self.deterministic = not has_imports(body)
        self.fn: SqlFunction | None = None
        self.error: str | None = None
        self.failed_calls = 0
        self._peeked: tuple[FunctionInfo | None] | None = None  # what peek() read, once
        self.arities: set[int] = set()

    @property
    def size(self) -> int:
        """Module size in bytes."""
        return len(self.body.encode() if isinstance(self.body, str) else self.body)

    @property
    def digest(self) -> str:
        """A short hash of the module, to tell modules apart."""
        import hashlib

        raw = self.body.encode() if isinstance(self.body, str) else self.body
        return hashlib.sha256(raw).hexdigest()[:12]

    @property
    def calls(self) -> int:
        """Calls made in this session."""
        return (self.fn.calls if self.fn else 0) + self.failed_calls

    @property
    def errors(self) -> int:
        """Calls that failed in this session."""
        return (self.fn.errors if self.fn else 0) + self.failed_calls

    @property
    def info(self) -> FunctionInfo | None:
        """Parameter and result types, once compiled."""
        return self.fn.info if self.fn else None

    def peek(self) -> FunctionInfo | None:
        """Parameter and result types read from the module without compiling it (None if unreadable)."""
        if self.fn is not None:
            return self.fn.info
        if self._peeked is None:
            self._peeked = (self._read_signature(),)
        return self._peeked[0]

    def _read_signature(self) -> FunctionInfo | None:
        from . import wasmbin
        from .abi import describe
        from .runtime import Signature

        try:
            if isinstance(self.body, str):
                import wasmtime

                binary = wasmtime.wat2wasm(self.body)
            else:
                binary = self.body
            signatures = wasmbin.export_signatures(binary)
            found = self.export or next((e for e in signatures if e.lower() == self.name.lower()), None)
            if found is None or found not in signatures:
                return None
            params, results = signatures[found]
            return describe(
                self.name, Signature(params, results), wasmbin.exports_memory(binary), self.deterministic
            )
        except Exception:  # a module that does not parse has no signature to show
            return None

    def bind(self) -> SqlFunction:
        """Compile (once) and bind; a body that does not compile raises every time."""
        if self.fn is not None:
            return self.fn
        try:
            compiled = self.session.compile(self.body)
            export = self.export or compiled.find_export(self.name)
            if export is None:
                from .session import no_export_message

                raise ModuleError(no_export_message(compiled, self.name))
            self.fn = self.session.bind(compiled, export, self.name)
        except ModuleError as exc:
            self.error = str(exc)
            # Called from SQL, the error must say which function's stored body is at fault.
            raise ModuleError(f"wasm function {self.name}: {exc}") from exc
        self.error = None
        self.session.upgrade_later(self)
        return self.fn

    def call(self, *args: Any) -> Any:
        """The SQL entry point until the direct binding is registered."""
        try:
            fn = self.bind()
        except ModuleError:
            self.failed_calls += 1
            raise
        if len(args) != fn.nparams:
            raise ArgumentError(
                f"wasm function {self.name} takes {fn.nparams} argument{'' if fn.nparams == 1 else 's'}, "
                f"but {len(args)} {'was' if len(args) == 1 else 'were'} given"
            )
        return fn.call(*args)


class Catalog:
    """The stored functions of one connection, in libSQL's table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def connection(self) -> apsw.Connection:
        return self.session.connection

    def table_exists(self) -> bool:
        """Whether the database has libSQL's function table."""
        row = self.connection.execute(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()
        return row is not None

    def rows(self) -> list[tuple[str, str | bytes]]:
        """(name, body) of every stored function."""
        if not self.table_exists():
            return []
        return [(str(n), b) for n, b in self.connection.execute(f"SELECT name, body FROM {TABLE}")]

    def find(self, name: str) -> tuple[str, str | bytes] | None:
        """The stored row whose name matches ``name`` in any case."""
        if not self.table_exists():
            return None
        return self.connection.execute(
            f"SELECT name, body FROM {TABLE} WHERE lower(name) = lower(?)", (name,)
        ).fetchone()

    def create(self, stmt: CreateFunction) -> None:
        """CREATE FUNCTION: check everything first, then store and register."""
        if stmt.language.lower() != "wasm":
            raise ModuleError(
                f"CREATE FUNCTION {stmt.name}: language {stmt.language} is not supported; use LANGUAGE wasm"
            )
        if self.find(stmt.name) is not None or stmt.name.lower() in self.session.functions:
            if stmt.if_not_exists:
                return
            raise ModuleError(f"function {stmt.name} already exists")
        compiled = self.session.compile(stmt.body)
        export = compiled.find_export(stmt.name)
        if export is None:
            from .session import no_export_message

            raise ModuleError(no_export_message(compiled, stmt.name))
        self.session.add_functions(compiled, stmt.body, [(stmt.name, export)], store=True, replace=False)

    def store(self, rows: list[tuple[str, str | bytes]]) -> None:
        """Write (name, body) rows, replacing rows of the same names, all or none."""
        with self.connection:  # a savepoint: the table and the rows together, or nothing
            self.connection.execute(TABLE_SQL)
            for name, body in rows:
                self.connection.execute(f"DELETE FROM {TABLE} WHERE lower(name) = lower(?)", (name,))
                self.connection.execute(f"INSERT INTO {TABLE}(name, body) VALUES(?, ?)", (name, body))

    def drop(self, stmt: DropFunction) -> None:
        """DROP FUNCTION: remove the row and the registration."""
        row = self.find(stmt.name)
        if row is None:
            if stmt.if_exists:
                return
            raise ModuleError(f"no such function: {stmt.name}")
        with self.connection:
            self.connection.execute(f"DELETE FROM {TABLE} WHERE lower(name) = lower(?)", (stmt.name,))
        self.session.uninstall(row[0])
