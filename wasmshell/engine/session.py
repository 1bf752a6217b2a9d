"""A database connection with Wasm functions: the engine's public face.

``connect()`` opens a SQLite database through APSW and registers
``run_wasm(module, func_name, args...)``. wasmtime is imported only when a
Wasm function is first needed, so opening a database and running plain SQL
stays fast.
"""

from __future__ import annotations

import apsw

from ..lean import TYPE_CHECKING
from ..sqltext import LazyPattern, quote_identifier_always, split_statements
from . import native, tables
from .builtins import Builtins, reserved_functions, reserved_tables
from .catalog import Catalog
from .dialect import (
    CreateFunction,
    DropFunction,
    ScriptCursor,
    engine_must_see,
    holds_function_statement,
    may_change_functions,
)
from .errors import (
    ArgumentError,
    LimitError,
    MemoryLimitExceeded,
    ModuleError,
    WasmError,
    sql_type_name,
)
from .functions import FunctionTable, Skipped, WasmFunction
from .limits import MIB, Limits
from .module import aggregate_exports, function_kind, no_export_message, sql_functions
from .names import (
    RUN_WASM,
    all_usable_names,
    fold,
    name_problem,
    shown,
    sqlite_function_names,
    sqlite_has_table,
    sqlite_module_names,
    table_taken_reason,
    taken_reason,
)

# Wasm functions and run_wasm are sandboxed: no side effect outside the guest, so
# views, triggers and CHECK constraints may call them when the schema is not trusted.
INNOCUOUS = apsw.SQLITE_INNOCUOUS
# run_wasm keeps this many modules ready per session (their instances
# included); the least recently used is dropped when another comes.
RUN_WASM_MODULES = 64
# A module registering more functions than this binds each on its first call.
BIND_AT_ONCE = 64
# At most this much is written to store a module's functions (one copy of the module per function).
MAX_STORED_BYTES = 1 << 30
# Times a statement runs again after registering what it missed (a view naming several).
RETRIES = 16
# Portability notes kept until the shell (or an application) takes them: the rest are counted.
MAX_NOTES = 100
# Words of SQL text, as UTF-8 with ASCII letters lowered: where a stored function's name can appear.
_WORD = LazyPattern(rb"[A-Za-z0-9_$\x80-\xff]+")
# A statement that may change the schema (read before its words are: most statements do not).
# Statements that may write a row (a CHECK then runs): before them, a schema changed elsewhere is noticed.
_WRITES = LazyPattern(r"(?i)(?<![A-Za-z0-9_$])(?:insert|update|replace)(?![A-Za-z0-9_$])")
_NOT_DETERMINISTIC = "non-deterministic functions prohibited"
_SCHEMA_CHANGE = LazyPattern(r"(?i)(?<![A-Za-z0-9_$])(?:create|alter)(?![A-Za-z0-9_$])")
_MISSING_BUILTIN = LazyPattern(r"\Ano such (?:function|table|module|collation sequence): ")
_NO_SUCH_FUNCTION = LazyPattern(r"(?s)no such function: (.+)\Z")
_NOT_A_WINDOW = LazyPattern(r"(?s)(.+)\(\) may not be used as a window function\Z")

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .abi import FunctionInfo, SqlFunction
    from .aggregate import AggregateFunction
    from .portability import Portability
    from .runtime import CompiledModule, Instance, Runtime


def _open(path: str, readonly: bool, flags: int | None, vfs: str | None, contents: bytes | None) -> Any:
    """The APSW connection a Session is made on (see Session)."""
    if flags is None:
        flags = (
            apsw.SQLITE_OPEN_READONLY if readonly else (apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
        )
    connection = apsw.Connection(path, flags=flags | apsw.SQLITE_OPEN_URI, vfs=vfs)
    if contents is not None:
        connection.deserialize("main", contents)
    return connection


class Session:
    """A SQLite connection plus the Wasm functions registered on it."""

    native_run_wasm: bool  # run_wasm is the C function of native.py
    _runner: Any = None  # native.plain_runner, made when first needed (False: none)

    def __init__(
        self,
        path: str = ":memory:",
        *,
        limits: Limits | None = None,
        readonly: bool = False,
        flags: int | None = None,
        vfs: str | None = None,
        contents: bytes | None = None,
    ) -> None:
        """Open ``path``: read-only, or with SQLite's open ``flags`` (then ``readonly`` is not
        looked at) through the VFS ``vfs``; ``contents``, if given, is the database's image,
        read into memory (sqlite3_deserialize) in place of the file's."""
        self.connection = _open(path, readonly, flags, vfs, contents)
        self.path = path
        self._limits = (limits or Limits()).checked()
        self._interrupted = False
        self.signals: Any = None  # shared with the C time-limit check; made with the runtime
        self._output: list[bytes] = []
        self._output_size = self._output_dropped = 0
        self._runtime: Runtime | None = None
        # by module, and (module, name) for a function run in fresh instances
        self._instances: dict[CompiledModule | tuple[CompiledModule, str], Instance] = {}
        # run_wasm's modules, least recently used first: source -> (instance, functions by name)
        # Least recently used first (a dict keeps its order; OrderedDict costs an import).
        self._run_wasm_modules: dict[str | bytes, tuple[Instance, dict[str, SqlFunction]]] = {}
        # Wasm functions by folded name: the session's, and the stored ones whose
        # rows are usable (registered with SQLite when first named, see install_mentioned).
        self.functions = FunctionTable(lambda name: WasmFunction(self, name, "stored"))
        self.skipped: list[Skipped] = []  # stored rows that are not registered, and why
        # The functions added since take_notes() that libSQL could not run, and why.
        self.notes: list[tuple[str, Portability]] = []
        self.notes_dropped = 0
        self.stored_status: str | None = None  # why stored functions are not (all) there, for .funcs
        self.functions_version = 0  # changes whenever the set of functions does
        self._pending: set[str] = set()  # stored functions not registered yet
        # Registered not deterministic because they keep state: run fresh once the schema names them.
        self._stateful: dict[str, WasmFunction] = {}
        self._used: set[str] = set()  # registered once in this session: again at once after a rollback
        self._sqlite_names: set[str] = set()  # what PRAGMA function_list said last
        self._unread = False  # the function table could not be read: try again before each statement
        self._resync = False
        self._upgrades: list[WasmFunction] = []
        self._ghosts: dict[str, set[int]] = {}
        self._maintenance = False
        self._tables: dict[str, tables.TableModule] = {}  # table-valued functions by folded name
        # Stored table-valued functions bound (by .funcs) before SQLite was given them: bound once.
        self._unregistered: dict[str, tuple[WasmFunction, tables.TableModule]] = {}
        # Stored table-valued functions skipped for their name (json_each, rtree): skipped again
        # when the names are read anew, until their rows are written again.
        self._table_skips: dict[str, str] = {}
        self._schema_seen: list[Any] | None = None  # schema versions when functions keeping state last looked
        self._checked_in_transaction = False
        # sqlite3's built-in extensions (regexp, sha3, generate_series...): loaded when first named.
        self.builtins = Builtins(self.connection)
        self._register_run_wasm()
        self.catalog = Catalog(self.connection)
        self.connection.set_rollback_hook(self._rolled_back)
        self.sync_stored()  # the names only; bodies are read when a function is first needed

    # -- the Host protocol the runtime uses -----------------------------------

    @property
    def limits(self) -> Limits:
        """The sandbox limits for Wasm calls in this session."""
        return self._limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        """Change the limits; refused (the old ones stay) if a module in use cannot run under them.

        The memory and table caps are fixed when a store is made, so every
        live instance is started afresh under the new ones; all of them are
        started before any is replaced, so a refusal changes nothing.
        """
        value = value.checked()
        old = self._limits
        if self.signals is not None:
            self.signals[1] = value.timeout_ms
        if (value.memory_mb, value.table_elements) == (old.memory_mb, old.table_elements):
            self._limits = value
            return
        prepared = []
        self._limits = value
        try:
            for instance in self._all_instances():
                if instance.live:
                    prepared.append((instance, instance.prepare(value)))
                elif instance.compiled.initial_memory > value.memory_bytes:
                    raise MemoryLimitExceeded("module start-up", "the module needs more memory than that")
        except WasmError as exc:
            self._limits = old
            if self.signals is not None:
                self.signals[1] = old.timeout_ms
            names = ", ".join(a.export for a in instance.attached[:3]) or "run_wasm"
            raise LimitError(
                f"cannot set the memory limit to {value.memory_mb} MiB and the table limit to "
                f"{value.table_elements:,} elements: the module of {names} cannot run under them "
                f"({exc}); the limits stay as they were"
            ) from None
        for instance, live in prepared:
            instance.bind(live)

    @property
    def interrupted(self) -> bool:
        """Whether the running statement was asked to stop (Session.interrupt)."""
        return self._interrupted

    @interrupted.setter
    def interrupted(self, value: bool) -> None:
        self._interrupted = value
        if self.signals is not None:
            self.signals[0] = int(value)

    def write_output(self, data: memoryview) -> None:
        """Keep what guest code writes to stdout or stderr, up to the output limit per statement."""
        room = self._limits.output_kb * 1024 - self._output_size
        kept = min(max(room, 0), len(data))
        if kept:
            self._output.append(bytes(data[:kept]))
            self._output_size += kept
        self._output_dropped += len(data) - kept

    def take_output(self) -> str:
        """Guest stdout/stderr written since the last call, as text ("" at once when there is none).

        Past the output limit the rest was dropped; a last line says how much.
        """
        if not self._output and not self._output_dropped:
            return ""
        text = b"".join(self._output).decode("utf-8", "replace")
        if self._output_dropped:
            if text and not text.endswith("\n"):
                text += "\n"
            text += (
                f"[wasm output truncated: {self._output_dropped:,} more bytes not shown; "
                f"the limit is {self._limits.output_kb:,} KiB per statement]\n"
            )
        self._output, self._output_size, self._output_dropped = [], 0, 0
        return text

    # -- SQL -------------------------------------------------------------------

    def execute(
        self,
        sql: str,
        bindings: Iterable[Any] | dict[str, Any] | None = None,
        *,
        trace: Callable[[apsw.Cursor, str, Any], bool] | None = None,
        cursor: apsw.Cursor | None = None,
        can_cache: bool | None = None,
        dialect: bool = True,
    ) -> apsw.Cursor:
        """Run one or several SQL statements; iterate the cursor for rows.

        ``trace`` is called as each statement starts running, after SQLite has
        prepared it: an error before that is a parse error, after it a runtime
        error. ``cursor`` reuses a cursor (with its own trace) instead of making one;
        ``can_cache=False`` keeps one-off statements out of the statement cache, True keeps
        every statement there (the default keeps all but a PRAGMA);
        ``dialect=False`` promises ``engine_must_see(sql)`` is false.
        """
        self._before(sql)
        if can_cache is None:
            # A PRAGMA such as function_list is a program of its rows, in lookaside memory that a
            # cached one would keep from every later statement (which then prepares 1.6x slower).
            can_cache = sql.lstrip()[:6].lower() != "pragma"
        if cursor is None:
            cursor = self.connection.cursor()
        if trace is not None:
            cursor.exec_trace = trace
        if dialect and engine_must_see(sql):
            if may_change_functions(sql):
                # look at the function table again before the next statement
                self._maintenance = self._resync = True
            if holds_function_statement(sql):
                return ScriptCursor(self, sql, bindings, cursor, can_cache)  # type: ignore[return-value]
        return self._run(cursor, sql, bindings, can_cache)

    def _before(self, sql: str, scanned: bool = False) -> None:
        """What must be in place before ``sql`` runs: the function table read again, the
        built-in and stored functions it names registered, a schema change checked (not when
        ``scanned``: the text is the rest of one already seen)."""
        self.interrupted = False
        if self._maintenance or self._unread:
            self._maintain()
        if scanned:
            return
        if self.builtins.waiting:
            self.builtins.load_mentioned(sql)
        if self._pending:
            self.install_mentioned(sql)
        if self._stateful:
            if not self.connection.in_transaction:  # the transaction checked before is over
                self._checked_in_transaction = False
            if _WRITES.search(sql) is not None:
                self._notice_schema_elsewhere()  # a CHECK another connection added
            self.before_schema_change(sql)

    def plain_text(self, sql: str) -> bytes | None:
        """``sql`` as ``run_plain`` takes it (UTF-8), or None where it cannot run it: no C part,
        SQL that is not UTF-8 or holds a NUL (``execute`` then)."""
        if self._runner is None:
            self._runner = native.plain_runner(self.connection) or False
        if self._runner is False:
            return None
        try:
            data = sql.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return None if b"\0" in data else data

    def run_plain(
        self, data: bytes, start: int = 0, text: str | None = None
    ) -> tuple[int, int, BaseException | None, int]:
        """Run the statements of ``data`` (``plain_text``'s) from byte ``start`` on in C while they
        give no result columns, as ``execute`` would (``engine_must_see`` is false of them, and
        nothing is bound); ``text`` is the SQL to look through for names first (None: it was,
        in an earlier call). Returns ``(done, outcome, error, at)``: how many statements ran to
        their end, why it stopped (``native.RUN_*``), for a failure the error ``execute`` would
        have raised, and the byte where the statement it stopped at begins."""
        self._before(text or "", scanned=text is None)
        done, outcome, code, error, offset, at = self._runner(data, start)
        if isinstance(error, str):
            error = _sqlite_error(code, error, offset)
        return done, outcome, error, at

    def prepare_failed(self, error: BaseException, statement: str) -> BaseException | None:
        """After one statement of ``run_plain`` failed to prepare: None to run it again (what it
        missed is registered now, as ``execute`` would have done), else the error to report
        (with what is known of a missing stored function)."""
        try:
            if isinstance(error, apsw.SQLError) and self._missing_function(error, statement, single=True):
                return None
            if isinstance(error, apsw.CorruptError) and self._refused_schema(error):
                return None
        except apsw.SQLError as better:
            return better
        return error

    def _run(self, cursor: apsw.Cursor, sql: str, bindings: Any, can_cache: bool) -> apsw.Cursor:
        """Run ``sql`` on ``cursor``; again after what it missed is registered (a stored function
        or a built-in one that a view names) or a schema refused here is read anew. Each retry
        follows a registration, of which there are few: the bound is a guard."""
        for _retry in range(RETRIES):
            try:
                return cursor.execute(sql, bindings, can_cache=can_cache)
            except apsw.SQLError as exc:
                if not self._missing_function(exc, sql):
                    raise
            except apsw.CorruptError as exc:
                if not self._refused_schema(exc):
                    raise
        return cursor.execute(sql, bindings, can_cache=can_cache)

    def _refused_schema(self, exc: apsw.CorruptError) -> bool:
        """After SQLite refused a schema another connection changed, because it puts a function
        registered here as keeping state into an index or a generated column: True to run the
        statement again (the function now runs fresh, deterministic)."""
        if not self._stateful or _NOT_DETERMINISTIC not in str(exc):
            return False
        self._schema_seen = None
        before = set(self._stateful)
        self._notice_schema_elsewhere()
        return set(self._stateful) != before

    def _missing_function(self, exc: apsw.SQLError, sql: str, single: bool = False) -> bool:
        """After "no such function: X": True to run ``sql`` again (X is a stored function, now
        registered, or one of sqlite3's built-in extensions, now loaded); else raise the error with
        what is known about X, or return False. ``single``: ``sql`` is one statement."""
        missing = _MISSING_BUILTIN.search(str(exc)) is not None
        one_statement = missing and (single or sum(1 for _ in split_statements(sql)) == 1)
        if one_statement and self.load_missing(exc):
            return True
        found = _NO_SUCH_FUNCTION.match(str(exc))
        if found is None:
            self._explain_window(exc)
            return False
        name = found.group(1)
        key = fold(name)
        note = None
        if key in self._pending:
            # Named where the text scan could not see it (a view or trigger made by another connection).
            entry = self.functions[key]
            self._install_pending([key])
            if entry.installed:
                if single or sum(1 for _ in split_statements(sql)) == 1:
                    return True
                note = f"stored function {entry.name} is registered now: run the statement again"
        reasons = [s.reason for s in self.skipped if isinstance(s.raw, str) and fold(s.raw) == key]
        if reasons:
            note = f"the stored function of that name is not registered: {reasons[0]}"
        elif note is None and self._unread:
            note = self.stored_status
        if note is None:
            return False
        raise _with_note(exc, note) from None

    def load_missing(self, exc: BaseException) -> bool:
        """After SQLite's "no such function: X" (or table, module, collation sequence): load X's
        extension if X is one of sqlite3's built-ins, named where the text could not show it (a
        view, a trigger, a column's collation). True if it was loaded now: the statement that
        failed may run again. ``execute`` does this for a text of one statement; for a text of
        several, the caller knows which statement failed, and whether it ran anything."""
        return isinstance(exc, apsw.SQLError) and self.builtins.load_missing(str(exc))

    def _explain_window(self, exc: apsw.SQLError) -> None:
        """After "X() may not be used as a window function" for a Wasm aggregate: raise it saying why."""
        found = _NOT_A_WINDOW.match(str(exc))
        entry = self.functions.made().get(fold(found.group(1))) if found else None
        if entry is None or entry.kind != "aggregate":
            return
        raise _with_note(exc, f"its module exports no {entry.name}_inverse") from None

    def interrupt(self) -> None:
        """Stop the running statement, SQL or Wasm, as soon as possible (thread-safe)."""
        self.interrupted = True
        self.connection.interrupt()

    def close(self) -> None:
        """Close the database connection."""
        self._runner = False  # (its pointer is the connection's: run_plain falls back to execute)
        self.connection.close()
        for instance in self._all_instances():
            instance.close()
        self._instances.clear()
        self._run_wasm_modules.clear()

    def _all_instances(self) -> list[Instance]:
        """The instances of registered functions and of run_wasm's modules."""
        return [*self._instances.values(), *(instance for instance, _fns in self._run_wasm_modules.values())]

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- Wasm functions --------------------------------------------------------

    @property
    def runtime(self) -> Runtime:
        """The process-wide wasmtime runtime (imports wasmtime on first use)."""
        if self._runtime is None:
            from .runtime import get_runtime, make_signals

            self.signals = make_signals(self._limits)
            self.signals[0] = int(self._interrupted)
            self._runtime = get_runtime()
        return self._runtime

    def compile(self, source: str | bytes) -> CompiledModule:
        """Compile a module (cached per process by content) under this session's limits."""
        return self.runtime.compile(source, self.limits, lambda: self.interrupted)

    def _instance(self, compiled: CompiledModule) -> Instance:
        instance = self._instances.get(compiled)
        if instance is None:
            from .runtime import Instance

            instance = Instance(self.runtime, compiled, self)
            self._instances[compiled] = instance
        return instance

    def bind(
        self, compiled: CompiledModule, export: str, sql_name: str, *, fresh: str | bytes | None = None
    ) -> SqlFunction:
        """A callable for one export of a compiled module.

        With ``fresh`` (the module's source) each call starts from the state of a fresh instance, of
        this function alone: its state is put back after each call (the module is compiled again
        with its mutable globals and memory exported to wasmshell), or, where that cannot be (a
        table it changes, memory it grew), the instance is dropped and the next call starts another.
        """
        from .abi import bind

        if fresh is None:
            return bind(self._instance(compiled), export, sql_name)
        import wasmtime

        from . import wasmbin
        from .runtime import Instance

        binary = fresh if isinstance(fresh, bytes) else bytes(wasmtime.wat2wasm(fresh))
        rewritten = wasmbin.exporting_state(binary)
        state = None
        if rewritten is not None:
            try:
                compiled, state = self.compile(rewritten[0]), rewritten[1:]
            except ModuleError:  # it exports one of wasmshell's names already: a new instance per call
                state = None
        instance = Instance(self.runtime, compiled, self, state=state)
        self._instances[(compiled, fold(sql_name))] = instance
        return bind(instance, export, sql_name, fresh=True)

    def bind_aggregate(self, compiled: CompiledModule, sql_name: str) -> AggregateFunction:
        """An aggregate (or window function) of a compiled module's NAME_step, NAME_final... exports."""
        from . import aggregate

        parts = aggregate_exports(compiled.exports, sql_name)
        if parts is None:
            raise ModuleError(no_export_message(compiled, f"{sql_name}_step"))
        return aggregate.bind(self._instance(compiled), parts, sql_name)

    def register_module(
        self, source: str | bytes, names: Iterable[str] | None = None
    ) -> list[FunctionInfo | tables.TableModule]:
        """Register exports of a module as SQL functions for this session only.

        ``names`` picks exports; by default every exported function except
        libSQL's ABI helpers. A Wasm function of the same name is replaced;
        a name SQLite already has (``lower``, ``run_wasm``, ...) is refused.
        """
        return self.load_module(source, names, store=False, replace=True)

    def load_module(
        self,
        source: str | bytes,
        names: Iterable[str] | None = None,
        *,
        store: bool = True,
        replace: bool = False,
    ) -> list[FunctionInfo | tables.TableModule]:
        """Register exports of a module as SQL functions, stored in the database unless ``store=False``.

        Everything is checked before anything changes: the module compiles,
        each export exists and has a signature SQL can call, each name is one
        SQLite can register and does not already have, and no name is taken
        by a Wasm function (unless ``replace``).
        """
        compiled = self.compile(source)
        if names is None:
            found = tables.table_names(compiled.exports)
            parts = {p for name in found for p in tables.table_parts(name, compiled.exports)}
            pairs = sql_functions([e for e in compiled.exports if e not in parts])
            pairs += [(name, name) for name in found if name not in compiled.exports]
            if not pairs:
                raise ModuleError("wasm module exports no functions to register")
        else:
            pairs = [(name, _export_for(compiled, name)) for name in names]
        return self.add_functions(compiled, source, pairs, store=store, replace=replace)

    def add_functions(
        self,
        compiled: CompiledModule,
        source: str | bytes,
        pairs: list[tuple[str, str]],
        *,
        store: bool,
        replace: bool,
    ) -> list[FunctionInfo | tables.TableModule]:
        """Bind (SQL name, export) pairs of a compiled module, store them and register them.

        Nothing is written or registered unless every name can be.
        """
        keys = self._check_new_names(pairs, store=store, replace=replace)
        # Each signature must be one SQL can call, and the module must start.
        infos = [
            (
                name,
                export,
                _describe(compiled, name, export)
                if export in compiled.exports
                else self._table_module(name, export, compiled),
            )
            for name, export in pairs
        ]
        self._instance(compiled)
        if store:
            self._store_module(compiled, source, [name for name, _export in pairs], keys)
        for name, export, info in infos:
            # A stored body is in the database; the compiled module is all a call needs.
            entry = WasmFunction(
                self,
                name,
                "stored" if store else "session",
                body=None if store else source,
                export=export,
                deterministic=compiled.deterministic,
                kind=getattr(info, "kind", "table"),  # a TableModule is a table-valued one
            )
            if isinstance(info, tables.TableModule):
                self.install(entry, table=info)
                continue
            entry.adopt(compiled, info)
            if len(infos) <= BIND_AT_ONCE:
                entry.bind()  # registered with its direct call path from the start
            self.install(entry)
        self._note_portability([info for _name, _export, info in infos])
        return [info for _name, _export, info in infos]

    def _note_portability(self, infos: list[FunctionInfo]) -> None:
        """Keep a note of each new function libSQL could not run, with the reasons."""
        for info in infos:
            if info.libsql.runs:
                continue
            if len(self.notes) < MAX_NOTES:
                self.notes.append((info.name, info.libsql))
            else:
                self.notes_dropped += 1

    def take_notes(self) -> tuple[list[tuple[str, Portability]], int]:
        """The (name, verdict) notes kept since the last call, and how many more there were."""
        taken = self.notes, self.notes_dropped
        self.notes, self.notes_dropped = [], 0
        return taken

    def _check_new_names(self, pairs: list[tuple[str, str]], *, store: bool, replace: bool) -> set[str]:
        """Raise ModuleError unless every SQL name of ``pairs`` can be a new function; their folded names."""
        self._refresh_sqlite_names()
        seen: dict[str, str] = {}
        for name, _export in pairs:
            self.check_name(name, "wasm function", refresh=False)
            other = seen.setdefault(fold(name), name)
            if other != name:
                raise ModuleError(f"wasm functions {other} and {name} would be one function to SQL")
        if not replace:
            stored = {fold(n) for n in self.catalog.names() if isinstance(n, str)} if store else set()
            for name, _export in pairs:
                if fold(name) in self.functions or fold(name) in stored:
                    raise ModuleError(f"function {name} already exists")
        return set(seen)

    def _store_module(
        self, compiled: CompiledModule, source: str | bytes, names: list[str], keys: set[str]
    ) -> None:
        """Write a row per function, each holding the whole module, within ``MAX_STORED_BYTES``."""
        copies = len(names) * compiled.size
        if copies > MAX_STORED_BYTES:
            raise ModuleError(
                f"storing {len(names):,} functions would write {copies / MIB:,.0f} MiB (libSQL's "
                f"table holds the whole module once per function): name the functions to store, "
                f"or load them for this session only"
            )
        self.catalog.store([(name, source) for name in names])
        for key in keys:
            self._table_skips.pop(key, None)
        self.skipped = [s for s in self.skipped if not (isinstance(s.raw, str) and fold(s.raw) in keys)]

    # -- libSQL's CREATE FUNCTION and DROP FUNCTION ------------------------------------

    def create_function(self, stmt: CreateFunction) -> None:
        """CREATE FUNCTION: check everything first, then store and register."""
        if stmt.language.lower() != "wasm":
            raise ModuleError(
                f"CREATE FUNCTION {stmt.name}: language {stmt.language} is not supported; use LANGUAGE wasm"
            )
        self.check_name(stmt.name, "CREATE FUNCTION")
        if self.catalog.variants(stmt.name) or fold(stmt.name) in self.functions:
            if stmt.if_not_exists:
                return
            raise ModuleError(f"function {stmt.name} already exists")
        compiled = self.compile(stmt.body)
        export = _export_for(compiled, stmt.name)
        self.add_functions(compiled, stmt.body, [(stmt.name, export)], store=True, replace=False)

    def init_function_table(self) -> None:
        """libSQL's ``libsql_try_initialize_wasm_func_table``: create its table if there is none, and
        take the functions stored there (a table already there is left as it is)."""
        self.catalog.create()
        self.sync_stored()

    def drop_function(self, stmt: DropFunction) -> None:
        """DROP FUNCTION: remove the rows of that name (in any case) and the registration."""
        found = self.catalog.variants(stmt.name) if self.catalog.shape_problem() is None else []
        if not found:
            if stmt.if_exists:
                return
            if self.taken(stmt.name) and fold(stmt.name) not in self.functions:
                raise ModuleError(f"cannot drop {stmt.name}: it is SQLite's own function, not a stored one")
            raise ModuleError(f"no such function: {stmt.name}")
        self.catalog.delete(found)
        self.forget_stored(stmt.name)

    def load_extension(self, path: str, entry: str | None = None) -> None:
        """Load a SQLite extension (a shared library) on this connection, as sqlite3's ``.load``;
        ``apsw.Error`` with SQLite's message if it cannot be."""
        native.load_extension(self.connection, path, entry)
        self.functions_version += 1

    # -- names ---------------------------------------------------------------------

    def _refresh_sqlite_names(self) -> None:
        """Read PRAGMA function_list again: an extension or the application may have added functions.
        The names of sqlite3's built-in extensions are taken too, loaded or not."""
        self._sqlite_names = sqlite_function_names(self.connection) | reserved_functions()

    def taken(self, name: str) -> bool:
        """Whether SQLite has a function of this name that is not a Wasm function of this session.

        As of the last refresh of PRAGMA function_list; ``run_wasm`` is always taken.
        """
        key = fold(name)
        if key == RUN_WASM:
            return True
        entry = self.functions.get(key)
        return key in self._sqlite_names and (entry is None or not entry.installed)

    def table_taken(self, name: str) -> bool:
        """Whether a table-valued function called ``name`` would replace a virtual table module or a
        table SQLite makes on demand (rtree, json_each, an extension's), not one of this session's."""
        key = fold(name)
        entry = self.functions.made().get(key)
        if entry is not None and entry.installed and key in self._tables:
            return False  # replacing this session's own
        if key in reserved_tables():
            return True
        return key in sqlite_module_names(self.connection) or sqlite_has_table(key)

    def check_name(self, name: str, what: str, *, refresh: bool = True) -> None:
        """Raise ModuleError unless ``name`` can be a new Wasm function's SQL name."""
        problem = name_problem(name)
        if problem:
            raise ModuleError(f"{what} {shown(name)}: {problem}")
        if refresh:
            self._refresh_sqlite_names()
        if self.taken(name):
            raise ModuleError(f"{what} {name}: {taken_reason(name)}; a Wasm function cannot replace it")

    # -- registration with SQLite ----------------------------------------------

    def install(
        self,
        entry: WasmFunction,
        table: tables.TableModule | None = None,
        *,
        schema_words: set[str] | None = None,
    ) -> None:
        """Register a Wasm function with SQLite, replacing one of the same name (``table``: a
        table-valued function's module; a stored one is recognised by its exports).

        ``schema_words`` (``_schema_words()``, read now if not given and needed) tell whether the
        schema names a function that keeps state, which then runs in fresh instances.
        """
        old = self.functions.get(entry.key)
        if old is not None and old is not entry:
            self.uninstall(old.name)
            if old.origin == "stored" and entry.origin == "session":
                self.skipped.append(Skipped(old.name, "a function of this session has the same name"))
        self._pending.discard(entry.key)
        assert entry.deterministic is not None
        if entry.aggregate:
            self._install_aggregate(entry)
            return
        table = table or self._stored_table(entry)
        if table is not None and self.table_taken(entry.name):  # a stored one, in a hostile file
            self._skip_table(entry)
            return
        if table is not None:
            self._install_table(entry, table)
            return
        if entry.keeps_state and not entry.fresh:
            if entry.key in (self._schema_words() if schema_words is None else schema_words):
                entry.run_fresh()
            else:
                self._stateful[entry.key] = entry
        conn = self.connection
        # Any arity reaches the lazy entry point, which explains a wrong count.
        # SQLite keeps a deleted function's exact arity and lets it shadow the
        # any-arity one, so arities used before are registered again too.
        for arity in {-1} | self._ghosts.pop(entry.key, set()):
            conn.create_scalar_function(
                entry.name,
                entry.call,
                arity,
                deterministic=entry.deterministic or entry.fresh,
                flags=INNOCUOUS,
            )
            entry.arities.add(arity)
        if entry.fn is not None:
            self._register_direct(entry)
        self.functions[entry.key] = entry
        self._used.add(entry.key)
        self.functions_version += 1

    # -- table-valued functions (tables.py) --------------------------------------

    def _table_module(self, name: str, prefix: str, compiled: CompiledModule) -> tables.TableModule:
        """A table-valued function of a compiled module, bound (its columns read) at once, so
        that a module whose declaration is wrong is refused before anything is stored."""
        if self.table_taken(name):
            raise ModuleError(
                f"wasm table function {name}: {table_taken_reason(name)}; a Wasm function cannot replace it"
            )
        module = tables.TableModule(
            name, lambda: tables.TableFunction(name, prefix, self._instance(compiled))
        )
        module.fn = tables.TableFunction(name, prefix, self._instance(compiled))
        return module

    def _stored_table(self, entry: WasmFunction) -> tables.TableModule | None:
        """The table-valued function a stored function's module makes, if it is one (else None)."""
        if entry.fn is not None or entry.origin != "stored":
            return None
        cached = self._unregistered.get(entry.key)
        if cached is not None and cached[0] is entry:
            return cached[1]
        try:
            body = entry.source()
            if not tables.may_be_table(entry.name, body):
                return None
            compiled = self.compile(body)
        except WasmError:
            return None  # a scalar's lazy path reports it when called
        prefix = tables.find_table(compiled, entry.name)
        if prefix is None or compiled.find_export(entry.name) is not None:
            return None
        name = entry.name
        module = tables.TableModule(
            name, lambda: tables.TableFunction(name, prefix, self._instance(compiled))
        )
        self._unregistered[entry.key] = (entry, module)
        return module

    def _install_table(self, entry: WasmFunction, table: tables.TableModule) -> None:
        if not native.create_table(self.connection, entry.name, table):
            self.connection.create_module(
                entry.name, table, use_bestindex_object=True, eponymous_only=True, read_only=True
            )
        self._tables[entry.key] = table
        self._unregistered.pop(entry.key, None)
        entry.arities.add(tables.TABLE_ARITY)
        self.functions[entry.key] = entry
        self._used.add(entry.key)
        self.functions_version += 1

    def _install_aggregate(self, entry: WasmFunction) -> None:
        """Register an aggregate for its exact arity (SQLite must know the kind before it prepares a
        statement), as a window function when it has NAME_inverse; compiled when a group starts.

        A module whose exports do not fit together is registered for any arity: its first group
        fails with the reason.
        """
        info = entry.peek()
        arity = -1 if info is None else len(info.params)
        flags = INNOCUOUS | (apsw.SQLITE_DETERMINISTIC if entry.deterministic else 0)
        start = entry.start if arity >= 0 else entry.start_any_arity
        if entry.kind == "window":
            self.connection.create_window_function(entry.name, start, arity, flags=flags)
        else:
            self.connection.create_aggregate_function(entry.name, start, arity, flags=flags)
        self._ghosts.pop(entry.key, None)
        entry.arities.add(arity)
        self.functions[entry.key] = entry
        self._used.add(entry.key)
        self.functions_version += 1

    def table_function_names(self, *, unread: bool = True) -> list[str]:
        """Wasm functions known to be table-valued (registered, or bound by .funcs) and, with
        ``unread``, stored ones whose kind is not known before their body is read."""
        made = self.functions.made()
        tables_ = self._tables.keys() | self._unregistered.keys()
        known = [e.name for key, e in made.items() if key in tables_ or (unread and e.kind is None)]
        return known + list(self.functions.stored_names().values()) if unread else known

    def table_function(self, name: str) -> tables.TableFunction | None:
        """The table-valued function called ``name``, bound now if it was not yet (None if not one)."""
        key = fold(name)
        module = self._tables.get(key)
        if module is None and key in self.functions:  # a stored one not registered yet
            module = self._stored_table(self.functions[key])
        if module is None:
            return None
        if module.fn is None:
            module.fn = module.bind()
        return module.fn

    def _register_direct(self, entry: WasmFunction) -> None:
        """Register a bound function's own call for its exact arity: no lazy step per row."""
        assert entry.fn is not None
        deterministic = bool(entry.deterministic) or entry.fresh
        flags = INNOCUOUS | (apsw.SQLITE_DETERMINISTIC if deterministic else 0)
        if entry.aggregate:
            # Its factory calls the bound function already; registered in C, no Python runs per row.
            if native.create_aggregate(self.connection, entry.name, entry.fn, flags):
                entry.arities.add(entry.fn.nparams)
            return
        if not native.create_function(self.connection, entry.name, entry.fn.call, flags):
            self.connection.create_scalar_function(
                entry.name, entry.fn.call, entry.fn.nparams, deterministic=deterministic, flags=INNOCUOUS
            )
        entry.arities.add(entry.fn.nparams)

    def uninstall(self, name: str) -> None:
        """Remove a Wasm function from SQLite and from this session."""
        key = fold(name)
        self._pending.discard(key)
        self._stateful.pop(key, None)
        self._unregistered.pop(key, None)
        if key not in self.functions:
            return
        entry = self.functions.made().get(key)
        del self.functions[key]
        self.functions_version += 1
        if entry is None or not entry.installed:
            return
        if self._tables.pop(key, None) is not None:
            self.connection.create_module(entry.name, None)
            entry.arities.clear()
            return
        for arity in entry.arities:
            self.connection.create_scalar_function(entry.name, None, arity)
        self._ghosts[key] = {a for a in entry.arities if a >= 0}
        entry.arities.clear()

    def forget_stored(self, name: str) -> None:
        """A stored function's rows are gone (DROP FUNCTION): its registration and flags go too."""
        key = fold(name)
        entry = self.functions.get(key)
        if entry is not None and entry.origin == "stored":
            self.uninstall(key)
        self._table_skips.pop(key, None)
        self.skipped = [s for s in self.skipped if not (isinstance(s.raw, str) and fold(s.raw) == key)]
        self.functions_version += 1

    def install_mentioned(self, sql: str) -> None:
        """Register the stored functions whose names appear in ``sql``, before SQLite prepares it.

        SQLite slows down with every function registered (and registering
        100,000 takes seconds), so a stored function is registered when a
        statement first names it. Any word counts, even in a string or a
        comment: registering one too many costs nothing.
        """
        pending = self._pending
        data = sql.encode("utf-8", "surrogatepass").lower()
        if len(data) > 4096 and len(pending) <= 64:
            found = {key for key in pending if key.encode("utf-8") in data}
        else:
            # Word by word, never all the words at once: a statement may be 100 MB.
            wanted = {key.encode("utf-8"): key for key in pending}
            found = {wanted[m.group()] for m in _WORD.finditer(data) if m.group() in wanted}
        if found:
            self._install_pending(sorted(found))

    def before_schema_change(self, sql: str) -> None:
        """Before SQL that may put a function that keeps state into the schema (a CHECK accepts one
        that is not deterministic): run it in fresh instances from now on, deterministic in fact."""
        if not self._stateful or _SCHEMA_CHANGE.search(sql) is None:
            return
        data = sql.encode("utf-8", "surrogatepass").lower()
        words = {m.group() for m in _WORD.finditer(data)}
        self._run_fresh([k for k in self._stateful if k.encode("utf-8") in words])

    def _notice_schema_elsewhere(self) -> None:
        """Another connection may have put a function that keeps state into the schema (an index
        on it): SQLite reads that schema without asking for determinism. When a schema version
        changed, the functions the schema names run fresh from now on. Within a transaction, once:
        reading the versions starts its read, and no other connection changes what it sees."""
        in_transaction = self.connection.in_transaction
        if in_transaction and self._checked_in_transaction:
            return
        self._checked_in_transaction = in_transaction
        try:
            versions = [
                self.connection.execute(f"PRAGMA {quote_identifier_always(db)}.schema_version").fetchall()
                for _seq, db, *_rest in self.connection.execute("PRAGMA database_list").fetchall()
            ]
        except apsw.Error:  # locked: the statement itself will say so, or read it next time
            return
        if versions == self._schema_seen:
            return
        self._schema_seen = versions
        words = self._schema_words()
        self._run_fresh([key for key in self._stateful if key in words])

    def _run_fresh(self, keys: list[str]) -> None:
        """Register functions keeping state anew, each call in a fresh instance (deterministic in fact)."""
        for key in keys:
            entry = self._stateful.pop(key)
            try:
                self.uninstall(entry.name)  # its direct registration, not deterministic, goes too
            except apsw.BusyError:  # a statement of this connection is running: SQLite keeps it
                self._stateful[key] = entry
                continue
            entry.run_fresh()
            self.install(entry, schema_words=set())

    def _install_pending(self, keys: list[str]) -> None:
        """Register stored functions: read each body once (determinism), or skip it with the reason."""
        self._refresh_sqlite_names()
        words: set[str] | None = None  # read once for all, when a function keeping state needs them
        for key in keys:
            entry = self.functions[key]
            if self.taken(entry.name):  # an extension or the application took the name since
                self._skip(entry, taken_reason(entry.name))
            elif self._read_body(entry, keep=True):
                if words is None and entry.keeps_state:
                    words = self._schema_words()
                self.install(entry, schema_words=words)

    def _read_body(self, entry: WasmFunction, *, keep: bool = False, signature: bool = False) -> bool:
        """``entry.inspect()``; False if the body cannot be read now (a lock: it stays as it is) or
        cannot be a module (a stored function not registered yet is then skipped, with the reason)."""
        try:
            entry.inspect(keep=keep, signature=signature)
        except apsw.BusyError:
            return False
        except (ModuleError, apsw.Error) as exc:
            if entry.origin == "stored" and not entry.installed:
                self._skip(entry, getattr(exc, "reason", f"its body cannot be read ({exc})"))
            return False
        return True

    def inspect(self, entry: WasmFunction) -> bool:
        """Read what ``.funcs`` shows about a function, one body at a time; False if the function
        proved unusable and is now among the ``skipped``."""
        read = self._read_body(entry, signature=True) and not entry.installed
        if read and self._stored_table(entry) is not None and self.table_taken(entry.name):
            self._skip_table(entry)  # as naming it in SQL would
        return self.functions.made().get(entry.key) is entry

    def _skip(self, entry: WasmFunction, reason: str) -> None:
        self.uninstall(entry.name)
        self.skipped.append(Skipped(entry.name, reason))

    def _skip_table(self, entry: WasmFunction) -> None:
        self._table_skips[entry.key] = entry.name
        self._skip(entry, table_taken_reason(entry.name))

    def upgrade_later(self, entry: WasmFunction) -> None:
        """Once a lazily compiled function is bound, register the direct call path.

        SQLite refuses to change functions while a statement runs, so this
        waits for the next execute().
        """
        self._upgrades.append(entry)
        self._maintenance = True

    def _rolled_back(self) -> None:
        self._maintenance = self._resync = True

    def after_rollback(self) -> None:
        """A script ran ROLLBACK: registrations follow it now, before its next statement."""
        self._maintain()

    def _maintain(self) -> None:
        self._maintenance = False
        try:
            if self._resync or self._unread:
                self._resync = False
                self.sync_stored()
            for entry in self._upgrades:
                if entry.fn is not None and self.functions.get(entry.key) is entry:
                    self._register_direct(entry)
            self._upgrades.clear()
        except apsw.BusyError:
            self._maintenance = self._resync = True  # a statement is still running; try next time

    def sync_stored(self) -> None:
        """Make registrations match the function table: at open, after a rollback, after SQL that wrote it.

        Reads the names only. Rows that cannot be functions are skipped with
        the reason (``skipped``). A function registered before stays registered
        (its body is read again in case it changed); the others are registered
        when a statement names them, or at once if the schema does.
        If the table cannot be read (a lock), ``stored_status`` says so and this
        runs again before the next statement, with the connection's busy timeout.
        """
        try:
            problem = self.catalog.shape_problem()
            stored = [] if problem else self.catalog.names()
            self._refresh_sqlite_names()
        except apsw.Error as exc:
            self._unread = True
            self.stored_status = (
                f"the stored functions could not be read yet ({exc}); they are registered once they can be"
            )
            return
        self._unread = False
        self.stored_status = f"{problem}: its rows are not read as functions" if problem else None
        usable, self.skipped = self._usable_rows(stored)
        for key, entry in list(self.functions.made().items()):
            if entry.origin == "stored" and (usable.get(key) != entry.name or self._body_changed(entry)):
                self.uninstall(key)
        self.functions.set_stored(usable)
        made = self.functions.made()
        self._pending = set(usable).difference(key for key, entry in made.items() if entry.installed)
        self.functions_version += 1
        wanted = self._pending & self._used  # registered before a rollback: again at once
        if self._pending:
            wanted |= self._pending & self._schema_words()
        if wanted:
            self._install_pending(sorted(wanted))

    def _usable_rows(self, stored: list[object]) -> tuple[dict[str, str], list[Skipped]]:
        """The rows that can be functions (folded name -> name) and the others, with the reason."""
        usable = all_usable_names(stored)  # the quick way, for a file of plain ASCII names
        skipped: list[Skipped] = []
        if usable is None:
            usable, skipped = self._check_names(stored)
        made = self.functions.made()
        ours = {key for key, entry in made.items() if entry.installed}
        session = {key for key, entry in made.items() if entry.origin == "session"}
        for key in usable.keys() & (self._sqlite_names | session | {RUN_WASM}):
            name = usable[key]
            if key in session:
                del usable[key]
                skipped.append(Skipped(name, "a function of this session has the same name"))
            elif key not in ours:
                del usable[key]
                skipped.append(Skipped(name, taken_reason(name)))
        for key in usable.keys() & self._table_skips.keys():
            if usable[key] == self._table_skips[key]:
                skipped.append(Skipped(usable.pop(key), table_taken_reason(self._table_skips[key])))
        return usable, skipped

    def _check_names(self, stored: list[object]) -> tuple[dict[str, str], list[Skipped]]:
        """Each name checked on its own: what is wrong with it, and names differing only in case."""
        skipped = []
        usable: dict[str, str] = {}
        repeated: dict[str, list[str]] = {}
        for raw in stored:
            problem = name_problem(raw)
            if problem is not None:
                skipped.append(Skipped(raw, problem))
                continue
            name = str(raw)
            key = fold(name)
            if key in usable:
                repeated[key] = [usable.pop(key), name]
            elif key in repeated:
                repeated[key].append(name)
            else:
                usable[key] = name
        for names in repeated.values():
            reason = f"stored {len(names)} times in different cases ({', '.join(map(shown, names))})"
            skipped += [Skipped(n, reason) for n in names]
        return usable, skipped

    def _body_changed(self, entry: WasmFunction) -> bool:
        """Whether a registered stored function's body is no longer the one it was registered with."""
        if not entry.installed:
            return False
        now = WasmFunction(self, entry.name, "stored")
        try:
            now.inspect()
        except (ModuleError, apsw.Error):  # registered again when next named, if it can be
            return True
        return now.digest != entry.digest

    def _schema_words(self) -> set[str]:
        """The words of every CREATE statement in every attached database (see install_mentioned)."""
        words: set[bytes] = set()
        query = "SELECT CAST(sql AS BLOB) FROM {}.sqlite_schema WHERE sql IS NOT NULL"
        for _seq, db, filename in self.connection.execute("PRAGMA database_list").fetchall():
            try:
                found = self.connection.execute(query.format(quote_identifier_always(db))).fetchall()
            except apsw.CorruptError:
                # Another connection put a function registered here as not deterministic into an
                # index or generated column: SQLite refuses that schema on this connection until
                # the function is deterministic. Read it where no function is registered.
                found = _schema_elsewhere(filename, query.format("main"))
            except apsw.Error:  # an attached database that cannot be read: its uses register on demand
                continue
            for (sql,) in found:
                words.update(_WORD.findall(sql.lower()))
        return {word.decode("utf-8", "replace") for word in words}

    def _register_run_wasm(self, *, in_c: bool = True) -> None:
        """Register SQL ``run_wasm(module, func_name, args...)``.

        The C function of ``native.py`` resolves a constant module once per
        statement; without it (or with ``in_c=False``) the Python one does
        (``_register_python_run_wasm``).
        """
        checked = self._run_wasm_checked
        if in_c and native.register_run_wasm(
            self.connection, lambda module, name, given: checked(module, name, given).call
        ):
            self.native_run_wasm = True
            return
        self.native_run_wasm = False
        _register_python_run_wasm(self.connection, checked)

    def _run_wasm_checked(self, module: Any, name: Any, given: int) -> SqlFunction:
        """run_wasm's function ``name`` of ``module``; ArgumentError unless it takes ``given`` arguments."""
        fn = self._run_wasm_lookup(module, name)
        if fn.nparams != given:
            raise ArgumentError(
                f"run_wasm: wasm function {name} takes {fn.nparams} argument"
                f"{'' if fn.nparams == 1 else 's'}, but {given} {'was' if given == 1 else 'were'} given"
            )
        return fn

    def _run_wasm_lookup(self, module: Any, name: Any) -> SqlFunction:
        if not isinstance(module, str | bytes):
            raise ArgumentError(
                "run_wasm: argument 1 (the module) must be TEXT (WebAssembly text) or a BLOB "
                f"(a binary module), got {sql_type_name(module)}"
            )
        if not isinstance(name, str):
            raise ArgumentError(
                f"run_wasm: argument 2 (the function name) must be TEXT, got {sql_type_name(name)}"
            )
        entry = self._run_wasm_modules.get(module)
        if entry is None:
            compiled = self.compile(module)
            from .runtime import Instance

            entry = (Instance(self.runtime, compiled, self), {})
            self._run_wasm_modules[module] = entry
            if len(self._run_wasm_modules) > RUN_WASM_MODULES:
                # Its store goes now; a statement still holding one of its
                # functions starts it again if it calls it.
                dropped, _fns = self._run_wasm_modules.pop(next(iter(self._run_wasm_modules)))
                dropped.close()
        else:
            self._run_wasm_modules[module] = self._run_wasm_modules.pop(module)  # now the most recent
        instance, fns = entry
        fn = fns.get(name)
        if fn is None:
            export = instance.compiled.find_export(name)
            if export is None:
                raise ModuleError(no_export_message(instance.compiled, name))
            from .abi import bind

            fn = fns[name] = bind(instance, export, name)
        return fn


def _with_note(exc: apsw.SQLError, note: str) -> apsw.SQLError:
    """SQLite's error with a note of ours after it, its codes and offset kept."""
    better = type(exc)(f"{exc} ({note})")
    for attribute in ("result", "extendedresult", "error_offset"):
        if hasattr(exc, attribute):
            setattr(better, attribute, getattr(exc, attribute))
    return better


def _sqlite_error(code: int, message: str, offset: int) -> apsw.Error:
    """The exception APSW raises for SQLite's error ``code`` (extended) with ``message``."""
    error = type(apsw.exception_for(code))(message)
    error.result, error.extendedresult, error.error_offset = code & 0xFF, code, offset
    return error


def _export_for(compiled: CompiledModule, name: str) -> str:
    """The export that makes ``name`` a function: its own (a scalar), a table-valued function's
    prefix (tables.py), or NAME_step (an aggregate)."""
    export = compiled.find_export(name) or tables.find_table(compiled, name)
    if export is None:
        parts = aggregate_exports(compiled.exports, name)
        if parts is None:
            raise ModuleError(no_export_message(compiled, name))
        export = parts["step"]
    return export


def _describe(compiled: CompiledModule, name: str, export: str) -> FunctionInfo:
    """What ``name`` (of ``export``) looks like from SQL; ModuleError if SQL cannot call it."""
    if function_kind(compiled.exports, name) in ("aggregate", "window"):
        from . import aggregate

        parts = aggregate_exports(compiled.exports, name)
        assert parts is not None and parts["step"] == export
        return aggregate.describe(name, compiled.exports, parts, compiled.has_memory, compiled.deterministic)
    from .abi import describe

    return describe(
        name, compiled.exports[export], compiled.has_memory, compiled.deterministic, export=export
    )


def _register_python_run_wasm(
    connection: apsw.Connection, checked: Callable[[Any, Any, int], SqlFunction]
) -> None:
    """Register run_wasm in Python: ``checked(module, name, nargs)`` gives the function to call.

    The module argument arrives as a new Python object on every row, so the
    last module used is compared first (identity, then length, then memcmp)
    before the modules are looked up by content. A function per argument
    count (up to 8) avoids packing the arguments into a tuple on every row.
    """
    last: list[Any] = [None, None, None, -1]  # module, name, call, nparams

    def resolve(module: Any, name: Any, given: int) -> Any:
        fn = checked(module, name, given)
        last[:] = module, name, fn.call, fn.nparams
        return fn.call

    def run_wasm(module: Any = None, name: Any = None, *args: Any) -> Any:
        if module == last[0] and name == last[1] and last[3] == len(args):
            return last[2](*args)
        return resolve(module, name, len(args))(*args)

    connection.create_scalar_function("run_wasm", run_wasm, -1, flags=INNOCUOUS)
    for count in range(9):
        connection.create_scalar_function(
            "run_wasm", _run_wasm_of(count, last, resolve), count + 2, flags=INNOCUOUS
        )


def _run_wasm_of(count: int, last: list[Any], resolve: Callable[[Any, Any, int], Any]) -> Callable[..., Any]:
    """run_wasm for exactly ``count`` arguments after the module and the name, written out."""
    args = "".join(f", a{k}" for k in range(count))
    source = (
        f"def run_wasm(module, name{args}):\n"
        f"    if module == last[0] and name == last[1] and last[3] == {count}:\n"
        f"        return last[2]({args[2:]})\n"
        f"    return resolve(module, name, {count})({args[2:]})\n"
    )
    namespace: dict[str, Any] = {"last": last, "resolve": resolve}
    exec(source, namespace)
    return namespace["run_wasm"]


def _schema_elsewhere(filename: str, query: str) -> list[tuple[bytes]]:
    """``query`` on a database file through a read-only connection of its own (no functions)."""
    if not filename:
        return []
    try:
        conn = apsw.Connection(filename, flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error:
        return []
    try:
        conn.set_busy_timeout(1000)
        return conn.execute(query).fetchall()
    except apsw.Error:
        return []
    finally:
        conn.close()


def connect(
    path: str = ":memory:",
    *,
    limits: Limits | None = None,
    readonly: bool = False,
    flags: int | None = None,
    vfs: str | None = None,
    contents: bytes | None = None,
) -> Session:
    """Open a SQLite database with Wasm functions ready; ``:memory:`` by default (see Session)."""
    return Session(path, limits=limits, readonly=readonly, flags=flags, vfs=vfs, contents=contents)
