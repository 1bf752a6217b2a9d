"""Sandbox limits. Kept apart from the runtime so they can be set without importing wasmtime."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-session sandbox limits; every field is settable from the shell."""

    timeout_ms: int = 5000
    memory_mb: int = 64
    module_mb: int = 32

    def __post_init__(self) -> None:
        for name in ("timeout_ms", "memory_mb", "module_mb"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")

    @property
    def memory_bytes(self) -> int:
        """The memory cap in bytes."""
        return self.memory_mb * MIB
