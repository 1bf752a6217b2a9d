"""The optional C part (``_runwasm.c``) and how the engine reaches it.

Two things live there: ``run_wasm`` as a C SQLite function, which caches
the module's callable on the module argument with ``sqlite3_set_auxdata``
so a constant module costs nothing per row, and ``NumberCall``, the call of
a Wasm function of numbers without ctypes. The part is built when a C
compiler and ``sqlite3ext.h`` are present at install time; without it the
engine uses its pure-Python equivalents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw

# Off: functions of numbers are called through ctypes (the tests use both).
number_calls = True

WASM_CODES = {"i64": "q", "i32": "i", "f64": "d", "f32": "f"}
MAX_NUMBER_PARAMS = 255  # NumberCall's limit; more go through ctypes


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
    """Load the extension once per process to receive SQLite's routine table.

    Only the C API is enabled, for this one call: SQL's ``load_extension()``
    stays off.
    """
    option = apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION
    try:
        connection.config(option, 1)
        connection.load_extension(path, "sqlite3_runwasm_init")
    except (apsw.Error, AttributeError):  # AttributeError: an APSW built without extensions
        return False
    finally:
        connection.config(option, 0)
    return True


def number_call(
    raw: Any,
    params: list[str],
    result: str | None,
    stats: list[int],
    bad: Callable[[int, Any], None],
    out_of_range: Callable[[int, int], None],
    fail: Callable[[int], None],
) -> Callable[..., Any] | None:
    """A C callable for a Wasm function whose parameters and result are numbers, or None.

    ``raw`` is the function's ``rawcall.BoundCall``; ``bad`` and
    ``out_of_range`` raise for an argument, ``fail`` for a failed call (it
    gets wasmtime's error pointer). NULL arguments give NULL without a call.
    """
    if not number_calls or len(params) > MAX_NUMBER_PARAMS:
        return None
    if any(p not in WASM_CODES for p in params) or (result and result not in WASM_CODES):
        return None
    try:
        from ._runwasm import NumberCall
    except ImportError:
        return None
    addresses = raw.addresses()
    if addresses is None:  # pragma: no cover - depends on wasmtime version
        return None
    return NumberCall(
        addresses,
        "".join(WASM_CODES[p] for p in params),
        WASM_CODES[result] if result else "",
        raw,
        stats,
        bad,
        out_of_range,
        fail,
    )
