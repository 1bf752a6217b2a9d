"""Exceptions raised by the engine.

Every message is written for the person at the shell: it names the function,
the argument, the trap or the limit involved. The shell prints ``str(error)``
as it is.
"""

from __future__ import annotations

from ..lean import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class WasmError(Exception):
    """Base class of every error about a WebAssembly module or function."""


class ModuleError(WasmError):
    """A module cannot be used: malformed, too large, refused import, missing export..."""


class WasmTrap(WasmError):
    """A WebAssembly function trapped while it ran.

    ``function`` is the SQL-visible name and ``reason`` the short trap
    description, e.g. ``integer divide by zero``.
    """

    def __init__(self, function: str, reason: str) -> None:
        super().__init__(f"wasm trap in {function}: {reason}")
        self.function = function
        self.reason = reason


class TimeLimitExceeded(WasmTrap):
    """A call ran longer than the per-call time limit."""


class MemoryLimitExceeded(WasmTrap):
    """A module asked for more linear memory than the per-instance cap."""


class Interrupted(WasmTrap):
    """A call was stopped on request (Ctrl-C in the shell)."""


class ArgumentError(WasmError):
    """An SQL value that the function's parameter cannot take."""


class ResultError(WasmError):
    """A function returned a malformed value (bad tag, pointer out of bounds, bad UTF-8)."""


class LimitError(WasmError):
    """A change of limits that cannot apply to the modules in use; nothing was changed."""


class StatementError(WasmError):
    """A malformed CREATE FUNCTION or DROP FUNCTION statement."""


# -- the words of the messages ------------------------------------------------


def wasmtime_message(message: str) -> str:
    """The useful part of a wasmtime error message: its causes, without backtraces."""
    import re  # only for wasmtime's messages: not imported at start-up

    lines = [ln.strip() for ln in message.strip().splitlines()]
    if "Caused by:" in lines:
        causes = [ln for ln in lines[lines.index("Caused by:") + 1 :] if ln]
        causes = [re.sub(r"^\d+:\s*", "", c) for c in causes]
        text = ": ".join(causes)
    else:
        text = lines[0] if lines else message
        location = next((ln for ln in lines if ln.startswith("--> ")), None)
        if location:
            where = re.search(r":(\d+):(\d+)$", location)
            if where:
                text += f" (line {where.group(1)}, column {where.group(2)})"
    return re.sub(r"^wasm trap: ", "", text)


def sql_type_name(value: Any) -> str:
    """SQLite's name for the storage class of a Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "REAL"
    if isinstance(value, str):
        return "TEXT"
    return "BLOB"
