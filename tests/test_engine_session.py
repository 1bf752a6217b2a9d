"""The Session API: connect, execute, register_module, limits, close."""

from __future__ import annotations

import apsw
import pytest
from conftest import make_limits, one, open_session, rows, wasm, wat

import wasmshell
from wasmshell import Limits, connect
from wasmshell.engine.errors import ModuleError


def test_connect_gives_an_apsw_connection(session):
    assert isinstance(session.connection, apsw.Connection)
    assert wasmshell.connect is connect


def test_connect_without_limits_uses_defaults():
    s = connect(":memory:")
    try:
        assert one(s, "select run_wasm(?, 'fib', 10)", (wat("fib"),)) == 55
    finally:
        s.close()


def test_default_limits():
    limits = Limits()
    assert limits.timeout_ms == 5000
    assert limits.memory_mb == 64
    assert limits.module_mb == 32
    assert Limits(timeout_ms=200).memory_mb == 64


def test_limits_are_readable_and_settable(session):
    assert session.limits.timeout_ms == 5000
    session.limits = make_limits(timeout_ms=200, memory_mb=8)
    assert session.limits.timeout_ms == 200
    assert session.limits.memory_mb == 8


def test_execute_runs_several_statements(session):
    got = rows(session, "create table t(x); insert into t values (1), (2); select sum(x) from t")
    assert got == [(3,)]


def test_execute_with_bindings(session):
    assert rows(session, "select ?, ?, ?, ?", (1, "a", b"b", None)) == [(1, "a", b"b", None)]


def test_run_wasm_is_always_registered(session):
    assert one(session, "select run_wasm(?, 'fib', 10)", (wat("fib"),)) == 55
    assert one(session, "select run_wasm(?, 'fib', 10)", (wasm("fib"),)) == 55


def test_file_database(tmp_path):
    path = tmp_path / "db.sqlite"
    s = open_session(path)
    try:
        s.register_module(wat("fib"))
        s.execute("create table t(n, f); insert into t select 10, fib(10)")
    finally:
        s.close()
    con = apsw.Connection(str(path))
    assert con.execute("select n, f from t").fetchall() == [(10, 55)]
    con.close()


def test_close_then_execute_fails():
    s = open_session()
    s.close()
    with pytest.raises(Exception):  # noqa: B017 - any error, just not success
        rows(s, "select 1")


def test_register_module_returns_infos(session):
    infos = session.register_module(wat("fib"))
    by_name = {i.name: i for i in infos}
    assert "fib" in by_name
    fib = by_name["fib"]
    assert tuple(fib.params) == ("INTEGER",)
    assert "INTEGER" in fib.result


def test_register_module_param_type_names(session):
    hypot = {i.name: i for i in session.register_module(wat("hypot"))}["hypot"]
    assert tuple(hypot.params) == ("REAL", "REAL")
    assert "REAL" in hypot.result
    add = {i.name: i for i in session.register_module(wat("add_i32"))}["add_i32"]
    assert tuple(add.params) == ("INTEGER", "INTEGER")
    contains = {i.name: i for i in session.register_module(wat("contains"))}["contains"]
    assert len(contains.params) == 2
    for p in contains.params:
        assert "TEXT" in p and "BLOB" in p and "NULL" in p


def test_register_module_from_binary(session):
    infos = session.register_module(wasm("concat3"))
    assert "concat3" in {i.name for i in infos}
    assert one(session, "select concat3('a', 'b', 'c')") == "abc"


def test_register_module_names_filter(session):
    infos = session.register_module(wat("wasi_hello"), names=["hello"])
    assert [i.name for i in infos] == ["hello"]
    assert one(session, "select hello()") == 16
    with pytest.raises(apsw.SQLError, match="no such function"):
        one(session, "select hello_err()")


def test_memory_export_is_not_a_sql_function(session):
    names = {i.name for i in session.register_module(wat("reverse_blob"))}
    assert "reverse_blob" in names
    assert "memory" not in names


def test_function_names_are_case_insensitive(session):
    session.register_module(wat("fib"))
    assert rows(session, "select FIB(10), Fib(10), fib(10)") == [(55, 55, 55)]


def test_registering_again_replaces_the_function(session):
    session.register_module(wat("fib"))
    assert one(session, "select fib(10)") == 55
    session.register_module('(module (func (export "fib") (param i64) (result i64) i64.const 7))')
    assert one(session, "select fib(10)") == 7


def test_registrations_are_per_session():
    a, b = open_session(), open_session()
    try:
        a.register_module(wat("fib"))
        assert one(a, "select fib(5)") == 5
        with pytest.raises(apsw.SQLError, match="no such function"):
            one(b, "select fib(5)")
    finally:
        a.close()
        b.close()


def test_run_wasm_distinguishes_modules(session):
    """The module cache is keyed on the whole module: same export name,
    different modules, different answers."""
    sources = [f'(module (func (export "v") (result i64) i64.const {n}))' for n in range(20)]
    session.execute("create table m(n, src)")
    for n, src in enumerate(sources):
        session.execute("insert into m values (?, ?)", (n, src))
    got = rows(session, "select n, run_wasm(src, 'v') from m order by n")
    assert got == [(n, n) for n in range(20)]
    # and again, now presumably from the cache
    assert rows(session, "select n, run_wasm(src, 'v') from m order by n") == got


def test_run_wasm_same_module_many_times(session):
    total = one(
        session,
        "with recursive n(i) as (select 0 union all select i + 1 from n where i < 2000)"
        " select sum(run_wasm(?, 'add1', i)) from n",
        (wat("add1"),),
    )
    assert total == sum(range(1, 2002))


def test_deterministic_functions_in_schema(session):
    """Functions of import-free modules are deterministic: usable in index
    expressions, generated columns and CHECK constraints."""
    session.register_module(wat("fib"))
    session.execute(
        "create table t(n integer, f integer as (fib(n)), check (fib(n) >= 0));"
        " create index t_fib on t(fib(n));"
        " insert into t(n) values (1), (10), (20)"
    )
    assert rows(session, "select n, f from t order by n") == [(1, 1), (10, 55), (20, 6765)]
    assert rows(session, "select n from t where fib(n) = 55") == [(10,)]
    with pytest.raises(apsw.ConstraintError):
        session.execute("insert into t(n) values (-5)")


def test_wasi_functions_are_not_deterministic(session):
    session.register_module(wat("wasi_hello"))
    session.execute("create table t(x)")
    with pytest.raises(apsw.SQLError, match="non-deterministic"):
        session.execute("create index t_hello on t(hello())")


def test_register_module_refuses_bad_source_type(session):
    with pytest.raises((ModuleError, TypeError)):
        session.register_module(12345)


def test_run_wasm_compiles_a_module_once(session, monkeypatch):
    """run_wasm with the same module source on every row compiles it once.
    Every row hands the function a new Python object (from a table), so the
    cache must work by content, not identity."""
    source = f'(module (func (export "v") (param i64) (result i64) local.get 0)) ;; {id(session)}'
    session.execute("create table m(i, src)")
    session.execute(
        "insert into m with recursive n(i) as (select 1 union all select i + 1 from n"
        " where i < 500) select i, ? from n",
        (source,),
    )
    runtime = session.runtime
    compiled: list[object] = []
    compile_once = runtime._compile
    monkeypatch.setattr(runtime, "_compile", lambda *a: compiled.append(a) or compile_once(*a))
    assert one(session, "select sum(run_wasm(src, 'v', i)) from m") == sum(range(1, 501))
    assert len(compiled) == 1
    assert one(session, "select run_wasm(?, 'v', 7)", (source,)) == 7
    session.register_module(source, names=["v"])
    assert one(session, "select v(8)") == 8
    assert len(compiled) == 1
