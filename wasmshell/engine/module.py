"""What is known of a module without wasmtime: whether it imports anything, which exports are ABI helpers.

The session and its functions use these before (or without) compiling, and
they are imported at start-up: nothing here imports wasmtime, or anything
slow to import (a compiled module is runtime.CompiledModule).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from .errors import ModuleError, WasmError

if TYPE_CHECKING:
    from .runtime import CompiledModule

# Exports that belong to libSQL's ABI or the toolchain, never SQL functions.
ABI_HELPERS = {"libsql_malloc", "libsql_free", "main", "_start", "_initialize"}


def is_abi_helper(name: str) -> bool:
    """Exports that belong to the ABI or the toolchain, not SQL functions."""
    return name in ABI_HELPERS or name.startswith("__")


def no_export_message(compiled: CompiledModule, name: str) -> str:
    """The error for a module that lacks the export a name asks for."""
    available = ", ".join(e for e in compiled.exports if not is_abi_helper(e)) or "none"
    return f"wasm module has no exported function '{name}' (its functions: {available})"


# WebAssembly text read by its tokens (_wat_imports): what matters, blanks, comments, strings.
# Compiled on first use (re keeps them): a start-up that reads no module does not pay for them.
# A "(" matters only when "import" or a comment follows it.
_WAT_SPECIAL = rb'\(;|;;|"|\((?=\s*(?:import|\(;|;;))'
_WAT_BLANKS = rb"(?:\s+|;;[^\n]*)*"
_WAT_BLOCK_COMMENT = rb"\(;|;\)"
_WAT_STRING_END = rb'(?s:(?:[^"\\]|\\.)*")'
_WAT_IMPORT = rb"import(?![0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~])"


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
    special, string_end, keyword = map(re.compile, (_WAT_SPECIAL, _WAT_STRING_END, _WAT_IMPORT))
    at = 0
    while (found := special.search(text, at)) is not None:
        token, at = found.group(), found.end()
        if token == b"(;":
            at = _block_comment_end(text, at)
        elif token == b";;":
            line_end = text.find(b"\n", at)
            at = len(text) if line_end < 0 else line_end
        elif token == b'"':
            string = string_end.match(text, at)
            at = len(text) if string is None else string.end()
        else:
            at = _skip_blanks(text, at)
            if keyword.match(text, at):
                return True
    return False


def _skip_blanks(text: bytes, at: int) -> int:
    """The position after blanks, line comments and block comments from ``at``."""
    blanks = re.compile(_WAT_BLANKS)
    while True:
        at = blanks.match(text, at).end()  # type: ignore[union-attr]  # matches the empty string
        if not text.startswith(b"(;", at):
            return at
        at = _block_comment_end(text, at + 2)


def _block_comment_end(text: bytes, at: int) -> int:
    """The position after the block comment opened just before ``at`` (they nest)."""
    depth, marks = 1, re.compile(_WAT_BLOCK_COMMENT)
    while depth and (found := marks.search(text, at)) is not None:
        depth += 1 if found.group() == b"(;" else -1
        at = found.end()
    return at if not depth else len(text)


# The exports that make NAME an aggregate (step and final) or also a window function (inverse).
AGGREGATE_PHASES = ("step", "final", "inverse", "value")


def _find(exports: Collection[str], wanted: str) -> str | None:
    """The export called ``wanted``: exactly, else the only case-insensitive match (as find_export)."""
    if wanted in exports:
        return wanted
    matches = [e for e in exports if e.lower() == wanted.lower()]
    return matches[0] if len(matches) == 1 else None


def aggregate_exports(exports: Collection[str], name: str) -> dict[str, str] | None:
    """``{"step": "isum_step", "final": ..., "inverse"?: ..., "value"?: ...}`` when the module makes
    ``name`` an aggregate (it exports NAME_step and NAME_final), else None."""
    found = {phase: _find(exports, f"{name}_{phase}") for phase in AGGREGATE_PHASES}
    if found["step"] is None or found["final"] is None:
        return None
    return {phase: export for phase, export in found.items() if export is not None}


def function_kind(exports: Collection[str], name: str) -> str:
    """ "scalar" (NAME is exported, as libSQL has it), "window" (NAME_step, NAME_final, NAME_inverse),
    "aggregate" (NAME_step and NAME_final), or "" when the module has no function of that name."""
    if _find(exports, name) is not None:
        return "scalar"
    parts = aggregate_exports(exports, name)
    if parts is None:
        return ""
    return "window" if "inverse" in parts else "aggregate"


def sql_functions(exports: Collection[str]) -> list[tuple[str, str]]:
    """Every SQL function of a module as (SQL name, export): scalars by their own export, aggregates
    by their step export; the exports of an aggregate are not scalars of their own."""
    found: list[tuple[str, str]] = []
    parts_of: set[str] = set()
    for export in exports:
        if export.lower().endswith("_step"):
            name = export[: -len("_step")]
            parts = aggregate_exports(exports, name)
            if parts is not None and parts["step"] == export:
                if _find(exports, name) is not None:
                    raise ModuleError(
                        f"wasm module exports {name} and {export}: {name} would be both a scalar "
                        "and an aggregate function"
                    )
                found.append((name, export))
                parts_of.update(parts.values())
    aggregates = dict(found)
    scalars = [(e, e) for e in exports if not is_abi_helper(e) and e not in parts_of]
    return [pair for pair in scalars if pair[0] not in aggregates] + found
