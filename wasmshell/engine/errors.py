"""Exceptions raised by the engine.

Every message is written for the person at the shell: it names the function,
the argument, the trap or the limit involved. The shell prints ``str(error)``
as it is.
"""

from __future__ import annotations


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
