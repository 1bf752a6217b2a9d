"""Just enough of the WebAssembly binary format to read imports and exported function types.

wasmtime's C API aborts the whole process when asked about a ``v128`` value
type, so function signatures are read from the module's bytes instead: the
type, import, function and export sections. The same reader tells, without
compiling, whether a stored module imports anything (which decides whether
its functions are deterministic).

The bytes may come from a hostile database file: every read is bounds-checked
and nothing recurses, so any input gives a result or a ModuleError, never
another exception.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import ModuleError

VALTYPES = {
    0x7F: "i32",
    0x7E: "i64",
    0x7D: "f32",
    0x7C: "f64",
    0x7B: "v128",
    0x70: "funcref",
    0x6F: "externref",
}
MAGIC = b"\0asm"
VERSION = b"\x01\0\0\0"
TYPE, IMPORT, FUNCTION, EXPORT = 1, 2, 3, 7

Signature = tuple[tuple[str, ...], tuple[str, ...]]


def _malformed(what: str) -> ModuleError:
    return ModuleError(f"cannot read wasm module: {what}")


class _Reader:
    """Reads one section (or the whole module) with every access bounds-checked."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise _malformed("unexpected end of a section")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self) -> int:
        """An unsigned 32-bit LEB128 integer (at most 5 bytes)."""
        result = shift = 0
        for _ in range(5):
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                if result > 0xFFFFFFFF:
                    raise _malformed("integer too large")
                return result
            shift += 7
        raise _malformed("malformed integer")

    def skip_sleb(self) -> None:
        """A signed LEB128 integer of up to 33 bits (a heap type), skipped."""
        for _ in range(5):
            if not self.byte() & 0x80:
                return
        raise _malformed("malformed integer")

    def take(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise _malformed("a length past the end of its section")
        raw = self.data[self.pos : self.pos + n]
        self.pos += n
        return raw

    def name(self) -> str:
        raw = self.take(self.uleb())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("a name that is not valid UTF-8") from None

    def valtype(self) -> str:
        b = self.byte()
        if b in (0x63, 0x64):  # (ref null? heaptype): the heap type is a signed LEB
            self.skip_sleb()
            return "ref"
        return VALTYPES.get(b, f"type 0x{b:02x}")

    def vec(self) -> range:
        """The count of a vector; each element takes at least one byte, so a count is bounded."""
        count = self.uleb()
        if count > self.end - self.pos:
            raise _malformed("a count larger than its section")
        return range(count)


def sections(binary: bytes) -> Iterator[tuple[int, _Reader]]:
    """Each section's id and a reader over its contents, after checking the header."""
    if not isinstance(binary, bytes | bytearray | memoryview):
        raise _malformed(f"expected bytes, not {type(binary).__name__}")
    data = bytes(binary)
    if data[:4] != MAGIC:
        raise _malformed("it does not start with \\0asm")
    if data[4:8] != VERSION:
        if len(data) < 8:
            raise _malformed("it ends inside its header")
        raise _malformed("not a core module of version 1 (a component, or another version)")
    r = _Reader(data, 8)
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        if size > r.end - r.pos:
            raise _malformed(f"section {section} is longer than the module (truncated?)")
        yield section, _Reader(data, r.pos, r.pos + size)
        r.pos += size


def export_signatures(binary: bytes) -> dict[str, Signature]:
    """Map each exported function's name to (param types, result types)."""
    types: list[Signature | None] = []
    funcs: list[int] = []  # type index of each function, imports first
    exports: list[tuple[str, int]] = []
    for section, body in sections(binary):
        if section == TYPE:
            for _ in body.vec():
                types.extend(_read_types(body))
        elif section == IMPORT:
            for _ in body.vec():
                index = _read_import(body)
                if index is not None:
                    funcs.append(index)
        elif section == FUNCTION:
            funcs.extend(body.uleb() for _ in body.vec())
        elif section == EXPORT:
            for _ in body.vec():
                name = body.name()
                kind = body.byte()
                index = body.uleb()
                if kind == 0:
                    exports.append((name, index))
    result = {}
    for name, index in exports:
        if index < len(funcs) and funcs[index] < len(types):
            signature = types[funcs[index]]
            result[name] = signature if signature is not None else (("gc type",), ())
    return result


def _import_kinds(body: _Reader) -> Iterator[tuple[int, bool]]:
    """Each import of an import section: its kind (0 function, 1 table, 2 memory, 3 global) and,
    for a global, whether it is mutable."""
    for _ in body.vec():
        start = body.pos
        body.name()
        body.name()
        kind = body.byte()
        if kind == 3:
            body.valtype()
            yield kind, bool(body.byte() & 1)
            continue
        body.pos = start
        _read_import(body)
        yield kind, False


def _read_import(body: _Reader) -> int | None:
    """One import entry; the type index if it imports a function."""
    body.name()
    body.name()
    kind = body.byte()
    if kind == 0:
        return body.uleb()
    if kind == 1:  # table: reftype, limits
        body.valtype()
        _skip_limits(body)
    elif kind == 2:
        _skip_limits(body)
    elif kind == 3:
        body.valtype()
        body.byte()
    else:
        body.byte()
        body.uleb()
    return None


def _skip_limits(r: _Reader) -> None:
    flags = r.byte()
    r.uleb()
    if flags & 1:
        r.uleb()


def _read_types(r: _Reader) -> list[Signature | None]:
    """One entry of the type section: a function type, a sub type or a recursive group of them."""
    form = r.byte()
    if form == 0x4E:  # a recursive group: sub types or composite types, never another group
        return [_read_subtype(r, r.byte()) for _ in r.vec()]
    return [_read_subtype(r, form)]


def _read_subtype(r: _Reader, form: int) -> Signature | None:
    if form in (0x50, 0x4F):  # sub type: supertypes, then the composite type
        for _ in r.vec():
            r.uleb()
        form = r.byte()
    if form == 0x60:
        params = tuple(r.valtype() for _ in r.vec())
        results = tuple(r.valtype() for _ in r.vec())
        return (params, results)
    # struct and array types (GC proposal) hold no function signature
    raise ModuleError("wasm module uses GC types, which wasmshell does not support")


def import_count(binary: bytes) -> int:
    """How many imports a binary module declares (its sections checked for length)."""
    count = 0
    for section, body in sections(binary):
        if section == IMPORT:
            count = body.uleb()
    return count


def exports_memory(binary: bytes) -> bool:
    """Whether a binary module exports a memory called ``memory``."""
    for section, body in sections(binary):
        if section == EXPORT:
            for _ in body.vec():
                name = body.name()
                kind = body.byte()
                body.uleb()
                if kind == 2 and name == "memory":
                    return True
            return False
    return False


# -- state a module can keep between calls -------------------------------------------

TABLE, MEMORY, GLOBAL, CODE = 4, 5, 6, 10
MALLOC = "libsql_malloc"
# Immediates of the one-byte opcodes that have any (the others have none).
_BLOCK_TYPE, _INDEX, _TWO_INDICES, _MEMARG, _BYTES4, _BYTES8, _SLEB, _HEAP_TYPE = range(8)
_IMMEDIATES = {
    **dict.fromkeys((0x02, 0x03, 0x04, 0x06), _BLOCK_TYPE),
    **dict.fromkeys((0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18, 0xD2, 0xD5, 0xD6), _INDEX),
    **dict.fromkeys(range(0x20, 0x27), _INDEX),  # locals, globals, table.get/set
    **dict.fromkeys((0x3F, 0x40), _INDEX),  # memory.size/grow: a memory index
    **dict.fromkeys((0x11, 0x13), _TWO_INDICES),
    **dict.fromkeys(range(0x28, 0x3F), _MEMARG),
    0x41: _SLEB,
    0x42: _SLEB,
    0x43: _BYTES4,
    0x44: _BYTES8,
    0xD0: _HEAP_TYPE,
}
_NO_IMMEDIATE = {0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD4, *range(0x45, 0xC5)}
_MEMORY_WRITES = {*range(0x36, 0x3F), 0x40}  # stores, memory.grow
_TABLE_WRITES = {0x26}  # table.set
# 0xFC sub-opcodes: (number of index immediates, what they change)
_FC = {
    **{k: (0, None) for k in range(8)},  # saturating truncations
    8: (2, "memory"),  # memory.init
    9: (1, "memory"),  # data.drop (a later memory.init then traps)
    10: (2, "memory"),  # memory.copy
    11: (1, "memory"),  # memory.fill
    12: (2, "table"),  # table.init
    13: (1, "table"),  # elem.drop
    14: (2, "table"),  # table.copy
    15: (1, "table"),  # table.grow
    16: (1, None),  # table.size
    17: (1, "table"),  # table.fill
}


class _Unreadable(Exception):
    """Code this reader does not know: taken as code that may change anything."""


def _declared(section: int, body: _Reader) -> tuple[int, int, list[bool]] | None:
    """What an import, table, memory or global section declares: memories, tables and whether
    each global is mutable, in index order (None for any other section)."""
    if section == IMPORT:
        kinds = list(_import_kinds(body))
        return (
            sum(kind == 2 for kind, _ in kinds),
            sum(kind == 1 for kind, _ in kinds),
            [mutable for kind, mutable in kinds if kind == 3],
        )
    if section in (TABLE, MEMORY):
        count = len(body.vec())
        return (count, 0, []) if section == MEMORY else (0, count, [])
    if section == GLOBAL:
        mutable = []
        for _ in body.vec():
            body.valtype()
            mutable.append(bool(body.byte() & 1))
            _skip_constant(body)
        return 0, 0, mutable
    return None


def kept_state(binary: bytes) -> str | None:
    """What a module can keep from one call to the next, in words, or None if nothing.

    A module keeps state in a mutable global, in a linear memory its code
    writes (or grows), or that the host writes arguments into (it exports
    ``libsql_malloc``), or in a table its code changes. Code this reader
    does not know counts as changing everything. Raises ModuleError for a
    malformed module.
    """
    memories = tables = 0
    malloc = False
    writes: set[str] = set()
    for section, body in sections(binary):
        declared = _declared(section, body)
        if declared is not None:
            memories, tables = memories + declared[0], tables + declared[1]
            if any(declared[2]):
                return "a mutable global"
        elif section == EXPORT:
            for _ in body.vec():
                name = body.name()
                kind = body.byte()
                body.uleb()
                malloc = malloc or (kind == 0 and name == MALLOC)
        elif section == CODE and (memories or tables):
            writes = _code_writes(body)
    if memories and malloc:
        return "a linear memory the host writes arguments into (it exports libsql_malloc)"
    if memories and "memory" in writes:
        return "a linear memory its code writes or grows"
    if tables and "table" in writes:
        return "a table its code changes"
    return None


def _skip_leb(r: _Reader) -> None:
    """Any LEB128 integer up to 64 bits, skipped."""
    for _ in range(10):
        if not r.byte() & 0x80:
            return
    raise _malformed("malformed integer")


def _skip_constant(r: _Reader) -> None:
    """A constant expression (a global's initial value), up to its ``end``."""
    writes = _expression_writes(r, constant=True)
    if writes:
        raise _malformed("a constant expression that changes state")


def _code_writes(body: _Reader) -> set[str]:
    """What the code section's functions can change: "memory", "table" (both for unknown code)."""
    writes: set[str] = set()
    for _ in body.vec():
        size = body.uleb()
        end = body.pos + size
        if end > body.end:
            raise _malformed("a function body past the end of its section")
        r = _Reader(body.data, body.pos, end)
        for _ in r.vec():
            r.uleb()
            r.valtype()
        writes |= _expression_writes(r)
        body.pos = end
    return writes


def _expression_writes(r: _Reader, constant: bool = False) -> set[str]:
    """Read instructions to the end of a function body (or a constant's ``end``): what they change."""
    writes: set[str] = set()
    try:
        while r.pos < r.end:
            op = r.byte()
            if constant and op == 0x0B:
                return writes
            if op in _MEMORY_WRITES:
                writes.add("memory")
            elif op in _TABLE_WRITES:
                writes.add("table")
            if op in _NO_IMMEDIATE:
                continue
            if op in _IMMEDIATES:
                _skip_immediate(r, _IMMEDIATES[op])
            elif op == 0x0E:  # br_table
                for _ in r.vec():
                    r.uleb()
                r.uleb()
            elif op == 0x1C:  # select with types
                for _ in r.vec():
                    r.valtype()
            elif op == 0xFC:
                indices, changes = _FC.get(r.uleb(), (0, "unknown"))
                if changes == "unknown":
                    raise _Unreadable
                for _ in range(indices):
                    r.uleb()
                if changes:
                    writes.add(changes)
            elif op == 0xFD:
                writes |= _simd(r)
            else:  # atomics, GC, exceptions with tables: not read, so anything may change
                raise _Unreadable
    except _Unreadable:
        return {"memory", "table"}
    return writes


def _skip_immediate(r: _Reader, kind: int) -> None:
    if kind == _BLOCK_TYPE:
        if r.byte() in (0x63, 0x64):
            r.skip_sleb()
        else:
            r.pos -= 1
            _skip_leb(r)
    elif kind in (_INDEX, _SLEB, _HEAP_TYPE):
        _skip_leb(r)
    elif kind == _TWO_INDICES:
        r.uleb()
        r.uleb()
    elif kind == _MEMARG:
        _skip_memarg(r)
    else:
        r.take(4 if kind == _BYTES4 else 8)


def _skip_memarg(r: _Reader) -> None:
    align = r.uleb()
    if align & 0x40:  # multiple memories: a memory index follows
        r.uleb()
    _skip_leb(r)


def _simd(r: _Reader) -> set[str]:
    """One 0xFD (SIMD) instruction after its prefix: what it changes."""
    op = r.uleb()
    if op <= 11 or op in (92, 93):  # loads and v128.store (11)
        _skip_memarg(r)
        return {"memory"} if op == 11 else set()
    if op in (12, 13):  # v128.const, i8x16.shuffle
        r.take(16)
    elif 21 <= op <= 34:  # extract and replace lane
        r.byte()
    elif 84 <= op <= 91:  # load and store lane
        _skip_memarg(r)
        r.byte()
        return {"memory"} if op >= 88 else set()
    return set()


# -- a module rewritten so that the host can put its state back ----------------------

STATE_EXPORT = "\0wasmshell-state-"  # no SQL name and no toolchain's export can start with a NUL
# Sections that come after the export section, in the order the format requires.
_AFTER_EXPORT = {8, 9, 10, 11, 12}


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _export_entry(name: str, kind: int, index: int) -> bytes:
    raw = name.encode()
    return _uleb(len(raw)) + raw + bytes([kind]) + _uleb(index)


def exporting_state(binary: bytes) -> tuple[bytes, list[str], str | None] | None:
    """The module with its mutable globals and its memory exported under names of wasmshell's own,
    those global exports, and the memory's; None if its state cannot be put back that way (a table
    its code changes). Raises ModuleError for a malformed module."""
    globals_mutable: list[bool] = []
    memories = tables = 0
    placed: list[tuple[int, int, int]] = []  # (section id, start, end) of each section, header included
    export_body: tuple[int, int, int] | None = None  # (start of entries, end, count)
    for section, body in sections(binary):
        header_start = body.pos - 1 - len(_uleb(body.end - body.pos))
        placed.append((section, header_start, body.end))
        declared = _declared(section, body)
        if declared is not None:
            memories, tables = memories + declared[0], tables + declared[1]
            globals_mutable += declared[2]
        elif section == EXPORT:
            count = len(body.vec())
            export_body = (body.pos, body.end, count)
        elif section == CODE and tables and "table" in _code_writes(body):
            return None
    names = [f"{STATE_EXPORT}g{i}" for i, mutable in enumerate(globals_mutable) if mutable]
    memory = f"{STATE_EXPORT}memory" if memories else None
    extra = b"".join(_export_entry(n, 3, int(n.rsplit("g", 1)[1])) for n in names)
    if memory:
        extra += _export_entry(memory, 2, 0)
    count = len(names) + bool(memory)
    if export_body is not None:
        start, end, old = export_body
        content = _uleb(old + count) + binary[start:end] + extra
        section_start, section_end = next((a, b) for s, a, b in placed if s == EXPORT)
    else:
        content = _uleb(count) + extra
        later = [a for s, a, _b in placed if s in _AFTER_EXPORT]
        section_start = section_end = later[0] if later else len(binary)
    section = bytes([EXPORT]) + _uleb(len(content)) + content
    return binary[:section_start] + section + binary[section_end:], names, memory
