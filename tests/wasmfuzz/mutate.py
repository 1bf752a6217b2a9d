"""Mutants of the samples and fixtures: byte-level and structure-aware.

``mutant(seed, index)`` is a pure function of its arguments (and of the files in samples/ and
tests/fixtures/), so a mutant that crashed a worker can be made again from two numbers.

Four families, chosen at random for each mutant:

- bytes: bit flips, byte changes, insertions, deletions, duplications, truncations, splices
  of the binary module;
- structure: the binary taken apart into sections: wrong section lengths, LEB128 counts,
  duplicated, dropped, swapped or unknown sections, changed value types (v128 among them),
  huge or inverted memory and table limits, export names with NUL or invalid UTF-8, exports of
  the wrong kind or index, data segments out of range, start functions that trap, loop, recurse,
  grow memory or run long;
- wat: WebAssembly text with something added: WASI and other imports, start functions,
  memories (huge, 64-bit, a second one called "memory"), tables, elements, data, exports with odd
  names, v128 functions and globals, and hostile ``libsql_malloc`` functions; then kept as text or
  compiled and mutated further as a binary;
- text: the WebAssembly text itself mutated (numbers, keywords, spans, lines), as a user's typo
  or an attacker's CREATE FUNCTION body would be.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import binary as wb

ROOT = Path(__file__).resolve().parents[2]

INTERESTING = (0, 1, 2, 7, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x10001, 0x7FFFFFFF)
INTERESTING += (0x80000000, 0xFFFFFFFF, 0x100000000, 2**63 - 1, 2**64 - 1)
PAGES = (0, 1, 2, 16, 256, 1024, 1025, 16384, 65535, 65536, 65537, 0xFFFFFFFF, 2**48)
MEMORY_END = (65535, 65536, 65532, 65531, 131071, -1, -2, 0x7FFFFFFF, 0x80000000)
# Value type bytes: the four SQL can pass, v128, references, the empty block type, junk.
VALTYPES = (0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F, 0x40, 0x00, 0xFF)
TABLE_SIZES = (0, 1, 10, 10_000, 1_000_000, 10_000_000, 0xFFFFFFFF)


@dataclass(frozen=True)
class Base:
    """A module the mutants start from."""

    name: str
    binary: bytes
    wat: str | None


@dataclass
class Mutant:
    index: int
    base: str
    source: str | bytes
    ops: list[str] = field(default_factory=list)

    @property
    def suffix(self) -> str:
        return ".wat" if isinstance(self.source, str) else ".wasm"


@functools.cache
def bases() -> tuple[Base, ...]:
    """Every sample and fixture module, as text and binary."""
    import wasmtime

    found = []
    for path in sorted((ROOT / "samples").glob("*.wat")) + sorted(
        (ROOT / "tests" / "fixtures").glob("*.wat")
    ):
        text = path.read_text(encoding="utf-8")
        found.append(Base(path.stem, bytes(wasmtime.wat2wasm(text)), text))
    for path in sorted((ROOT / "samples").glob("*/*.wasm")):
        found.append(Base(path.stem, path.read_bytes(), None))
    return tuple(found)


def mutant(seed: int, index: int) -> Mutant:
    """Mutant number ``index`` of the run seeded ``seed``."""
    rng = random.Random(f"wasmfuzz:{seed}:{index}")
    base = rng.choice(bases())
    m = Mutant(index, base.name, base.binary)
    family = rng.choices(("bytes", "structure", "wat", "text"), weights=(3, 4, 4, 1))[0]
    if base.wat is None and family in ("wat", "text"):
        family = "structure"
    if family == "bytes":
        for _ in range(rng.randint(1, 4)):
            _apply(m, rng, BYTE_OPS)
    elif family == "structure":
        for _ in range(rng.randint(1, 3)):
            _apply(m, rng, STRUCTURE_OPS, fallback=BYTE_OPS)
    elif family == "wat":
        m.source = base.wat or ""
        for _ in range(rng.randint(1, 2)):
            _apply(m, rng, WAT_OPS)
        if rng.random() < 0.5:
            _compile(m)
            if isinstance(m.source, bytes) and rng.random() < 0.3:
                _apply(m, rng, STRUCTURE_OPS, fallback=BYTE_OPS)
    else:
        m.source = base.wat or ""
        for _ in range(rng.randint(1, 3)):
            _apply(m, rng, TEXT_OPS)
    return m


Op = Callable[[random.Random, "str | bytes"], "tuple[str | bytes, str] | None"]


def _apply(m: Mutant, rng: random.Random, ops: dict[str, Op], fallback: dict[str, Op] | None = None) -> None:
    name = rng.choice(list(ops))
    try:
        done = ops[name](rng, m.source)
    except wb.Malformed:
        done = None
    if done is None and fallback is not None:
        name = rng.choice(list(fallback))
        done = fallback[name](rng, m.source)
    if done is not None:
        m.source, detail = done
        m.ops.append(f"{name}({detail})" if detail else name)


def _compile(m: Mutant) -> None:
    import wasmtime

    try:
        m.source = bytes(wasmtime.wat2wasm(m.source))
        m.ops.append("wat2wasm")
    except wasmtime.WasmtimeError:
        pass  # stays text: the engine must reject it cleanly


# -- bytes --------------------------------------------------------------------------------


def _spot(rng: random.Random, data: bytes) -> int:
    """A position, mostly past the 8-byte header."""
    if len(data) <= 8 or rng.random() < 0.03:
        return rng.randrange(max(len(data), 1))
    return rng.randrange(8, len(data))


def _flip(rng, data):
    if not data:
        return None
    at = _spot(rng, data)
    bit = rng.randrange(8)
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :], f"@{at}^{bit}"


def _set_byte(rng, data):
    if not data:
        return None
    at = _spot(rng, data)
    value = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x40, 0x41, 0x0B, rng.randrange(256)))
    return data[:at] + bytes([value]) + data[at + 1 :], f"@{at}={value}"


def _insert(rng, data):
    at = _spot(rng, data) if data else 0
    junk = bytes(rng.choice((0, 0x80, 0xFF, 0x0B, rng.randrange(256))) for _ in range(rng.randint(1, 8)))
    return data[:at] + junk + data[at:], f"@{at}+{len(junk)}"


def _delete(rng, data):
    if len(data) < 2:
        return None
    at = _spot(rng, data)
    n = rng.randint(1, 16)
    return data[:at] + data[at + n :], f"@{at}-{n}"


def _duplicate(rng, data):
    if not data:
        return None
    at = _spot(rng, data)
    n = rng.randint(1, 32)
    return data[: at + n] + data[at : at + n] + data[at + n :], f"@{at}x{n}"


def _truncate(rng, data):
    if not data:
        return None
    at = _spot(rng, data)
    return data[:at], f"@{at}"


def _splice(rng, data):
    other = rng.choice(bases()).binary
    at = _spot(rng, data) if data else 0
    cut = rng.randrange(8, len(other)) if len(other) > 8 else 0
    return data[:at] + other[cut:], f"@{at}<{cut}"


def _huge_leb(rng, data):
    if not data:
        return None
    at = _spot(rng, data)
    leb = rng.choice((b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x80\x00", b"\xff\xff\xff\xff\x7f"))
    return data[:at] + leb + data[at + 1 :], f"@{at}"


BYTE_OPS: dict[str, Op] = {
    "flip": _flip,
    "byte": _set_byte,
    "insert": _insert,
    "delete": _delete,
    "duplicate": _duplicate,
    "truncate": _truncate,
    "splice": _splice,
    "huge_leb": _huge_leb,
}


# -- structure ----------------------------------------------------------------------------


def _sections(data) -> list[wb.Section]:
    if not isinstance(data, bytes):
        raise wb.Malformed("text")
    return wb.split(data)


def _section_size(rng, data):
    sections = _sections(data)
    if not sections:
        return None
    k = rng.randrange(len(sections))
    s = sections[k]
    size = len(s.payload)
    how = rng.choice(("off", "overlong", "too_long", "huge"))
    if how == "off":
        encoded = wb.uleb(max(0, size + rng.choice((-3, -2, -1, 1, 2, 3))))
    elif how == "overlong":  # the same size in 5 bytes: valid
        encoded = bytes([(size >> 7 * i) & 0x7F | 0x80 for i in range(4)]) + bytes([size >> 28])
    elif how == "too_long":  # 6 bytes: malformed
        encoded = bytes([(size >> 7 * i) & 0x7F | 0x80 for i in range(5)]) + b"\x00"
    else:
        encoded = wb.uleb(rng.choice((0xFFFFFFFF, 0x7FFFFFFF, size * 1000 + 1)))
    raw = wb.MAGIC + b"".join(
        x.encode() if j != k else bytes([x.id]) + encoded + x.payload for j, x in enumerate(sections)
    )
    return raw, f"section {s.id} {how}"


def _vector_count(rng, data):
    sections = _sections(data)
    vectors = [s for s in sections if s.id not in (0, wb.START)]
    if not vectors:
        return None
    s = rng.choice(vectors)
    n, r = wb.vector(s.payload)
    new = rng.choice((0, n + 1, max(n - 1, 0), 0xFFFFFFFF, 0x80000000, 100_000))
    s.payload = wb.uleb(new) + s.payload[r.pos :]
    return wb.join(sections), f"section {s.id} count {n}->{new}"


def _duplicate_section(rng, data):
    sections = _sections(data)
    if not sections:
        return None
    k = rng.randrange(len(sections))
    sections.insert(k + 1, wb.Section(sections[k].id, sections[k].payload))
    return wb.join(sections), f"section {sections[k].id}"


def _drop_section(rng, data):
    sections = _sections(data)
    if not sections:
        return None
    gone = sections.pop(rng.randrange(len(sections)))
    return wb.join(sections), f"section {gone.id}"


def _swap_sections(rng, data):
    sections = _sections(data)
    if len(sections) < 2:
        return None
    a, b = rng.sample(range(len(sections)), 2)
    sections[a], sections[b] = sections[b], sections[a]
    return wb.join(sections), f"sections {sections[b].id}<->{sections[a].id}"


def _odd_section(rng, data):
    sections = _sections(data)
    sid = rng.choice((0, 0, 13, 14, 0x7F, 0xFF))
    payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))
    if sid == 0:  # a custom section: a name, valid UTF-8 or not, then anything
        payload = wb.name(rng.choice((b"name", b"x", b"\xff\xfe", b"a\0b", b""))) + payload
    sections.insert(rng.randint(0, len(sections)), wb.Section(sid, payload))
    return wb.join(sections), f"section {sid}"


def _replace(section: wb.Section, start: int, end: int, new: bytes) -> None:
    section.payload = section.payload[:start] + new + section.payload[end:]


def _valtype(rng, data):
    sections = _sections(data)
    types = wb.find(sections, wb.TYPE)
    offsets = wb.valtype_offsets(types) if types else []
    if not offsets:
        return None
    at = rng.choice(offsets)
    old, new = types.payload[at], rng.choice(VALTYPES)
    _replace(types, at, at + 1, bytes([new]))
    return wb.join(sections), f"0x{old:02x}->0x{new:02x}"


def _limits(rng, data):
    sections = _sections(data)
    candidates = [s for s in sections if s.id in (wb.TABLE, wb.MEMORY)]
    if not candidates:
        return _add_memory(rng, data)
    s = rng.choice(candidates)
    spans = wb.limits_spans(s, table=s.id == wb.TABLE)
    if not spans:
        return None
    start, end = rng.choice(spans)
    flags = rng.choice((0, 1, 1, 1, 2, 3, 4, 5, 7, 8))
    low, high = rng.choice(PAGES), rng.choice(PAGES)
    s.payload = (
        s.payload[:start] + wb.encode_limits(flags, low, high if flags & 1 else None) + s.payload[end:]
    )
    what = "table" if s.id == wb.TABLE else "memory"
    return wb.join(sections), f"{what} flags {flags} min {low} max {high if flags & 1 else '-'}"


def _add_memory(rng, data):
    """A memory exported as "memory" where there was none: every i32 becomes a pointer."""
    sections = _sections(data)
    if wb.find(sections, wb.MEMORY) or wb.imported(sections, wb.MEMORY_KIND):
        return None
    pages = rng.choice((1, 1, 0, 2, 1025))
    wb.append_entries(sections, wb.MEMORY, wb.encode_limits(0, pages, None))
    wb.append_entries(sections, wb.EXPORT, wb.name(b"memory") + bytes([wb.MEMORY_KIND]) + wb.uleb(0))
    return wb.join(sections), f"memory {pages}"


def _odd_name(rng: random.Random, name: bytes, others: list[bytes]) -> bytes:
    k = rng.randint(0, len(name))
    return rng.choice(
        (
            name[:k] + b"\0" + name[k:],
            name + b"\xff",
            name[:k] + b"\xc0\x80" + name[k:],  # overlong NUL
            name + b"\xed\xa0\x80",  # a UTF-16 surrogate
            name + b"\xe2\x82",  # a truncated sequence
            b"",
            b"memory",
            b"libsql_malloc",
            b"run_wasm",
            b"lower",
            name.upper(),
            rng.choice(others) if others else name,
            b"x" * rng.choice((255, 256, 300, 5000)),
            b"a\"b'c d\n",
        )
    )


def _change_export(
    rng: random.Random,
    data: bytes | str,
    change: Callable[[bytes, int, int, list[bytes]], tuple[bytes, int, int]],
) -> tuple[bytes, str] | None:
    """One export, chosen at random, replaced by ``change(name, kind, index, all names)``."""
    sections = _sections(data)
    section = wb.find(sections, wb.EXPORT)
    entries = wb.exports(section)
    if section is None or not entries:
        return None
    k = rng.randrange(len(entries))
    old = entries[k]
    entries[k] = change(*old, [e[0] for e in entries])
    section.payload = wb.encode_exports(entries)
    name, new = old[0], entries[k]
    return wb.join(sections), f"{name!r} -> {new[0][:40]!r} kind {new[1]} index {new[2]}"


def _export_name(rng, data):
    return _change_export(
        rng, data, lambda name, kind, index, names: (_odd_name(rng, name, names), kind, index)
    )


def _export_target(rng, data):
    def change(name: bytes, kind: int, index: int, _names: list[bytes]) -> tuple[bytes, int, int]:
        if rng.random() < 0.5:
            return name, rng.choice((0, 1, 2, 3, 4, 0x40)), index
        return name, kind, rng.choice((0, 1, index + 1, 255, 0xFFFFFFFF))

    return _change_export(rng, data, change)


def _data_offset(rng, data):
    sections = _sections(data)
    section = wb.find(sections, wb.DATA)
    spans = wb.active_data(section) if section else []
    if not spans:
        return None
    start, end = rng.choice(spans)
    offset = rng.choice(MEMORY_END)
    expr = b"\x41" + wb.sleb(offset if offset < 0x80000000 else offset - 2**32) + b"\x0b"
    _replace(section, start, end, expr)  # type: ignore[arg-type]
    return wb.join(sections), f"offset {offset}"


def _func_body(code: bytes, locals_: bytes = b"\x00") -> bytes:
    body = locals_ + code
    return wb.uleb(len(body)) + body


# Bodies of a start function () -> (); "{self}" is its own index.
START_BODIES = {
    "trap": b"\x00\x0b",
    "loop": b"\x03\x40\x0c\x00\x0b\x0b",
    # memory.grow 1000 pages, result dropped
    "grow": b"\x41" + wb.sleb(1000) + b"\x40\x00\x1a\x0b",
    # memory.grow 16 pages, forever
    "grow_loop": b"\x03\x40\x41\x10\x40\x00\x1a\x0c\x00\x0b\x0b",
    "recurse": b"\x10{self}\x0b",
    # local 0 counts to 100,000,000: about as long as a short time limit
    "long": b"\x03\x40\x20\x00\x41\x01\x6a\x22\x00\x41" + wb.sleb(100_000_000) + b"\x49\x0d\x00\x0b\x0b",
    "nothing": b"\x0b",
}


def _start_function(rng, data):
    """A start function added (or put in place of the old one) that traps, loops, grows or recurses."""
    sections = _sections(data)
    kind = rng.choice(list(START_BODIES))
    index = wb.imported(sections, wb.FUNC_KIND) + wb.count(sections, wb.FUNCTION)
    code = START_BODIES[kind].replace(b"{self}", wb.uleb(index))
    locals_ = b"\x01\x01\x7f" if kind == "long" else b"\x00"
    type_index = wb.count(sections, wb.TYPE)
    wb.append_entries(sections, wb.TYPE, b"\x60\x00\x00")
    wb.append_entries(sections, wb.FUNCTION, wb.uleb(type_index))
    wb.append_entries(sections, wb.CODE, _func_body(code, locals_))
    sections = [s for s in sections if s.id != wb.START]
    wb.place(sections, wb.Section(wb.START, wb.uleb(index)))
    return wb.join(sections), kind


def _start_index(rng, data):
    """The start section pointing at an existing function (an export with parameters, say) or none."""
    sections = [s for s in _sections(data) if s.id != wb.START]
    functions = wb.imported(sections, wb.FUNC_KIND) + wb.count(sections, wb.FUNCTION)
    index = rng.choice((0, max(functions - 1, 0), functions, 0xFFFFFFFF))
    wb.place(sections, wb.Section(wb.START, wb.uleb(index)))
    return wb.join(sections), f"start {index}"


STRUCTURE_OPS: dict[str, Op] = {
    "section_size": _section_size,
    "vector_count": _vector_count,
    "duplicate_section": _duplicate_section,
    "drop_section": _drop_section,
    "swap_sections": _swap_sections,
    "odd_section": _odd_section,
    "valtype": _valtype,
    "limits": _limits,
    "add_memory": _add_memory,
    "export_name": _export_name,
    "export_target": _export_target,
    "data_offset": _data_offset,
    "start_function": _start_function,
    "start_index": _start_index,
}


# -- WebAssembly text ---------------------------------------------------------------------

_MODULE_HEAD = re.compile(r"\(module(\s+\$[^\s()]+)?")

WASI = "wasi_snapshot_preview1"
IMPORTS = (
    f'(import "{WASI}" "fd_write" (func $fz_fd_write (param i32 i32 i32 i32) (result i32)))',
    f'(import "{WASI}" "proc_exit" (func $fz_proc_exit (param i32)))',
    f'(import "{WASI}" "random_get" (func $fz_random_get (param i32 i32) (result i32)))',
    f'(import "{WASI}" "clock_time_get" (func $fz_clock (param i32 i64 i32) (result i32)))',
    f'(import "{WASI}" "sched_yield" (func $fz_yield (result i32)))',
    f'(import "{WASI}" "fd_write" (func $fz_bad_sig))',  # the wrong signature
    f'(import "{WASI}" "no_such_call" (func $fz_nothing))',
    f'(import "{WASI}" "memory" (memory 1))',
    f'(import "{WASI}" "fd_write" (global i32))',
    '(import "env" "foo" (func $fz_env_foo (result i64)))',
    '(import "env" "memory" (memory 1))',
    '(import "env" "table" (table 1 funcref))',
    '(import "" "" (func))',
    '(import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))',
)
# Functions that use the WASI imports above, with garbage arguments.
WASI_CALLERS = {
    "fz_fd_write": '(func (export "fz_write") (param i32) (result i32) '
    "(call $fz_fd_write (i32.const 1) (local.get 0) (i32.const 1) (i32.const 0)))",
    "fz_proc_exit": '(func (export "fz_exit") (param i32) (call $fz_proc_exit (local.get 0)))',
    "fz_random_get": '(func (export "fz_random") (param i32 i32) (result i32) '
    "(call $fz_random_get (local.get 0) (local.get 1)))",
    "fz_clock": '(func (export "fz_clock") (param i32) (result i32) '
    "(call $fz_clock (local.get 0) (i64.const 0) (i32.const 0)))",
}


def _head_end(text: str) -> int | None:
    found = _MODULE_HEAD.search(text)
    return found.end() if found else None


def _before_end(text: str, item: str) -> str | None:
    """``item`` added as the module's last field."""
    end = text.rstrip().rfind(")")
    if end < 0:
        return None
    return text[:end] + "\n  " + item + text[end:]


def _wat_import(rng, text):
    head = _head_end(text)
    if head is None:
        return None
    item = rng.choice(IMPORTS)
    text = text[:head] + "\n  " + item + text[head:]
    caller = next((v for k, v in WASI_CALLERS.items() if f"${k} " in item), None)
    if caller and rng.random() < 0.7:
        text = _before_end(text, caller) or text
    return text, item[:60]


def _uses_memory(text: str) -> bool:
    return "(memory" in text


def _wat_start(rng, text):
    memory = "memory.size" if _uses_memory(text) else "i32.const 0"
    bodies = {
        "trap": "unreachable",
        "loop": "(loop $l (br $l))",
        "grow": "(drop (memory.grow (i32.const 1000)))",
        "grow_forever": "(loop $l (drop (memory.grow (i32.const 16))) (br $l))",
        "recurse": "(call $fz_start)",
        "long": "(local $i i32) (loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) "
        "(i32.const 1))) (i32.const 100000000))))",
        "store_end": f"(i32.store8 (i32.sub (i32.mul ({memory}) (i32.const 65536)) (i32.const 1)) "
        "(i32.const 3))",
        "exit": "(call $fz_exit_now (i32.const 3))",
    }
    kind = rng.choice(list(bodies))
    item = f"(func $fz_start {bodies[kind]}) (start $fz_start)"
    text = _before_end(text, item)
    if text is not None and kind == "exit":
        head = _head_end(text)
        if head is None:
            return None
        imp = f'(import "{WASI}" "proc_exit" (func $fz_exit_now (param i32)))'
        text = text[:head] + "\n  " + imp + text[head:]
    return (text, kind) if text is not None else None


def _wat_memory(rng, text):
    pages = rng.choice(PAGES[:11])
    items = (
        f'(memory (export "memory") {pages})',
        f'(memory (export "memory") {pages} {rng.choice(PAGES[:11])})',
        '(memory (export "memory") i64 1)',  # a 64-bit memory called "memory"
        '(memory $fz_second (export "memory") 1)',  # a second memory, the one called "memory"
        '(memory (export "mem") 1)',
        '(memory (export "memory") 1 1 shared)',
    )
    item = rng.choice(items)
    if '"memory"' in text and 'export "memory"' in item and rng.random() < 0.5:
        text = text.replace('"memory"', '"fz_old_memory"', 1)
    done = _before_end(text, item)
    return (done, item) if done else None


def _wat_table(rng, text):
    size = rng.choice(TABLE_SIZES)
    item = rng.choice(
        (
            f"(table {size} funcref)",
            f'(table (export "fz_table") {size} funcref)',
            f"(table {size} externref)",
            # Any growth: the table limit refuses what is past it (issue 10's finding 10).
            '(table $fz_t 1 funcref) (func (export "fz_grow_table") (param i32) (result i32) '
            "(table.grow $fz_t (ref.null func) (local.get 0)))",
        )
    )
    done = _before_end(text, item)
    return (done, item[:50]) if done else None


def _wat_segment(rng, text):
    offset = rng.choice(MEMORY_END)
    item = rng.choice(
        (
            f'(data (i32.const {offset}) "\\03abc")',
            f"(elem (i32.const {offset}) func 0)",
            f"(table 1 funcref) (elem (i32.const {rng.choice((0, 1, 2, 10))}) func 0 0)",
        )
    )
    done = _before_end(text, item)
    return (done, item) if done else None


def _wat_export(rng, text):
    name = rng.choice(("a\\00b", "", "\\ff", "FIB", "Fib", "libsql_malloc", "run_wasm", "abs", "x" * 300))
    item = rng.choice(
        (
            f'(export "{name}" (func 0))',
            f'(global (export "{name}") i32 (i32.const 7))',
            '(global (export "memory") i32 (i32.const 0))',
            '(global (export "libsql_malloc") (mut i32) (i32.const 0))',
        )
    )
    done = _before_end(text, item)
    return (done, item[:50]) if done else None


def _wat_v128(rng, text):
    item = rng.choice(
        (
            '(func (export "fz_v128_param") (param v128) (result i64) (i64.const 1))',
            '(func (export "fz_v128_result") (result v128) (v128.const i64x2 1 2))',
            '(global (export "fz_v128_global") v128 (v128.const i64x2 0 0))',
            '(func (export "fz_v128_local") (result i64) (local v128) (i64.const 3))',
        )
    )
    done = _before_end(text, item)
    return (done, item[:40]) if done else None


MALLOCS = {
    "zero": "(i32.const 0)",
    "minus_one": "(i32.const -1)",
    "end": "(i32.mul (memory.size) (i32.const 65536))",
    "end_minus_one": "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))",
    "straddle": "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 3))",
    "same": "(i32.const 16)",
    "trap": "unreachable",
    "loop": "(loop $l (br $l)) (i32.const 0)",
    "grow_each_call": "(i32.mul (memory.grow (i32.const 1)) (i32.const 65536))",
    "huge_size": "(i32.add (local.get 0) (i32.const 1024))",
}


def _wat_malloc(rng, text):
    """A hostile libsql_malloc in place of the module's own (or added to one without)."""
    kind = rng.choice([*MALLOCS, "wrong_signature"])
    text = text.replace('"libsql_malloc"', '"fz_old_malloc"')
    if not _uses_memory(text):
        text = _before_end(text, '(memory (export "memory") 1)') or text
    if kind == "wrong_signature":
        item = '(func (export "libsql_malloc") (param i64) (result i32) (i32.const 16))'
    else:
        item = f'(func (export "libsql_malloc") (param i32) (result i32) {MALLOCS[kind]})'
    done = _before_end(text, item)
    return (done, kind) if done else None


WAT_OPS: dict[str, Op] = {
    "import": _wat_import,
    "start": _wat_start,
    "memory": _wat_memory,
    "table": _wat_table,
    "segment": _wat_segment,
    "export": _wat_export,
    "v128": _wat_v128,
    "malloc": _wat_malloc,
}


# -- text ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w$.])-?(0x[0-9a-fA-F]+|\d+)(?![\w.])")
_TYPE_WORD = re.compile(r"\b(i32|i64|f32|f64|v128|funcref|externref)\b")


def _text_number(rng, text):
    numbers = list(_NUMBER.finditer(text))
    if not numbers:
        return None
    found = rng.choice(numbers)
    new = str(rng.choice((*INTERESTING, -1, -2147483648, 65535, 65536, 1025)))
    return text[: found.start()] + new + text[found.end() :], f"{found.group()}->{new}"


def _text_type(rng, text):
    words = list(_TYPE_WORD.finditer(text))
    if not words:
        return None
    found = rng.choice(words)
    new = rng.choice(("i32", "i64", "f32", "f64", "v128", "externref"))
    return text[: found.start()] + new + text[found.end() :], f"{found.group()}->{new}"


def _text_span(rng, text):
    if not text:
        return None
    at = rng.randrange(len(text))
    n = rng.randint(1, 20)
    if rng.random() < 0.5:
        return text[:at] + text[at + n :], f"-{at}:{n}"
    return text[: at + n] + text[at : at + n] + text[at + n :], f"x{at}:{n}"


def _text_line(rng, text):
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return None
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    how = rng.choice(("drop", "copy", "swap"))
    if how == "drop":
        del lines[a]
    elif how == "copy":
        lines.insert(b, lines[a])
    else:
        lines[a], lines[b] = lines[b], lines[a]
    return "".join(lines), f"{how} {a} {b}"


TEXT_OPS: dict[str, Op] = {
    "number": _text_number,
    "type": _text_type,
    "span": _text_span,
    "line": _text_line,
}


def export_names(source: str | bytes) -> list[bytes]:
    """The names of a mutant's exported functions, as best they can be read (may be empty)."""
    if isinstance(source, str):
        import wasmtime

        try:
            source = bytes(wasmtime.wat2wasm(source))
        except wasmtime.WasmtimeError:
            return []
    try:
        entries = wb.exports(wb.find(wb.split(source), wb.EXPORT))
    except wb.Malformed:
        return []
    return [n for n, kind, _i in entries if kind == wb.FUNC_KIND]
