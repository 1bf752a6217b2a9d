"""SQL value <-> Wasm value rules (DESIGN.md, "The Wasm function model"):
argument conversion, NULL short-circuit, results, arity and type errors."""

from __future__ import annotations

import math
import re

import apsw
import pytest
from conftest import assert_arg_message, one, run_wasm, wat

from wasmshell.engine.errors import ArgumentError, ModuleError, WasmError

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
I32_MAX = 2**31 - 1
I32_MIN = -(2**31)


# --------------------------------------------------------------------------
# i64


@pytest.mark.parametrize("n", [0, 1, -1, I32_MAX + 1, I32_MIN - 1, I64_MAX, I64_MIN])
def test_i64_full_range_through_add0(call, n):
    assert call("ident", "add0", n) == n


def test_i64_is_not_truncated_to_32_bits(call):
    # libSQL truncates to 32 bits; wasmshell must not.
    assert call("add1", "add1", 2**32) == 2**32 + 1
    assert call("add1", "add1", 2**40 + 5) == 2**40 + 6


def test_i64_arithmetic_wraps_like_wasm(call):
    assert call("add1", "add1", I64_MAX) == I64_MIN


def test_i64_rejects_real(call):
    with pytest.raises(ArgumentError) as err:
        call("fib", "fib", 1.5)
    assert_arg_message(str(err.value), "fib", 1, "INTEGER", "REAL")


def test_i64_rejects_text(call):
    with pytest.raises(ArgumentError) as err:
        call("divide", "divide", 10, "2")
    assert_arg_message(str(err.value), "divide", 2, "INTEGER", "TEXT")


def test_i64_rejects_blob(call):
    with pytest.raises(ArgumentError) as err:
        call("divide", "divide", b"\x01", 1)
    assert_arg_message(str(err.value), "divide", 1, "INTEGER", "BLOB")


# --------------------------------------------------------------------------
# NULL into a numeric parameter: NULL out, the function is not called


def test_null_numeric_argument_skips_the_call(call):
    # divide(x, 0) would trap if it ran
    assert call("divide", "divide", None, 0) is None
    assert call("divide", "divide", 1, None) is None
    assert call("unreachable", "boom", None) is None
    assert call("fib", "fib", None) is None


def test_null_into_f64_and_i32_params(call):
    assert call("hypot", "hypot", None, 1.0) is None
    assert call("hypot", "hypot", 3, None) is None
    assert call("add_i32", "add_i32", None, 1) is None
    assert call("f32", "twice_f32", None) is None


def test_null_into_void_function_does_not_call_it(call):
    assert call("void", "no_result_i64", None) is None


# --------------------------------------------------------------------------
# f64 / f32


def test_f64_accepts_real_and_integer(call):
    assert call("hypot", "hypot", 3.0, 4.0) == 5.0
    assert call("hypot", "hypot", 3, 4) == 5.0
    assert call("hypot", "hypot", 1.5, 2) == 2.5
    assert type(call("hypot", "hypot", 3, 4)) is float


def test_f64_takes_large_integers_as_floats(call):
    assert call("hypot", "hypot", 2**53, 0) == float(2**53)
    assert call("hypot", "hypot", I64_MIN, 0) == float(2**63)


def test_f64_rejects_text_and_blob(call):
    with pytest.raises(ArgumentError) as err:
        call("hypot", "hypot", "3", 4)
    assert_arg_message(str(err.value), "hypot", 1, "REAL", "TEXT")
    with pytest.raises(ArgumentError) as err:
        call("hypot", "hypot", 3, b"4")
    assert_arg_message(str(err.value), "hypot", 2, "BLOB")


def test_f32_param_and_result(call):
    assert call("f32", "twice_f32", 1.5) == 3.0
    assert call("f32", "twice_f32", 2) == 4.0
    assert type(call("f32", "twice_f32", 2)) is float
    assert call("f32", "f32_to_f64", 0.1) == pytest.approx(0.1, rel=1e-7)


def test_f32_rejects_text(call):
    with pytest.raises(ArgumentError) as err:
        call("f32", "twice_f32", "x")
    assert_arg_message(str(err.value), "twice_f32", 1, "TEXT")


# --------------------------------------------------------------------------
# i32 without memory: plain INTEGER in i32 range


def test_i32_without_memory(call):
    assert call("add_i32", "add_i32", 2, 3) == 5
    assert call("add_i32", "add_i32", I32_MAX, 0) == I32_MAX
    assert call("add_i32", "add_i32", I32_MIN, 0) == I32_MIN
    assert call("add_i32", "add_i32", -5, 2) == -3


def test_i32_result_wraps_like_wasm_and_is_signed(call):
    assert call("add_i32", "add_i32", I32_MAX, 1) == I32_MIN


@pytest.mark.parametrize("value", [I32_MAX + 1, I32_MIN - 1, 2**32, I64_MAX, I64_MIN])
def test_i32_out_of_range_is_an_error_not_wrapped(call, value):
    with pytest.raises(ArgumentError) as err:
        call("add_i32", "add_i32", 0, value)
    assert_arg_message(str(err.value), "add_i32", 2)


def test_i32_rejects_text(call):
    with pytest.raises(ArgumentError) as err:
        call("add_i32", "add_i32", "1", 2)
    assert_arg_message(str(err.value), "add_i32", 1, "INTEGER", "TEXT")


# --------------------------------------------------------------------------
# i32 with memory: TEXT / BLOB / NULL by pointer, libSQL's layout


def test_argument_tags(call):
    assert call("ident", "tag_of", "x") == 3
    assert call("ident", "tag_of", b"x") == 4
    assert call("ident", "tag_of", None) == 5


def test_text_argument_layout(call):
    # [0x03][UTF-8 bytes][0x00]
    assert call("ident", "text_len", "héllo") == len("héllo".encode())
    assert call("ident", "text_len", "") == 0
    assert call("ident", "byte_at", "AB", 1) == ord("A")
    assert call("ident", "byte_at", "AB", 2) == ord("B")
    assert call("ident", "byte_at", "AB", 3) == 0


def test_blob_argument_layout(call):
    # [0x04][length, big-endian i32][bytes]
    assert call("ident", "blob_len", b"abc") == 3
    assert call("ident", "blob_len", bytes(300)) == 300
    assert call("ident", "blob_len", b"") == 0
    assert [call("ident", "byte_at", b"\x00\x00\x01\x02", i) for i in range(1, 5)] == [0, 0, 0, 4]
    assert call("ident", "byte_at", b"\xfe\x00", 5) == 0xFE


def test_pointer_param_rejects_numbers(call):
    with pytest.raises(ArgumentError) as err:
        call("contains", "contains", "abc", 1)
    assert_arg_message(str(err.value), "contains", 2, "INTEGER")
    with pytest.raises(ArgumentError) as err:
        call("reverse_text", "reverse_text", 1.5)
    assert_arg_message(str(err.value), "reverse_text", 1, "REAL")


def test_null_passed_by_pointer(call):
    assert call("concat3", "concat3", "a", None, "c") is None
    assert call("reverse_blob", "reverse_blob", None) is None
    assert call("ident", "echo", None) is None


def test_echo_returns_text_blob_null(call):
    assert call("ident", "echo", "héllo wörld") == "héllo wörld"
    assert call("ident", "echo", b"\x00\xffab") == b"\x00\xffab"
    assert call("ident", "echo", "") == ""
    assert call("ident", "echo", b"") == b""


# --------------------------------------------------------------------------
# Results


def test_nan_result_is_null(call):
    assert call("nan", "nan") is None
    assert call("nan", "nan_f32") is None
    assert call("nan", "root", -1.0) is None
    assert call("nan", "root", 4.0) == 2.0


def test_infinity_result_is_real(call):
    value = call("nan", "inf")
    assert isinstance(value, float) and math.isinf(value) and value > 0


def test_no_result_is_null(call):
    assert call("void", "no_result") is None
    assert call("void", "no_result_i64", 5) is None


def test_result_sql_types(session):
    session.register_module(wat("fib"))
    session.register_module(wat("hypot"))
    session.register_module(wat("concat3"))
    session.register_module(wat("reverse_blob"))
    session.register_module(wat("get_null"))
    assert (
        one(
            session,
            "select typeof(fib(5)) || typeof(hypot(3, 4)) || typeof(concat3('a','b','c'))"
            " || typeof(reverse_blob(x'01')) || typeof(get_null())",
        )
        == "integerrealtextblobnull"
    )


# --------------------------------------------------------------------------
# Arity


def test_registered_wrong_number_of_arguments(session):
    session.register_module(wat("fib"))
    for sql, given in (("select fib()", "0 were"), ("select fib(1, 2)", "2 were")):
        with pytest.raises(ArgumentError, match=f"fib takes 1 argument, but {given} given"):
            one(session, sql)


def test_registered_wrong_arity_for_multi_arg_function(session):
    session.register_module(wat("concat3"))
    with pytest.raises(ArgumentError, match="concat3 takes 3 arguments, but 2 were given"):
        one(session, "select concat3('a', 'b')")


@pytest.mark.parametrize("args", [(), (1, 2)], ids=["too-few", "too-many"])
def test_run_wasm_wrong_number_of_arguments(session, args):
    with pytest.raises(WasmError) as err:
        run_wasm(session, "fib", "fib", *args)
    msg = str(err.value)
    assert "fib" in msg
    assert re.search(r"argument", msg, re.IGNORECASE)
    assert re.search(r"\b1\b", msg), "message should say how many arguments fib takes"


def test_run_wasm_needs_module_and_function(session):
    with pytest.raises((apsw.Error, WasmError)):
        one(session, "select run_wasm()")
    with pytest.raises((apsw.Error, WasmError)):
        one(session, "select run_wasm(?)", (wat("fib"),))


def test_run_wasm_unknown_export(session):
    with pytest.raises(ModuleError, match="nope"):
        run_wasm(session, "fib", "nope", 1)


def test_run_wasm_export_that_is_not_a_function(session):
    with pytest.raises(ModuleError, match="memory"):
        run_wasm(session, "get_null", "memory")


def test_register_unknown_export_name(session):
    with pytest.raises(ModuleError, match="nope"):
        session.register_module(wat("fib"), names=["nope"])


def test_run_wasm_module_must_be_text_or_blob(session):
    with pytest.raises((apsw.Error, WasmError)):
        one(session, "select run_wasm(42, 'fib', 1)")
