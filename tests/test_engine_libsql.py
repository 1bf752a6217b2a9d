"""libSQL's own run_wasm / CREATE FUNCTION test cases, each run four ways:
registered by name (from WAT and from binary) and through run_wasm (module
as WAT TEXT and as binary BLOB). See the ``call`` fixture in conftest."""

from __future__ import annotations

import itertools
import random

import pytest
from conftest import MODES, Caller, one, open_session, rows, wasm, wat

WORDS = ["eenie", "meenie", "miny", "mo", "m", "o"]


def py_fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 20, 25])
def test_fib(call, n):
    assert call("fib", "fib", n) == py_fib(n)


def test_fib_result_is_integer(call):
    value = call("fib", "fib", 30)
    assert value == 832040
    assert type(value) is int


def test_contains_all_ordered_pairs(call):
    for a, b in itertools.product(WORDS, repeat=2):
        assert call("contains", "contains", a, b) == int(b in a), (a, b)


def test_contains_in_one_query(session):
    """The libSQL shape: one statement, many calls, checked row by row."""
    session.register_module(wat("contains"))
    session.execute("create table w(word text)")
    session.execute("insert into w values " + ", ".join(f"('{w}')" for w in WORDS))
    got = rows(session, "select a.word, b.word, contains(a.word, b.word) from w a, w b")
    assert len(got) == len(WORDS) ** 2
    for a, b, c in got:
        assert c == int(b in a), (a, b, c)


def test_concat3(call):
    assert call("concat3", "concat3", "hello", ", ", "world") == "hello, world"


def test_concat3_unicode_and_empty(call):
    assert call("concat3", "concat3", "", "", "") == ""
    assert call("concat3", "concat3", "añ", "日本", "😀") == "añ日本😀"


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x02\x03\x04\x05",
        b"\x2a",
        b"\x00\x00\x01\x00\x00\x02",
        b"\x00",
        b"",
        random.Random(1234).randbytes(65536),
    ],
    ids=["5-bytes", "1-byte", "zeros-inside", "one-zero", "empty", "64KiB-random"],
)
def test_reverse_blob(call, data):
    result = call("reverse_blob", "reverse_blob", data)
    assert isinstance(result, bytes)
    assert result == data[::-1]


def test_get_null(call):
    assert call("get_null", "get_null") is None


def test_reverse_text(call):
    assert call("reverse_text", "reverse_text", "hello") == "olleh"
    assert call("reverse_text", "reverse_text", "añb日😀") == "😀日bña"


def test_add1_divide_hypot(call):
    assert call("add1", "add1", 41) == 42
    assert call("divide", "divide", 7, 2) == 3
    assert call("divide", "divide", -7, 2) == -3
    assert call("hypot", "hypot", 3, 4) == 5.0


def test_run_wasm_binary_blob_directly(session):
    """The libSQL test stores the binary as a BLOB and passes it to run_wasm."""
    session.execute("create table mods(name text primary key, body blob)")
    for name in ("fib", "concat3", "reverse_blob", "get_null"):
        session.execute("insert into mods values (?, ?)", (name, wasm(name)))
    assert one(session, "select typeof(body) from mods where name = 'fib'") == "blob"
    assert one(session, "select run_wasm(body, 'fib', 10) from mods where name = 'fib'") == 55
    assert (
        one(
            session,
            "select run_wasm(body, 'concat3', 'hello', ', ', 'world') from mods where name = 'concat3'",
        )
        == "hello, world"
    )
    assert (
        one(
            session,
            "select run_wasm(body, 'reverse_blob', x'0102') from mods where name = 'reverse_blob'",
        )
        == b"\x02\x01"
    )
    assert one(session, "select run_wasm(body, 'get_null') from mods where name = 'get_null'") is None


def test_run_wasm_wat_stored_in_a_table(session):
    session.execute("create table mods(body text)")
    session.execute("insert into mods values (?)", (wat("fib"),))
    got = rows(
        session,
        "with recursive n(i) as (select 0 union all select i + 1 from n where i < 15)"
        " select i, run_wasm(mods.body, 'fib', i) from n, mods order by i",
    )
    assert got == [(i, py_fib(i)) for i in range(16)]


def test_all_modes_agree_in_one_session():
    s = open_session()
    try:
        results = set()
        for mode in MODES:
            caller = Caller(s, mode)
            results.add(
                (
                    caller("fib", "fib", 15),
                    caller("concat3", "concat3", "a", "b", "c"),
                    caller("reverse_blob", "reverse_blob", b"xyz"),
                )
            )
        assert results == {(610, "abc", b"zyx")}
    finally:
        s.close()
