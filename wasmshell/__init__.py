"""wasmshell: a sqlite3-like SQL shell whose SQL functions are written in WebAssembly."""

from .engine import (
    ArgumentError,
    Interrupted,
    LimitError,
    Limits,
    MemoryLimitExceeded,
    ModuleError,
    ResultError,
    Session,
    TimeLimitExceeded,
    WasmError,
    WasmTrap,
    connect,
)

__version__ = "0.1.0"

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
    "__version__",
    "connect",
]
