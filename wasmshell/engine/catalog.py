"""Wasm functions known to a session: stored in the database, or for this session only.

Stored functions live in exactly libSQL's table, one row per function holding
its whole module (WAT as TEXT, a binary as a BLOB), so a file moves between
libSQL and wasmshell unchanged. Opening a file reads the names only; a body is
read when its function is first needed, so a file with many functions, or a
huge one, opens at once and in little memory.

The file may be hostile: every value read from the table is checked before it
is used, and the SQL here calls no SQL function at all (a user, an extension
or a stored row could have redefined ``lower`` or ``like``): names are
compared in Python and rows are addressed by their exact name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import apsw

from .dialect import CreateFunction, DropFunction
from .errors import ArgumentError, ModuleError, WasmError
from .names import NotUtf8, fold, shown

if TYPE_CHECKING:
    from .abi import FunctionInfo, SqlFunction
    from .runtime import CompiledModule
    from .session import Session

TABLE = "libsql_wasm_func_table"
TABLE_SQL = f"CREATE TABLE IF NOT EXISTS main.{TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
_IMPORT = re.compile(rb"\(\s*import\b")
# A body this small is kept from its first reading to its compilation (usually the
# next moment); a larger one is read again rather than held.
KEEP_BODY_BYTES = 1 << 20


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


def _read_signature(function: WasmFunction, body: str | bytes) -> FunctionInfo | None:
    """A function's SQL signature read from its module's bytes, or None if they do not tell."""
    from . import wasmbin
    from .abi import describe
    from .runtime import Signature

    try:
        if isinstance(body, str):
            import wasmtime

            binary = wasmtime.wat2wasm(body)
        else:
            binary = body
        signatures = wasmbin.export_signatures(binary)
        found = function.export or next((e for e in signatures if fold(e) == function.key), None)
        if found is None or found not in signatures:
            return None
        params, results = signatures[found]
        memory = wasmbin.exports_memory(binary)
        return describe(function.name, Signature(params, results), memory, bool(function.deterministic))
    except Exception:  # a module that does not parse has no signature to show
        return None


def unusable(name: str, reason: str) -> ModuleError:
    """The error for a stored function whose row cannot be used; ``reason`` is kept for ``.funcs``."""
    error = ModuleError(f"stored function {name} cannot be used: {reason}")
    error.reason = reason  # type: ignore[attr-defined]
    return error


class Skipped(NamedTuple):
    """A stored row that is not registered, and why."""

    raw: object
    reason: str

    @property
    def shown(self) -> str:
        """The name as it can be printed."""
        return shown(self.raw)


class WasmFunction:
    """One Wasm function: registered with SQLite when first needed, compiled on its first call.

    A stored function's body stays in the database until needed; a session
    function keeps the source it was given.
    """

    __slots__ = (
        "_body",
        "_compiled",
        "_digest",
        "_peeked",
        "_size",
        "arities",
        "deterministic",
        "error",
        "export",
        "failed_calls",
        "fn",
        "key",
        "name",
        "origin",
        "session",
    )

    def __init__(
        self,
        session: Session,
        name: str,
        origin: str,
        *,
        body: str | bytes | None = None,
        export: str | None = None,
        deterministic: bool | None = None,
    ) -> None:
        """``deterministic`` may be given when known (judging it reads the whole body)."""
        self.session = session
        self.name = name
        self.key = fold(name)
        self.origin = origin  # "stored" or "session"
        self.export = export
        self._body = body  # None for a stored function: read from the table when needed
        if deterministic is None and body is not None:
            deterministic = not has_imports(body)
        self.deterministic: bool | None = deterministic
        self.fn: SqlFunction | None = None
        self.error: str | None = None
        self.failed_calls = 0
        self._peeked: tuple[FunctionInfo | None] | None = None  # what peek() read, once
        self._size: int | None = None
        self._digest: str | None = None
        self._compiled: CompiledModule | None = None  # to bind from on the first call
        self.arities: set[int] = set()

    @property
    def installed(self) -> bool:
        """Whether SQLite knows this function now."""
        return bool(self.arities)

    def source(self) -> str | bytes:
        """The module: the session's copy, or the stored body read now (ModuleError if unusable)."""
        if self._body is not None:
            return self._body
        body = self.session.catalog.body(self.name)
        problem = body_problem(body)
        if problem:
            raise unusable(self.name, problem)
        assert isinstance(body, str | bytes)
        return body

    def inspect(self, *, keep: bool = False, signature: bool = False) -> None:
        """Read the module once for what registering and ``.funcs`` need: determinism, size, hash
        (and with ``signature`` the parameter and result types).

        Raises ModuleError (with a ``reason``) for a body that cannot be a
        module. With ``keep`` a small stored body is kept until the function
        is compiled, which usually follows at once.
        """
        import hashlib

        if self._digest is not None and (self._peeked is not None or not signature):
            return
        body = self.source()
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        self.deterministic = not has_imports(body)
        self._size = len(raw)
        self._digest = hashlib.sha256(raw).hexdigest()[:12]
        if signature and self._peeked is None:
            self._peeked = (self.fn.info if self.fn else _read_signature(self, body),)
        if keep and self.origin == "stored" and self._size <= KEEP_BODY_BYTES:
            self._body = body

    def adopt(self, compiled: CompiledModule, info: FunctionInfo) -> None:
        """Take the module compiled just now (no need to read the body again): bound on the first call.

        Binding each of a module's thousands of functions at once would cost
        a millisecond each; a function never called costs nothing.
        """
        self._compiled = compiled
        self._peeked = (info,)
        self._size = compiled.size
        self._digest = compiled.digest[:12]
        if self.deterministic is None:
            self.deterministic = compiled.deterministic

    @property
    def compiled(self) -> bool:
        """Whether the module is compiled (the function is bound on its first call, if not yet)."""
        return self.fn is not None or self._compiled is not None

    def _forget_stored_body(self) -> None:
        if self.origin == "stored":
            self._body = None

    @property
    def size(self) -> int | None:
        """Module size in bytes, once the module has been read (see ``inspect``)."""
        return self._size

    @property
    def digest(self) -> str | None:
        """A short hash of the module, to tell modules apart, once it has been read."""
        return self._digest

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
            try:
                self.inspect(signature=True)
            except (ModuleError, apsw.Error):
                return None
        assert self._peeked is not None
        return self._peeked[0]

    def bind(self) -> SqlFunction:
        """Compile (once) and bind; a body that does not compile raises every time."""
        if self.fn is not None:
            return self.fn
        try:
            compiled = self._compiled or self.session.compile(self.source())
            export = self.export or compiled.find_export(self.name)
            if export is None:
                from .session import no_export_message

                raise ModuleError(no_export_message(compiled, self.name))
            self.fn = self.session.bind(compiled, export, self.name)
            self._compiled = None  # the bound function holds it
        except ModuleError as exc:
            self.error = str(exc)
            # Called from SQL, the error must say which function's stored body is at fault.
            raise ModuleError(f"wasm function {self.name}: {exc}") from exc
        finally:
            self._forget_stored_body()  # the compiled module holds what is needed
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


class FunctionTable(MutableMapping[str, WasmFunction]):
    """A session's Wasm functions by folded name.

    A stored function not looked at yet is only its name here: its
    WasmFunction is made when first asked for, so a file with 100,000
    functions costs a dict of names at open.
    """

    def __init__(self, make: Callable[[str], WasmFunction]) -> None:
        self._made: dict[str, WasmFunction] = {}
        self._names: dict[str, str] = {}  # stored functions not made yet: folded name -> name
        self._make = make

    def __getitem__(self, key: str) -> WasmFunction:
        entry = self._made.get(key)
        if entry is None:
            entry = self._made[key] = self._make(self._names.pop(key))
        return entry

    def __setitem__(self, key: str, entry: WasmFunction) -> None:
        self._names.pop(key, None)
        self._made[key] = entry

    def __delitem__(self, key: str) -> None:
        if self._made.pop(key, None) is None:
            del self._names[key]

    def __contains__(self, key: object) -> bool:
        return key in self._made or key in self._names

    def __iter__(self) -> Iterator[str]:
        yield from list(self._made)
        yield from list(self._names)

    def __len__(self) -> int:
        return len(self._made) + len(self._names)

    def made(self) -> dict[str, WasmFunction]:
        """The entries made so far (every registered function is one)."""
        return self._made

    def names(self) -> Iterator[str]:
        """Every function's name, without making any entry."""
        for entry in list(self._made.values()):
            yield entry.name
        yield from list(self._names.values())

    def set_stored(self, names: dict[str, str]) -> None:
        """The stored functions not made yet are now ``names`` (those already made stay)."""
        if self._made:
            names = {key: name for key, name in names.items() if key not in self._made}
        self._names = names


class Catalog:
    """The stored functions of one connection, in libSQL's table of the main database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def connection(self) -> apsw.Connection:
        return self.session.connection

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
            return list(map(itemgetter(0), rows))
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

    def create(self, stmt: CreateFunction) -> None:
        """CREATE FUNCTION: check everything first, then store and register."""
        if stmt.language.lower() != "wasm":
            raise ModuleError(
                f"CREATE FUNCTION {stmt.name}: language {stmt.language} is not supported; use LANGUAGE wasm"
            )
        self.session.check_name(stmt.name, "CREATE FUNCTION")
        if self.variants(stmt.name) or fold(stmt.name) in self.session.functions:
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

    def drop(self, stmt: DropFunction) -> None:
        """DROP FUNCTION: remove the rows of that name (in any case) and the registration."""
        found = self.variants(stmt.name) if self.shape_problem() is None else []
        if not found:
            if stmt.if_exists:
                return
            if self.session.taken(stmt.name) and fold(stmt.name) not in self.session.functions:
                raise ModuleError(f"cannot drop {stmt.name}: it is SQLite's own function, not a stored one")
            raise ModuleError(f"no such function: {stmt.name}")
        with self.connection:
            for name in found:
                self.connection.execute(f"DELETE FROM main.{TABLE} WHERE name = ?", (name,))
        self.session.forget_stored(stmt.name)
