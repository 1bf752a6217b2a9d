"""What the sqlite3 shell has built in, wasmshell has too (issue 13): generate_series, regexp and
the REGEXP operator, sha3, sha1, decimal, ieee754, base64, base85, the uint collation, readfile,
writefile, fsdir, lsmode, completion. They are loaded when a statement first names one (start-up
stays cheap), are never taken by a Wasm function, and those that touch files are left out under
-safe and refused to a file's views, as sqlite3 does.

Output is compared byte for byte with the reference sqlite3 3.54 that APSW ships.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import apsw
import apsw.sqlite_extra
import pytest
import test_cli
from conftest import one, open_session, rows, wat
from reference_shell import needs_reference, run_both
from test_own_sql import const_module, make_file

from wasmshell import ModuleError
from wasmshell.engine.builtins import reserved_functions, reserved_tables

home = test_cli.home

# -- generate_series, against sqlite3 3.54 -------------------------------------------

SERIES = [
    "SELECT * FROM generate_series(1,10,3);",
    "SELECT value, start, stop, step FROM generate_series(5) LIMIT 3;",
    "SELECT * FROM generate_series(10,1,-3);",
    "SELECT * FROM generate_series(1,10,-3);",
    "SELECT * FROM generate_series(10,1,3);",
    "SELECT * FROM generate_series(null,10);",
    "SELECT * FROM generate_series(1,null);",
    "SELECT * FROM generate_series(1,3,null);",
    "SELECT *, step FROM generate_series(1,3,0);",
    "SELECT * FROM generate_series;",
    "SELECT * FROM generate_series();",
    "SELECT * FROM generate_series(1,2,3,4);",
    "SELECT * FROM generate_series(1.5,4.2);",
    "SELECT * FROM generate_series('1','3');",
    "SELECT * FROM generate_series('a','3');",
    ".headers on\nSELECT *, start, stop, step FROM generate_series(1,10,3);",
    "SELECT * FROM generate_series(9223372036854775805, 9223372036854775807);",
    "SELECT * FROM generate_series(-9223372036854775807, -9223372036854775808, -1);",
    "SELECT * FROM generate_series(1,10,3) ORDER BY value DESC;",
    "SELECT * FROM generate_series(10,1,-3) ORDER BY value;",
    "SELECT * FROM generate_series(1,10) WHERE value > 7;",
    "SELECT * FROM generate_series(1,10,2) WHERE value BETWEEN 3 AND 6;",
    "SELECT * FROM generate_series(1,10,2) WHERE value = 5;",
    "SELECT * FROM generate_series(1,10,2) WHERE value = 4;",
    "SELECT * FROM generate_series(1,10,2) WHERE value = 5.0 OR value = 7.5;",
    "SELECT * FROM generate_series(1,10,2) WHERE value > 2.5 AND value <= 7.5;",
    "SELECT * FROM generate_series(1,10,2) WHERE value < '6';",
    "SELECT * FROM generate_series(1,10,2) LIMIT 2 OFFSET 1;",
    "SELECT * FROM generate_series(1,100,7) ORDER BY value DESC LIMIT 3 OFFSET 2;",
    "SELECT value, start, stop FROM generate_series WHERE value BETWEEN 3 AND 5;",
    "SELECT value, start FROM generate_series WHERE value = 42;",
    "SELECT value FROM generate_series WHERE value >= 9223372036854775806;",
    "SELECT value, stop FROM generate_series(9223372036854775800) WHERE value > 9223372036854775805;",
    "SELECT count(*), sum(value) FROM generate_series(1,1000000);",
    "SELECT * FROM generate_series(0,100,-9223372036854775808);",
    "SELECT * FROM generate_series(1,20,9223372036854775807);",
    "SELECT * FROM generate_series(-9223372036854775808,9223372036854775807,9223372036854775807);",
    "SELECT * FROM generate_series(9223372036854775807,-9223372036854775808,-9223372036854775808);",
    "SELECT * FROM generate_series(9223372036854775807,-9223372036854775808,-9223372036854775808)"
    " ORDER BY value;",
    "SELECT rowid, value FROM generate_series(3,5);",
    "SELECT a.value, b.value FROM generate_series(1,3) a, generate_series(a.value,3) b;",
    "SELECT * FROM generate_series(1,3) WHERE start = 1;",
    "SELECT * FROM generate_series WHERE start = 2 AND stop = 4;",
    "SELECT * FROM generate_series(x'31', 3);",
    "SELECT * FROM generate_series(1e300, 3);",
    "SELECT * FROM generate_series(-5, -1) WHERE value > -3.5;",
    "SELECT * FROM generate_series(1, 10) WHERE value = NULL;",
]


@needs_reference
@pytest.mark.parametrize("sql", SERIES)
def test_generate_series_is_3_54s(tmp_path, sql):
    reference, ours = run_both(sql + "\n", tmp_path)
    assert ours == reference


def test_a_huge_series_is_streamed_and_interrupted():
    with open_session() as s:
        assert rows(s, "SELECT value FROM generate_series(1, 9223372036854775807) LIMIT 2") == [(1,), (2,)]
        timer = threading.Timer(0.3, s.interrupt)
        timer.start()
        try:
            with pytest.raises(apsw.InterruptError):
                rows(s, "SELECT count(*) FROM generate_series(1, 9223372036854775807)")
        finally:
            timer.cancel()
        assert one(s, "SELECT sum(value) FROM generate_series(1, 3)") == 6


# -- the functions, collations and tables of sqlite3's shell --------------------------------

SHELL_SQL = [
    "SELECT 'abc' REGEXP 'b', 'abc' REGEXP '^b', regexp('^a','abc'), regexpi('B','abc');",
    "SELECT hex(sha3('abc')), hex(sha3('abc', 384)), sha1('abc'), hex(sha3_query('select 1'));",
    "SELECT hex(sha3_agg(x)) FROM (SELECT 1 AS x UNION ALL SELECT 'two');",
    "SELECT decimal_add('0.1','0.2'), decimal_mul('1.5','2'), decimal_cmp('1','2'), decimal('1e3');",
    "SELECT decimal_sum(x) FROM (SELECT '1.1' AS x UNION ALL SELECT '2.2');",
    "SELECT x FROM (SELECT '10' AS x UNION ALL SELECT '9.5') ORDER BY x COLLATE decimal;",
    "SELECT ieee754(2.5), ieee754_mantissa(2.5), ieee754_exponent(2.5), hex(ieee754_to_blob(1.0));",
    "SELECT base64(x'414243'), hex(base64('QUJD')), base85(x'41424344'), is_base85('abc');",
    "SELECT x FROM (SELECT 'x10' AS x UNION ALL SELECT 'x9') ORDER BY x COLLATE uint;",
    "SELECT lsmode(16877), lsmode(33188);",
    "SELECT writefile('out.txt', 'hi'), readfile('out.txt');",
    "SELECT name FROM fsdir('.') WHERE name LIKE '%.txt' ORDER BY 1;",
    "SELECT candidate FROM completion('sel') ORDER BY 1;",
    "SELECT candidate FROM completion('generate_s') ORDER BY 1;",
    "SELECT typeof(stmtrand()), stmtrand(1) = stmtrand(1);",
    "SELECT name FROM pragma_collation_list ORDER BY 1;",
]


@needs_reference
@pytest.mark.parametrize("sql", SHELL_SQL)
def test_sqlite3s_builtins_give_3_54s_output(tmp_path, sql):
    (tmp_path / "a.txt").write_text("a")
    reference, ours = run_both(sql + "\n", tmp_path)
    assert ours == reference


def _names(program: str, pragma: str, tmp_path: Path) -> set[str]:
    out = subprocess.run(
        [program, ":memory:"],
        input=f"SELECT DISTINCT name FROM pragma_{pragma}_list;\n".encode(),
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    return set(out.stdout.decode().split())


# What the 3.54 shell has that wasmshell does not: shell_prompt_test (its prompts' /-escapes,
# which wasmshell's prompts do not have) and sqlite_dbpage, which APSW's SQLite is built without.
NOT_HERE = {
    "function": {"shell_prompt_test"},
    "module": {"sqlite_dbpage"},
    "collation": set(),
}


@needs_reference
@pytest.mark.parametrize("pragma", ["function", "module", "collation"])
def test_everything_the_3_54_shell_lists_is_here(tmp_path, pragma):
    from reference_shell import REFERENCE, WASMSHELL

    missing = _names(REFERENCE, pragma, tmp_path) - _names(WASMSHELL, pragma, tmp_path)
    assert missing <= NOT_HERE[pragma]


def test_a_view_of_a_file_cannot_call_writefile(tmp_path, home):
    """A hostile file's view: sqlite3's "unsafe use of writefile()", and nothing written."""
    db = tmp_path / "hostile.db"
    target = tmp_path / "pwned.txt"
    conn = apsw.Connection(str(db))
    conn.execute(f"CREATE VIEW v AS SELECT writefile('{target}', 'x') AS w")
    conn.execute(
        "CREATE TABLE t(x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT readfile('/etc/passwd'); END"
    )
    conn.close()
    out, err, status = test_cli.run(str(db), "SELECT * FROM v;", env=home)
    assert "unsafe use of writefile()" in err and status == 1 and out == ""
    _out, err, status = test_cli.run(str(db), "INSERT INTO t VALUES (1);", env=home)
    assert "unsafe use of readfile()" in err and status == 1
    assert not target.exists()


def test_readfile_and_writefile_are_direct_only_even_with_a_trusted_schema(tmp_path):
    """The engine alone (no shell: the schema trusted): still refused in a view, as fileio registers them."""
    with open_session(str(tmp_path / "f.db")) as s:
        s.connection.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 1)
        s.execute(f"CREATE VIEW v AS SELECT writefile('{tmp_path / 'w.txt'}', 'x')")
        with pytest.raises(apsw.SQLError, match=r"unsafe use of writefile\(\)"):
            rows(s, "SELECT * FROM v")
        assert one(s, "SELECT regexp('b', 'abc')") == 1
    assert not (tmp_path / "w.txt").exists()


def test_a_files_view_may_use_regexp_and_generate_series(tmp_path, home):
    db = tmp_path / "views.db"
    conn = apsw.Connection(str(db))
    apsw.sqlite_extra.load(conn, "uint")
    conn.execute(
        "CREATE VIEW v AS SELECT value FROM generate_series(1, 5) WHERE CAST(value AS TEXT) REGEXP '[24]';"
        "CREATE TABLE u(x TEXT COLLATE uint); INSERT INTO u VALUES ('a10'), ('a9');"
    )
    conn.close()
    out, err, status = test_cli.run(str(db), "SELECT * FROM v;", "SELECT x FROM u ORDER BY x;", env=home)
    assert (out, err, status) == ("2\n4\na9\na10\n", "", 0)


@needs_reference
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT readfile('a.txt');",
        "SELECT * FROM fsdir('.');",
        "SELECT writefile('b.txt', 'x');",
        "SELECT sha3('a') IS NOT NULL, 'a' REGEXP 'a';",
        "SELECT candidate FROM completion('sel');",
    ],
)
def test_under_safe_files_are_out_of_reach_as_in_3_54(tmp_path, sql):
    (tmp_path / "a.txt").write_text("a")
    reference, ours = run_both(sql + "\n", tmp_path, ("-safe", ":memory:"))
    assert ours == reference
    assert not (tmp_path / "wasmshell" / "b.txt").exists()


# -- no Wasm function takes their names -------------------------------------------------


@pytest.mark.parametrize("name", ["regexp", "sha3", "decimal_add", "readfile", "base64"])
def test_create_function_refuses_a_builtins_name_before_it_is_loaded(name):
    with open_session() as s:
        body = const_module(name, 1, 0)
        with pytest.raises(ModuleError, match=f"SQLite already has a function named {name}"):
            s.execute(f"CREATE FUNCTION {name} LANGUAGE wasm AS '{body}'")
        with pytest.raises(ModuleError, match="already has a function"):
            s.register_module(body)


def test_a_table_function_cannot_take_generate_series():
    module = wat("int_range").replace("int_range", "generate_series")
    with open_session() as s, pytest.raises(ModuleError, match="already has a table or module"):
        s.register_module(module)


def test_a_stored_function_named_like_a_builtin_is_skipped(tmp_path):
    db = make_file(
        tmp_path / "f.db", {"sha3": const_module("sha3", 1, 7), "regexp": const_module("regexp", 2, 1)}
    )
    with open_session(db) as s:
        assert one(s, "SELECT hex(sha3('abc'))").startswith("3A985DA7")
        assert one(s, "SELECT 'abc' REGEXP 'z'") == 0
        assert sorted(k.raw for k in s.skipped) == ["regexp", "sha3"]
        assert {k.reason for k in s.skipped} == {
            "SQLite already has a function named sha3",
            "SQLite already has a function named regexp",
        }


def test_the_reserved_names_are_those_the_extensions_register():
    """The table of names is checked against what loading gives (the extensions may change)."""
    with open_session() as s:
        s.execute("SELECT * FROM pragma_function_list").fetchall()  # names them all
        functions = {r[0] for r in s.execute("SELECT name FROM pragma_function_list")}
        modules = {r[0] for r in s.execute("SELECT name FROM pragma_module_list")}
    assert reserved_functions() <= functions
    assert reserved_tables() <= modules


def test_plain_sql_loads_no_extension():
    code = (
        "import wasmshell\n"
        "s = wasmshell.connect()\n"
        "s.execute('select 1').fetchall()\n"
        "print(sorted(r[0] for r in s.connection.execute('PRAGMA function_list') if r[0] == 'sha3'))\n"
        "s.execute('select sha3(1)').fetchall()\n"
        "print(sorted({r[0] for r in s.connection.execute('PRAGMA function_list') if r[0] == 'sha3'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "['sha3']"]


def test_completion_offers_the_builtins_before_they_are_loaded():
    from wasmshell.shell.interactive.completer.metadata import session_metadata

    with open_session() as s:
        meta = session_metadata(s)
    assert {"sha3", "regexp", "decimal_add", "readfile"} <= set(meta.functions)
    assert {"generate_series", "fsdir", "completion"} <= set(meta.table_functions)
