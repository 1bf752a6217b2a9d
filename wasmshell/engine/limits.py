"""Sandbox limits. Kept apart from the runtime so they can be set without importing wasmtime."""

from __future__ import annotations

from ..lean import Record

MIB = 1024 * 1024
# Beyond these a limit means nothing: 32-bit Wasm addresses at most 4 GiB,
# and a week is no time limit.
LARGEST = {
    "timeout_ms": 7 * 24 * 3600 * 1000,
    "memory_mb": 4096,
    "module_mb": 4096,
    "table_elements": 0xFFFFFFFF,
    "output_kb": 4 * 1024 * 1024,
    "compile_ms": 7 * 24 * 3600 * 1000,
}


class Limits(Record):
    """Per-session sandbox limits; every field is settable from the shell.

    A named tuple (``lean.Record``) rather than a dataclass: ``dataclasses`` costs milliseconds
    to import, and start-up time is a feature of a command-line tool.
    """

    timeout_ms: int = 5000  # one call into Wasm, sleeping in WASI included
    memory_mb: int = 64  # linear memory of one instance
    module_mb: int = 32  # size of a module's source
    table_elements: int = 1_000_000  # elements of any one table of an instance (at most 4 tables)
    output_kb: int = 1024  # guest stdout and stderr kept per statement; the rest is dropped
    compile_ms: int = 60000  # compiling one module

    def checked(self) -> Limits:
        """These limits, after making sure each is a whole number from 1 to its largest value."""
        for name, value in zip(self._fields, self, strict=True):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
            if value > LARGEST[name]:
                raise ValueError(f"{name} can be at most {LARGEST[name]:,}, got {value:,}")
        return self

    @property
    def memory_bytes(self) -> int:
        """The memory cap in bytes."""
        return self.memory_mb * MIB
