"""What wasmshell knows about a module: its exports' signatures, its imports, its ABI helpers.

Kept apart from the runtime, and free of wasmtime, so that the function table
and the session can name these facts (and judge a stored body) without
importing wasmtime: a compiled module is described here, made in runtime.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import WasmError

if TYPE_CHECKING:
    import wasmtime

# Exports that belong to libSQL's ABI or the toolchain, never SQL functions.
ABI_HELPERS = {"libsql_malloc", "libsql_free", "main", "_start", "_initialize"}


@dataclass(frozen=True)
class Signature:
    """A function's wasm types: parameters and (at most one) result."""

    params: tuple[str, ...]
    results: tuple[str, ...]


@dataclass(eq=False)
class CompiledModule:
    """A compiled module and what wasmshell needs to know about it."""

    module: wasmtime.Module
    size: int  # bytes of source: the runtime's cache is bounded by it, storing a module counts it
    digest: str  # sha256 of the source, as .funcs shows it
    exports: dict[str, Signature]
    has_memory: bool
    has_malloc: bool
    uses_wasi: bool
    initial_memory: int = 0  # bytes of linear memory the module starts with
    imports: list[str] = field(default_factory=list)
    _by_lower: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in self.exports:
            self._by_lower.setdefault(name.lower(), []).append(name)

    @property
    def deterministic(self) -> bool:
        """No imports means no clock, no randomness: the same arguments give the same result."""
        return not self.imports

    def find_export(self, name: str) -> str | None:
        """The export called ``name``: exactly, else the only case-insensitive match."""
        if name in self.exports:
            return name
        matches = self._by_lower.get(name.lower(), [])
        return matches[0] if len(matches) == 1 else None


def is_abi_helper(name: str) -> bool:
    """Exports that belong to the ABI or the toolchain, not SQL functions."""
    return name in ABI_HELPERS or name.startswith("__")


def no_export_message(compiled: CompiledModule, name: str) -> str:
    """The error for a module that lacks the export a name asks for."""
    available = ", ".join(e for e in compiled.exports if not is_abi_helper(e)) or "none"
    return f"wasm module has no exported function '{name}' (its functions: {available})"


# What may follow "(" in WebAssembly text before its keyword: blanks and comments.
_WAT_SPECIAL = re.compile(rb'\(;|;;|"|\(')
_WAT_BLANKS = re.compile(rb"(?:\s+|;;[^\n]*)*")
_WAT_BLOCK_COMMENT = re.compile(rb"\(;|;\)")
_WAT_STRING_END = re.compile(rb'(?:[^"\\]|\\.)*"', re.S)
_WAT_IMPORT = re.compile(rb"import(?![0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~])")


def imports_anything(body: str | bytes) -> bool:
    """Whether a module not compiled yet imports anything (so is not deterministic).

    A compiled module says it itself (``CompiledModule.deterministic``); this
    gives the same answer without compiling: a binary's import section is
    read, and WebAssembly text is read token by token, so that "(import" in a
    comment or a string does not count and a comment between "(" and
    "import" hides nothing. Errs towards True for what cannot be read.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if body.startswith(b"\0asm"):
        from .wasmbin import import_count

        try:
            return import_count(body) > 0
        except WasmError:
            return True
    return b"import" in body and _wat_imports(body)


def _wat_imports(text: bytes) -> bool:
    """Whether WebAssembly text has an ``(import`` form (or an inline one), outside comments and strings."""
    at = 0
    while (found := _WAT_SPECIAL.search(text, at)) is not None:
        token, at = found.group(), found.end()
        if token == b"(;":
            at = _block_comment_end(text, at)
        elif token == b";;":
            line_end = text.find(b"\n", at)
            at = len(text) if line_end < 0 else line_end
        elif token == b'"':
            string = _WAT_STRING_END.match(text, at)
            at = len(text) if string is None else string.end()
        else:
            at = _skip_blanks(text, at)
            if _WAT_IMPORT.match(text, at):
                return True
    return False


def _skip_blanks(text: bytes, at: int) -> int:
    """The position after blanks, line comments and block comments from ``at``."""
    while True:
        at = _WAT_BLANKS.match(text, at).end()  # type: ignore[union-attr]  # matches the empty string
        if not text.startswith(b"(;", at):
            return at
        at = _block_comment_end(text, at + 2)


def _block_comment_end(text: bytes, at: int) -> int:
    """The position after the block comment opened just before ``at`` (they nest)."""
    depth = 1
    while depth and (found := _WAT_BLOCK_COMMENT.search(text, at)) is not None:
        depth += 1 if found.group() == b"(;" else -1
        at = found.end()
    return at if not depth else len(text)
