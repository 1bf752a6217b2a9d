"""The wasmshell engine: SQLite through APSW with WebAssembly functions. No terminal code."""

from .errors import (
    ArgumentError,
    Interrupted,
    MemoryLimitExceeded,
    ModuleError,
    ResultError,
    TimeLimitExceeded,
    WasmError,
    WasmTrap,
)
from .limits import Limits
from .session import Session, connect

__all__ = [
    "ArgumentError",
    "Interrupted",
    "Limits",
    "MemoryLimitExceeded",
    "ModuleError",
    "ResultError",
    "Session",
    "TimeLimitExceeded",
    "WasmError",
    "WasmTrap",
    "connect",
]
