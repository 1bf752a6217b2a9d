"""What is known of a module without wasmtime: whether it imports anything, which exports are ABI helpers.

The session and its functions use these before (or without) compiling, and
they are imported at start-up: nothing here imports wasmtime, or anything
slow to import (a compiled module is runtime.CompiledModule).
"""

from __future__ import annotations

from ..lean import TYPE_CHECKING
from .errors import ModuleError, WasmError

if TYPE_CHECKING:
    import re
    from collections.abc import Collection

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


# WebAssembly text read by its tokens (_wat_facts): what matters, blanks, comments, strings.
# Compiled on first use (re keeps them): a start-up that reads no module does not pay for them.
# A "(" matters only when one of the words below or a comment follows it.
_WAT_SPECIAL = (
    rb'\(;|;;|"|\((?=\s*(?:import|memory|table|mut|module|\(;|;;))'
    rb"|(?<![0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~])(?:"  # an instruction that changes memory or a table
    rb"(?:i32|i64|f32|f64|v128)\.(?:atomic\.)?(?:store|rmw)|memory\.(?:grow|fill|copy|init|atomic)"
    rb"|data\.drop|table\.(?:set|grow|fill|copy|init)|elem\.drop)"
)
_WAT_BLANKS = rb"(?:\s+|;;[^\n]*)*"
_WAT_BLOCK_COMMENT = rb"\(;|;\)"
_WAT_STRING_END = rb'(?s:(?:[^"\\]|\\.)*")'
_IDCHARS = rb"0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~"
_WAT_FORM = rb"(import|memory|table|mut|module)(?![" + _IDCHARS + rb"])"
_WAT_HIDDEN_MODULE = (
    rb"(?:\$[" + _IDCHARS + rb"]+)?" + _WAT_BLANKS + rb"(?:binary|quote)(?![" + _IDCHARS + rb"])"
)
_WAT_ESCAPE = rb"\\(?:u\{([0-9A-Fa-f_]+)\}|([0-9A-Fa-f]{2})|(.))"
_SIMPLE_ESCAPES = {b"t": b"\t", b"n": b"\n", b"r": b"\r", b'"': b'"', b"'": b"'", b"\\": b"\\"}

HIDDEN_MODULE = "its text holds a binary module, which is not read before compiling"


def not_deterministic(body: str | bytes) -> str | None:
    """Why the functions of a module not compiled yet cannot be deterministic, or None if they are.

    A function is registered deterministic only if the same arguments give
    the same result whatever ran before: its module imports nothing (no
    clock, no randomness) and can keep no state from one call to the next
    (``wasmbin.kept_state``). A compiled module says the same
    (``CompiledModule.not_deterministic``). WebAssembly text is read by its
    tokens, erring towards "not deterministic" where text and binary could
    differ; a binary that cannot be read is not deterministic.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if body.startswith(b"\0asm"):
        from .wasmbin import import_count, kept_state

        try:
            if import_count(body):
                return IMPORTS
            state = kept_state(body)
        except WasmError as exc:
            return f"it cannot be read ({exc})"
        return None if state is None else KEEPS_STATE + state
    return _reason(_wat_facts(body))


IMPORTS = "it imports WASI functions (a clock, random bytes)"
KEEPS_STATE = "it can keep state between calls in "


def _reason(facts: set[str]) -> str | None:
    """The reason ``not_deterministic`` gives for what the text holds (the order of kept_state)."""
    if "hidden" in facts:
        return HIDDEN_MODULE
    if "import" in facts:
        return IMPORTS
    if "mut" in facts:
        return KEEPS_STATE + "a mutable global"
    if "memory" in facts and "libsql_malloc" in facts:
        return KEEPS_STATE + "a linear memory the host writes arguments into (it exports libsql_malloc)"
    if "memory" in facts and "writes" in facts:
        return KEEPS_STATE + "a linear memory its code writes or grows"
    if "table" in facts and "writes" in facts:
        return KEEPS_STATE + "a table its code changes"
    return None


def _wat_facts(text: bytes) -> set[str]:
    """What WebAssembly text holds, outside comments: "import", "memory", "table", "mut" forms, a
    "hidden" binary module, "writes" (an instruction that changes memory or a table) and
    "libsql_malloc" (a string spelling that name, escapes read)."""
    import re  # read WebAssembly text only when a module comes: not at start-up

    special, string_end, form = map(re.compile, (_WAT_SPECIAL, _WAT_STRING_END, _WAT_FORM))
    facts: set[str] = set()
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
            end = len(text) if string is None else string.end()
            if b"malloc" in text[at:end] and _unescape(text[at : end - 1]) == b"libsql_malloc":
                facts.add("libsql_malloc")
            at = end
        elif token == b"(":
            at = _skip_blanks(text, at)
            word = form.match(text, at)
            if word is not None:
                at = word.end()
                facts.add(word.group(1).decode())
                if word.group(1) == b"module" and re.compile(_WAT_HIDDEN_MODULE).match(
                    text, _skip_blanks(text, at)
                ):
                    facts.add("hidden")
        else:
            facts.add("writes")
    return facts


def _unescape(raw: bytes) -> bytes:
    """The bytes a WebAssembly text string stands for (its escapes read)."""
    import re  # read WebAssembly text only when a module comes: not at start-up

    def one(m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:
            try:
                return chr(int(m.group(1).replace(b"_", b""), 16)).encode("utf-8", "surrogatepass")
            except (ValueError, OverflowError):
                return b"?"
        if m.group(2) is not None:
            return bytes([int(m.group(2), 16)])
        return _SIMPLE_ESCAPES.get(m.group(3), b"?")

    return re.sub(_WAT_ESCAPE, one, raw, flags=re.S)


def _skip_blanks(text: bytes, at: int) -> int:
    """The position after blanks, line comments and block comments from ``at``."""
    import re  # read WebAssembly text only when a module comes: not at start-up

    blanks = re.compile(_WAT_BLANKS)
    while True:
        at = blanks.match(text, at).end()  # type: ignore[union-attr]  # matches the empty string
        if not text.startswith(b"(;", at):
            return at
        at = _block_comment_end(text, at + 2)


def _block_comment_end(text: bytes, at: int) -> int:
    """The position after the block comment opened just before ``at`` (they nest)."""
    import re  # read WebAssembly text only when a module comes: not at start-up

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
