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
