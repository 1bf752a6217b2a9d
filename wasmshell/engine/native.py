"""The optional C part (``_runwasm.c`` and its neighbours) and how the engine reaches it.

Three things live there: ``run_wasm`` as a C SQLite function, which caches
the module's callable on the module argument with ``sqlite3_set_auxdata``
so a constant module costs nothing per row; ``WasmCall``, the call of a
Wasm function from SQL without ctypes; and ``raw_rows``, a statement run
again with TEXT that is not UTF-8 kept as bytes. The part is built when a C
compiler and ``sqlite3ext.h`` are present at install time; without it the
engine uses its pure-Python equivalents (and such TEXT is an error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import apsw

# Off: Wasm functions are called through ctypes (the tests use both).
c_calls = True

WASM_CODES = {"i64": "q", "i32": "i", "f64": "d", "f32": "f", "ptr": "p"}
MAX_C_PARAMS = 255  # WasmCall's limit; more go through ctypes


def register_run_wasm(connection: apsw.Connection, resolve: Callable[[Any, Any, int], Any]) -> bool:
    """Define the C ``run_wasm`` on ``connection``; False if it is not available.

    ``resolve(module, name, nargs)`` returns the callable for the remaining
    arguments or raises the error the statement should fail with.
    """
    try:
        from . import _runwasm
    except ImportError:
        return False
    if not _runwasm.loaded() and not _load(connection, _runwasm.__file__):
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


def wasm_call(
    raw: Any,
    params: list[str],
    result: str | None,
    stats: list[int],
    bad: Callable[[int, Any], None],
    out_of_range: Callable[[int, int], None],
    fail: Callable[[int], None],
    instance: Any,
    name: str,
) -> Callable[..., Any] | None:
    """A C callable for a bound Wasm function, or None to use the Python one.

    ``raw`` is the function's ``rawcall.BoundCall``; ``params`` and
    ``result`` its ABI kinds (``ptr`` for a TEXT/BLOB/NULL in memory).
    ``bad`` and ``out_of_range`` raise for an argument, ``fail`` for a failed
    call (it gets wasmtime's error pointer); ``instance`` starts a store when
    there is none, places and reads values in memory when the C side meets
    anything unusual, and (a module with memory) is looked after between
    calls. NULL for a number gives NULL without a call.
    """
    if not c_calls or len(params) > MAX_C_PARAMS:
        return None
    codes = [WASM_CODES.get(p) for p in params]
    if None in codes or (result is not None and result not in WASM_CODES):
        return None
    try:
        from ._runwasm import WasmCall
    except ImportError:
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
    )


def rows_keeping_bytes(
    connection: apsw.Connection, sql: str, bindings: list[Any] | None
) -> tuple[list[str], Iterator[tuple[Any, ...]]] | None:
    """Run a statement again with TEXT that is not UTF-8 kept as bytes; None if it cannot be.

    APSW decodes TEXT strictly and fails the statement; sqlite3 writes such
    bytes as they are. This gives the statement's column names and rows, TEXT
    as str with the undecodable bytes as surrogates (``surrogateescape``).
    Only a statement that reads is run again, never one that writes.
    """
    try:
        from . import _runwasm
    except ImportError:
        return None
    if not _runwasm.loaded():
        return None
    return _runwasm.raw_rows(connection.sqlite3pointer(), connection, sql, bindings)
