"""Just enough of the WebAssembly binary format to take a module apart and put it back.

Independent of wasmshell's own reader (``wasmshell/engine/wasmbin.py``) on purpose: the fuzzer
must not share the bugs of the code it tests. Anything unexpected raises ``Malformed``, and the
mutator then falls back to byte-level changes.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = b"\0asm\x01\0\0\0"
# Canonical order of the known sections (ids); custom sections (0) go anywhere.
ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
TYPE, IMPORT, FUNCTION, TABLE, MEMORY, GLOBAL = 1, 2, 3, 4, 5, 6
EXPORT, START, ELEM, CODE, DATA, DATACOUNT = 7, 8, 9, 10, 11, 12
FUNC_KIND, TABLE_KIND, MEMORY_KIND, GLOBAL_KIND = 0, 1, 2, 3


class Malformed(Exception):
    """The bytes are not a module this reader understands."""


def uleb(n: int) -> bytes:
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n: int) -> bytes:
    """Signed LEB128."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def name(text: bytes) -> bytes:
    """A name as the binary format stores it: its length, then its bytes."""
    return uleb(len(text)) + text


class Reader:
    """Reads values from ``data[pos:end]``."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    @property
    def done(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise Malformed("unexpected end")
        self.pos += 1
        return self.data[self.pos - 1]

    def bytes(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise Malformed("unexpected end")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise Malformed("integer too long")

    def sleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result - (1 << shift) if b & 0x40 else result
            if shift > 70:
                raise Malformed("integer too long")

    def name(self) -> bytes:
        return self.bytes(self.uleb())

    def limits(self) -> tuple[int, int, int | None]:
        """(flags, min, max or None)."""
        flags = self.byte()
        low = self.uleb()
        return flags, low, self.uleb() if flags & 1 else None

    def const_expr(self) -> bytes:
        """A constant expression up to and including its ``end``, as raw bytes."""
        start = self.pos
        while True:
            op = self.byte()
            if op == 0x0B:
                return self.data[start : self.pos]
            if op in (0x41, 0x42):
                self.sleb()
            elif op == 0x23 or op == 0xD2:
                self.uleb()
            elif op == 0x44:
                self.bytes(8)
            elif op == 0x43:
                self.bytes(4)
            elif op == 0xD0:
                self.byte()
            elif op not in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
                raise Malformed(f"opcode 0x{op:02x} in a constant expression")


@dataclass
class Section:
    id: int
    payload: bytes

    def encode(self) -> bytes:
        return bytes([self.id]) + uleb(len(self.payload)) + self.payload


def split(binary: bytes) -> list[Section]:
    """The sections of a module, in order."""
    if not binary.startswith(MAGIC):
        raise Malformed("no wasm header")
    r = Reader(binary, len(MAGIC))
    sections = []
    while not r.done:
        sid = r.byte()
        sections.append(Section(sid, r.bytes(r.uleb())))
    return sections


def join(sections: list[Section]) -> bytes:
    return MAGIC + b"".join(s.encode() for s in sections)


def find(sections: list[Section], sid: int) -> Section | None:
    return next((s for s in sections if s.id == sid), None)


def place(sections: list[Section], section: Section) -> None:
    """Insert a new known section where the canonical order wants it."""
    rank = ORDER.index(section.id)
    for k, s in enumerate(sections):
        if s.id in ORDER and ORDER.index(s.id) > rank:
            sections.insert(k, section)
            return
    sections.append(section)


def vector(payload: bytes) -> tuple[int, Reader]:
    """The count of a vector section and a reader positioned after it."""
    r = Reader(payload)
    return r.uleb(), r


def append_entries(sections: list[Section], sid: int, *entries: bytes) -> None:
    """Append encoded entries to a vector section (creating it), fixing its count."""
    section = find(sections, sid)
    if section is None:
        section = Section(sid, uleb(0))
        place(sections, section)
    count, r = vector(section.payload)
    section.payload = uleb(count + len(entries)) + section.payload[r.pos :] + b"".join(entries)


def count(sections: list[Section], sid: int) -> int:
    section = find(sections, sid)
    return vector(section.payload)[0] if section else 0


# -- sections read entry by entry -------------------------------------------------------


def imports(section: Section | None) -> list[tuple[bytes, bytes, int, bytes]]:
    """(module, name, kind, raw description) of each import."""
    if section is None:
        return []
    n, r = vector(section.payload)
    out = []
    for _ in range(n):
        module, field = r.name(), r.name()
        kind = r.byte()
        start = r.pos
        if kind == FUNC_KIND:
            r.uleb()
        elif kind == TABLE_KIND:
            r.byte()
            r.limits()
        elif kind == MEMORY_KIND:
            r.limits()
        elif kind == GLOBAL_KIND:
            r.byte()
            r.byte()
        else:
            raise Malformed(f"import kind {kind}")
        out.append((module, field, kind, r.data[start : r.pos]))
    return out


def imported(sections: list[Section], kind: int) -> int:
    """How many imports of ``kind`` the module has (they come first in its index space)."""
    return sum(1 for _m, _n, k, _d in imports(find(sections, IMPORT)) if k == kind)


def exports(section: Section | None) -> list[tuple[bytes, int, int]]:
    """(name, kind, index) of each export."""
    if section is None:
        return []
    n, r = vector(section.payload)
    return [(r.name(), r.byte(), r.uleb()) for _ in range(n)]


def encode_exports(entries: list[tuple[bytes, int, int]]) -> bytes:
    return uleb(len(entries)) + b"".join(name(n) + bytes([k]) + uleb(i) for n, k, i in entries)


def valtype_offsets(section: Section) -> list[int]:
    """Where each parameter and result type byte of the plain function types is."""
    n, r = vector(section.payload)
    offsets = []
    for _ in range(n):
        if r.byte() != 0x60:
            break  # a GC type: stop rather than guess its layout
        for _part in range(2):
            for _ in range(r.uleb()):
                offsets.append(r.pos)
                if r.byte() in (0x63, 0x64):
                    r.sleb()
    return offsets


def limits_spans(section: Section, table: bool) -> list[tuple[int, int]]:
    """(start, end) of each table's or memory's limits in the section."""
    n, r = vector(section.payload)
    spans = []
    for _ in range(n):
        if table:
            r.byte()  # element type
        start = r.pos
        r.limits()
        spans.append((start, r.pos))
    return spans


def encode_limits(flags: int, low: int, high: int | None) -> bytes:
    return bytes([flags]) + uleb(low) + (uleb(high) if high is not None else b"")


def active_data(section: Section) -> list[tuple[int, int]]:
    """(start, end) of the offset expression of each active data segment of memory 0."""
    n, r = vector(section.payload)
    spans = []
    for _ in range(n):
        flags = r.uleb()
        if flags == 1:
            r.name()
            continue
        if flags == 2:
            r.uleb()
        start = r.pos
        r.const_expr()
        spans.append((start, r.pos))
        r.name()
    return spans
