"""The module reader of the stored path (wasmshell/engine/wasmbin.py) on hostile bytes.

A stored body comes from a database file anyone may have written: reading its
imports and export signatures without compiling it must give a result or a
ModuleError for any bytes, never an IndexError, a RecursionError or a
UnicodeDecodeError (issue 10, finding 5: a 10-byte body made opening a file
fail with an IndexError). Random bytes, and byte-level and structural
mutations of real modules, run through every reader.
"""

from __future__ import annotations

import contextlib

import pytest
from conftest import ROOT, wasm
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wasmshell import ModuleError, WasmError

SAMPLE_BINARIES = [wasm(name) for name in ("fib", "hypot", "concat3", "reverse_blob", "wasi_hello", "upper")]


def _read_everything(data: bytes) -> None:
    from wasmshell.engine import module, wasmbin

    for reader in (wasmbin.export_signatures, wasmbin.import_count, wasmbin.exports_memory, list_sections):
        with contextlib.suppress(WasmError):
            reader(data)
    module.not_deterministic(data)


def list_sections(data: bytes) -> list[int]:
    from wasmshell.engine import wasmbin

    return [section for section, _body in wasmbin.sections(data)]


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=64))
@example(bytes.fromhex("0061736d010000000205"))
@example(b"\0asm\1\0\0\0\1\x05\x01\x4e\x01\x4e\x01")
@example(b"\0asm\1\0\0\0\x07\x05\x01\x02\xff\xfe\x00")
@example(b"\0asm\1\0\0\0\x01\x06\x01\x60\xff\xff\xff\x0f")
def test_wasmbin_reads_any_bytes_after_the_header(tail):
    _read_everything(b"\0asm\1\0\0\0" + tail)
    _read_everything(tail)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_BINARIES), st.data())
def test_wasmbin_reads_any_mutation_of_a_real_module(module, data):
    """Truncations, flipped bytes, inserted and removed bytes of real modules."""
    mutated = bytearray(module)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["cut", "set", "insert", "delete"]))
        at = data.draw(st.integers(0, max(len(mutated) - 1, 0)))
        if kind == "cut":
            del mutated[at:]
        elif kind == "set" and mutated:
            mutated[at] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=5))
        elif mutated:
            del mutated[at]
    _read_everything(bytes(mutated))


def test_every_truncation_of_the_samples_is_a_clean_error_or_a_result():
    for module in SAMPLE_BINARIES:
        for end in range(len(module)):
            _read_everything(module[:end])


def test_a_deep_type_nesting_is_a_clean_error():
    """A rec group inside a rec group, a million deep, recursed once; now it is an error at once."""
    from wasmshell.engine import wasmbin

    body = b"\x01" + b"\x4e\x01" * 500_000 + b"\x60\x00\x00"
    section = b"\x01" + _leb(len(body)) + body
    with pytest.raises(ModuleError):
        wasmbin.export_signatures(b"\0asm\1\0\0\0" + section)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_the_module_reader_is_robust_on_every_fixture(tmp_path):
    """Every fixture and sample, compiled, then read by the stored path: no exception but ModuleError."""
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.wat")) + sorted(
        (ROOT / "samples").glob("*.wat")
    ):
        try:
            binary = wasm(path.stem)
        except Exception:  # a fixture that is not meant to compile
            continue
        _read_everything(binary)
