"""A database file that cannot be opened, or that costs what it should not to open
(issue 10, findings 5, 6 and 7).

Opening always succeeds and lists what is there: a stored row that cannot be
a function (a truncated binary, a NULL or INTEGER body, a name with a NUL or
of 300 bytes, two names differing only in case, a table of libSQL's name with
another shape...) is skipped and flagged by ``.funcs`` with the reason, and
the other functions work. A lock held by another process at open delays the
stored functions until the table can be read; it never loses them. Opening
reads names only: a body is read when its function is first needed, so a
huge body costs no memory at open and 100,000 functions open at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest
import test_cli
import test_cmd_wasm
from conftest import PYTHONPATH, ROOT, one, open_session, rows, run_python, wat

from wasmshell import ModuleError

home = test_cli.home  # an empty HOME and config directory: no real init file is read
TABLE = "libsql_wasm_func_table"
LIBSQL_TABLE = f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID"
FIB = wat("fib")
SQLITE3_SHELL = subprocess.run(
    [sys.executable, "-m", "apsw.sqlite_extra", "--path", "sqlite3_shell"], capture_output=True, text=True
).stdout.strip()


class Raw(bytes):
    """Bytes to store as TEXT as they are (not UTF-8, or with a NUL): CAST(? AS TEXT)."""


def _value(value: object) -> tuple[str, object]:
    return ("CAST(? AS TEXT)", bytes(value)) if isinstance(value, Raw) else ("?", value)


def make_file(path: Path, rows_: list[tuple[object, object]], table_sql: str = LIBSQL_TABLE) -> Path:
    """A file written by another program: libSQL's table (or ``table_sql``) holding ``rows_`` as they are."""
    conn = apsw.Connection(str(path))
    conn.execute(table_sql)
    conn.execute("CREATE TABLE data(x); INSERT INTO data VALUES (1), (2)")
    for name, body in rows_:
        (name_sql, name_value), (body_sql, body_value) = _value(name), _value(body)
        conn.execute(f"INSERT INTO {TABLE} VALUES ({name_sql}, {body_sql})", (name_value, body_value))
    conn.close()
    return path


def funcs_rows(out: str) -> list[dict[str, str]]:
    """The rows of a .funcs listing, without its notes."""
    listing = [line for line in out.splitlines(True) if not line.startswith("Note: ")]
    return test_cmd_wasm.funcs_rows("".join(listing))


def raw_contents(path: Path) -> list[tuple]:
    """Every row of every table, each value as (type, bytes): compares TEXT that is not UTF-8 too."""
    conn = apsw.Connection(str(path))
    try:
        tables = [
            n for (n,) in conn.execute("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")
        ]
        found = []
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{table}')")]
            values = ", ".join(f'typeof("{c}"), CAST("{c}" AS BLOB)' for c in columns)
            found += [(table, *row) for row in conn.execute(f'SELECT {values} FROM "{table}"')]
        return sorted(found, key=repr)
    finally:
        conn.close()


# What cannot be a stored function: (name, body, the reason .funcs gives).
BAD_ROWS = {
    "truncated binary": (
        "cutshort",
        bytes.fromhex("0061736d010000000205"),
        "its body is not a readable wasm binary",
    ),
    "binary cut in its header": ("header", b"\0asm\1", "its body is not a readable wasm binary"),
    "NULL body": ("nobody", None, "its body is NULL"),
    "empty TEXT body": ("empty", "", "its body is empty"),
    "empty BLOB body": ("empty_blob", b"", "its body is empty"),
    "TEXT body not UTF-8": ("badtext", Raw(b"(module \xff)"), "its body is TEXT that is not valid UTF-8"),
    "name with a NUL": (Raw(b"fi\0b"), FIB, "the name contains a NUL character"),
    "name of 300 bytes": ("f" * 300, FIB, "the name is 300 bytes long; SQLite's limit is 255"),
    "name with a space": ("my fib", FIB, "the name is not an SQL identifier"),
    "name starting with a digit": ("1fib", FIB, "the name is not an SQL identifier"),
    "empty name": ("", FIB, "the name is empty"),
    "BLOB name": (b"fib2", FIB, "the name is a BLOB, not TEXT"),
    "name not UTF-8": (Raw(b"f\xffb"), FIB, "the name is not valid UTF-8"),
    "SQLite's own function": ("lower", FIB, "SQLite already has a function named lower"),
    "run_wasm": ("run_wasm", FIB, "run_wasm is wasmshell's own function"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_bad_row_is_skipped_and_the_rest_works(tmp_path, case):
    name, body, _reason = BAD_ROWS[case]
    db = make_file(tmp_path / "f.db", [("fib", FIB), (name, body)])
    with open_session(db) as s:
        assert one(s, "select fib(10)") == 55
        assert rows(s, "select x from data") == [(1,), (2,)]
        assert one(s, "select lower('ABC')") == "abc"
        if _reason.startswith("its body"):
            with pytest.raises(apsw.SQLError, match=f"no such function: {name} \\(the stored function"):
                s.execute(f"select {name}()")
        assert list(s.functions) == ["fib"]


@pytest.mark.parametrize("case", BAD_ROWS)
def test_funcs_flags_a_bad_row_with_the_reason(tmp_path, home, case):
    name, body, reason = BAD_ROWS[case]
    db = make_file(tmp_path / "f.db", [("fib", FIB), (name, body)])
    out, err, status = test_cli.run(str(db), ".funcs", "select fib(10)", env=home)
    assert (err, status) == ("", 0)
    listing, result = out.rsplit("\n", 2)[0], out.rsplit("\n", 2)[1]
    assert result == "55"
    by_state = {row["state"].split(":")[0]: row for row in funcs_rows(listing + "\n")}
    assert by_state["not compiled yet"]["name"] == "fib"
    assert by_state["skipped"]["origin"] == "stored"
    assert reason in out


@pytest.mark.parametrize("case", [c for c in BAD_ROWS if "NUL" not in c])
def test_a_dump_of_a_file_with_a_bad_row_reads_back_equal(tmp_path, home, case):
    """Every row is carried as it is, the bad one too (TEXT with a NUL is cut, as sqlite3 does)."""
    name, body, _reason = BAD_ROWS[case]
    db = make_file(tmp_path / "f.db", [("fib", FIB), (name, body)])
    dump = subprocess.run([test_cli.WASMSHELL, str(db), ".dump"], capture_output=True, env=home, timeout=60)
    assert (dump.stderr, dump.returncode) == (b"", 0)
    copy = tmp_path / "copy.db"
    # Read back by SQLite's own shell, which keeps TEXT that is not UTF-8 byte for byte.
    loaded = subprocess.run([SQLITE3_SHELL, str(copy)], input=dump.stdout, capture_output=True, env=home)
    assert (loaded.stderr, loaded.returncode) == (b"", 0)
    assert raw_contents(copy) == raw_contents(db)


@pytest.mark.parametrize(("body", "reason"), [(42, "an INTEGER"), (1.5, "a REAL")])
def test_a_number_as_body_is_skipped(tmp_path, home, body, reason):
    """libSQL's TEXT column turns 42 into '42'; a table whose body column has no type keeps it."""
    db = make_file(
        tmp_path / "f.db",
        [("fib", FIB), ("num", body)],
        f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body)",
    )
    out, err, status = test_cli.run(str(db), ".funcs", "select fib(10)", env=home)
    assert (err, status) == ("", 0) and out.endswith("55\n")
    assert f"skipped: its body is {reason}, not a module" in out


def test_names_differing_only_in_case_are_both_skipped(tmp_path):
    db = make_file(tmp_path / "f.db", [("fib", FIB), ("Add1", wat("add1")), ("ADD1", wat("add1"))])
    with open_session(db) as s:
        assert one(s, "select fib(7)") == 13
        assert sorted(k.raw for k in s.skipped) == ["ADD1", "Add1"]
        assert {k.reason.split(" (")[0] for k in s.skipped} == {"stored 2 times in different cases"}
        with pytest.raises(apsw.SQLError, match=r"no such function: add1 .*stored 2 times"):
            s.execute("select add1(1)")
        # DROP FUNCTION removes both; CREATE FUNCTION can then make it anew.
        s.execute("DROP FUNCTION add1")
        s.execute(f"CREATE FUNCTION add1 LANGUAGE wasm AS '{wat('add1')}'")
        assert one(s, "select add1(1)") == 2 and s.skipped == []


TABLES_OF_ANOTHER_SHAPE = {
    "other columns": (f"CREATE TABLE {TABLE}(x, y)", "has no name and no body column"),
    "a view": (
        f"CREATE VIEW {TABLE} AS SELECT 'fib' AS name, 'x' AS body",
        "is a view, not an ordinary table",
    ),
    "a virtual table": (
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(name, body)",
        "is a virtual table, not an ordinary table",
    ),
    "names compared without case": (
        f"CREATE TABLE {TABLE}(name TEXT COLLATE NOCASE PRIMARY KEY, body)",
        "compares names with collation NOCASE",
    ),
}


@pytest.mark.parametrize("case", TABLES_OF_ANOTHER_SHAPE)
def test_a_table_of_another_shape_is_not_read_and_funcs_says_why(tmp_path, home, case):
    sql, reason = TABLES_OF_ANOTHER_SHAPE[case]
    db = tmp_path / "f.db"
    conn = apsw.Connection(str(db))
    conn.execute(sql)
    conn.close()
    out, err, status = test_cli.run(str(db), ".funcs", env=home)
    assert (err, status) == ("", 0)
    assert out.startswith(f"Note: {TABLE} {reason}") and out.endswith(
        ": its rows are not read as functions\n"
    )
    with open_session(db) as s:
        assert s.functions == {}
        with pytest.raises(ModuleError, match=f"cannot store functions: {TABLE} {reason}"):
            s.execute(f"CREATE FUNCTION fib LANGUAGE wasm AS '{FIB}'")
        assert one(s, "select run_wasm(?, 'fib', 10)", (FIB,)) == 55


# --------------------------------------------------------------------------
# .loadwasm checks every name before it writes anything

BAD_EXPORTS = {
    "a NUL": ("a\\00b", "the name contains a NUL character"),
    "300 bytes": ("g" * 300, "the name is 300 bytes long; SQLite's limit is 255"),
    "a space": ("my fn", "the name is not an SQL identifier"),
    "a dash": ("my-fn", "the name is not an SQL identifier"),
}


@pytest.mark.parametrize("case", BAD_EXPORTS)
def test_loadwasm_refuses_an_export_sqlite_cannot_register_before_writing(tmp_path, home, case):
    export, reason = BAD_EXPORTS[case]
    module = tmp_path / "m.wat"
    module.write_text(
        f'(module (memory (export "memory") 0) (func (export "fib") (param i64) (result i64) local.get 0)'
        f' (func (export "{export}") (result i64) i64.const 1))'
    )
    db = tmp_path / "f.db"
    out, err, status = test_cli.run(str(db), stdin=f".loadwasm {module}\nselect 1;\n", env=home)
    assert (out, status) == ("1\n", 1)
    assert err.startswith(f"Error: {module}: wasm function ") and f": {reason}" in err
    conn = apsw.Connection(str(db))
    assert conn.execute("SELECT count(*) FROM sqlite_schema").fetchall() == [(0,)]
    conn.close()
    # The file still opens, and the good export can be loaded by name.
    out, err, status = test_cli.run(str(db), stdin=f".loadwasm {module} fib\nselect fib(4);\n", env=home)
    assert (err, status) == ("", 0) and out.endswith("\n4\n")


# --------------------------------------------------------------------------
# A lock at open (finding 6)

HOLD_LOCK = """
import select, sys, apsw
conn = apsw.Connection(sys.argv[1])
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO data VALUES (3)")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told, or for so long
conn.execute("COMMIT")
"""


def hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process holding an exclusive lock on ``db`` for ``seconds``, or until a line on its stdin."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    return proc


def test_a_lock_at_open_delays_the_stored_functions_and_loses_none(tmp_path):
    db = make_file(tmp_path / "f.db", [("fib", FIB), ("add1", wat("add1"))])
    other = apsw.Connection(str(db))
    other.execute("BEGIN EXCLUSIVE")
    try:
        s = open_session(db)
        assert s.functions == {}
        assert "database is locked" in s.stored_status
        with pytest.raises(apsw.BusyError, match="database is locked"):  # nor can SQLite read its schema
            s.execute("select fib(10)")
        assert s.functions == {}
    finally:
        other.execute("COMMIT")
        other.close()
    try:
        assert one(s, "select fib(10) + add1(1)") == 57
        assert sorted(s.functions) == ["add1", "fib"] and s.stored_status is None
    finally:
        s.close()


def test_a_lock_held_by_another_process_is_waited_for_with_timeout(tmp_path, home):
    """.timeout set after opening applies: the next statement waits for the lock, then has fib."""
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    holder = hold_lock(db, 3)
    try:
        started = time.monotonic()
        out, err, status = test_cli.run(str(db), stdin=".funcs\n.timeout 20000\nselect fib(10);\n", env=home)
        assert (err, status) == ("", 0)
        assert out.startswith("Note: the stored functions could not be read yet (database is locked)")
        assert out.endswith("\n55\n")
        assert time.monotonic() - started < 20
    finally:
        holder.communicate(timeout=30)


def test_without_a_timeout_a_locked_table_is_read_at_the_next_statement(tmp_path, home):
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    holder = hold_lock(db, 60)
    shell = subprocess.Popen(
        [test_cli.WASMSHELL, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=home,
    )
    assert shell.stdin is not None and shell.stderr is not None
    shell.stdin.write("select fib(1);\n")
    shell.stdin.flush()
    first = shell.stderr.readline()  # the shell reports the error at once: the lock is still held
    holder.communicate("release\n", timeout=30)
    out, err = shell.communicate("select fib(10);\n.funcs fib\n", timeout=60)
    assert first.endswith("database is locked (5)\n") and err == ""  # failed to prepare
    assert out.startswith("55\n")
    assert [r["name"] for r in funcs_rows(out.split("55\n", 1)[1])] == ["fib"]


# --------------------------------------------------------------------------
# Opening reads names only (finding 7)

MEASURE_OPEN = """
import sys, wasmshell


def peak_kb():
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's peak across exec).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


before = peak_kb()
s = wasmshell.connect(sys.argv[1])
s.execute("select count(*) from data").fetchall()
after = peak_kb()
print((after - before) // 1024, s.execute("select fib(10)").fetchall()[0][0], len(s.functions))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_a_huge_body_is_not_read_at_open(tmp_path):
    """A 200 MB body beside fib: opening the file grows peak memory by far less than the body."""
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    conn = apsw.Connection(str(db))
    conn.execute(f"INSERT INTO {TABLE} VALUES ('huge', zeroblob(200 * 1024 * 1024))")
    conn.close()
    proc = run_python(MEASURE_OPEN.replace("sys.argv[1]", repr(str(db))), timeout=120)
    assert proc.returncode == 0, proc.stderr
    grown_mb, fib, count = map(int, proc.stdout.split())
    assert (fib, count) == (55, 2)
    assert grown_mb < 40, f"opening grew peak memory by {grown_mb} MB"


def test_many_stored_functions_are_registered_when_first_named(tmp_path):
    """20,000 stored functions: none is registered with SQLite at open (which slows every
    statement SQLite prepares); each is when a statement first names it."""
    db = tmp_path / "many.db"
    conn = apsw.Connection(str(db))
    conn.execute(LIBSQL_TABLE)
    template = '(module (func (export "f{0}") (param i64) (result i64) local.get 0 i64.const {0} i64.add))'
    with conn:
        conn.executemany(
            f"INSERT INTO {TABLE} VALUES (?, ?)", ((f"f{i}", template.format(i)) for i in range(20_000))
        )
    conn.close()
    with open_session(db) as s:
        assert len(s.functions) == 20_000
        registered = {name for (name, *_rest) in s.connection.execute("PRAGMA function_list")}
        assert not registered & {"f0", "f123", "f19999"}
        assert one(s, "select f123(1) + F19999(1)") == 124 + 20_000
        registered = {name for (name, *_rest) in s.connection.execute("PRAGMA function_list")}
        assert {"f123", "f19999"} <= registered and "f124" not in registered


def test_a_view_made_by_another_connection_finds_its_stored_function(tmp_path):
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    with open_session(db) as s:
        other = apsw.Connection(str(db))
        other.execute("CREATE VIEW v AS SELECT fib(x + 5) AS f FROM data")
        other.close()
        assert rows(s, "select f from v") == [(8,), (13,)]


def test_schema_uses_register_their_stored_functions_at_open(tmp_path):
    """An index expression needs its function (and whether it is deterministic) at once."""
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    with open_session(db) as s:
        s.execute("CREATE INDEX data_fib ON data(fib(x))")
    with open_session(db) as s:
        assert s.functions["fib"].installed
        s.connection.execute("INSERT INTO data VALUES (10)")  # straight to SQLite: no statement scan
        assert one(s, "pragma integrity_check") == "ok"
        assert rows(s, "select x from data where fib(x) = 55") == [(10,)]


def test_the_benchmark_runs(tmp_path):
    """bench/bench_stored.py runs (a small size) and prints its figures beside the baseline."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(PYTHONPATH))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_stored.py"), "--functions", "2000", "--runs", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "plain apsw" in proc.stdout and "wasmshell.connect" in proc.stdout


def test_an_attached_database_locked_while_the_table_is_read_again(tmp_path):
    """A rollback of a schema change makes SQLite read every schema again: while an attached
    database is locked nothing can run, and the stored functions wait; none is lost."""
    db = make_file(tmp_path / "f.db", [("fib", FIB)])
    other = tmp_path / "other.db"
    apsw.Connection(str(other)).execute("CREATE TABLE o(x)")
    with open_session(db) as s:
        s.execute(f"ATTACH '{other}' AS aux")
        holder = apsw.Connection(str(other))
        holder.execute("BEGIN EXCLUSIVE; INSERT INTO o VALUES (1)")
        try:
            s.execute("BEGIN; CREATE TABLE t(x); ROLLBACK")
            with pytest.raises(apsw.Error, match="database is locked"):
                s.execute("select fib(10)")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert one(s, "select fib(10)") == 55
        assert s.stored_status is None
        assert one(s, "select count(*) from aux.o") == 0
