"""The wasmshell engine: SQLite through APSW with WebAssembly functions. No terminal code."""

from .errors import (
    ArgumentError,
    Interrupted,
    LimitError,
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
    "LimitError",
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
