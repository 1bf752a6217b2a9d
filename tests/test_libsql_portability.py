"""What libSQL could run: the notes at .loadwasm and CREATE FUNCTION, .funcs' libsql column,
the samples (all of which run in libSQL), and .init_wasm_func_table as libSQL's shell has it.

libSQL's rules, from its wasmtime bindings (libsql_run_wasm): an exported
``memory`` on every call; INTEGER as a 32-bit value widened to i64, REAL as
f64, TEXT/BLOB/NULL as i32 pointers; exactly one result, i64 kept to 32 bits;
the export looked up by the lowercased SQL name; scalars only.
"""

from __future__ import annotations

import apsw
import pytest
import test_cli
from conftest import SAMPLES, open_session

from wasmshell.engine import portability
from wasmshell.engine.session import MAX_NOTES
from wasmshell.engine.tables import TableModule

home = test_cli.home
TABLE_SQL = "CREATE TABLE libsql_wasm_func_table (name text PRIMARY KEY, body text) WITHOUT ROWID"
MEMORY = '(memory (export "memory") 0)'


def module(*funcs: str, memory: bool = True) -> str:
    return f"(module {MEMORY if memory else ''} {' '.join(funcs)})"


# Modules libSQL could not run, each for one reason, and the words that name it.
CANNOT = {
    "no memory": (
        module('(func (export "f") (param f64) (result f64) local.get 0)', memory=False),
        "no memory",
    ),
    "f32 parameter": (
        module('(func (export "f") (param f64 f32) (result f64) local.get 0)'),
        "parameter 2 is f32",
    ),
    "f32 result": (module('(func (export "f") (param f64) (result f32) f32.const 1)'), "its result is f32"),
    "no result": (module('(func (export "f") (param f64))'), "returns no value"),
    "export not lowercase": (
        module('(func (export "Half") (param f64) (result f64) local.get 0)'),
        "libSQL calls the export 'half'",
    ),
}


@pytest.mark.parametrize("case", CANNOT)
def test_each_reason_libsql_could_not_run_a_function_is_named(case):
    wat, words = CANNOT[case]
    with open_session() as s:
        (info,) = s.register_module(wat)
        assert not info.libsql.runs and info.libsql.short == "no"
        assert any(words in reason for reason in info.libsql.blockers), info.libsql
        # A note, not an error: wasmshell runs it.
        s.execute(f"select {info.name}(2.0{', 1.0' if case == 'f32 parameter' else ''})").fetchall()


def test_an_i32_integer_without_memory_is_named_beside_the_missing_memory():
    with open_session() as s:
        (info,) = s.register_module(
            module('(func (export "f") (param i32) (result f64) f64.const 1)', memory=False)
        )
        assert s.execute("select f(7)").fetchall() == [(1.0,)]
    blockers = " | ".join(info.libsql.blockers)
    assert "no memory" in blockers and "parameter 1 is an i32 INTEGER" in blockers


def test_a_function_libsql_runs_as_here_has_no_reason():
    with open_session() as s:
        infos = s.register_module(module('(func (export "half") (param f64) (result f64) local.get 0)'))
        infos += s.register_module((SAMPLES / "upper.wat").read_text())
    assert [(i.libsql.runs, i.libsql.summary) for i in infos] == [(True, "yes"), (True, "yes")]
    assert s.take_notes() == ([], 0)


def test_integers_beyond_32_bits_are_a_difference_not_a_refusal():
    wat = module(
        '(func (export "both") (param i64) (result i64) local.get 0)',
        '(func (export "takes") (param i64) (result f64) f64.const 0)',
        '(func (export "gives") (param f64) (result i64) i64.const 0)',
    )
    with open_session() as s:
        verdicts = {i.name: i.libsql for i in s.register_module(wat)}
        assert s.take_notes() == ([], 0)  # runs in libSQL: no note at creation
    assert all(v.runs and v.short == "32-bit" for v in verdicts.values())
    assert verdicts["both"].caveats == ("INTEGER arguments and result cut to 32 bits",)
    assert verdicts["takes"].caveats == ("INTEGER arguments cut to 32 bits",)
    assert verdicts["gives"].caveats == ("INTEGER result cut to 32 bits",)


@pytest.mark.parametrize("kind", ["aggregate", "window", "table"])
def test_a_kind_libsql_lacks_is_a_reason(kind):
    verdict = portability.check("total", "total", ("f64", "f64"), ("f64",), True, kind)
    assert not verdict.runs and f"{kind} function (libSQL has only scalars)" in verdict.blockers[0]
    assert portability.check("total", "total", ("f64",), ("f64",), True).runs  # the default kind: scalar


def test_every_sample_runs_in_libsql():
    """Every scalar sample runs in libSQL; the other kinds are said not to, for their kind alone."""
    modules = [(p.name, p.read_text()) for p in sorted(SAMPLES.glob("*.wat"))]
    modules.append(("c/sqlfuncs.wasm", (SAMPLES / "c" / "sqlfuncs.wasm").read_bytes()))
    cannot, others = [], {}
    with open_session() as s:
        for name, source in modules:
            for i in s.register_module(source):
                kind = "table" if isinstance(i, TableModule) else i.kind
                if kind != "scalar":
                    others[i.name] = (kind, i.libsql.blockers)
                elif not i.libsql.runs:
                    cannot.append((name, i.name, i.libsql.blockers))
    assert not cannot
    assert {kind for kind, _ in others.values()} == {"table", "aggregate", "window"}
    for kind, blockers in others.values():
        article = "an" if kind == "aggregate" else "a"
        assert blockers == (f"it is {article} {kind} function (libSQL has only scalars)",)


def test_the_session_keeps_a_bounded_number_of_notes():
    extra = 5
    funcs = [f'(func (export "f{k}") (result f64) f64.const {k})' for k in range(MAX_NOTES + extra)]
    with open_session() as s:
        s.register_module(module(*funcs, memory=False))
        notes, more = s.take_notes()
        assert (len(notes), more) == (MAX_NOTES, extra)
        assert notes[0][0] == "f0" and "no memory" in notes[0][1].note("f0")
        assert s.take_notes() == ([], 0)


# --------------------------------------------------------------------------
# In the shell


def test_loadwasm_and_create_function_note_what_libsql_could_not_run(tmp_path, home):
    nomem = tmp_path / "nomem.wat"
    nomem.write_text(
        module(
            '(func (export "one") (result f64) f64.const 1)',
            '(func (export "two") (result f64) f64.const 2)',
            memory=False,
        )
    )
    upper = module('(func (export "Half") (param f64) (result f64) local.get 0 f64.const 2 f64.div)')
    script = (
        f".loadwasm {nomem}\n"
        f"CREATE FUNCTION Half LANGUAGE wasm AS '{upper}';\n"
        f".loadwasm {SAMPLES / 'fib.wat'}\n"
        "select one(), two(), half(5.0), fib(10);\n"
    )
    out, err, status = test_cli.run(str(tmp_path / "f.db"), stdin=script, env=home)
    assert (status, out.splitlines()[-1]) == (0, "1.0|2.0|2.5|55")  # notes, not errors
    assert err.splitlines() == [
        "Note: libSQL could not run one, two: the module exports no memory (libSQL needs one in every "
        "module)",
        "Note: libSQL could not run Half: libSQL calls the export 'half' (the name in lower case), not "
        "'Half'",
    ]


def test_many_notes_end_with_how_many_more(tmp_path, home):
    # Twelve verdicts, each its own line: ten are shown, then a count.
    funcs = [f'(func (export "f{k}") (param {" i32" * k}) (result f64) f64.const 0)' for k in range(1, 13)]
    path = tmp_path / "many.wat"
    path.write_text(module(*funcs, memory=False))
    _out, err, status = test_cli.run(":memory:", f".loadwasm {path} --temp", env=home)
    lines = err.splitlines()
    assert status == 0 and len(lines) == 11
    assert all(line.startswith("Note: libSQL could not run f") for line in lines[:10])
    assert lines[10] == "Note: and 2 more functions libSQL could not run (see .funcs)"


def test_funcs_says_why_libsql_could_not_run_a_function(tmp_path, home):
    path = tmp_path / "nomem.wat"
    path.write_text(module('(func (export "one") (result i64) i64.const 1)', memory=False))
    out, _err, status = test_cli.run(":memory:", f".loadwasm {path} --temp", ".mode list", ".funcs", env=home)
    row = next(line for line in out.splitlines() if line.startswith("one "))
    assert status == 0
    assert row.rstrip().endswith(
        "no: the module exports no memory (libSQL needs one in every module); INTEGER result cut to 32 bits"
    )


# --------------------------------------------------------------------------
# .init_wasm_func_table


def schema(path) -> list[tuple[str, str]]:
    conn = apsw.Connection(str(path))
    try:
        return conn.execute("select name, sql from sqlite_schema").fetchall()
    finally:
        conn.close()


def test_init_wasm_func_table_creates_libsqls_table_once_and_silently(tmp_path, home):
    db = tmp_path / "f.db"
    # As libSQL's generated scripts write it, with a comment; a second time changes nothing.
    result = test_cli.run(
        str(db), ".init_wasm_func_table -- only needed for shell", ".init_wasm_func_table", env=home
    )
    assert result == ("", "", 0)
    assert schema(db) == [("libsql_wasm_func_table", TABLE_SQL)]


def test_init_wasm_func_table_takes_functions_stored_behind_the_sessions_back():
    with open_session() as s:
        s.init_function_table()
        # As libSQL writes a row, on the plain connection: the session has not seen it.
        s.connection.execute(
            "insert into libsql_wasm_func_table values('fib', ?)", ((SAMPLES / "fib.wat").read_text(),)
        )
        s.init_function_table()
        assert s.execute("select fib(20)").fetchall() == [(6765,)]


def test_init_wasm_func_table_refuses_words_and_tables_of_another_shape(tmp_path, home):
    db = tmp_path / "f.db"
    out, err, status = test_cli.run(str(db), ".init_wasm_func_table now", env=home)
    assert (out, err, status) == ("", "Usage: .init_wasm_func_table\n", 1)
    assert schema(db) == []
    view = "CREATE VIEW libsql_wasm_func_table AS SELECT 1 AS x"
    out, err, status = test_cli.run(str(db), view, ".init_wasm_func_table", env=home)
    assert (
        status == 1
        and err == "Error: libsql_wasm_func_table is a view, not an ordinary table as libSQL's is\n"
    )
    assert schema(db) == [("libsql_wasm_func_table", view)]


def test_init_wasm_func_table_in_a_read_only_file(tmp_path, home):
    bare, ready = tmp_path / "bare.db", tmp_path / "ready.db"
    apsw.Connection(str(bare)).execute("create table t(x)").close()
    apsw.Connection(str(ready)).execute(TABLE_SQL).close()
    assert test_cli.run("-readonly", str(ready), ".init_wasm_func_table", env=home) == ("", "", 0)
    _out, err, status = test_cli.run("-readonly", str(bare), ".init_wasm_func_table", env=home)
    assert status == 1 and "readonly" in err
    assert [name for name, _sql in schema(bare)] == ["t"]


def test_init_wasm_func_table_runs_in_safe_mode(tmp_path, home):
    db = tmp_path / "f.db"
    assert test_cli.run("-safe", str(db), ".init_wasm_func_table", env=home) == ("", "", 0)
    assert schema(db) == [("libsql_wasm_func_table", TABLE_SQL)]
