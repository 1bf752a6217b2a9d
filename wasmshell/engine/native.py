"""The optional C ``run_wasm`` (``_runwasm.c``) and how it reaches SQLite.

The C function caches the module's callable on the module argument with
``sqlite3_set_auxdata``, so a constant module costs nothing per row. It is
built when a C compiler and ``sqlite3ext.h`` are present at install time;
without it ``Session`` registers its pure-Python ``run_wasm``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw


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
