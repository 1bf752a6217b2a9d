"""A malicious guest against the value ABI.

Every pointer, length, tag and byte a guest hands back, and every pointer its ``libsql_malloc``
returns, is checked. Each case runs four ways: registered by name and called through the C
``WasmCall`` or through ctypes, and through the C ``run_wasm`` or the pure-Python one (with ctypes
calls). Each gives a clear error naming the function, the same error again on a second try, and
then the module's other function and the session work. A shell test runs them all in one real
``wasmshell`` process, which must keep going to the last statement.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import assert_usable, one, open_session, run_python

from wasmshell.engine import native
from wasmshell.engine.errors import ArgumentError, MemoryLimitExceeded, ModuleError, ResultError, WasmTrap

WASMSHELL = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")
WAYS = ("c", "ctypes", "run_wasm_c", "run_wasm_python")
OOB = r"(outside|past the end|out of bounds)"
PAGE = 65536

# A module with one page of memory that never grows, and ok() -> 42 to show it still works.
FIXED = '(memory (export "memory") 1 1) (func (export "ok") (result i64) (i64.const 42))'
# libsql_malloc that hands out fresh bytes from 1024 on (libSQL's: it never frees).
BUMP = """(global $heap (mut i32) (i32.const 1024))
  (func (export "libsql_malloc") (param $n i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))"""


class Guest:
    """Calls the functions of one module in one of the WAYS."""

    def __init__(self, session, way: str, source: str) -> None:
        self.s, self.way, self.source = session, way, source
        if way == "run_wasm_python":
            session._register_run_wasm(in_c=False)
        if way in ("c", "ctypes"):
            with self.calls():
                session.register_module(source)

    def calls(self):
        """C calls or ctypes calls, as this way wants, while the block runs."""
        return _CCalls(self.way in ("c", "run_wasm_c"))

    def __call__(self, func: str, *args):
        marks = "".join(", ?" for _ in args)
        with self.calls():
            if self.way in ("c", "ctypes"):
                return one(self.s, f"select {func}({marks[2:]})", args)
            return one(self.s, f"select run_wasm(?, ?{marks})", (self.source, func, *args))


class _CCalls:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __enter__(self) -> None:
        native.c_calls = self.on

    def __exit__(self, *exc: object) -> None:
        native.c_calls = True


@pytest.fixture(params=WAYS)
def way(request):
    return request.param


def module(*fields: str) -> str:
    return "(module\n  " + "\n  ".join(fields) + ")"


def check_failure(guest: Guest, exc: type, pattern: str, func: str = "hostile", args: tuple = ()) -> None:
    """The call fails with ``exc`` naming ``func`` and matching ``pattern``, twice; then all is well."""
    for _attempt in range(2):
        with pytest.raises(exc) as err:
            guest(func, *args)
        message = str(err.value)
        assert re.search(rf"\b{func}\b", message), message
        assert re.search(pattern, message, re.IGNORECASE), message
        assert not guest.s.connection.in_transaction
    assert guest("ok") == 42
    assert_usable(guest.s)


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadResult:
    data: bytes  # placed at ``at`` by a data segment (nothing when empty)
    at: int
    pointer: int  # what hostile() returns, as an i32
    pattern: str


BAD_RESULTS = {
    # pointers that wrap around 2^32, point past memory or exactly to its end
    "pointer -1 (0xffffffff)": BadResult(b"", 0, -1, OOB),
    "pointer -5: the tag would wrap": BadResult(b"", 0, -5, OOB),
    "pointer 0x80000000": BadResult(b"", 0, -(2**31), OOB),
    "pointer at the end of memory": BadResult(b"", 0, PAGE, OOB),
    "pointer past memory": BadResult(b"", 0, PAGE + 4464, OOB),
    # TEXT without a NUL before the end of memory
    "TEXT in the last byte": BadResult(b"\x03", PAGE - 1, PAGE - 1, r"NUL|" + OOB),
    "TEXT runs to the end": BadResult(b"\x03abcd", PAGE - 5, PAGE - 5, r"NUL|" + OOB),
    # invalid UTF-8
    "TEXT overlong NUL": BadResult(b"\x03\xc0\x80\x00", 64, 64, r"UTF-8"),
    "TEXT overlong slash": BadResult(b"\x03\xe0\x80\xaf\x00", 64, 64, r"UTF-8"),
    "TEXT surrogate": BadResult(b"\x03\xed\xa0\x80\x00", 64, 64, r"UTF-8"),
    "TEXT truncated sequence": BadResult(b"\x03ab\xe2\x82\x00", 64, 64, r"UTF-8"),
    "TEXT lone continuation byte": BadResult(b"\x03\x80\x00", 64, 64, r"UTF-8"),
    "TEXT above U+10FFFF": BadResult(b"\x03\xf4\x90\x80\x80\x00", 64, 64, r"UTF-8"),
    "TEXT 0xff": BadResult(b"\x03ok\xff\x00", 64, 64, r"UTF-8"),
    # BLOB lengths
    "BLOB length 0x7fffffff": BadResult(b"\x04\x7f\xff\xff\xff", 64, 64, OOB),
    "BLOB length 0xffffffff": BadResult(b"\x04\xff\xff\xff\xff", 64, 64, OOB + r"|length"),
    "BLOB length 0x80000000": BadResult(b"\x04\x80\x00\x00\x00", 64, 64, OOB + r"|length"),
    "BLOB length wraps the pointer": BadResult(b"\x04\xff\xff\xff\xf0", PAGE - 5, PAGE - 5, OOB + r"|length"),
    "BLOB one byte too long": BadResult(b"\x04\x00\x00\x00\x04abc", PAGE - 8, PAGE - 8, OOB),
    "BLOB header cut by the end": BadResult(b"\x04\x00\x00", PAGE - 3, PAGE - 3, OOB),
    # bad tag bytes
    "tag 0": BadResult(b"\x00", 64, 64, r"type byte 0\b"),
    "tag 2": BadResult(b"\x02", 64, 64, r"type byte 2\b"),
    "tag 6": BadResult(b"\x06", 64, 64, r"type byte 6\b"),
    "tag 0xff": BadResult(b"\xff", 64, 64, r"type byte 255\b"),
}


def _wat_bytes(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


@pytest.mark.parametrize("case", list(BAD_RESULTS))
def test_bad_result_is_a_clear_error(session, way, case):
    bad = BAD_RESULTS[case]
    segment = f'(data (i32.const {bad.at}) "{_wat_bytes(bad.data)}")' if bad.data else ""
    source = module(FIXED, segment, f'(func (export "hostile") (result i32) (i32.const {bad.pointer}))')
    check_failure(Guest(session, way, source), ResultError, bad.pattern)


def test_a_good_result_at_the_very_end_of_memory(session, way):
    """The edges are exact: a TEXT whose NUL is the last byte, a BLOB ending on it, are fine."""
    source = module(
        FIXED,
        f'(data (i32.const {PAGE - 4}) "\\03ok\\00")',
        f'(data (i32.const {PAGE - 12}) "\\04\\00\\00\\00\\03xyz")',
        f'(func (export "text") (result i32) (i32.const {PAGE - 4}))',
        f'(func (export "blob") (result i32) (i32.const {PAGE - 12}))',
    )
    guest = Guest(session, way, source)
    assert guest("text") == "ok"
    assert guest("blob") == b"xyz"


# -- libsql_malloc --------------------------------------------------------------------------

# hostile(TEXT/BLOB/NULL) returns its argument; libsql_malloc is the hostile part.
ECHO = '(func (export "hostile") (param i32) (result i32) (local.get 0))'
MALLOCS = {
    "traps": ("unreachable", WasmTrap, r"libsql_malloc.*unreachable"),
    "returns 0": ("(i32.const 0)", ResultError, r"libsql_malloc.*returned 0, a null pointer"),
    "returns a pointer past memory": (
        "(i32.const 70000)",
        ResultError,
        r"libsql_malloc.*returned 70000, where \d+ bytes do not fit in linear memory",
    ),
    "returns the end of memory": (f"(i32.const {PAGE})", ResultError, rf"libsql_malloc.*{PAGE}"),
    "returns a pointer the value straddles": (
        f"(i32.const {PAGE - 3})",
        ResultError,
        rf"libsql_malloc.*{PAGE - 3}",
    ),
    "returns -4 (wraps)": ("(i32.const -4)", ResultError, r"libsql_malloc.*4294967292"),
    "loops": ("(loop $l (br $l)) (i32.const 0)", WasmTrap, r"time limit"),
}


@pytest.mark.parametrize("case", list(MALLOCS))
@pytest.mark.parametrize("value", ["some text", b"\x00blob", None], ids=["TEXT", "BLOB", "NULL"])
def test_hostile_libsql_malloc_is_a_clear_error(way, case, value):
    body, exc, pattern = MALLOCS[case]
    if case == "returns a pointer the value straddles" and value is None:
        pytest.skip("one byte fits in the last three")
    session = open_session(timeout_ms=300)
    try:
        source = module(FIXED, f'(func (export "libsql_malloc") (param i32) (result i32) {body})', ECHO)
        check_failure(Guest(session, way, source), exc, pattern, args=(value,))
    finally:
        session.close()


@pytest.mark.parametrize(
    "malloc",
    [
        '(func (export "libsql_malloc") (param i64) (result i32) (i32.const 16))',
        '(func (export "libsql_malloc") (param i32) (result i64) (i64.const 16))',
        '(func (export "libsql_malloc") (param i32))',
        '(func (export "libsql_malloc") (result i32) (i32.const 16))',
        '(global (export "libsql_malloc") i32 (i32.const 16))',
    ],
    ids=["i64 param", "i64 result", "no result", "no param", "a global"],
)
def test_libsql_malloc_of_the_wrong_kind_is_refused_clearly(session, way, malloc):
    guest = Guest(session, way, module(FIXED, malloc, ECHO))
    check_failure(guest, ArgumentError, r"libsql_malloc\(i32\) -> i32", args=("text",))


def test_libsql_malloc_into_the_guests_shadow_stack(session, way):
    """A C-style guest whose libsql_malloc hands out the middle of its own stack: the argument
    is overwritten by the guest's frame. What the guest then returns is its business; the host
    reads it as any other result, and nothing outside the guest's memory is touched."""
    source = module(
        FIXED,
        "(global $sp (mut i32) (i32.const 4096))",
        '(func (export "libsql_malloc") (param i32) (result i32) (i32.sub (global.get $sp) (i32.const 8)))',
        # hostile pushes a 16-byte frame, writes a TEXT "hi" in it (over its argument) and returns it
        """(func (export "hostile") (param $p i32) (result i32) (local $frame i32)
             (local.set $frame (i32.sub (global.get $sp) (i32.const 16)))
             (global.set $sp (local.get $frame))
             (i32.store (i32.add (local.get $frame) (i32.const 6)) (i32.const 0x00696803))
             (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
             (i32.add (local.get $frame) (i32.const 6)))""",
    )
    guest = Guest(session, way, source)
    for value in ("an argument longer than the frame", b"\x01\x02", None):
        assert guest("hostile", value) == "hi"
    assert guest("ok") == 42


def test_libsql_malloc_growing_memory_on_every_call_stays_bounded(way):
    """libsql_malloc grows memory by a page on every call and never reuses it. Without the
    instance being replaced, 3,000 calls would need 187 MiB, past the 64 MiB cap; with it,
    memory never passes the replacement threshold (16 MiB over the start)."""
    source = module(
        '(memory (export "memory") 1)',
        '(func (export "libsql_malloc") (param i32) (result i32)'
        " (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)))",
        '(func (export "hostile") (param i32) (result i64) (i64.extend_i32_u (memory.size)))',
        '(func (export "ok") (result i64) (i64.const 42))',
    )
    session = open_session()
    try:
        guest = Guest(session, way, source)
        # A different 1,000-byte TEXT on each row: SQLite calls the function every time.
        text = "printf('%.*c', 1000, char(65 + i % 26))"
        call, bindings = (
            (f"hostile({text})", ())
            if way in ("c", "ctypes")
            else (f"run_wasm(?, 'hostile', {text})", (source,))
        )
        rows = "with recursive c(i) as (select 1 union all select i + 1 from c where i < 3000)"
        rows += f" select count(*), max({call}) from c"
        with guest.calls():
            ((calls, pages),) = list(session.execute(rows, bindings))
        assert calls == 3000
        assert pages * PAGE <= 17 * 2**20, f"memory reached {pages} pages"
        assert guest("ok") == 42
    finally:
        session.close()


def test_memory_grown_during_the_call_is_seen(session, way):
    """The guest grows memory while it runs (libsql_malloc, or the function itself) and puts
    values past the old end: the host's view of memory must follow, for arguments and results."""
    source = module(
        '(memory (export "memory") 1)',
        # each allocation on a fresh page past the old end
        '(func (export "libsql_malloc") (param i32) (result i32)'
        " (i32.mul (memory.grow (i32.add (i32.shr_u (local.get 0) (i32.const 16)) (i32.const 1)))"
        " (i32.const 65536)))",
        # grows 4 pages, writes TEXT "i!" in the last 4 bytes of the new memory
        """(func (export "text_at_new_end") (result i32) (local $p i32)
             (local.set $p (i32.sub (i32.mul (i32.add (memory.grow (i32.const 4)) (i32.const 4))
                                             (i32.const 65536)) (i32.const 4)))
             (i32.store (local.get $p) (i32.const 0x00216903))
             (local.get $p))""",
        # grows 2 pages, copies nothing: returns a BLOB header + 3 bytes at the new end
        """(func (export "blob_at_new_end") (result i32) (local $p i32)
             (local.set $p (i32.sub (i32.mul (i32.add (memory.grow (i32.const 2)) (i32.const 2))
                                             (i32.const 65536)) (i32.const 8)))
             (i64.store (local.get $p) (i64.const 0x7a797803000000_04))
             (local.get $p))""",
        ECHO,
        '(func (export "ok") (result i64) (i64.const 42))',
    )
    guest = Guest(session, way, source)
    assert guest("text_at_new_end") == "i!"
    assert guest("blob_at_new_end") == b"xyz"
    big = "é" * 100_000  # 200,000 bytes: four fresh pages
    assert guest("hostile", big) == big
    assert guest("hostile", b"\x00" * 70_000) == b"\x00" * 70_000
    assert guest("hostile", None) is None


# -- memories that are not what the ABI expects ------------------------------------------


def test_no_exported_memory_means_plain_integers(session, way):
    """A memory that is not exported: i32 is a number, TEXT is refused naming the argument."""
    source = module(
        "(memory 1)",
        '(func (export "hostile") (param i32) (result i32)'
        " (i32.store (i32.const 0) (local.get 0)) (i32.load (i32.const 0)))",
        '(func (export "ok") (result i64) (i64.const 42))',
    )
    guest = Guest(session, way, source)
    assert guest("hostile", 41) == 41
    assert guest("hostile", -7) == -7
    check_failure(guest, ArgumentError, r"argument 1.*INTEGER.*TEXT", args=("text",))


@pytest.mark.parametrize(
    "memory",
    [
        '(memory (export "mem") 1)',
        '(memory (export "Memory") 1)',
        '(global (export "memory") i32 (i32.const 0))',
    ],
    ids=["called mem", "called Memory", "a global called memory"],
)
def test_memory_under_another_name_is_not_the_abis(session, way, memory):
    source = module(memory, BUMP, ECHO, '(func (export "ok") (result i64) (i64.const 42))')
    guest = Guest(session, way, source)
    assert guest("hostile", 5) == 5
    check_failure(guest, ArgumentError, r"argument 1.*INTEGER.*BLOB", args=(b"blob",))


def test_64_bit_memory_called_memory(session, way):
    """memory64: the guest's pointers are still i32 values; every value round-trips."""
    source = module(
        '(memory (export "memory") i64 1)',
        BUMP,
        ECHO,
        '(func (export "ok") (result i64) (i64.const 42))',
        f'(func (export "past") (result i32) (i32.const {PAGE}))',
    )
    guest = Guest(session, way, source)
    for value in ("text ✓", b"\x00\xff", None):
        assert guest("hostile", value) == value
    check_failure(guest, ResultError, OOB, func="past")


def test_a_second_memory_is_refused_for_what_it_is(session, way):
    """Two memories, the second one exported as "memory": refused (one memory per instance),
    with a message that says so rather than blaming the memory cap."""
    source = module("(memory 1)", '(memory (export "memory") 1)', BUMP, ECHO)
    with pytest.raises(ModuleError) as err:
        Guest(session, way, source)("hostile", "text")
    assert not isinstance(err.value, MemoryLimitExceeded)
    assert re.search(r"memor(y|ies)", str(err.value)) and "MiB" not in str(err.value), str(err.value)


def test_the_shell_goes_on_after_every_hostile_guest(tmp_path):
    """Every case above in one real wasmshell process: each failing call is one error line
    naming the function, never a traceback, and every next statement runs."""
    cases = []
    for name, bad in BAD_RESULTS.items():
        segment = f'(data (i32.const {bad.at}) "{_wat_bytes(bad.data)}")' if bad.data else ""
        cases.append(
            (
                name,
                module(FIXED, segment, f'(func (export "hostile") (result i32) (i32.const {bad.pointer}))'),
                "hostile()",
            )
        )
    for name, (body, _exc, _pattern) in MALLOCS.items():
        malloc = f'(func (export "libsql_malloc") (param i32) (result i32) {body})'
        cases.append((name, module(FIXED, malloc, ECHO), "hostile('some text')"))
    script = []
    for k, (_name, source, call) in enumerate(cases):
        path = tmp_path / f"case{k}.wat"
        path.write_text(source)
        script += [f".loadwasm '{path}' --temp --replace", f"select {call};", "select ok();"]
    script.append("select 'the end';")
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [WASMSHELL, "--wasm-timeout", "300", ":memory:"],
        input="\n".join(script).encode(),
        capture_output=True,
        env=env,
        timeout=300,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1, (proc.returncode, err[-2000:])  # errors happened, as sqlite3 says
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(errors) == len(cases), err
    assert all(re.search(r"\bhostile\b", line) for line in errors), err
    assert out.splitlines().count("42") == len(cases), out
    assert out.endswith("the end\n")


# -- memory over many calls ------------------------------------------------------------------

BLOB_CALLS = 1_000_000
BLOB_BYTES = 1_000_000
# libsql_malloc hands out a 32 MiB ring: memory grows to it once and is then reused.
RING = """(module
  (memory (export "memory") 513)
  (global $next (mut i32) (i32.const 65536))
  (func (export "libsql_malloc") (param $n i32) (result i32) (local $p i32)
    (if (i32.gt_u (i32.add (global.get $next) (local.get $n)) (i32.const 33619968))
      (then (global.set $next (i32.const 65536))))
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  ;; the BLOB's last byte (its length fits in three bytes)
  (func (export "last_byte") (param $p i32) (result i64) (local $n i32)
    (local.set $n (i32.or (i32.or
        (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 16))
        (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 8)))
      (i32.load8_u offset=4 (local.get $p))))
    (i64.load8_u offset=4 (i32.add (local.get $p) (local.get $n)))))"""


@pytest.mark.slow
def test_a_million_calls_with_1_mb_blobs_keep_memory_flat():
    """1,000,000 calls, each given a 1 MB BLOB: the process's peak memory after them is what it
    was after the first 10,000. A memory check, in a fresh process; not a timing."""
    code = rf"""
import re
from conftest import open_session
s = open_session()
s.register_module({RING!r})
blob = bytes(range(256)) * ({BLOB_BYTES} // 256) + b"\x07" * ({BLOB_BYTES} % 256)

def peak_mb():
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) // 1024

def run(n):
    # iif(...) depends on the row, so SQLite calls the function on every row
    sql = ("with recursive c(i) as (select 1 union all select i + 1 from c where i < ?)"
           " select count(*), sum(last_byte(iif(i > 0, ?, null)) = 7) from c")
    return list(s.execute(sql, (n, blob)))[0]

print("warm", run(10_000), peak_mb())
print("all", run({BLOB_CALLS}), peak_mb())
"""
    proc = run_python(code, timeout=1200)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    warm = re.search(r"warm \((\d+), (\d+)\) (\d+)", out)
    done = re.search(r"all \((\d+), (\d+)\) (\d+)", out)
    assert warm and done, out
    assert int(done.group(1)) == int(done.group(2)) == BLOB_CALLS, out
    growth = int(done.group(3)) - int(warm.group(3))
    assert growth < 32, f"peak memory grew {growth} MB over {BLOB_CALLS:,} calls: {out}"
