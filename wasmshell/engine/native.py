"""The optional C part (``_runwasm.c`` and its neighbours) and how the engine reaches it.

Four things live there: ``run_wasm`` as a C SQLite function, which caches
the module's callable on the module argument with ``sqlite3_set_auxdata``
so a constant module costs nothing per row; ``WasmCall``, the call of a
Wasm function from SQL without ctypes; ``raw_rows``, a statement run
again with TEXT that is not UTF-8 kept as bytes; and ``insert_lines``,
.import's plain lines inserted without a Python object per row. The part is built when a C
compiler and ``sqlite3ext.h`` are present at install time; without it the
engine uses its pure-Python equivalents (and such TEXT is an error).
"""

from __future__ import annotations

import apsw

from ..lean import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

# Off: Wasm functions are called through ctypes (the tests use both).
c_calls = True

WASM_CODES = {"i64": "q", "i32": "i", "f64": "d", "f32": "f", "ptr": "p"}
MAX_C_PARAMS = 255  # WasmCall's limit; more go through ctypes


def register_run_wasm(connection: apsw.Connection, resolve: Callable[[Any, Any, int], Any]) -> bool:
    """Define the C ``run_wasm`` on ``connection``; False if it is not available.

    ``resolve(module, name, nargs)`` returns the callable for the remaining
    arguments or raises the error the statement should fail with.
    """
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return False
    _runwasm.register(connection.sqlite3pointer(), resolve)
    return True


def _load(connection: apsw.Connection, path: str) -> bool:
    """Load the extension once per process to receive SQLite's routine table."""
    try:
        load_extension(connection, path, "sqlite3_runwasm_init")
    except (apsw.Error, AttributeError):  # AttributeError: an APSW built without extensions
        return False
    return True


def load_extension(connection: apsw.Connection, path: str, entry: str | None = None) -> None:
    """Load a SQLite extension through the C API, enabled for this one call only.

    SQL's ``load_extension()`` is not turned on by it, and the setting is put
    back as it was (the shell may have turned it on). Raises ``apsw.Error``
    with SQLite's message (APSW's class name taken off it).
    """
    option = apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION
    before = connection.config(option, -1)
    try:
        connection.config(option, 1)
        connection.load_extension(path, entry)
    except apsw.ExtensionLoadingError as exc:
        raise apsw.ExtensionLoadingError(str(exc).removeprefix("ExtensionLoadingError: ")) from None
    finally:
        connection.config(option, before)


def _c_part(connection: apsw.Connection) -> Any:
    """The C part with SQLite's routine table received (loaded through ``connection`` the
    first time), or None where it is not built or cannot be loaded."""
    try:
        from . import _runwasm
    except ImportError:
        return None
    if _runwasm.loaded() or _load(connection, _runwasm.__file__):
        return _runwasm
    return None


def _c_word_starts() -> Any:
    try:
        from ._runwasm import word_starts
    except ImportError:
        return None
    return word_starts


# word_starts(data, stems, anywhere=()) of _scan.c (it needs no SQLite), or None without the C part.
word_starts = _c_word_starts()


def imposter(connection: apsw.Connection, schema: str, on: int, tnum: int) -> int | None:
    """SQLite's SQLITE_TESTCTRL_IMPOSTER test control on ``connection`` (on: 0 off, 1 on,
    2 on and writable): SQLite's result code, or None where the C part is not built."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    return _runwasm.imposter(connection.sqlite3pointer(), schema, on, tnum)


def test_control(connection: apsw.Connection, op: int, value: int) -> int | None:
    """One of the sqlite3_test_control() calls the shell's .testctrl makes (SQLite's operation
    code, and the one value it takes, if any): its result, or None where the C part is not
    built (see _runwasm.c's test_control)."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    return _runwasm.test_control(connection.sqlite3pointer(), op, value)


def wasm_call(
    raw: Any,
    params: list[str],
    result: str | None,
    stats: memoryview,
    bad: Callable[[int, Any], None],
    out_of_range: Callable[[int, int], None],
    fail: Callable[[int], None],
    instance: Any,
    name: str,
    *,
    skip: int = 0,
) -> Callable[..., Any] | None:
    """A C callable for a bound Wasm function, or None to use the Python one.

    ``raw`` is the function's ``rawcall.BoundCall``; ``params`` and
    ``result`` its ABI kinds (``ptr`` for a TEXT/BLOB/NULL in memory).
    ``bad`` and ``out_of_range`` raise for an argument, ``fail`` for a failed
    call (it gets wasmtime's error pointer); ``instance`` starts a store when
    there is none, places and reads values in memory when the C side meets
    anything unusual, and (a module with memory) is looked after between
    calls. NULL for a number gives NULL without a call. The first ``skip``
    parameters are not SQL arguments (an aggregate's state): errors count
    SQL arguments from the one after.
    """
    if not c_calls or len(params) > MAX_C_PARAMS:
        return None
    codes = [WASM_CODES.get(p) for p in params]
    if None in codes or (result is not None and result not in WASM_CODES):
        return None
    WasmCall = _wasm_call_class()
    if WasmCall is None:
        return None
    addresses = raw.addresses()
    malloc = instance.malloc_call
    if addresses is None or ("p" in codes and malloc is None):
        return None
    import ctypes

    return WasmCall(
        addresses,
        "".join(codes),  # type: ignore[arg-type]
        WASM_CODES[result] if result else "",
        (raw, malloc),
        stats,
        bad,
        out_of_range,
        fail,
        instance,
        ctypes.addressof(instance.control),
        # Only a module with memory has anything to look after between calls.
        instance.compiled.has_memory,
        name,
        malloc.addresses() if malloc is not None and "p" in codes else None,
        skip,
    )


def _wasm_call_class() -> Any:
    """The C part's WasmCall, or None without it or where it was built for another layout of the
    instance's control block than runtime's (it would read and write past the block)."""
    try:
        from ._runwasm import CONTROL_MEMORY, CONTROL_SLOTS, WasmCall
    except ImportError:
        return None
    from . import runtime

    return WasmCall if (CONTROL_MEMORY, CONTROL_SLOTS) == (runtime.MEMORY, runtime.CONTROL_SLOTS) else None


def create_function(connection: apsw.Connection, name: str, call: Any, flags: int) -> bool:
    """Register ``call`` (a ``WasmCall``, of ``wasm_call``) as the C SQL function ``name`` of its
    exact number of arguments: SQLite then calls wasmtime from C, with no Python per row in the
    common case. False (nothing registered) where ``call`` is not a WasmCall or the C part
    cannot be loaded; the caller then registers it through APSW."""
    if not c_calls:
        return False
    _runwasm = _c_part(connection)
    if _runwasm is None or type(call) is not _runwasm.WasmCall:
        return False
    code = _runwasm.create_function(connection.sqlite3pointer(), name, call.nparams, flags, call)
    _check_registered(code, name)
    return True


def _check_registered(code: int, name: str) -> None:
    """Raise what APSW would for SQLite's result code of registering a function."""
    if code == apsw.SQLITE_BUSY:  # as APSW says it: a statement is running
        raise apsw.BusyError("unable to delete/modify user-function due to active statements")
    if code != apsw.SQLITE_OK:
        raise apsw.SQLError(f"registering {name} failed: {apsw.mapping_result_codes.get(code, code)}")


def create_aggregate(connection: apsw.Connection, name: str, fn: Any, flags: int) -> bool:
    """Register a bound Wasm aggregate (aggregate.AggregateFunction; a window function if it has an
    inverse) as C SQLite functions for its exact number of arguments: each row's step is a C call
    into wasmtime. False (nothing registered) where its phases are not C calls or the C part cannot
    be loaded."""
    native = fn.native
    if not c_calls or native is None:
        return False
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return False
    code = _runwasm.create_aggregate(
        connection.sqlite3pointer(),
        name,
        fn.nparams,
        flags,
        native.fast,
        native.python,
        native.group,
        native.first_pointer,
        native.state,
    )
    _check_registered(code, name)
    return True


def create_table(connection: apsw.Connection, name: str, module: Any) -> bool:
    """Register a Wasm table-valued function (tables.TableModule) as an eponymous, read-only C
    virtual table: its rows reach SQLite from each batch's bytes, with no Python per row. False
    (nothing registered) where the C part cannot be loaded."""
    if not c_calls:
        return False
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return False
    _check_registered(_runwasm.create_table(connection.sqlite3pointer(), name, module), name)
    return True


def rest_of_rows(connection: apsw.Connection, sql: str, keep: int) -> tuple[int, list[Any], Any] | None:
    """The rows of the statement APSW is in the middle of (its text in ``sql``), after the last it
    gave, to the end, counted in C with only the last ``keep`` made into Python rows; None where
    that cannot be (no C part, no such statement: nothing was stepped). Gives (count, last rows,
    error): error is None, the exception a function raised, or an ``apsw.Error`` as APSW would
    raise for SQLite's failure. The caller closes APSW's cursor, whose statement is then done."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    got = _runwasm.rest_of_rows(connection.sqlite3pointer(), sql, keep)
    if got is None:
        return None
    count, last, error = got
    if isinstance(error, tuple):
        code, message = error
        error = apsw.exception_for(code)
        error.args = (message,)
    return count, last, error


def _c_rows_stepped() -> Callable[[], int]:
    try:
        from ._runwasm import rows_stepped
    except ImportError:
        return lambda: 0
    return rows_stepped


# How many rows the rest_of_rows running now has stepped (the last one's total once it returned; 0
# without the C part): read by a progress handler while that loop runs, so bound once here.
rows_stepped = _c_rows_stepped()


def rows_keeping_bytes(
    connection: apsw.Connection, sql: str, bindings: list[Any] | None
) -> tuple[list[str], Iterator[tuple[Any, ...]]] | None:
    """Run a statement again with TEXT that is not UTF-8 kept as bytes; None if it cannot be.

    APSW decodes TEXT strictly and fails the statement; sqlite3 writes such
    bytes as they are. This gives the statement's column names and rows, TEXT
    as str with the undecodable bytes as surrogates (``surrogateescape``).
    Only a statement that reads is run again, never one that writes.
    """
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    return _runwasm.raw_rows(connection.sqlite3pointer(), connection, sql, bindings)


def bulk_inserter(connection: apsw.Connection) -> Callable[..., tuple[int, int, str | None]] | None:
    """``insert(sql, data, colsep, rowsep, csv, ncol) -> (lines, bytes, error)``: the rows of
    plain lines inserted in C (see _bulkinsert.c); None without the C part."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    pointer = connection.sqlite3pointer()
    insert_lines = _runwasm.insert_lines

    def insert(
        sql: str, data: Any, colsep: str, rowsep: str, csv: bool, ncol: int
    ) -> tuple[int, int, str | None]:
        return insert_lines(pointer, sql, data, colsep, rowsep, csv, ncol)

    return insert


# How run_plain stopped (see _bulkinsert.c).
RUN_ALL, RUN_ROWS, RUN_PARSE, RUN_STEP = range(4)


def plain_runner(
    connection: apsw.Connection,
) -> Callable[[bytes, int], tuple[int, int, int, Any, int, int]] | None:
    """``run(sql, start) -> (done, outcome, code, error, offset, at)``: SQL's statements from byte
    ``start`` on run in C while they give no result columns (see _bulkinsert.c); None without
    the C part."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    pointer = connection.sqlite3pointer()
    run_plain = _runwasm.run_plain
    return lambda sql, start: run_plain(pointer, sql, start)


REAL_TEXT, REAL_LITERAL = 0, 1  # "%!.17g" (CAST AS TEXT), "%.16g" (the shell's insert and json modes)
_FORMATS = {REAL_TEXT: "%!.17g", REAL_LITERAL: "%.16g"}


def real_formatter() -> Callable[[float, int], str]:
    """``format(value, style)``: a REAL as SQLite's own printf writes it (``REAL_TEXT``,
    ``REAL_LITERAL``). SQLite's digits are its own (its 17th differs from an exact
    conversion's), so they are asked of SQLite: in C when the C part is there, else
    through SQL on a private connection."""
    global _real_formatter
    if _real_formatter is None:
        _real_formatter = _make_real_formatter()
    return _real_formatter


_real_formatter: Callable[[float, int], str] | None = None


def _make_real_formatter() -> Callable[[float, int], str]:
    _runwasm = _c_part(apsw.Connection(":memory:"))
    if _runwasm is not None:
        c_format = _runwasm.real_text
        return lambda value, style=REAL_TEXT: c_format(value, style)
    return sql_real_formatter()


def sql_real_formatter() -> Callable[[float, int], str]:
    """``real_formatter`` without the C part: SQLite's printf() on a connection of its own."""
    cursor = apsw.Connection(":memory:").cursor()

    def sql_format(value: float, style: int = REAL_TEXT) -> str:
        return cursor.execute("SELECT printf(?1, ?2)", (_FORMATS[style], value)).fetchone()[0]

    return sql_format


# What statement_status gives, in this order.
STATEMENT_COUNTERS = (
    "vm_steps",
    "fullscan",
    "sorts",
    "autoindex",
    "filter_hit",
    "filter_miss",
    "reprepares",
    "runs",
    "memory",
)


def statement_status(connection: apsw.Connection, sql: str, reset: bool = False) -> tuple[int, ...] | None:
    """SQLite's counters of the prepared statement whose text is ``sql`` (sqlite3_stmt_status),
    in the order of STATEMENT_COUNTERS, set back to 0 if ``reset``; None without the C part or
    when no statement of that text is prepared on the connection."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    return _runwasm.stmt_status(connection.sqlite3pointer(), sql, reset)


def explain_rows(
    connection: apsw.Connection, sql: str, full: bool
) -> tuple[list[Any], list[Any] | None] | None:
    """The query plan of the first statement of ``sql`` (EXPLAIN QUERY PLAN's rows) and, if
    ``full``, its bytecode (EXPLAIN's rows), both of one statement as sqlite3's .eqp shows
    them; None without the C part or when ``sql`` does not prepare."""
    _runwasm = _c_part(connection)
    if _runwasm is None:
        return None
    return _runwasm.explain_rows(connection.sqlite3pointer(), sql, full)
