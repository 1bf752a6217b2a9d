"""run_wasm's dispatch: the C function (cached per statement with SQLite's
auxdata) and the pure-Python fallback must agree, whatever changes between
rows and between executions."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import one, open_session, rows, wat

from wasmshell.engine.errors import ArgumentError, WasmTrap

# Two exports of one arity and one of another, so a cache keyed on the
# module alone would give wrong answers.
TWO_FUNCTIONS = """(module
  (func (export "inc") (param i64) (result i64) local.get 0 i64.const 1 i64.add)
  (func (export "dec") (param i64) (result i64) local.get 0 i64.const 1 i64.sub)
  (func (export "add") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add))
"""
CONSTANT = '(module (func (export "f") (param i64) (result i64) i64.const {n}))'

SERIES = "with recursive n(i) as (select 1 union all select i + 1 from n where i < {last}) "


def c_function_buildable() -> bool:
    """Whether this machine has what setup.py needs for the C run_wasm."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return False
    probe = subprocess.run(
        [compiler, "-E", "-x", "c", "-"], input=b"#include <sqlite3ext.h>\n", capture_output=True
    )
    return probe.returncode == 0


@pytest.fixture(params=["c", "python"])
def s(request):
    session = open_session()
    if request.param == "python":
        session._register_run_wasm(in_c=False)
    elif not session.native_run_wasm:
        session.close()
        pytest.skip("the C run_wasm is not built here")
    try:
        yield session
    finally:
        session.close()


def count_lookups(session) -> list[tuple]:
    """Record every time run_wasm looks a module up (re-registers run_wasm)."""
    seen: list[tuple] = []
    lookup = session._run_wasm_lookup

    def counting(module, name):
        seen.append((len(module) if isinstance(module, str | bytes) else module, name))
        return lookup(module, name)

    session._run_wasm_lookup = counting
    session._register_run_wasm(in_c=session.native_run_wasm)
    return seen


def test_the_c_function_is_built_where_it_can_be():
    """A silently failed build would leave every user on the slow path."""
    if not c_function_buildable():
        pytest.skip("no C compiler or sqlite3ext.h here")
    session = open_session()
    try:
        assert session.native_run_wasm
    finally:
        session.close()


def test_functions_are_called_from_c_where_it_is_built():
    session = open_session()
    try:
        session.register_module(wat("add1"))
        session.register_module(wat("reverse_text"))
        number, text = session.functions["add1"].fn.call, session.functions["reverse_text"].fn.call
        if session.native_run_wasm:
            assert type(number).__name__ == type(text).__name__ == "WasmCall"
        assert rows(session, "select add1(41), reverse_text('ab')") == [(42, "ba")]
    finally:
        session.close()


def test_a_constant_module_is_looked_up_once_per_statement(s):
    seen = count_lookups(s)
    total = one(s, SERIES.format(last=1000) + "select sum(run_wasm(?, 'inc', i)) from n", (TWO_FUNCTIONS,))
    assert total == sum(range(2, 1002))
    assert len(seen) == 1


def test_the_function_name_may_change_from_row_to_row(s):
    got = rows(
        s,
        SERIES.format(last=6)
        + "select i, run_wasm(?, case i % 2 when 0 then 'inc' else 'dec' end, i) from n",
        (TWO_FUNCTIONS,),
    )
    assert got == [(i, i + 1 if i % 2 == 0 else i - 1) for i in range(1, 7)]


def test_the_module_may_change_from_row_to_row(s):
    s.execute("create table m(k, src)")
    for k in range(4):
        s.execute("insert into m values (?, ?)", (k, CONSTANT.format(n=k * 10)))
    got = rows(s, SERIES.format(last=3) + "select i, k, run_wasm(src, 'f', i) from n, m order by i, k")
    assert got == [(i, k, k * 10) for i in range(1, 4) for k in range(4)]


def test_a_new_binding_for_the_same_statement_gets_the_new_module(s):
    """APSW reuses the prepared statement; what was cached for the old
    parameter value must not answer for the new one."""
    sql = "select run_wasm(?, 'f', 0)"
    assert [one(s, sql, (CONSTANT.format(n=n),)) for n in (1, 2, 1, 3)] == [1, 2, 1, 3]


def test_several_call_sites_in_one_statement(s):
    got = rows(
        s,
        "select run_wasm(?1, 'inc', 10), run_wasm(?1, 'dec', 10), run_wasm(?1, 'add', 10, 5),"
        " run_wasm(?2, 'f', 10)",
        (TWO_FUNCTIONS, CONSTANT.format(n=7)),
    )
    assert got == [(11, 9, 15, 7)]


def test_wrong_argument_count_at_a_cached_call_site(s):
    with pytest.raises(ArgumentError, match="takes 2 arguments, but 1 was given"):
        rows(
            s,
            SERIES.format(last=10)
            + "select run_wasm(?, case when i < 5 then 'inc' else 'add' end, i) from n",
            (TWO_FUNCTIONS,),
        )
    assert one(s, "select run_wasm(?, 'add', 1, 2)", (TWO_FUNCTIONS,)) == 3


def test_values_of_every_type_cross_both_ways(s):
    got = rows(
        s,
        "select run_wasm(?1, 'reverse_text', 'abc'), run_wasm(?2, 'reverse_blob', x'000102'),"
        " run_wasm(?3, 'hypot', 3.0, 4.0), run_wasm(?4, 'get_null'), run_wasm(?5, 'fib', null)",
        (wat("reverse_text"), wat("reverse_blob"), wat("hypot"), wat("get_null"), wat("fib")),
    )
    assert got == [("cba", b"\x02\x01\x00", 5.0, None, None)]


def test_a_trap_fails_the_statement_with_its_own_exception_and_rolls_back(s):
    s.execute("create table t(x); insert into t " + SERIES.format(last=10) + "select i from n")
    with pytest.raises(WasmTrap, match="divide"):
        s.execute("update t set x = run_wasm(?, 'divide', 100, 5 - x)", (wat("divide"),))
    assert rows(s, "select x from t order by x") == [(i,) for i in range(1, 11)]
    assert one(s, "select run_wasm(?, 'divide', 100, 5)", (wat("divide"),)) == 20


def test_more_arguments_than_fit_on_the_stack(s):
    params = " ".join("i64" for _ in range(20))
    body = " ".join(f"local.get {k} i64.add" for k in range(1, 20))
    module = f'(module (func (export "sum20") (param {params}) (result i64) local.get 0 {body}))'
    args = ", ".join(str(k) for k in range(20))
    assert one(s, f"select run_wasm(?, 'sum20', {args})", (module,)) == sum(range(20))


# Memory that starts empty: libsql_malloc grows it on the first call.
GROWS_FROM_ZERO = """(module
  (memory (export "memory") 0)
  (global $heap (mut i32) (i32.const 16))
  (func (export "libsql_malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $p))
  (func (export "echo") (param i32) (result i32) local.get 0))
"""


def test_a_module_whose_memory_starts_empty(s):
    got = rows(
        s,
        "select run_wasm(?1, 'echo', 'hé'), run_wasm(?1, 'echo', x'00ff'), run_wasm(?1, 'echo', null)",
        (GROWS_FROM_ZERO,),
    )
    assert got == [("hé", b"\x00\xff", None)]
