"""Sandbox limits. Kept apart from the runtime so they can be set without importing wasmtime."""

from __future__ import annotations

from typing import NamedTuple

MIB = 1024 * 1024


class Limits(NamedTuple):
    """Per-session sandbox limits; every field is settable from the shell.

    A named tuple rather than a dataclass: ``dataclasses`` costs milliseconds
    to import, and start-up time is a feature of a command-line tool.
    """

    timeout_ms: int = 5000
    memory_mb: int = 64
    module_mb: int = 32

    def checked(self) -> Limits:
        """These limits, after making sure each is a positive whole number."""
        for name, value in zip(self._fields, self, strict=True):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        return self

    @property
    def memory_bytes(self) -> int:
        """The memory cap in bytes."""
        return self.memory_mb * MIB
