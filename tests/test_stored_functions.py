"""Stored Wasm functions through ``wasmshell.connect()``: libSQL's CREATE/DROP
FUNCTION dialect, its function table, transactions, reopening a file and
deterministic uses in the schema (issue 4).

The dot-commands and files shared with the sqlite3 command are tested
through the installed command in test_cmd_wasm.py.
"""

from __future__ import annotations

import subprocess
import sys

import apsw
import pytest
import wasmtime
from conftest import all_wat_files, one, open_session, rows, run_python, wasm, wat

from wasmshell import ModuleError, WasmError

TABLE = "libsql_wasm_func_table"
# What sqlite_schema records for libSQL's CREATE TABLE IF NOT EXISTS statement.
TABLE_SQL = f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"

# A WAT body with apostrophes in it: they reach SQL as '' and the module as '.
MOTTO_WAT = """(module
  (memory (export "memory") 1)
  ;; it's a TEXT value: tag 3, the bytes, NUL
  (data (i32.const 16) "\\03it's\\00")
  (func (export "motto") (result i32) (i32.const 16)))
"""

# A module exporting "fib" that is not Fibonacci: tells two bodies apart.
FAKE_FIB_WAT = '(module (func (export "fib") (param i64) (result i64) (i64.const 42)))'


def literal(body: str | bytes) -> str:
    """An SQL literal for a function body: '...' for WAT, X'...' for a binary."""
    if isinstance(body, bytes):
        return f"X'{body.hex()}'"
    return "'" + body.replace("'", "''") + "'"


def create(name: str, body: str | bytes, *, prefix: str = "CREATE FUNCTION") -> str:
    return f"{prefix} {name} LANGUAGE wasm AS {literal(body)}"


def stored(s) -> list[tuple[str, str]]:
    """(name, typeof(body)) of every row of libSQL's table; [] without the table."""
    if not one(s, f"select count(*) from sqlite_schema where name = '{TABLE}'"):
        return []
    return rows(s, f"select name, typeof(body) from {TABLE} order by name")


def assert_unknown(s, call: str) -> None:
    with pytest.raises(apsw.SQLError, match="no such function"):
        s.execute(f"select {call}").fetchall()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "funcs.db"


@pytest.fixture
def with_fib(session):
    """A session whose database stores fib (as WAT)."""
    session.execute(create("fib", wat("fib")))
    return session


# --------------------------------------------------------------------------
# Dialect


CASINGS = {
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "mixed": lambda w: "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(w)),
}


@pytest.mark.parametrize("casing", CASINGS)
def test_keywords_in_any_case(session, casing):
    case = CASINGS[casing]
    words = [case(w) for w in ("create", "function", "if", "not", "exists", "language", "wasm", "as")]
    session.execute(
        f"{words[0]} {words[1]} {' '.join(words[2:5])} fib {' '.join(words[5:8])} {literal(wat('fib'))}"
    )
    assert one(session, "select fib(10)") == 55
    session.execute(f"{case('drop')} {case('function')} {case('if')} {case('exists')} fib")
    assert stored(session) == []
    assert_unknown(session, "fib(10)")


@pytest.mark.parametrize("spelling", ["fib", '"fib"', "[fib]", "`fib`", '"FIB"', "[Fib]"])
def test_name_bare_or_quoted(session, spelling):
    session.execute(create(spelling, wat("fib")))
    assert one(session, "select fib(10)") == 55
    assert [name.lower() for name, _ in stored(session)] == ["fib"]
    session.execute(f"DROP FUNCTION {spelling}")
    assert stored(session) == []
    assert_unknown(session, "fib(10)")


def test_quoted_name_keeps_a_doubled_quote(session):
    """The name is read as a"b, which is no identifier: refused, and nothing stored."""
    with pytest.raises(ModuleError, match="""CREATE FUNCTION a"b: the name is not an SQL identifier"""):
        session.execute(create('"a""b"', wat("fib")))
    assert stored(session) == []


def test_comments_and_line_breaks_anywhere(session):
    sql = (
        "/* before */ CREATE -- after create\n"
        "FUNCTION/*x*/IF\n/* ; not the end */ NOT\n\tEXISTS -- ;\n"
        "  fib\n/* name done */LANGUAGE\n-- l\nwasm/**/AS\n"
        f"{literal(wat('fib'))} /* body done */ -- trailing\n;"
    )
    session.execute(sql)
    assert one(session, "select fib(12)") == 144
    session.execute("-- c\nDROP /* d */\nFUNCTION -- e\n IF/**/EXISTS\n  fib -- f\n; /* after */")
    assert stored(session) == []
    assert_unknown(session, "fib(1)")


def test_mixed_with_other_statements_on_one_line(session):
    sql = (
        "create table t(x); insert into t values (10), (11); "
        f"{create('fib', wat('fib'))}; select x, fib(x) from t order by x; "
        f"{create('add1', wasm('add1'))}; select add1(fib(20)); "
        "drop function fib; select 'function' as word"
    )
    assert rows(session, sql) == [(10, 55), (11, 89), (6766,), ("function",)]
    assert stored(session) == [("add1", "blob")]
    assert_unknown(session, "fib(1)")
    assert one(session, "select add1(1)") == 2


def test_named_bindings_in_a_script_with_function_statements(session):
    sql = f"select :n; {create('fib', wat('fib'))}; select fib(:n)"
    assert rows(session, sql, {"n": 10}) == [(10,), (55,)]


def test_positional_bindings_in_a_script_with_function_statements(session):
    """Positional values are used up in order across the statements, as APSW does without them."""
    sql = (
        f"create table t(x, y); insert into t values (?, 0); {create('fib', wat('fib'))};"
        " insert into t values (?, ?2); select sum(fib(x)) + ? from t"
    )
    assert rows(session, sql, (10, 20, 7, 1)) == [(55 + 6765 + 1,)]
    assert rows(session, "select y from t order by x") == [(0,), (7,)]


def test_the_wrong_number_of_positional_bindings_runs_nothing(session):
    for values in ((1, 2), ()):
        with pytest.raises(apsw.BindingsError):
            session.execute(f"create table t(x); {create('fib', wat('fib'))}; select ?", values)
        assert rows(session, "select name from sqlite_schema") == []
        assert "fib" not in session.functions


def test_wat_body_with_doubled_quotes(session):
    session.execute(create("motto", MOTTO_WAT))
    assert one(session, "select motto()") == "it's"
    assert one(session, f"select body from {TABLE}") == MOTTO_WAT


def test_binary_body_as_hex_blob(session):
    binary = wasm("hypot")
    session.execute(f"create function hypot language wasm as x'{binary.hex().upper()}'")
    assert one(session, "select hypot(3, 4)") == 5.0
    assert one(session, f"select body from {TABLE}") == binary


def test_if_not_exists_keeps_the_existing_function(with_fib):
    with_fib.execute(create("fib", FAKE_FIB_WAT, prefix="CREATE FUNCTION IF NOT EXISTS"))
    with_fib.execute(create("FIB", FAKE_FIB_WAT, prefix="CREATE FUNCTION IF NOT EXISTS"))
    assert one(with_fib, "select fib(10)") == 55
    assert rows(with_fib, f"select name, body from {TABLE}") == [("fib", wat("fib"))]


def test_drop_if_exists_of_an_unknown_name_does_nothing(with_fib):
    with_fib.execute("DROP FUNCTION IF EXISTS nope")
    assert stored(with_fib) == [("fib", "text")]
    assert one(with_fib, "select fib(10)") == 55


def test_function_statements_inside_a_committed_transaction(db):
    with open_session(db) as s:
        s.execute("BEGIN")
        s.execute(create("fib", wat("fib")))
        assert one(s, "select fib(7)") == 13
        s.execute("COMMIT")
    with open_session(db) as s:
        assert one(s, "select fib(7)") == 13


# --------------------------------------------------------------------------
# Transactions: a rolled-back statement leaves no row and no function


def test_rollback_undoes_create_function(session):
    session.execute("BEGIN")
    session.execute(create("fib", wat("fib")))
    assert one(session, "select fib(6)") == 8
    session.execute("ROLLBACK")
    assert stored(session) == []
    assert_unknown(session, "fib(6)")


def test_rollback_undoes_create_function_in_one_script(with_fib):
    script = f"BEGIN; {create('hypot', wat('hypot'))}; select hypot(3, 4); ROLLBACK;"
    assert rows(with_fib, script) == [(5.0,)]
    assert stored(with_fib) == [("fib", "text")]
    assert_unknown(with_fib, "hypot(3, 4)")
    assert one(with_fib, "select fib(6)") == 8


def test_rollback_brings_a_dropped_function_back(with_fib):
    with_fib.execute("BEGIN")
    with_fib.execute("DROP FUNCTION fib")
    assert_unknown(with_fib, "fib(5)")
    with_fib.execute("ROLLBACK")
    assert stored(with_fib) == [("fib", "text")]
    assert one(with_fib, "select fib(5)") == 5


def test_rollback_then_call_in_the_same_script(with_fib):
    assert rows(with_fib, "BEGIN; DROP FUNCTION fib; ROLLBACK; select fib(6)") == [(8,)]


def test_release_keeps_a_function_created_in_a_savepoint(session):
    session.execute("SAVEPOINT s")
    session.execute(create("fib", wat("fib")))
    session.execute("RELEASE s")
    assert stored(session) == [("fib", "text")]
    assert one(session, "select fib(9)") == 34


def test_rollback_to_savepoint_undoes_create_function(with_fib):
    with_fib.execute("BEGIN")
    with_fib.execute("SAVEPOINT s")
    with_fib.execute(create("hypot", wat("hypot")))
    with_fib.execute("ROLLBACK TO s")
    with_fib.execute("COMMIT")
    assert stored(with_fib) == [("fib", "text")]
    assert_unknown(with_fib, "hypot(3, 4)")


def test_rollback_to_savepoint_brings_a_dropped_function_back(with_fib):
    with_fib.execute("SAVEPOINT s")
    with_fib.execute("DROP FUNCTION fib")
    with_fib.execute("ROLLBACK TO s")
    with_fib.execute("RELEASE s")
    assert stored(with_fib) == [("fib", "text")]
    assert one(with_fib, "select fib(8)") == 21


def test_rollback_to_savepoint_in_a_script_that_names_the_function(with_fib):
    with_fib.execute(f"SAVEPOINT s; {create('hypot', wat('hypot'))}; DROP FUNCTION fib; ROLLBACK TO s")
    with_fib.execute("RELEASE s")
    assert stored(with_fib) == [("fib", "text")]
    assert_unknown(with_fib, "hypot(3, 4)")
    assert one(with_fib, "select fib(8)") == 21


# --------------------------------------------------------------------------
# Storage


def test_table_is_libsqls_exactly(session):
    assert stored(session) == []
    session.execute(create("fib", wat("fib")))
    assert rows(session, "select type, name, sql from sqlite_schema where sql is not null") == [
        ("table", TABLE, TABLE_SQL)
    ]
    # The very text SQLite records for libSQL's own statement.
    check = apsw.Connection(":memory:")
    check.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID")
    assert check.execute("select sql from sqlite_schema").fetchall() == [(TABLE_SQL,)]


def test_wat_stored_as_text_and_binary_as_blob(session):
    session.execute(create("fib", wat("fib")))
    session.execute(create("hypot", wasm("hypot")))
    assert stored(session) == [("fib", "text"), ("hypot", "blob")]
    assert rows(session, f"select name, body from {TABLE} order by name") == [
        ("fib", wat("fib")),
        ("hypot", wasm("hypot")),
    ]


def test_one_row_per_function_each_with_the_whole_module(session):
    session.load_module(wat("wasi_hello"))  # exports hello, hello_err and memory
    session.execute(create("fib", wat("fib")))
    assert rows(session, f"select name, body from {TABLE} order by name") == [
        ("fib", wat("fib")),
        ("hello", wat("wasi_hello")),
        ("hello_err", wat("wasi_hello")),
    ]


def test_stored_name_keeps_its_case_and_calls_any_case(session):
    session.execute(create("Fib", wat("fib")))
    assert stored(session) == [("Fib", "text")]
    assert one(session, "select FIB(3) + fib(4) + Fib(5)") == 2 + 3 + 5
    session.execute("DROP FUNCTION fib")
    assert stored(session) == []
    assert_unknown(session, "FIB(3)")


# --------------------------------------------------------------------------
# Errors: a clear message and nothing stored


ERRORS = {
    "does not compile": (create("bad", '(module (func (export "bad")'), r"cannot compile wasm module"),
    "not a binary module": (create("bad", b"\0asm\1\0\0\0\xff"), r"cannot compile wasm module"),
    "no such export": (create("fob", wat("fib")), r"no exported function 'fob' \(its functions: fib\)"),
    "other language": (
        "CREATE FUNCTION bad LANGUAGE js AS 'return 1'",
        r"language js is not supported; use LANGUAGE wasm",
    ),
    "duplicate": (create("fib", FAKE_FIB_WAT), r"function fib already exists"),
    "duplicate in another case": (create("FIB", FAKE_FIB_WAT), r"function FIB already exists"),
    "drop unknown": ("DROP FUNCTION nope", r"no such function: nope"),
    "missing AS": (
        f"CREATE FUNCTION bad LANGUAGE wasm {literal(wat('fib'))}",
        r"CREATE FUNCTION: expected AS, found \"'",
    ),
    "missing LANGUAGE": (f"CREATE FUNCTION bad AS {literal(wat('fib'))}", r"expected LANGUAGE, found \"AS\""),
    "missing body": ("CREATE FUNCTION bad LANGUAGE wasm AS", r"expected the module as a string"),
    "number as body": ("CREATE FUNCTION bad LANGUAGE wasm AS 42", r"expected the module as a string"),
    "garbage after the body": (
        create("bad", wat("fib")) + " garbage",
        r"CREATE FUNCTION: expected the end of the statement, found \"garbage\"",
    ),
    "IF EXISTS on CREATE": (
        create("bad", wat("fib"), prefix="CREATE FUNCTION IF EXISTS"),
        r"expected IF NOT EXISTS",
    ),
    "garbage after a DROP": ("DROP FUNCTION fib fib", r"DROP FUNCTION: expected the end of the statement"),
    "DROP without a name": ("DROP FUNCTION", r"DROP FUNCTION: expected a name, found the end"),
    "bad hex": ("CREATE FUNCTION bad LANGUAGE wasm AS X'0g'", r"malformed blob literal"),
    "odd hex": ("CREATE FUNCTION bad LANGUAGE wasm AS X'abc'", r"malformed blob literal"),
    "unterminated body": ("CREATE FUNCTION bad LANGUAGE wasm AS '(module", r"unterminated string"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_error_is_clear_and_stores_nothing(with_fib, case):
    sql, message = ERRORS[case]
    before = rows(with_fib, f"select name, body from {TABLE}")
    with pytest.raises(WasmError, match=message):
        with_fib.execute(sql)
    assert rows(with_fib, f"select name, body from {TABLE}") == before
    assert sorted(with_fib.functions) == ["fib"]
    assert one(with_fib, "select fib(10)") == 55
    assert_unknown(with_fib, "bad(1)")


def test_failed_create_on_a_new_file_leaves_it_empty(db):
    with open_session(db) as s, pytest.raises(ModuleError):
        s.execute(create("fob", wat("fib")))
    with open_session(db) as s:
        assert rows(s, "select * from sqlite_schema") == []


def test_error_in_a_script_stops_it_there(with_fib):
    with pytest.raises(ModuleError, match="no exported function 'fob'"):
        with_fib.execute(f"create table a(x); {create('fob', wat('fib'))}; create table b(x)")
    names = [n for (n,) in rows(with_fib, "select name from sqlite_schema where type = 'table'")]
    assert "a" in names and "b" not in names


# --------------------------------------------------------------------------
# Opening a file


def test_stored_functions_are_there_after_reopening(db):
    with open_session(db) as s:
        s.execute(create("fib", wat("fib")))
        s.execute(create("hypot", wasm("hypot")))
    with open_session(db) as s:
        assert sorted(s.functions) == ["fib", "hypot"]
        assert all(e.origin == "stored" and e.fn is None for e in s.functions.values())
        assert rows(s, "select fib(20), hypot(6, 8)") == [(6765, 10.0)]
        assert s.functions["fib"].fn is not None  # compiled on first call


def test_create_in_this_process_call_in_another(db):
    with open_session(db) as s:
        s.execute(create("concat3", wat("concat3")))
    code = (
        "import wasmshell\n"
        f"s = wasmshell.connect({str(db)!r})\n"
        "print(s.execute(\"select concat3('a', 'b', 'c')\").fetchall())\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == "[('abc',)]"


def test_create_in_another_process_call_in_this_one(db):
    code = (
        "import wasmshell\n"
        f"s = wasmshell.connect({str(db)!r})\n"
        f"s.execute({create('reverse_blob', wasm('reverse_blob'))!r})\n"
        f"s.execute({create('fib', wat('fib'))!r})\n"
        "s.execute('DROP FUNCTION fib')\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    with open_session(db) as s:
        assert one(s, "select reverse_blob(x'010203')") == b"\3\2\1"
        assert_unknown(s, "fib(3)")


def _store_raw(db, name: str, body: str | bytes) -> None:
    """Write a row into libSQL's table directly, as another program could."""
    conn = apsw.Connection(str(db))
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID")
    conn.execute(f"INSERT INTO {TABLE} VALUES (?, ?)", (name, body))
    conn.close()


def test_a_body_that_no_longer_compiles_fails_only_when_called(db):
    _store_raw(db, "fib", wat("fib"))
    _store_raw(db, "broken", '(module (func (export "broken")')
    with open_session(db) as s:
        assert one(s, "select fib(10)") == 55
        entry = s.functions["broken"]
        assert entry.error is None and entry.fn is None
        for _ in range(2):
            with pytest.raises(ModuleError, match=r"broken.*cannot compile wasm module"):
                s.execute("select broken()").fetchall()
        assert "cannot compile wasm module" in entry.error
        assert (entry.calls, entry.errors) == (2, 2)
        # The broken function can be dropped and created again.
        s.execute("DROP FUNCTION broken")
        assert stored(s) == [("fib", "text")]
        s.execute(create("broken", '(module (func (export "broken") (result i64) (i64.const 7)))'))
        assert one(s, "select broken()") == 7


def test_a_file_written_by_libsql_is_used_as_is(db):
    """Rows in libSQL's format: lower-case names, WAT as TEXT, a binary as a BLOB."""
    _store_raw(db, "fib", wat("fib"))
    _store_raw(db, "hypot", wasm("hypot"))
    with open_session(db) as s:
        assert rows(s, "select fib(10), hypot(3, 4)") == [(55, 5.0)]
        assert stored(s) == [("fib", "text"), ("hypot", "blob")]


def test_a_table_of_another_shape_does_not_prevent_opening(db):
    conn = apsw.Connection(str(db))
    conn.execute(f"CREATE TABLE {TABLE}(x)")
    conn.execute(f"INSERT INTO {TABLE} VALUES (1)")
    conn.close()
    with open_session(db) as s:
        assert s.functions == {}
        assert one(s, "select run_wasm(?, 'fib', 10)", (wat("fib"),)) == 55


# --------------------------------------------------------------------------
# Deterministic: usable in the schema


def test_stored_function_in_an_index_expression(db):
    with open_session(db) as s:
        s.execute(create("fib", wat("fib")))
        s.execute("create table t(n integer); insert into t values (1), (10), (20)")
        s.execute("create index t_fib on t(fib(n))")
        plan = " ".join(str(r) for r in rows(s, "explain query plan select n from t where fib(n) = 55"))
        assert "t_fib" in plan
        assert rows(s, "select n from t where fib(n) = 55") == [(10,)]
    # Another connection maintains the index with the function registered at open.
    with open_session(db) as s:
        s.execute("insert into t values (12)")
        assert rows(s, "select n from t where fib(n) = 144") == [(12,)]
        assert one(s, "pragma integrity_check") == "ok"


def test_stored_function_in_a_generated_column(db):
    with open_session(db) as s:
        s.execute(create("hypot", wasm("hypot")))
        s.execute("create table v(x real, y real, len as (hypot(x, y)), slen as (hypot(x, y)) stored)")
        s.execute("insert into v(x, y) values (3, 4)")
    with open_session(db) as s:
        s.execute("insert into v(x, y) values (6, 8)")
        assert rows(s, "select len, slen from v order by len") == [(5.0, 5.0), (10.0, 10.0)]


def test_stored_function_in_a_check_constraint(db):
    with open_session(db) as s:
        s.execute(create("fib", wat("fib")))
        s.execute("create table small(n integer check (fib(n) < 100))")
        s.execute("insert into small values (10)")
        with pytest.raises(apsw.ConstraintError, match="CHECK constraint failed"):
            s.execute("insert into small values (20)")
    with open_session(db) as s:
        with pytest.raises(apsw.ConstraintError, match="CHECK constraint failed"):
            s.execute("insert into small values (12)")
        s.execute("insert into small values (11)")
        assert rows(s, "select n from small order by n") == [(10,), (11,)]


@pytest.mark.parametrize("binary", [False, True], ids=["wat", "wasm"])
def test_a_module_that_imports_wasi_is_not_deterministic(session, binary):
    session.execute(create("hello", wasm("wasi_hello") if binary else wat("wasi_hello")))
    assert session.functions["hello"].deterministic is False
    assert one(session, "select hello()") == 16
    session.execute("create table t(n)")
    with pytest.raises(apsw.SQLError, match="non-deterministic functions prohibited in index"):
        session.execute("create index bad on t(n + hello())")
    with pytest.raises(apsw.SQLError, match="non-deterministic functions prohibited in generated"):
        session.execute("create table g(n, m as (n + hello()))")


# "(import" only in comments and a string: the module imports nothing.
IMPORT_IN_WORDS = """(module
  ;; (import "wasi_snapshot_preview1" "random_get" ...) is not used here
  (; nor (; nested ;) (import "x" "y") ;)
  (memory (export "memory") 1)
  (data (i32.const 0) "(import \\" (import")
  (func (export "one") (result i64) (i64.const 1)))"""
# A comment between "(" and "import" hides nothing: this function returns random bytes.
IMPORT_AFTER_A_COMMENT = """(module
  ((; a comment ;)import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "rnd") (result i64) (drop (call $r (i32.const 0) (i32.const 8))) (i64.load (i32.const 0))))"""


def test_import_only_in_comments_and_strings_is_deterministic(db):
    """Issue 11: the text was searched for "(import", so these words made a function that imports
    nothing non-deterministic, refused in an index. Now it is read by its tokens, as compiling does."""
    with open_session(db) as s:
        s.execute(create("one", IMPORT_IN_WORDS))
        assert s.functions["one"].deterministic is True
        s.execute("create table t(n); create index t_one on t(n + one()); insert into t values (1)")
    with open_session(db) as s:  # the stored body is read (not compiled) to register it
        assert s.functions["one"].deterministic is True
        s.execute("insert into t values (2)")
        assert rows(s, "select n from t where n + one() = 3") == [(2,)]
    with open_session() as s:
        s.register_module(IMPORT_IN_WORDS)
        assert s.functions["one"].deterministic is True


def test_an_import_after_a_comment_is_not_deterministic(db):
    """Issue 11: "((; comment ;)import" escaped the search for "(import", so a function reading
    random bytes was registered deterministic and accepted in an index."""
    with open_session(db) as s:
        s.execute(create("rnd", IMPORT_AFTER_A_COMMENT))
        assert s.functions["rnd"].deterministic is False
        s.execute("create table t(n)")
        with pytest.raises(apsw.SQLError, match="non-deterministic functions prohibited in index"):
            s.execute("create index bad on t(n + rnd())")
    with open_session(db) as s:  # the stored body is read (not compiled) to register it
        with pytest.raises(apsw.SQLError, match="non-deterministic functions prohibited in index"):
            s.execute("create index bad on t(n + rnd())")
        assert s.functions["rnd"].deterministic is False
    with open_session() as s:
        s.register_module(IMPORT_AFTER_A_COMMENT)
        assert s.functions["rnd"].deterministic is False


EXIT = '"wasi_snapshot_preview1" "proc_exit" (func (param i32))'
SPELLINGS_OF_IMPORTS = [
    f"(module (import {EXIT}))",
    f"(module\n\t(\n\timport {EXIT}))",
    f"(module ((;c;)import {EXIT}))",
    f"(module ( ;; c\n (; (; nested ;) ;) import {EXIT}))",
    '(module (func $f (import "wasi_snapshot_preview1" "proc_exit") (param i32)))',
    "(module ;; (import\n)",
    "(module (; (; ;) (import ;))",
    '(module (memory 1) (data (i32.const 0) "\\" (import"))',
    "(module (func $imports))",
]


@pytest.mark.parametrize("text", SPELLINGS_OF_IMPORTS)
def test_each_spelling_of_an_import_is_read_as_compiling_reads_it(session, text):
    from wasmshell.engine.module import not_deterministic

    assert (not_deterministic(text) is None) is session.compile(text).deterministic


def test_reading_a_body_says_what_compiling_it_says(session):
    """Whether a module's functions are deterministic (it imports nothing and keeps no state), and
    if not why, read from its text or binary without compiling, is what its compiled module says,
    for every sample and fixture that compiles."""
    from wasmshell.engine.module import not_deterministic

    compared = kept = 0
    for text in [IMPORT_IN_WORDS, IMPORT_AFTER_A_COMMENT, *(p.read_text() for p in all_wat_files())]:
        try:
            compiled = session.compile(text)
        except WasmError:
            continue
        binary = bytes(wasmtime.wat2wasm(text))
        reason = not_deterministic(text)
        assert reason == not_deterministic(binary) == compiled.not_deterministic, text[:200]
        assert (reason is None) is compiled.deterministic
        compared += 1
        kept += reason is not None and "state" in reason
    assert compared > 20 and 10 < kept < compared - 10  # both kinds are there


def test_rows_written_straight_into_the_table_become_functions():
    """Reading a .dump back writes the function table with plain SQL: the functions work at once."""
    db = open_session()
    try:
        db.execute("CREATE TABLE libsql_wasm_func_table (name text PRIMARY KEY, body text) WITHOUT ROWID")
        db.execute("INSERT INTO libsql_wasm_func_table VALUES('add1', ?)", (wat("add1"),))
        assert db.execute("select add1(41)").fetchall() == [(42,)]
        db.execute("DELETE FROM libsql_wasm_func_table")
        with pytest.raises(apsw.SQLError, match="no such function"):
            db.execute("select add1(1)").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize(
    "table", ["libsql_wasm_func_table", '"libsql_wasm_func_table"', "[LIBSQL_WASM_FUNC_TABLE]"]
)
def test_a_piped_script_that_writes_the_table_among_simple_lines_makes_functions(tmp_path, table):
    """A script's one-statement lines run in batches; a line that writes the function table,
    however its name is quoted, is seen by the engine, so the function works on the next line."""
    body = wat("add1").replace("'", "''").replace("\n", "' || char(10) || '")  # one line of SQL
    script = "\n".join(
        [
            "CREATE TABLE libsql_wasm_func_table (name text PRIMARY KEY, body text) WITHOUT ROWID;",
            "CREATE TABLE t(a);",
            *(f"INSERT INTO t VALUES({n});" for n in range(50)),
            f"INSERT INTO {table} VALUES('add1', '{body}');",
            *(f"INSERT INTO t VALUES({n});" for n in range(50)),
            "SELECT add1(41), count(*) FROM t;",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-m", "wasmshell", str(tmp_path / "f.db")],
        input=script.encode(),
        capture_output=True,
        timeout=120,
    )
    assert (done.stdout, done.stderr, done.returncode) == (b"42|100\n", b"", 0)
