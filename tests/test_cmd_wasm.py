"""Stored Wasm functions through the installed ``wasmshell`` command, on real
database files: .loadwasm, .funcs, .wat, .open and .dump, files exchanged
with the sqlite3 command exactly as libSQL writes them, and functions
created in one process and called in another (issue 4)."""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import test_cli
from conftest import FIXTURES, SAMPLES, wasm, wat
from reference_shell import REFERENCE

SQLITE3 = REFERENCE or shutil.which("sqlite3")  # a shell that knows no Wasm: the 3.54 one APSW ships
needs_sqlite3 = pytest.mark.skipif(SQLITE3 is None, reason="no sqlite3 shell here")
home = test_cli.home  # an empty HOME and config directory: no real init file is read

TABLE = "libsql_wasm_func_table"
LIBSQL_TABLE = f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
TABLE_SQL = f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
FUNCS_COLUMNS = [
    "name",
    "kind",
    "signature",
    "origin",
    "deterministic",
    "bytes",
    "sha256",
    "state",
    "calls",
    "errors",
    "libsql",
]

# Exports two SQL functions and the helpers .loadwasm must leave alone.
MULTI_WAT = """(module
  (memory (export "memory") 1)
  (func (export "double") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
  (func (export "triple") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))
  (func (export "libsql_malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "libsql_free") (param i32))
  (func (export "_start"))
  (func (export "_initialize"))
  (func (export "main") (result i32) (i32.const 0))
  (func (export "__wasm_call_ctors")))
"""
FAKE_FIB_WAT = (
    '(module (memory (export "memory") 0) (func (export "fib") (param i64) (result i64) (i64.const 42)))\n'
)


def sample(name: str) -> str:
    return str(SAMPLES / f"{name}.wat")


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sqlite3(db: Path, script: str) -> str:
    """Run ``script`` with the sqlite3 command on ``db``; its standard output."""
    proc = subprocess.run([SQLITE3, str(db)], input=script.encode(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def typeofs(db: Path) -> str:
    """name|typeof(body) of every stored function, as sqlite3 sees the file."""
    return sqlite3(db, f"select name, typeof(body) from {TABLE} order by name;")


def store(db: Path, *modules: str | bytes) -> None:
    """Store every function of each module in ``db``, as .loadwasm does (in this process: faster)."""
    from wasmshell import connect

    with connect(str(db)) as s:
        for module in modules:
            s.load_module(module)


def insert_row(db: Path, name: str, body: str | bytes) -> None:
    """Add a row to libSQL's table as another program could: no check that it compiles."""
    from wasmshell import connect

    with connect(str(db)) as s:
        s.execute(f"insert into {TABLE} values (?, ?)", (name, body))


def table_exists(db: Path) -> bool:
    from wasmshell import connect

    with connect(str(db)) as s:
        found = s.execute(f"select count(*) from sqlite_schema where name = '{TABLE}'").fetchall()
    return found == [(1,)]


def funcs_rows(out: str) -> list[dict[str, str]]:
    """The rows of a .funcs listing (column mode: header, dashes, rows)."""
    lines = out.splitlines()
    assert len(lines) >= 2, out
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    cells = [
        [line[a:b].strip() if i < len(spans) - 1 else line[a:].strip() for i, (a, b) in enumerate(spans)]
        for line in lines
    ]
    assert cells[0] == FUNCS_COLUMNS, lines[0]
    return [dict(zip(FUNCS_COLUMNS, row, strict=True)) for row in cells[2:]]


@pytest.fixture
def ws(home):
    """Run the installed wasmshell: ws(*args, stdin=...) -> (stdout, stderr, status)."""
    return functools.partial(test_cli.run, env=home)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "funcs.db"


@pytest.fixture
def hypot_wasm(tmp_path):
    path = tmp_path / "hypot.wasm"
    path.write_bytes(wasm("hypot"))
    return path


@pytest.fixture
def multi_wat(tmp_path):
    path = tmp_path / "multi.wat"
    path.write_text(MULTI_WAT)
    return path


# --------------------------------------------------------------------------
# CREATE FUNCTION / DROP FUNCTION across processes


def test_create_in_one_process_call_in_another(db, ws):
    script = (
        "CREATE FUNCTION fib\n  LANGUAGE wasm\n  AS " + sql_text(wat("fib")) + ";\n"
        f"create function hypot language wasm as X'{wasm('hypot').hex()}';\n"
    )
    assert ws(str(db), stdin=script) == ("", "", 0)
    assert ws(str(db), "select fib(10), hypot(3, 4)") == ("55|5.0\n", "", 0)
    assert ws(str(db), "DROP FUNCTION FIB") == ("", "", 0)
    out, err, status = ws(str(db), stdin="select hypot(6, 8);\nselect fib(10);\n")
    assert (out, status) == ("10.0\n", 1)
    assert "no such function: fib" in err


def test_function_statement_errors_are_reported_and_the_rest_runs(db, ws):
    statements = [
        "create function fob language wasm as " + sql_text(wat("fib")) + ";\n",
        "create function fib language wasm " + sql_text(wat("fib")) + ";\n",
        "drop function nope;\n",
        "select 1;\n",
    ]
    line = [1 + sum(s.count("\n") for s in statements[:k]) for k in range(len(statements))]
    out, err, status = ws(str(db), stdin="".join(statements))
    assert (out, status) == ("1\n", 1)
    assert f"Error near line {line[0]}: wasm module has no exported function 'fob'" in err
    assert f"Parse error near line {line[1]}: CREATE FUNCTION: expected AS" in err
    assert f"Error near line {line[2]}: no such function: nope" in err
    assert not table_exists(db)


# --------------------------------------------------------------------------
# Files shared with the sqlite3 command, as libSQL writes them


@needs_sqlite3
def test_a_file_built_by_sqlite3_as_libsql_writes_it(db, ws):
    sqlite3(
        db,
        f"{LIBSQL_TABLE};\n"
        f"INSERT INTO {TABLE} VALUES('fib', {sql_text(wat('fib'))});\n"
        f"INSERT INTO {TABLE} VALUES('hypot', X'{wasm('hypot').hex()}');\n"
        f"INSERT INTO {TABLE} VALUES('concat3', {sql_text(wat('concat3'))});\n",
    )
    assert typeofs(db) == "concat3|text\nfib|text\nhypot|blob\n"
    out, err, status = ws(str(db), "select fib(20), hypot(3, 4), concat3('a', 'b', 'c')")
    assert (out, err, status) == ("6765|5.0|abc\n", "", 0)


@needs_sqlite3
def test_sqlite3_records_the_same_table_text_as_wasmshell(tmp_path, ws):
    by_sqlite3, by_wasmshell = tmp_path / "a.db", tmp_path / "b.db"
    sqlite3(by_sqlite3, LIBSQL_TABLE + ";")
    ws(str(by_wasmshell), f".loadwasm {sample('fib')}")
    schema = "select sql from sqlite_schema;"
    assert sqlite3(by_sqlite3, schema) == sqlite3(by_wasmshell, schema) == TABLE_SQL + "\n"


@needs_sqlite3
def test_a_body_that_no_longer_compiles(db, ws):
    store(db, wat("fib"))
    sqlite3(db, f"INSERT INTO {TABLE} VALUES('broken', '(module (func (export \"broken\")');")
    # Opening is not affected, nor are the other functions.
    out, err, status = ws(str(db), stdin=".funcs broken\nselect fib(5);\n")
    assert (err, status) == ("", 0)
    assert out.endswith("5\n")
    [row] = funcs_rows(out.removesuffix("5\n"))
    assert (row["name"], row["state"], row["calls"], row["errors"]) == (
        "broken",
        "not compiled yet",
        "0",
        "0",
    )
    # The call is the error, and names the function.
    out, err, status = ws(str(db), stdin="select broken();\n.funcs broken\nselect fib(6);\n")
    assert status == 1
    assert "Error near line 1: wasm function broken: cannot compile wasm module" in err
    [row] = funcs_rows(out.removesuffix("8\n"))
    assert row["state"].startswith("error: cannot compile wasm module")
    assert (row["calls"], row["errors"]) == ("1", "1")


def test_open_registers_the_functions_of_the_file(tmp_path, ws):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    store(a, wat("fib"))
    store(b, wat("add1"))
    insert_row(b, "broken", "not a module")
    script = f".open {a}\nselect fib(7);\n.open {b}\nselect add1(7);\nselect fib(7);\nselect broken();\n"
    out, err, status = ws(stdin=script)
    assert out == "13\n8\n"
    assert status == 1
    assert "Parse error near line 5: no such function: fib" in err
    assert (
        "Error near line 6: wasm function broken: cannot compile wasm module: "
        "expected `(` (line 1, column 1)\n"
    ) in err


# --------------------------------------------------------------------------
# .dump and reading it back


@pytest.fixture
def dumped(db, ws):
    """A .dump of a file storing fib (WAT, TEXT) and hypot (binary, BLOB)."""
    store(db, wat("fib"), wasm("hypot"))
    out, err, status = ws(str(db), ".dump")
    assert (err, status) == ("", 0)
    assert TABLE_SQL + ";" in out
    return out


def test_dump_read_back_by_wasmshell_gives_working_functions(tmp_path, ws, dumped):
    copy = tmp_path / "copy.db"
    assert ws(str(copy), stdin=dumped) == ("", "", 0)
    assert ws(str(copy), "select fib(10), hypot(3, 4)") == ("55|5.0\n", "", 0)
    assert ws(str(copy), ".dump")[0] == dumped


@needs_sqlite3
def test_dump_read_back_by_sqlite3_gives_working_functions(tmp_path, db, ws, dumped):
    assert sqlite3(db, ".dump") == dumped
    copy = tmp_path / "copy.db"
    sqlite3(copy, dumped)
    assert typeofs(copy) == "fib|text\nhypot|blob\n"
    assert ws(str(copy), "select fib(10), hypot(3, 4)") == ("55|5.0\n", "", 0)


# --------------------------------------------------------------------------
# .loadwasm


@needs_sqlite3
def test_loadwasm_wat_is_stored_as_text(db, ws):
    out, err, status = ws(str(db), f".loadwasm {sample('fib')}")
    assert (out, err, status) == ("fib(INTEGER) -> INTEGER  (stored in the database)\n", "", 0)
    assert typeofs(db) == "fib|text\n"
    assert sqlite3(db, f"select body from {TABLE};") == wat("fib") + "\n"
    assert ws(str(db), "select fib(15)") == ("610\n", "", 0)


@needs_sqlite3
def test_loadwasm_wasm_is_stored_as_blob(db, ws, hypot_wasm):
    out, err, status = ws(str(db), f".loadwasm {hypot_wasm}")
    assert (out, err, status) == ("hypot(REAL, REAL) -> REAL  (stored in the database)\n", "", 0)
    assert typeofs(db) == "hypot|blob\n"
    assert sqlite3(db, f"select hex(body) from {TABLE};") == wasm("hypot").hex().upper() + "\n"
    assert ws(str(db), "select hypot(5, 12)") == ("13.0\n", "", 0)


def test_loadwasm_prints_sql_signatures(db, ws):
    out, _err, status = ws(str(db), f".loadwasm {sample('concat3')} --temp")
    assert status == 0
    assert (
        out
        == "concat3(TEXT/BLOB/NULL, TEXT/BLOB/NULL, TEXT/BLOB/NULL) -> TEXT/BLOB/NULL  (for this session)\n"
    )


def test_aggregates_load_list_with_their_kind_and_reopen(db, ws):
    out, err, status = ws(str(db), f".loadwasm {sample('isum')}", f".loadwasm {sample('joinwords')}")
    # libSQL has scalar functions only, which the user is told when the others are made.
    assert (err, status) == (
        "Note: libSQL could not run isum: it is a window function (libSQL has only scalars)\n"
        "Note: libSQL could not run joinwords: it is an aggregate function (libSQL has only scalars)\n",
        0,
    )
    assert out == (
        "isum(INTEGER) -> INTEGER  (window, stored in the database)\n"
        "joinwords(TEXT/BLOB/NULL) -> TEXT/BLOB/NULL  (aggregate, stored in the database)\n"
    )
    # Stored one row per aggregate (its phases are not functions of their own) and back on reopening.
    assert typeofs(db) == "isum|text\njoinwords|text\n"
    script = (
        "select isum(column1), joinwords(column2 ORDER BY column1 DESC) from (values (1, 'a'), (2, 'b'));\n"
        "select group_concat(s) from (select isum(column1) over (order by column1 rows 1 preceding) as s "
        "from (values (1), (2), (3)));\n"
        ".funcs\n"
    )
    out, err, status = ws(str(db), "-cmd", ".mode list", stdin=script)
    assert (err, status) == ("", 0)
    first, second, listing = out.split("\n", 2)
    assert first == "3|b a" and second == "1,3,5"
    rows = {row["name"]: row for row in funcs_rows(listing)}
    assert (rows["isum"]["kind"], rows["isum"]["signature"]) == ("window", "isum(INTEGER) -> INTEGER")
    assert rows["joinwords"]["kind"] == "aggregate"
    assert rows["isum"]["calls"] != "0"


@needs_sqlite3
def test_loadwasm_registers_every_function_but_the_abi_helpers(db, ws, multi_wat):
    out, err, status = ws(str(db), f".loadwasm {multi_wat}")
    assert (err, status) == ("", 0)
    assert out == (
        "double(INTEGER) -> INTEGER  (stored in the database)\n"
        "triple(INTEGER) -> INTEGER  (stored in the database)\n"
    )
    assert typeofs(db) == "double|text\ntriple|text\n"
    helpers = ("libsql_malloc", "libsql_free", "main", "_start", "_initialize", "__wasm_call_ctors")
    script = "select double(21), triple(5);\n" + "".join(f"select {h}();\n" for h in helpers)
    out, err, status = ws(str(db), stdin=script)
    assert (out, status) == ("42|15\n", 1)
    for helper in helpers:
        assert f"no such function: {helper}" in err


@needs_sqlite3
def test_loadwasm_with_names_registers_only_those(db, ws, multi_wat):
    out, _err, status = ws(str(db), f".loadwasm {multi_wat} TRIPLE")
    assert (out, status) == ("TRIPLE(INTEGER) -> INTEGER  (stored in the database)\n", 0)
    assert typeofs(db) == "TRIPLE|text\n"
    out, err, status = ws(str(db), stdin="select triple(3);\nselect double(3);\n")
    assert (out, status) == ("9\n", 1)
    assert "no such function: double" in err


def test_loadwasm_temp_is_gone_after_reopening(db, ws):
    script = f".loadwasm {sample('fib')} --temp\nselect fib(10);\n.funcs\n"
    out, err, status = ws(str(db), stdin=script)
    assert (err, status) == ("", 0)
    assert out.startswith("fib(INTEGER) -> INTEGER  (for this session)\n55\n")
    [row] = funcs_rows(out.split("55\n", 1)[1])
    assert row["origin"] == "session"
    assert not table_exists(db)
    _out, err, status = ws(str(db), "select fib(10)")
    assert status == 1 and "no such function: fib" in err


@needs_sqlite3
def test_loadwasm_replace(db, tmp_path, ws):
    fake = tmp_path / "fake.wat"
    fake.write_text(FAKE_FIB_WAT)
    store(db, wat("fib"))
    out, err, status = ws(str(db), stdin=f".loadwasm {fake}\nselect fib(10);\n")
    assert (out, status) == ("55\n", 1)
    assert err == f"Error: {fake}: function fib already exists\n"
    out, err, status = ws(str(db), stdin=f".loadwasm {fake} --replace\nselect fib(10);\n")
    assert (out, err, status) == ("fib(INTEGER) -> INTEGER  (stored in the database)\n42\n", "", 0)
    assert sqlite3(db, f"select name, body from {TABLE};") == f"fib|{FAKE_FIB_WAT}\n"


def test_loadwasm_refuses_a_name_in_another_case(db, ws, tmp_path):
    upper = tmp_path / "upper.wat"
    upper.write_text(wat("fib").replace('"fib"', '"FIB"'))
    store(db, wat("fib"))
    _out, err, status = ws(str(db), f".loadwasm {upper}")
    assert status == 1 and "function FIB already exists" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, 'Error: cannot open "{path}": No such file or directory'),
        ("this is not a module\n", "Error: {path}: cannot compile wasm module: expected `(`"),
        (b"\x7fELF\x02\x01\x01\x00\xff\xfe", "Error: {path}: not a wasm module"),
        (b"\0asm\1\0\0\0\xff", "Error: {path}: cannot compile wasm module"),
    ],
    ids=["missing file", "text that is not a module", "binary that is not a module", "bad binary"],
)
def test_loadwasm_file_errors(db, tmp_path, ws, content, message):
    path = tmp_path / "module.wasm"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    out, err, status = ws(str(db), f".loadwasm {path}")
    assert (out, status) == ("", 1)
    assert err.startswith(message.format(path=path)), err
    assert not table_exists(db)


def test_loadwasm_unknown_export_stores_nothing(db, ws, multi_wat):
    out, err, status = ws(str(db), f".loadwasm {multi_wat} double nope")
    assert (out, status) == ("", 1)
    assert err == f"Error: {multi_wat}: wasm module has no exported function 'nope' " + (
        "(its functions: double, triple)\n"
    )
    assert not table_exists(db)
    assert "no such function: double" in ws(str(db), "select double(1)")[1]


def test_loadwasm_usage_errors(db, ws):
    _out, err, status = ws(str(db), ".loadwasm")
    assert status == 1 and "loadwasm FILE" in err
    _out, err, status = ws(str(db), f".loadwasm {sample('fib')} --frobnicate")
    assert status == 1 and "unknown option: --frobnicate" in err
    assert not table_exists(db)


# --------------------------------------------------------------------------
# .funcs


def test_funcs_lists_every_column(db, ws):
    store(db, wat("fib"), wasm("hypot"))
    script = (
        f".loadwasm {sample('concat3')} --temp\n"
        f".loadwasm {FIXTURES / 'wasi_hello.wat'} hello --temp\n"
        ".funcs\n"
    )
    out, err, status = ws(str(db), stdin=script)
    assert (err, status) == ("", 0)
    listing = funcs_rows(out.split(")\n", 2)[2])  # after the two .loadwasm lines
    assert [r["name"] for r in listing] == ["concat3", "fib", "hello", "hypot"]
    by_name = {r["name"]: r for r in listing}
    expected = {
        "concat3": (
            "concat3(TEXT/BLOB/NULL, TEXT/BLOB/NULL, TEXT/BLOB/NULL) -> TEXT/BLOB/NULL",
            "session",
            "no: it can keep state between calls in a mutable global",
            wat("concat3").encode(),
            "compiled",
        ),
        "fib": ("fib(INTEGER) -> INTEGER", "stored", "yes", wat("fib").encode(), "not compiled yet"),
        "hello": (
            "hello() -> INTEGER",
            "session",
            "no: it imports WASI functions (a clock, random bytes)",
            wat("wasi_hello").encode(),
            "compiled",
        ),
        "hypot": ("hypot(REAL, REAL) -> REAL", "stored", "yes", wasm("hypot"), "not compiled yet"),
    }
    for name, (sig, origin, deterministic, body, state) in expected.items():
        row = by_name[name]
        assert (row["signature"], row["origin"], row["deterministic"]) == (sig, origin, deterministic)
        assert int(row["bytes"]) == len(body)
        assert len(row["sha256"]) >= 8 and hashlib.sha256(body).hexdigest().startswith(row["sha256"])
        assert (row["state"], row["calls"], row["errors"]) == (state, "0", "0")
    # What libSQL would make of each: integers cut to 32 bits where an i64 is.
    assert [by_name[n]["libsql"] for n in ("concat3", "hypot")] == ["yes", "yes"]
    assert by_name["fib"]["libsql"] == "32-bit: INTEGER arguments and result cut to 32 bits"
    assert by_name["hello"]["libsql"] == "32-bit: INTEGER result cut to 32 bits"


def test_funcs_counts_calls_and_errors_in_this_session(db, ws):
    store(db, wat("fib"), wat("divide"))
    script = (
        "select fib(n) from (select 1 as n union all select 2 union all select 3);\n"
        "select divide(7, 2);\n"
        "select divide(1, 0);\n"
        ".funcs\n"
    )
    out, err, status = ws(str(db), stdin=script)
    assert status == 1 and "wasm trap in divide: integer divide by zero" in err
    by_name = {r["name"]: r for r in funcs_rows(out.split("3\n", 1)[1])}
    assert (by_name["fib"]["state"], by_name["fib"]["calls"], by_name["fib"]["errors"]) == (
        "compiled",
        "3",
        "0",
    )
    assert (by_name["divide"]["calls"], by_name["divide"]["errors"]) == ("2", "1")
    # A new session starts counting again.
    listing = funcs_rows(ws(str(db), ".funcs")[0])
    assert [(r["calls"], r["errors"], r["state"]) for r in listing] == [("0", "0", "not compiled yet")] * 2


def test_funcs_pattern(db, ws):
    store(db, wat("fib"), MULTI_WAT)
    patterns = ["", "t*", "*LE", "ib", "zz*"]
    out, err, status = ws(str(db), stdin="".join(f".funcs {p}\n.print ===\n" for p in patterns))
    assert (err, status) == ("", 0)
    listings = out.split("===\n")
    assert listings.pop() == "" and listings.pop() == ""  # nothing matches zz*
    names = [[r["name"] for r in funcs_rows(listing)] for listing in listings]
    assert names == [["double", "fib", "triple"], ["triple"], ["double", "triple"], ["fib"]]


def test_funcs_lists_nothing_without_functions(ws):
    assert ws(":memory:", ".funcs") == ("", "", 0)


# --------------------------------------------------------------------------
# .wat


def test_wat_of_a_stored_wat_function_is_the_text_as_stored(db, ws):
    store(db, wat("fib"))
    assert ws(str(db), ".wat fib") == (wat("fib"), "", 0)
    assert ws(str(db), ".wat FIB") == (wat("fib"), "", 0)


def test_wat_of_a_binary_function_is_printed_by_wasm_tools(db, ws, hypot_wasm):
    store(db, wasm("hypot"))
    out, err, status = ws(str(db), stdin=f".wat hypot\n.print ===\n.wat {hypot_wasm}\n")
    assert (err, status) == ("", 0)
    stored_text, file_text = out.split("===\n")
    assert stored_text.startswith("(module") and '(export "hypot"' in out and "f64.sqrt" in out
    assert file_text == stored_text


def test_wat_of_a_file(ws):
    assert ws(":memory:", f".wat {sample('divide')}") == (wat("divide"), "", 0)


def test_wat_of_a_session_function(ws):
    out, _err, status = ws(":memory:", stdin=f".loadwasm {sample('add1')} --temp\n.wat add1\n")
    assert status == 0 and out.endswith(wat("add1"))


def test_wat_of_an_unknown_name_is_an_error(ws):
    assert ws(":memory:", ".wat nope") == ("", "Error: no Wasm function or file named nope\n", 1)


def test_wat_of_a_broken_binary_is_an_error(db, ws):
    store(db, wat("fib"))
    insert_row(db, "broken", b"\0asm\1\0\0\0\xff")
    out, err, status = ws(str(db), ".wat broken")
    assert (out, status) == ("", 1)
    assert err.startswith("Error: broken: ")


def test_wasmlimits_shows_and_sets_the_limits(ws):
    spin = '(module (func (export "spin") (loop br 0)))'
    out, err, status = ws(
        ":memory:",
        ".wasmlimits",
        ".wasmlimits timeout 150 memory 8",
        ".wasmlimits",
        f"select run_wasm('{spin}', 'spin')",
    )
    rest = "module 32 MiB, table 1000000 elements, output 1024 KiB, compile 60000 ms\n"
    assert out == f"timeout 5000 ms, memory 64 MiB, {rest}timeout 150 ms, memory 8 MiB, {rest}"
    assert "time limit of 150 ms exceeded" in err and status == 1
    _, err, status = ws(":memory:", ".wasmlimits timeout soon")
    assert status == 1 and "Usage: .wasmlimits" in err


def test_funcs_in_the_interactive_view_is_a_narrow_table(tmp_path):
    """In pretty mode (the interactive default) .funcs draws a table with the
    columns that matter at a glance; any other mode keeps every column."""
    import io

    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    out = io.StringIO()
    shell = Shell(str(tmp_path / "f.db"), stdout=out, stderr=io.StringIO())
    try:
        run_command(shell, f".loadwasm {sample('fib')}")
        shell.settings.mode = "pretty"
        out.seek(0), out.truncate()
        run_command(shell, ".funcs")
        table = out.getvalue()
        header = next(line for line in table.splitlines() if "name" in line)
        assert [c.strip() for c in header.strip("│ ").split("│")] == [
            "name",
            "kind",
            "signature",
            "state",
            "calls",
            "errors",
            "libsql",
        ]
        assert "fib(INTEGER) -> INTEGER" in table and "sha256" not in table
        fib_row = [c.strip() for c in next(line for line in table.splitlines() if "fib" in line).split("│")]
        assert fib_row[-2] == "32-bit"  # the one word; the reasons are in the other modes
        shell.settings.mode = "list"
        out.seek(0), out.truncate()
        run_command(shell, ".funcs")
        assert out.getvalue().split()[: len(FUNCS_COLUMNS)] == FUNCS_COLUMNS
    finally:
        shell.session.close()


def test_funcs_says_why_a_function_is_not_deterministic(db, ws):
    """A module keeping a count in a global is not deterministic, and .funcs says why; once the
    schema names it, it runs each call in a fresh instance and is deterministic (issue 12)."""
    from test_determinism import COUNTERS

    store(db, COUNTERS["global"])
    out, err, status = ws(str(db), stdin=".funcs counter\n")
    assert (err, status) == ("", 0)
    (row,) = funcs_rows(out)
    assert row["deterministic"] == "no: it can keep state between calls in a mutable global"
    script = "CREATE TABLE k(x CHECK (counter(x) = x + 1));\nINSERT INTO k VALUES (1), (2);\n"
    out, err, status = ws(str(db), stdin=script + ".funcs counter\n")
    assert (err, status) == ("", 0)
    (row,) = funcs_rows(out)
    assert row["deterministic"] == (
        "yes: a fresh instance per call (it can keep state between calls in a mutable global)"
    )
    assert row["calls"] == "2"
