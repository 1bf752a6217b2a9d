"""A database connection with Wasm functions: the engine's public face.

``connect()`` opens a SQLite database through APSW and registers
``run_wasm(module, func_name, args...)``. wasmtime is imported only when a
Wasm function is first needed, so opening a database and running plain SQL
stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import apsw

from .errors import ArgumentError, ModuleError
from .limits import Limits

if TYPE_CHECKING:
    from .abi import FunctionInfo, SqlFunction
    from .runtime import CompiledModule, Instance, Runtime


class Session:
    """A SQLite connection plus the Wasm functions registered on it."""

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
        # run_wasm: functions by (module length, export name); see run_wasm.
        self._by_shape: dict[tuple[int, str], list[tuple[str | bytes, SqlFunction]]] = {}
        self.functions: dict[str, SqlFunction] = {}
        self._register_run_wasm()

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
        """Guest stdout/stderr written since the last call, as text."""
        for instance in self._instances.values():
            if instance.compiled.uses_wasi:
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
    ) -> apsw.Cursor:
        """Run one or several SQL statements; iterate the cursor for rows.

        ``trace`` is called as each statement starts running, after SQLite has
        prepared it: an error before that is a parse error, after it a runtime
        error. ``cursor`` reuses a cursor (with its own trace) instead of making one;
        ``can_cache=False`` keeps one-off statements out of the statement cache.
        """
        self.interrupted = False
        if cursor is None:
            cursor = self.connection.cursor()
        if trace is not None:
            cursor.exec_trace = trace
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
        return instance

    def bind(self, compiled: CompiledModule, export: str, sql_name: str) -> SqlFunction:
        """A callable for one export of a compiled module."""
        from .abi import bind

        return bind(self._instance(compiled), export, sql_name)

    def register_module(self, source: str | bytes, names: Iterable[str] | None = None) -> list[FunctionInfo]:
        """Register exports of a module as SQL functions for this session.

        ``names`` picks exports; by default every exported function except
        libSQL's ABI helpers. Returns what was registered.
        """
        compiled = self.compile(source)
        if names is None:
            chosen = [e for e in compiled.exports if not is_abi_helper(e)]
        else:
            chosen = []
            for name in names:
                export = compiled.find_export(name)
                if export is None:
                    raise ModuleError(_no_export(compiled, name))
                chosen.append(export)
        functions = [self.bind(compiled, export, export) for export in chosen]
        for fn in functions:
            self.connection.create_scalar_function(
                fn.info.name, fn.call, fn.nparams, deterministic=fn.info.deterministic
            )
            self.functions[fn.info.name.lower()] = fn
        return [fn.info for fn in functions]

    def _register_run_wasm(self) -> None:
        """Register SQL ``run_wasm(module, func_name, args...)``.

        The module argument arrives as a new Python object on every row, so
        finding its compiled form must not hash it: the last module used is
        compared first (identity, then length, then memcmp), then the modules
        of the same length and export name. A dispatcher per argument count
        (up to 8) avoids packing the arguments into a tuple on every row.
        """
        last: list[Any] = [None, None, None, -1]  # module, name, call, nparams
        lookup = self._run_wasm_lookup

        def wrong_count(name: str, nparams: int, given: int) -> ArgumentError:
            return ArgumentError(
                f"run_wasm: wasm function {name} takes {nparams} argument"
                f"{'' if nparams == 1 else 's'}, but {given} {'was' if given == 1 else 'were'} given"
            )

        def resolve(module: Any, name: Any, given: int) -> Any:
            fn = lookup(module, name)
            last[:] = module, name, fn.call, fn.nparams
            if fn.nparams != given:
                raise wrong_count(name, fn.nparams, given)
            return fn.call

        def run_wasm(module: Any = None, name: Any = None, *args: Any) -> Any:
            if module == last[0] and name == last[1] and last[3] == len(args):
                return last[2](*args)
            return resolve(module, name, len(args))(*args)

        self.run_wasm = run_wasm
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
            raise ModuleError(_no_export(compiled, name))
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


def _no_export(compiled: CompiledModule, name: str) -> str:
    available = ", ".join(e for e in compiled.exports if not is_abi_helper(e)) or "none"
    return f"wasm module has no exported function '{name}' (its functions: {available})"


def connect(path: str = ":memory:", *, limits: Limits | None = None, readonly: bool = False) -> Session:
    """Open a SQLite database with Wasm functions ready; ``:memory:`` by default."""
    return Session(path, limits=limits, readonly=readonly)
