"""A database connection with Wasm functions: the engine's public face.

``connect()`` opens a SQLite database through APSW and registers
``run_wasm(module, func_name, args...)``. wasmtime is imported only when a
Wasm function is first needed, so opening a database and running plain SQL
stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import apsw

from .catalog import Catalog, WasmFunction
from .errors import ArgumentError, ModuleError, StatementError
from .limits import Limits
from .statements import (
    CreateFunction,
    engine_must_see,
    holds_function_statement,
    may_change_functions,
    parameter_names,
    parse_function_statement,
    split_statements,
)

_ROLLBACK = re.compile(r"(?i)\brollback\b")

if TYPE_CHECKING:
    from .abi import FunctionInfo, SqlFunction
    from .runtime import CompiledModule, Instance, Runtime


class Session:
    """A SQLite connection plus the Wasm functions registered on it."""

    native_run_wasm: bool  # run_wasm is the C function of native.py

    def __init__(
        self,
        path: str = ":memory:",
        *,
        limits: Limits | None = None,
        readonly: bool = False,
    ) -> None:
        flags = (
            apsw.SQLITE_OPEN_READONLY if readonly else (apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
        )
        flags |= apsw.SQLITE_OPEN_URI
        self.connection = apsw.Connection(path, flags=flags)
        self.path = path
        self._limits = (limits or Limits()).checked()
        self.interrupted = False
        self._output: list[bytes] = []
        self._runtime: Runtime | None = None
        self._instances: dict[CompiledModule, Instance] = {}
        self._wasi_instances: list[Instance] = []  # the only ones that can write output
        # run_wasm: functions by (module length, export name); see run_wasm.
        self._by_shape: dict[tuple[int, str], list[tuple[str | bytes, SqlFunction]]] = {}
        self.functions: dict[str, WasmFunction] = {}
        self._upgrades: list[WasmFunction] = []
        self._ghosts: dict[str, set[int]] = {}
        self._maintenance = False
        self._register_run_wasm()
        self.catalog = Catalog(self)
        self.connection.set_rollback_hook(self._rolled_back)
        self.sync_stored()  # every stored function, compiled on its first call

    # -- the Host protocol the runtime uses -----------------------------------

    @property
    def limits(self) -> Limits:
        """The sandbox limits for Wasm calls in this session."""
        return self._limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        value = value.checked()
        memory_changed = value.memory_mb != self._limits.memory_mb
        self._limits = value
        if memory_changed:
            # The memory cap is fixed when a store is made: start afresh.
            for instance in self._instances.values():
                instance.reset()

    def write_output(self, data: bytes) -> None:
        """Collect what guest code writes to stdout or stderr."""
        self._output.append(data)

    def take_output(self) -> str:
        """Guest stdout/stderr written since the last call, as text ("" at once without WASI)."""
        if not self._wasi_instances and not self._output:
            return ""
        for instance in self._wasi_instances:
            instance.collect_output()
        data, self._output = b"".join(self._output), []
        return data.decode("utf-8", "replace")

    # -- SQL -------------------------------------------------------------------

    def execute(
        self,
        sql: str,
        bindings: Iterable[Any] | dict[str, Any] | None = None,
        *,
        trace: Callable[[apsw.Cursor, str, Any], bool] | None = None,
        cursor: apsw.Cursor | None = None,
        can_cache: bool = True,
        dialect: bool = True,
    ) -> apsw.Cursor:
        """Run one or several SQL statements; iterate the cursor for rows.

        ``trace`` is called as each statement starts running, after SQLite has
        prepared it: an error before that is a parse error, after it a runtime
        error. ``cursor`` reuses a cursor (with its own trace) instead of making one;
        ``can_cache=False`` keeps one-off statements out of the statement cache;
        ``dialect=False`` promises ``engine_must_see(sql)`` is false.
        """
        self.interrupted = False
        if self._maintenance:
            self._maintain()
        if cursor is None:
            cursor = self.connection.cursor()
        if trace is not None:
            cursor.exec_trace = trace
        if dialect and engine_must_see(sql):
            if may_change_functions(sql):
                self._maintenance = True  # look at the function table again before the next statement
            if holds_function_statement(sql):
                return ScriptCursor(self, sql, bindings, cursor, can_cache)  # type: ignore[return-value]
        return cursor.execute(sql, bindings, can_cache=can_cache)

    def interrupt(self) -> None:
        """Stop the running statement, SQL or Wasm, as soon as possible (thread-safe)."""
        self.interrupted = True
        self.connection.interrupt()

    def close(self) -> None:
        """Close the database connection."""
        self.connection.close()
        for instance in self._instances.values():
            instance.close()
        self._instances.clear()
        self._wasi_instances.clear()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Wasm functions --------------------------------------------------------

    @property
    def runtime(self) -> Runtime:
        """The process-wide wasmtime runtime (imports wasmtime on first use)."""
        if self._runtime is None:
            from .runtime import get_runtime

            self._runtime = get_runtime()
        return self._runtime

    def compile(self, source: str | bytes) -> CompiledModule:
        """Compile a module (cached per process by content) under this session's limits."""
        return self.runtime.compile(source, self.limits)

    def _instance(self, compiled: CompiledModule) -> Instance:
        instance = self._instances.get(compiled)
        if instance is None:
            from .runtime import Instance

            instance = Instance(self.runtime, compiled, self)
            self._instances[compiled] = instance
            if compiled.uses_wasi:
                self._wasi_instances.append(instance)
        return instance

    def bind(self, compiled: CompiledModule, export: str, sql_name: str) -> SqlFunction:
        """A callable for one export of a compiled module."""
        from .abi import bind

        return bind(self._instance(compiled), export, sql_name)

    def register_module(self, source: str | bytes, names: Iterable[str] | None = None) -> list[FunctionInfo]:
        """Register exports of a module as SQL functions for this session only.

        ``names`` picks exports; by default every exported function except
        libSQL's ABI helpers. A function of the same name is replaced.
        """
        return self.load_module(source, names, store=False, replace=True)

    def load_module(
        self,
        source: str | bytes,
        names: Iterable[str] | None = None,
        *,
        store: bool = True,
        replace: bool = False,
    ) -> list[FunctionInfo]:
        """Register exports of a module as SQL functions, stored in the database unless ``store=False``.

        Everything is checked before anything changes: the module compiles,
        each export exists and has a signature SQL can call, and no name is
        taken (unless ``replace``).
        """
        compiled = self.compile(source)
        if names is None:
            pairs = [(e, e) for e in compiled.exports if not is_abi_helper(e)]
            if not pairs:
                raise ModuleError("wasm module exports no functions to register")
        else:
            pairs = []
            for name in names:
                export = compiled.find_export(name)
                if export is None:
                    raise ModuleError(no_export_message(compiled, name))
                pairs.append((name, export))
        return self.add_functions(compiled, source, pairs, store=store, replace=replace)

    def add_functions(
        self,
        compiled: CompiledModule,
        source: str | bytes,
        pairs: list[tuple[str, str]],
        *,
        store: bool,
        replace: bool,
    ) -> list[FunctionInfo]:
        """Bind (SQL name, export) pairs of a compiled module, store them and register them."""
        if not replace:
            for name, _export in pairs:
                if name.lower() in self.functions or (store and self.catalog.find(name) is not None):
                    raise ModuleError(f"function {name} already exists")
        bound = [(name, export, self.bind(compiled, export, name)) for name, export in pairs]
        if store:
            self.catalog.store([(name, source) for name, _export, _fn in bound])
        infos = []
        for name, export, fn in bound:
            entry = WasmFunction(self, name, source, "stored" if store else "session", export)
            entry.fn = fn
            self.install(entry)
            infos.append(fn.info)
        return infos

    # -- registration with SQLite ----------------------------------------------

    def install(self, entry: WasmFunction) -> None:
        """Register a Wasm function with SQLite, replacing one of the same name."""
        old = self.functions.get(entry.name.lower())
        if old is not None:
            self.uninstall(old.name)
        conn = self.connection
        # Any arity reaches the lazy entry point, which explains a wrong count.
        # SQLite keeps a deleted function's exact arity and lets it shadow the
        # any-arity one, so arities used before are registered again too.
        for arity in {-1} | self._ghosts.pop(entry.name.lower(), set()):
            conn.create_scalar_function(entry.name, entry.call, arity, deterministic=entry.deterministic)
            entry.arities.add(arity)
        if entry.fn is not None:
            self._register_direct(entry)
        self.functions[entry.name.lower()] = entry

    def _register_direct(self, entry: WasmFunction) -> None:
        """Register a bound function's own call for its exact arity: no lazy step per row."""
        assert entry.fn is not None
        self.connection.create_scalar_function(
            entry.name, entry.fn.call, entry.fn.nparams, deterministic=entry.deterministic
        )
        entry.arities.add(entry.fn.nparams)

    def uninstall(self, name: str) -> None:
        """Remove a Wasm function from SQLite."""
        entry = self.functions.pop(name.lower(), None)
        if entry is None:
            return
        for arity in entry.arities:
            self.connection.create_scalar_function(entry.name, None, arity)
        self._ghosts[name.lower()] = {a for a in entry.arities if a >= 0}
        entry.arities.clear()

    def upgrade_later(self, entry: WasmFunction) -> None:
        """Once a lazily compiled function is bound, register the direct call path.

        SQLite refuses to change functions while a statement runs, so this
        waits for the next execute().
        """
        self._upgrades.append(entry)
        self._maintenance = True

    def _rolled_back(self) -> None:
        self._maintenance = True

    def _maintain(self) -> None:
        self._maintenance = False
        try:
            self.sync_stored()
            for entry in self._upgrades:
                if entry.fn is not None and self.functions.get(entry.name.lower()) is entry:
                    self._register_direct(entry)
            self._upgrades.clear()
        except apsw.BusyError:
            self._maintenance = True  # a statement is still running; try next time

    def sync_stored(self) -> None:
        """Make registrations match the function table (at open, and after a rollback)."""
        try:
            rows = {name.lower(): (name, body) for name, body in self.catalog.rows()}
        except apsw.Error:
            rows = {}  # a table of that name but another shape: not ours to read
        for key, entry in list(self.functions.items()):
            if entry.origin == "stored" and (key not in rows or rows[key][1] != entry.body):
                self.uninstall(entry.name)
        for key, (name, body) in rows.items():
            if key not in self.functions:
                self.install(WasmFunction(self, name, body, "stored"))

    def _register_run_wasm(self, *, in_c: bool = True) -> None:
        """Register SQL ``run_wasm(module, func_name, args...)``.

        The C function of ``native.py`` resolves a constant module once per
        statement. Without it (or with ``in_c=False``) the module argument
        arrives as a new Python object on every row, so finding its compiled
        form must not hash it: the last module used is compared first
        (identity, then length, then memcmp), then the modules of the same
        length and export name. A dispatcher per argument count (up to 8)
        avoids packing the arguments into a tuple on every row.
        """
        lookup = self._run_wasm_lookup

        def wrong_count(name: str, nparams: int, given: int) -> ArgumentError:
            return ArgumentError(
                f"run_wasm: wasm function {name} takes {nparams} argument"
                f"{'' if nparams == 1 else 's'}, but {given} {'was' if given == 1 else 'were'} given"
            )

        def checked(module: Any, name: Any, given: int) -> SqlFunction:
            fn = lookup(module, name)
            if fn.nparams != given:
                raise wrong_count(name, fn.nparams, given)
            return fn

        from . import native

        if in_c and native.register_run_wasm(
            self.connection, lambda module, name, given: checked(module, name, given).call
        ):
            self.native_run_wasm = True
            return
        self.native_run_wasm = False
        last: list[Any] = [None, None, None, -1]  # module, name, call, nparams

        def resolve(module: Any, name: Any, given: int) -> Any:
            fn = checked(module, name, given)
            last[:] = module, name, fn.call, fn.nparams
            return fn.call

        def run_wasm(module: Any = None, name: Any = None, *args: Any) -> Any:
            if module == last[0] and name == last[1] and last[3] == len(args):
                return last[2](*args)
            return resolve(module, name, len(args))(*args)

        self.connection.create_scalar_function("run_wasm", run_wasm, -1)
        for count in range(9):
            args = "".join(f", a{k}" for k in range(count))
            source = (
                f"def run_wasm(module, name{args}):\n"
                f"    if module == last[0] and name == last[1] and last[3] == {count}:\n"
                f"        return last[2]({args[2:]})\n"
                f"    return resolve(module, name, {count})({args[2:]})\n"
            )
            namespace: dict[str, Any] = {"last": last, "resolve": resolve}
            exec(source, namespace)
            self.connection.create_scalar_function("run_wasm", namespace["run_wasm"], count + 2)

    def _run_wasm_lookup(self, module: Any, name: Any) -> SqlFunction:
        if not isinstance(module, str | bytes):
            raise ArgumentError(
                "run_wasm: argument 1 (the module) must be TEXT (WebAssembly text) or a BLOB "
                f"(a binary module), got {_sql_type(module)}"
            )
        if not isinstance(name, str):
            raise ArgumentError(
                f"run_wasm: argument 2 (the function name) must be TEXT, got {_sql_type(name)}"
            )
        shape = (len(module), name)
        candidates = self._by_shape.setdefault(shape, [])
        for source, fn in candidates:
            if source == module:
                return fn
        compiled = self.compile(module)
        export = compiled.find_export(name)
        if export is None:
            raise ModuleError(no_export_message(compiled, name))
        fn = self.bind(compiled, export, name)
        candidates.append((module, fn))
        return fn


def _sql_type(value: Any) -> str:
    from .runtime import sql_type_name

    return sql_type_name(value)


ABI_HELPERS = {"libsql_malloc", "libsql_free", "main", "_start", "_initialize"}


def is_abi_helper(name: str) -> bool:
    """Exports that belong to the ABI or the toolchain, not SQL functions."""
    return name in ABI_HELPERS or name.startswith("__")


def no_export_message(compiled: CompiledModule, name: str) -> str:
    """The error for a module that lacks the export a name asks for."""
    available = ", ".join(e for e in compiled.exports if not is_abi_helper(e)) or "none"
    return f"wasm module has no exported function '{name}' (its functions: {available})"


def connect(path: str = ":memory:", *, limits: Limits | None = None, readonly: bool = False) -> Session:
    """Open a SQLite database with Wasm functions ready; ``:memory:`` by default."""
    return Session(path, limits=limits, readonly=readonly)


class ScriptCursor:
    """Runs SQL that holds CREATE/DROP FUNCTION statements, in order.

    Plain statements go to SQLite through the given cursor; function
    statements are carried out by the catalog. Like an APSW cursor it runs
    up to the first row at once, so executing without iterating still runs a
    statement that returns nothing. It stands in for an APSW cursor anywhere:
    what it does not define itself (``is_explain``, ``description``,
    ``bindings_count``, ``exec_trace`` ...) is the APSW cursor's, which runs
    the plain statements.
    """

    _DONE = object()
    _OWN = frozenset(("_session", "_cursor", "_rows", "_first"))

    def __init__(
        self, session: Session, sql: str, bindings: Any, cursor: apsw.Cursor, can_cache: bool
    ) -> None:
        self._session = session
        self._cursor = cursor
        self._rows = self._run(sql, bindings, can_cache)
        self._first: Any = next(self._rows, self._DONE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(self._cursor)))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self._cursor, name, value)  # exec_trace, row_trace, ...

    def _run(self, sql: str, bindings: Any, can_cache: bool) -> Iterator[Any]:
        cursor = self._cursor
        plain: list[str] = []
        # Positional values are used up in order across statements, as APSW does.
        positional = bindings is not None and not isinstance(bindings, Mapping)
        used = 0

        def run_plain() -> Iterator[Any]:
            nonlocal plain, used
            values = bindings
            if positional:
                count = sum(len(parameter_names(statement)) for statement in plain)
                values, used = bindings[used : used + count], used + count
            text, plain = "\n".join(plain), []
            yield from cursor.execute(text, values, can_cache=can_cache)

        script = []
        for _offset, statement in split_statements(sql):
            try:
                script.append((statement, parse_function_statement(statement)))
            except SyntaxError as exc:
                raise StatementError(str(exc)) from None
        if positional:
            needed = sum(len(parameter_names(statement)) for statement, parsed in script if parsed is None)
            if needed != len(bindings):
                raise apsw.BindingsError(
                    f"Incorrect number of bindings supplied.  The statements use {needed} and there are "
                    f"{len(bindings)} supplied"
                )
        for statement, parsed in script:
            if parsed is None:
                plain.append(statement)
                if _ROLLBACK.search(statement):
                    # Registrations must follow the rollback before the next statement runs.
                    yield from run_plain()
                    self._session._maintain()
                continue
            if plain:
                yield from run_plain()
            trace = cursor.exec_trace
            if trace is not None:
                trace(cursor, statement, None)
            if isinstance(parsed, CreateFunction):
                self._session.catalog.create(parsed)
            else:
                self._session.catalog.drop(parsed)
        if plain:
            yield from run_plain()

    def __iter__(self) -> ScriptCursor:
        return self

    def __next__(self) -> Any:
        if self._first is not self._DONE:
            row, self._first = self._first, self._DONE
            return row
        return next(self._rows)

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return list(self)

    def fetchone(self) -> Any:
        """The next row, or None."""
        return next(self, None)

    @property
    def get(self) -> Any:
        """The remaining rows with as little structure as APSW's ``Cursor.get`` gives."""
        rows = self.fetchall()
        if not rows:
            return None
        values = [row[0] if len(row) == 1 else row for row in rows]
        return values[0] if len(values) == 1 else values

    def execute(self, sql: str, bindings: Any = None, *, can_cache: bool = True) -> Any:
        """Run more SQL on the same cursor, the dialect included (see Session.execute)."""
        return self._session.execute(sql, bindings, cursor=self._cursor, can_cache=can_cache)

    def close(self, force: bool = False) -> None:
        """Stop the script where it is and close the cursor."""
        self._rows.close()
        self._cursor.close(force)
