"""Just enough of the WebAssembly binary format to read exported function types.

wasmtime's C API aborts the whole process when asked about a ``v128`` value
type, so function signatures are read from the module's bytes instead: the
type, import, function and export sections.
"""

from __future__ import annotations

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


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise ModuleError("cannot read wasm module: unexpected end of a section")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 35:
                raise ModuleError("cannot read wasm module: malformed integer")

    def name(self) -> str:
        n = self.uleb()
        raw = self.data[self.pos : self.pos + n]
        self.pos += n
        return raw.decode("utf-8", "replace")

    def valtype(self) -> str:
        b = self.byte()
        if b in (0x63, 0x64):  # (ref null? heaptype): heap type is a signed LEB
            while self.byte() & 0x80:
                pass
            return "ref"
        return VALTYPES.get(b, f"type 0x{b:02x}")


def export_signatures(binary: bytes) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Map each exported function's name to (param types, result types)."""
    types: list[tuple[tuple[str, ...], tuple[str, ...]] | None] = []
    funcs: list[int] = []  # type index of each function, imports first
    exports: list[tuple[str, int]] = []
    r = _Reader(binary, 8)
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        body = _Reader(binary, r.pos, r.pos + size)
        r.pos += size
        if section == 1:
            for _ in range(body.uleb()):
                types.extend(_read_types(body))
        elif section == 2:
            for _ in range(body.uleb()):
                body.name()
                body.name()
                kind = body.byte()
                if kind == 0:
                    funcs.append(body.uleb())
                elif kind == 1:  # table: reftype, limits
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
        elif section == 3:
            funcs.extend(body.uleb() for _ in range(body.uleb()))
        elif section == 7:
            for _ in range(body.uleb()):
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


def _skip_limits(r: _Reader) -> None:
    flags = r.byte()
    r.uleb()
    if flags & 1:
        r.uleb()


def _read_types(r: _Reader) -> list[tuple[tuple[str, ...], tuple[str, ...]] | None]:
    form = r.byte()
    if form == 0x60:
        params = tuple(r.valtype() for _ in range(r.uleb()))
        results = tuple(r.valtype() for _ in range(r.uleb()))
        return [(params, results)]
    if form == 0x4E:  # a recursive group of sub types
        out: list[tuple[tuple[str, ...], tuple[str, ...]] | None] = []
        for _ in range(r.uleb()):
            out.extend(_read_types(r))
        return out
    if form in (0x50, 0x4F):  # sub type: supertypes, then the composite type
        for _ in range(r.uleb()):
            r.uleb()
        return _read_types(r)
    # struct and array types (GC proposal) hold no function signature
    raise ModuleError("wasm module uses GC types, which wasmshell does not support")


def import_count(binary: bytes) -> int:
    """How many imports a binary module declares."""
    r = _Reader(binary, 8)
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        if section == 2:
            return _Reader(binary, r.pos, r.pos + size).uleb()
        r.pos += size
    return 0


def exports_memory(binary: bytes) -> bool:
    """Whether a binary module exports a memory called ``memory``."""
    r = _Reader(binary, 8)
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        if section == 7:
            body = _Reader(binary, r.pos, r.pos + size)
            for _ in range(body.uleb()):
                name = body.name()
                kind = body.byte()
                body.uleb()
                if kind == 2 and name == "memory":
                    return True
            return False
        r.pos += size
    return False
