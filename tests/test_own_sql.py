"""The shell's own SQL is right whatever functions are registered (issue 10, finding 4).

.tables, .schema, .indexes, .dump and completion read the schema without
calling any SQL function: an extension or the application can redefine
``like``, ``glob``, ``lower``, ``printf`` ... on the connection (APSW's
create_scalar_function is what an extension does), and a file can hold Wasm
functions of those names, yet each command prints exactly what it printed
before, and what sqlite3 prints for the same file.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import apsw
import pytest
import test_cli
import test_cmd_schema
from conftest import open_session, wat
from test_cmd_data import _reals_as_sqlite3_writes

home = test_cli.home  # an empty HOME and config directory: no real init file is read
TABLE = "libsql_wasm_func_table"
LIBSQL_TABLE = f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
FIB = wat("fib")
ADD1 = wat("add1")


def const_module(export: str, nparams: int, result: str | int) -> str:
    """A module exporting ``export``: it takes ``nparams`` TEXT/BLOB/NULL arguments and returns
    ``result`` whatever they are (a TEXT, or an INTEGER): a guest lying about SQLite's functions."""
    params = " ".join(["i32"] * nparams)
    if isinstance(result, str):
        body = f'(result i32) (i32.const 16))\n  (data (i32.const 16) "\\03{result}\\00")'
    else:
        body = f"(result i64) (i64.const {result}))"
    return f"""(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "libsql_malloc") (param i32) (result i32)
    (global.get $top)
    (global.set $top (i32.add (global.get $top) (local.get 0))))
  (func (export "{export}") (param {params}) {body}
)"""


def make_file(path: Path, functions: dict[str, str], sql: str = "") -> Path:
    """A database written by another program: ``sql``, then rows in libSQL's table as they are."""
    conn = apsw.Connection(str(path))
    conn.execute(LIBSQL_TABLE)
    for name, body in functions.items():
        conn.execute(f"INSERT INTO {TABLE} VALUES (?, ?)", (name, body))
    if sql:
        conn.execute(sql)
    conn.close()
    return path


def stored_names(path: Path) -> list[str]:
    """The names in libSQL's table, read with plain APSW (no Wasm function anywhere)."""
    conn = apsw.Connection(str(path))
    try:
        return [name for (name,) in conn.execute(f"SELECT name FROM {TABLE} ORDER BY name")]
    finally:
        conn.close()


# --------------------------------------------------------------------------
# The shell's own SQL, with SQLite's functions redefined on the connection


# test_cmd_schema's objects (tables, indexes, a view, a trigger, an FTS5 table), with rows.
SCHEMA = (
    test_cmd_schema.SCHEMA
    + """
INSERT INTO t1(b, c) VALUES ('x', 1.5), ('Y', NULL), (NULL, 2);
INSERT INTO "my table" VALUES (1, x'00ff'), ('two', 'it''s');
INSERT INTO seq(v) VALUES ('a'), ('b');
INSERT INTO ft VALUES ('hello world');
CREATE TABLE odd(t TEXT COLLATE NOCASE, n);
INSERT INTO odd VALUES (CAST(x'ff41' AS TEXT), 1), ('ok', 2.5), (x'01', NULL), (7, CAST(x'c3' AS TEXT));
ANALYZE;
"""
)

COMMANDS = [
    ".tables",
    ".tables t%",
    ".tables T1",
    ".tables nomatch",
    ".indexes",
    ".indexes t1",
    ".indices t%",
    ".schema",
    ".schema t*",
    ".schema T1",
    ".schema main.t%",
    ".schema --indent t1",
    ".schema --nosys",
    ".schema sqlite_schema",
    ".dump",
    ".dump t%",
    ".dump ft",
    ".dump --preserve-rowids t1",
    ".dump --data-only",
    ".funcs",
]


def lying(*_args):
    return 1


def raising(*_args):
    raise RuntimeError("redefined")


# (name, arity) of functions the shell's SQL could have called, and collations it could have used.
REDEFINED = [
    ("like", 2), ("like", 3), ("glob", 2), ("lower", 1), ("upper", 1), ("printf", -1),
    ("format", -1), ("substr", 2), ("substr", 3), ("substring", 3), ("length", 1), ("octet_length", 1),
    ("typeof", 1), ("quote", 1), ("hex", 1), ("instr", 2), ("replace", 3), ("coalesce", -1),
    ("ifnull", 2), ("iif", 3), ("trim", 1), ("char", -1), ("unicode", 1), ("sqlite_version", 0),
]  # fmt: skip


def redefine_sqlite_functions(conn: apsw.Connection, how) -> None:
    for name, arity in REDEFINED:
        conn.create_scalar_function(name, how, arity)
    for collation in ("NOCASE", "RTRIM"):
        conn.create_collation(collation, lambda _a, _b: -1)  # everything sorts before everything


def shell_on(path: Path):
    from wasmshell.shell.state import Shell

    return Shell(str(path), stdout=io.StringIO(), stderr=io.StringIO())


def outputs(shell, commands: list[str]) -> list[tuple[str, str, int]]:
    from wasmshell.shell.runner import run_command

    results = []
    for command in commands:
        shell.stdout.seek(0), shell.stdout.truncate()
        shell.stderr.seek(0), shell.stderr.truncate()
        status = run_command(shell, command)
        results.append((shell.stdout.getvalue(), shell.stderr.getvalue(), status))
    return results


def completion_metadata(shell):
    from wasmshell.shell.interactive.completer import session_metadata

    md = session_metadata(shell.session)
    return md.relations, md.indexes, md.triggers, md.databases, md.wasm_functions, md.partial


@pytest.fixture
def schema_file(tmp_path):
    db = tmp_path / "schema.db"
    with open_session(db) as s:
        s.execute(SCHEMA)
        s.execute(f"CREATE FUNCTION fib LANGUAGE wasm AS '{FIB}'")
        s.execute(f"CREATE FUNCTION add1 LANGUAGE wasm AS '{ADD1}'")
    return db


@pytest.mark.parametrize("how", [lying, raising], ids=["lying", "raising"])
def test_schema_commands_print_the_same_with_sqlites_functions_redefined(schema_file, how):
    shell = shell_on(schema_file)
    try:
        before = outputs(shell, COMMANDS)
        metadata = completion_metadata(shell)
        redefine_sqlite_functions(shell.session.connection, how)
        assert outputs(shell, COMMANDS) == before
        assert completion_metadata(shell) == metadata
    finally:
        shell.session.close()
    assert all(status == 0 for _out, _err, status in before)
    assert "CREATE TABLE t1" in before[7][0] and "INSERT INTO t1 VALUES(1,'x',1.5);" in before[14][0]


def test_schema_commands_match_sqlite3_on_a_file_with_stored_builtin_names(tmp_path, home):
    """sqlite3 knows no Wasm: what it prints for the file is what the shell must print."""
    sqlite3 = test_cmd_schema.SQLITE3
    version = subprocess.run([sqlite3, "-version"], capture_output=True, text=True).stdout if sqlite3 else ""
    if not version.startswith("3.54."):
        pytest.skip("needs the sqlite3 3.54 shell, whose output the shell reproduces")
    functions = {
        "like": const_module("like", 3, 0),
        "glob": const_module("glob", 2, 0),
        "printf": const_module("printf", 2, "x"),
        "lower": const_module("lower", 1, "x"),
        "fib": FIB,
    }
    db = make_file(tmp_path / "f.db", functions)
    conn = apsw.Connection(str(db))
    conn.execute(
        SCHEMA.replace("CREATE VIRTUAL TABLE ft USING fts5(body);", "").replace(
            "INSERT INTO ft VALUES ('hello world');", ""
        )
    )
    conn.close()
    script = "".join(c + "\n" for c in COMMANDS if c != ".funcs")
    expected = subprocess.run([sqlite3, str(db)], input=script.encode(), capture_output=True)
    actual = subprocess.run(
        [sys.executable, "-m", "wasmshell", str(db)], input=script.encode(), capture_output=True, env=home
    )
    assert actual.stderr == expected.stderr
    # .dump's REALs are lossless here (a deliberate difference): compared as 3.54 writes them
    assert _reals_as_sqlite3_writes(actual.stdout) == expected.stdout
    assert actual.returncode == expected.returncode
