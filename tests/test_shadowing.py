"""A Wasm function never takes a name SQLite already has, and the shell's own SQL is right
whatever functions are registered (issue 10, finding 4: data loss through shadowed functions).

A stored row named ``lower`` used to replace SQLite's lower(): the catalog's
``lower(name) = lower(?)`` then matched every row and DROP FUNCTION deleted
them all; a stored 3-argument ``like`` made ``.dump`` write an empty backup
and exit 0. Now such a row is skipped and flagged, CREATE FUNCTION and
.loadwasm refuse such names, and .tables, .schema, .indexes, .dump, DROP
FUNCTION, .loadwasm --replace and completion call no SQL function at all:
redefining ``like``, ``glob``, ``lower``, ``printf`` ... on the connection (as
an extension or the application can, with APSW's create_scalar_function)
changes nothing they print or write.
"""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest
import test_cli
from conftest import one, open_session, rows, wat
from test_own_sql import (
    const_module,
    lying,
    make_file,
    raising,
    redefine_sqlite_functions,
    schema_file,
    shell_on,
    stored_names,
)

from wasmshell import ModuleError

home = test_cli.home  # an empty HOME and config directory: no real init file is read
TABLE = "libsql_wasm_func_table"
__all__ = ["schema_file"]  # a fixture of test_own_sql's, used here too


def run_shell(env, *args: str, stdin: str = "") -> tuple[str, str, int]:
    return test_cli.run(*args, stdin=stdin, env=env)


FIB = wat("fib")
GCD = wat("gcd")
ADD1 = wat("add1")
DATA = "CREATE TABLE data(x, y); INSERT INTO data VALUES (1, 'one'), (2, 'two'), (3, NULL);"

# A stored row named after one of SQLite's functions, and a query whose answer it would change.
BUILTINS = {
    "lower": (1, "select lower('ABC')", "abc"),
    "LOWER": (1, "select lower('ABC')", "abc"),
    "like2": (2, "select 'abc' like 'A%'", 1),
    "like3": (3, "select 'a%c' like 'a\\%c' escape '\\'", 1),
    "glob": (2, "select 'abc' glob 'a*'", 1),
    "printf": (2, "select printf('%d', 7)", "7"),
    "abs": (1, "select abs(-5)", 5),
    "sum": (1, "select sum(x) from (select 2 as x union all select 3)", 5),
    "count": (0, "select count(*) from (select 1 union all select 2)", 2),
    "group_concat": (1, "select group_concat(x) from (select 'a' as x)", "a"),
    "row_number": (
        0,
        "select max(r) from (select row_number() over () as r from (select 1 union all select 2))",
        2,
    ),
    "run_wasm": (3, "select run_wasm(?, 'fib', 10)", 55),
    "RUN_WASM": (3, "select run_wasm(?, 'fib', 10)", 55),
}


def _builtin_row(case: str) -> tuple[str, str]:
    nparams = BUILTINS[case][0]
    name = case.rstrip("23")
    return name, const_module(name, nparams, 0 if name.lower() in ("like", "glob") else "x")


@pytest.mark.parametrize("case", BUILTINS)
def test_a_stored_function_never_replaces_one_of_sqlites(tmp_path, case):
    name, body = _builtin_row(case)
    db = make_file(tmp_path / "f.db", {name: body, "fib": FIB})
    _nparams, query, expected = BUILTINS[case]
    with open_session(db) as s:
        bindings = (FIB,) if "?" in query else None
        assert one(s, query, bindings) == expected
        assert one(s, "select fib(10)") == 55
        assert name.lower() not in s.functions
        [skipped] = s.skipped
        assert skipped.raw == name
        if name.lower() == "run_wasm":
            assert skipped.reason == "run_wasm is wasmshell's own function"
        else:
            assert skipped.reason == f"SQLite already has a function named {name}"


def test_drop_function_deletes_only_its_own_row_beside_a_stored_lower(tmp_path):
    """The issue's case: with lower() redefined, DROP FUNCTION gcd deleted all four rows."""
    db = make_file(
        tmp_path / "f.db", {"lower": const_module("lower", 1, "x"), "gcd": GCD, "fib": FIB, "add1": ADD1}
    )
    with open_session(db) as s:
        s.execute("DROP FUNCTION gcd")
        assert one(s, "select fib(10) + add1(1)") == 57
    assert stored_names(db) == ["add1", "fib", "lower"]


def test_drop_function_in_the_shell_beside_a_stored_lower(tmp_path, home):
    db = make_file(
        tmp_path / "f.db", {"lower": const_module("lower", 1, "x"), "gcd": GCD, "fib": FIB, "add1": ADD1}
    )
    out, err, status = run_shell(home, str(db), "DROP FUNCTION gcd", "select lower('ABC'), fib(10)")
    assert (out, err, status) == ("abc|55\n", "", 0)
    assert stored_names(db) == ["add1", "fib", "lower"]


def test_loadwasm_replace_keeps_the_other_rows_beside_a_stored_lower(tmp_path, home):
    db = make_file(tmp_path / "f.db", {"lower": const_module("lower", 1, "x"), "fib": FIB, "add1": ADD1})
    module = tmp_path / "fib.wat"
    module.write_text(const_module("fib", 0, 42).replace("(param )", ""))
    out, err, status = run_shell(
        home, str(db), stdin=f".loadwasm {module} --replace\nselect fib(), add1(1);\n"
    )
    assert status == 0, err
    assert out.splitlines()[-1] == "42|2"
    assert stored_names(db) == ["add1", "fib", "lower"]


def _read_back(dump: str, tmp_path: Path) -> dict[str, list[tuple]]:
    """Every table of a database made by running ``dump`` in plain SQLite."""
    conn = apsw.Connection(str(tmp_path / "readback.db"))
    conn.execute(dump)
    return _contents(conn)


def _contents(conn: apsw.Connection) -> dict[str, list[tuple]]:
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    return {n: sorted(map(tuple, conn.execute(f'SELECT * FROM "{n}"')), key=repr) for n in names}


def test_dump_of_a_table_beside_a_stored_like_is_whole(tmp_path, home):
    """The issue's case: a stored 3-argument like() made `.dump data` print an empty dump, exit 0."""
    db = make_file(tmp_path / "f.db", {"like": const_module("like", 3, 0)}, DATA)
    out, err, status = run_shell(home, str(db), ".dump data")
    assert (err, status) == ("", 0)
    assert "CREATE TABLE data(x, y);" in out and "INSERT INTO data VALUES(3,'NULL');" not in out
    assert _read_back(out, tmp_path) == {"data": [(1, "one"), (2, "two"), (3, None)]}


def test_whole_dump_beside_stored_like_and_glob_reads_back_equal(tmp_path, home):
    functions = {"like": const_module("like", 2, 0), "glob": const_module("glob", 2, 0), "fib": FIB}
    db = make_file(tmp_path / "f.db", functions, DATA)
    out, err, status = run_shell(home, str(db), ".dump")
    assert (err, status) == ("", 0)
    conn = apsw.Connection(str(db))
    assert _read_back(out, tmp_path) == _contents(conn)


@pytest.mark.parametrize("nparams", [2, 3])
def test_tables_and_indexes_beside_a_stored_like(tmp_path, home, nparams):
    """A 3-argument like() made .tables end the shell with a traceback."""
    sql = DATA + "CREATE INDEX data_x ON data(x); ANALYZE;"
    db = make_file(tmp_path / "f.db", {"like": const_module("like", nparams, 1)}, sql)
    out, err, status = run_shell(home, str(db), ".tables", ".tables d%", ".indexes", ".indexes x%")
    assert (err, status) == ("", 0)
    # as sqlite3 3.54 lists them: split over the screen; .indexes PATTERN is part of a name
    assert out == "data     libsql_wasm_func_table\ndata\ndata_x\ndata_x\n"


def test_create_function_of_a_builtin_name_is_refused(session):
    """`CREATE FUNCTION abs ...` was accepted and abs(-5) returned 0."""
    with pytest.raises(ModuleError, match="CREATE FUNCTION abs: SQLite already has a function named abs"):
        session.execute(f"CREATE FUNCTION abs LANGUAGE wasm AS '{const_module('abs', 1, 0)}'")
    assert one(session, "select abs(-5)") == 5
    assert rows(session, "select name from sqlite_schema") == []


@pytest.mark.parametrize(
    "name",
    [
        "lower",
        "Upper",
        "LIKE",
        "glob",
        "sum",
        "count",
        "group_concat",
        "row_number",
        "run_wasm",
        "Run_Wasm",
        "json_extract",
        "median",
    ],
)
def test_no_way_of_registering_takes_a_builtin_name(session, tmp_path, name):
    module = const_module(name, 1, 0)
    with pytest.raises(ModuleError, match=f"CREATE FUNCTION {name}: (SQLite already has|run_wasm is)"):
        session.execute(f"CREATE FUNCTION {name} LANGUAGE wasm AS '{module}'")
    for register in (session.load_module, session.register_module):
        with pytest.raises(ModuleError, match=f"wasm function {name}: (SQLite already has|run_wasm is)"):
            register(module)
    assert name.lower() not in session.functions
    assert rows(session, "select name from sqlite_schema") == []
    assert one(session, "select run_wasm(?, 'fib', 10)", (FIB,)) == 55


def test_names_of_the_applications_and_extensions_functions_are_refused(session):
    import apsw.sqlite_extra

    session.connection.create_scalar_function("app_fn", lambda *a: "app", -1)
    apsw.sqlite_extra.load(session.connection, "rot13")
    for name in ("app_fn", "rot13", "ROT13"):
        with pytest.raises(ModuleError, match=f"SQLite already has a function named {name}"):
            session.execute(f"CREATE FUNCTION {name} LANGUAGE wasm AS '{const_module(name, 1, 0)}'")
    assert rows(session, "select app_fn(), rot13('abc')") == [("app", "nop")]


def test_a_name_the_application_takes_after_opening_is_not_replaced(tmp_path):
    db = make_file(
        tmp_path / "f.db", {"myfn": const_module("myfn", 0, 7).replace("(param )", ""), "fib": FIB}
    )
    with open_session(db) as s:
        s.connection.create_scalar_function("myfn", lambda: "the application's", 0)
        assert one(s, "select myfn()") == "the application's"
        assert one(s, "select fib(5)") == 5
        assert [(k.raw, k.reason) for k in s.skipped] == [
            ("myfn", "SQLite already has a function named myfn")
        ]


def test_loadwasm_of_a_module_exporting_a_builtin_name_writes_nothing(tmp_path, home):
    db = tmp_path / "f.db"
    module = tmp_path / "m.wat"
    module.write_text(
        '(module (func (export "fib") (param i64) (result i64) local.get 0)'
        ' (func (export "abs") (param i64) (result i64) i64.const 0))'
    )
    out, err, status = run_shell(home, str(db), stdin=f".loadwasm {module}\nselect abs(-5);\n")
    assert status == 1
    refused = "wasm function abs: SQLite already has a function named abs; a Wasm function cannot replace it"
    assert err == f"Error: {module}: {refused}\n"
    assert out == "5\n"
    conn = apsw.Connection(str(db))
    assert conn.execute("select count(*) from sqlite_schema").fetchall() == [(0,)]
    conn.close()
    out, err, status = run_shell(home, str(db), stdin=f".loadwasm {module} fib\nselect fib(3), abs(-5);\n")
    assert status == 0 and out.splitlines()[-1] == "3|5"


def test_drop_function_of_a_builtin_name(session):
    with pytest.raises(ModuleError, match="cannot drop abs: it is SQLite's own function, not a stored one"):
        session.execute("DROP FUNCTION abs")
    session.execute("DROP FUNCTION IF EXISTS abs")
    assert one(session, "select abs(-5)") == 5


def test_drop_function_removes_a_stored_row_that_was_skipped(tmp_path):
    db = make_file(tmp_path / "f.db", {"lower": const_module("lower", 1, "x"), "fib": FIB})
    with open_session(db) as s:
        s.execute("DROP FUNCTION LOWER")
        assert s.skipped == []
        assert one(s, "select lower('ABC')") == "abc"
    assert stored_names(db) == ["fib"]


def test_names_compare_as_sqlite_compares_them_ascii_case_only(session):
    """The Kelvin sign and k are two names to SQLite (Python's lower() would make them one)."""
    kelvin = "\u212aeep"
    for name, value in ((kelvin, 1), ("keep", 2), ("éx", 3), ("ÉX", 4)):
        module = const_module(name, 0, value).replace("(param )", "")
        session.execute(f"CREATE FUNCTION \"{name}\" LANGUAGE wasm AS '{module}'")
    assert rows(session, f'select "{kelvin}"(), KEEP(), "éx"(), "ÉX"()') == [(1, 2, 3, 4)]
    with pytest.raises(ModuleError, match="function KeeP already exists"):
        session.execute(
            f"CREATE FUNCTION KeeP LANGUAGE wasm AS '{const_module('KeeP', 0, 5).replace('(param )', '')}'"
        )
    session.execute("DROP FUNCTION KEEP")
    assert rows(session, f'select "{kelvin}"(), "éx"()') == [(1, 3)]
    assert sorted(name for (name,) in rows(session, f"select name from {TABLE}")) == sorted(
        [kelvin, "éx", "ÉX"]
    )


@pytest.mark.parametrize("how", [lying, raising], ids=["lying", "raising"])
def test_drop_function_and_loadwasm_replace_with_sqlites_functions_redefined(schema_file, tmp_path, how):
    from wasmshell.shell.runner import run_command

    module = tmp_path / "fib.wat"
    module.write_text(const_module("fib", 0, 42).replace("(param )", ""))
    shell = shell_on(schema_file)
    try:
        redefine_sqlite_functions(shell.session.connection, how)
        assert run_command(shell, f".loadwasm {module} --replace") == 0
        assert shell.run_sql("DROP FUNCTION add1;", 1) == 0
        gcd = GCD.replace("'", "''")
        assert shell.run_sql(f"CREATE FUNCTION gcd LANGUAGE wasm AS '{gcd}';", 1) == 0
    finally:
        shell.session.close()
    assert stored_names(schema_file) == ["fib", "gcd"]
    with open_session(schema_file) as s:
        assert rows(s, "select fib(), gcd(12, 18)") == [(42, 6)]


def test_a_session_function_and_a_stored_one_of_the_same_name(tmp_path):
    """The session's function wins for the session; the stored row stays, flagged; neither is lost."""
    fake = '(module (func (export "fib") (param i64) (result i64) i64.const 42))'
    db = make_file(tmp_path / "f.db", {"fib": FIB})
    with open_session(db) as s:
        assert one(s, "select fib(10)") == 55
        s.register_module(fake)
        assert one(s, "select fib(10)") == 42
        with pytest.raises(ModuleError, match="function fib already exists"):
            s.execute(f"CREATE FUNCTION fib LANGUAGE wasm AS '{FIB}'")
        s.execute("BEGIN; CREATE TABLE t(x); ROLLBACK")  # the table is read again after a rollback
        assert one(s, "select fib(10)") == 42
        hidden = [(k.raw, k.reason) for k in s.skipped]
        assert hidden == [("fib", "a function of this session has the same name")]
    assert stored_names(db) == ["fib"]
    with open_session(db) as s:
        assert one(s, "select fib(10)") == 55


# --------------------------------------------------------------------------
# Table-valued functions: SQLite's virtual table modules and eponymous tables are taken too.
# A Wasm json_each would change what every view using json_each computes; a Wasm rtree would
# take over the file's R*Tree tables.

SPLIT = wat("split_words")
# Names SQLite (or APSW's build of it) has as a table: eponymous ones, made when first used
# (json_each, pragma_table_info), and modules of CREATE VIRTUAL TABLE (rtree, fts5vocab).
TABLE_NAMES = ["json_each", "JSON_TREE", "pragma_table_info", "dbstat", "rtree", "fts5vocab", "geopoly"]


def split_named(name: str) -> str:
    """split_words.wat making a table-valued function called ``name``."""
    return SPLIT.replace("split_words", name)


@pytest.mark.parametrize("name", TABLE_NAMES)
@pytest.mark.parametrize("how", ["register", "load"])
def test_a_table_function_never_takes_a_name_sqlite_has_as_a_table(tmp_path, name, how):
    path = tmp_path / "t.db"
    with open_session(path) as s:
        register = s.register_module if how == "register" else s.load_module
        with pytest.raises(ModuleError, match=f"SQLite already has a table or module named {name}"):
            register(split_named(name))
        assert rows(s, "SELECT value FROM json_each('[1,2]')") == [(1,), (2,)]
        assert name.lower() not in s.functions
    tables = rows_of(path, "SELECT name FROM sqlite_schema")
    assert tables == [] or stored_names(path) == []  # nothing written


@pytest.mark.parametrize("name", ["json_each", "pragma_table_info"])
def test_a_stored_table_function_named_like_sqlites_table_is_skipped(tmp_path, name):
    db = make_file(tmp_path / "f.db", {name: split_named(name), "split_words": SPLIT})
    with open_session(db) as s:
        assert rows(s, "SELECT name FROM pragma_table_info('libsql_wasm_func_table')") == [
            ("name",),
            ("body",),
        ]
        assert rows(s, "SELECT value FROM json_each('[7,8]')") == [(7,), (8,)]
        assert rows(s, "SELECT word FROM split_words('a b')") == [("a",), ("b",)]
        reason = f"SQLite already has a table or module named {name}"
        assert [(r.raw, r.reason) for r in s.skipped] == [(name, reason)]
        # Naming the function table makes the names be read anew: the row stays skipped.
        assert rows(s, "SELECT count(*) FROM libsql_wasm_func_table") == [(2,)]
        assert rows(s, "SELECT 1") == [(1,)]
        assert [(r.raw, r.reason) for r in s.skipped] == [(name, reason)]


def test_funcs_flags_a_stored_table_function_named_like_sqlites_table(tmp_path, home):
    db = make_file(tmp_path / "f.db", {"json_each": split_named("json_each")})
    out, err, status = run_shell(
        home, str(db), ".mode list", ".funcs", "SELECT count(*) FROM json_each('[1]')"
    )
    assert status == 0 and err == ""
    [row] = [line for line in out.splitlines() if line.startswith("json_each")]
    assert "skipped: SQLite already has a table or module named json_each" in row
    assert out.splitlines()[-1] == "1"  # SQLite's json_each


def test_a_stored_rtree_never_takes_over_the_files_rtree_table(tmp_path):
    db = make_file(
        tmp_path / "r.db",
        {"rtree": split_named("rtree")},
        "CREATE VIRTUAL TABLE box USING rtree(id, x0, x1); INSERT INTO box VALUES (1, 2, 3)",
    )
    with open_session(db) as s:
        assert rows(s, "SELECT * FROM box") == [(1, 2.0, 3.0)]
        rows(s, "CREATE VIRTUAL TABLE box2 USING rtree(id, a, b)")  # names rtree: registers pending
        assert rows(s, "SELECT * FROM box WHERE x0 >= 1") == [(1, 2.0, 3.0)]
        assert [r.raw for r in s.skipped] == ["rtree"]
    assert rows_of(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_module_the_application_registers_is_not_replaced(session):
    class Mine:
        def Connect(self, *_args):
            raise apsw.SQLError("the application's module")

    session.connection.create_module("mine", Mine(), eponymous_only=True)
    with pytest.raises(ModuleError, match="SQLite already has a table or module named mine"):
        session.register_module(split_named("mine"))


def rows_of(path: Path, sql: str) -> list[tuple]:
    conn = apsw.Connection(str(path))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
