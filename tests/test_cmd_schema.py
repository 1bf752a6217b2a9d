"""Schema dot-commands (.tables, .indexes, .schema, .databases) against sqlite3 3.54.

Each test runs the same script through the sqlite3 3.54 shell APSW ships
(reference_shell.py; tests it answers differently from 3.40 and wasmshell does
not match yet are in todo_3_54.txt) and the
installed ``wasmshell`` on copies of one database file and asserts that
standard output, standard error and the exit status are the same bytes.
``run_both`` and ``assert_same`` are shared with test_cmd_data.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import apsw
import pytest
from reference_shell import REFERENCE

SQLITE3 = os.environ.get("WASMSHELL_REFERENCE") or REFERENCE
_BESIDE = Path(sys.executable).parent / "wasmshell"
WASMSHELL = str(_BESIDE) if _BESIDE.exists() else shutil.which("wasmshell")


def _sqlite3_version() -> str:
    if SQLITE3 is None:
        return ""
    return subprocess.run([SQLITE3, "-version"], capture_output=True, text=True, check=False).stdout


pytestmark = [
    pytest.mark.skipif(SQLITE3 is None, reason="APSW ships no sqlite3 shell here"),
    pytest.mark.skipif(WASMSHELL is None, reason="wasmshell is not installed"),
    pytest.mark.skipif(
        not _sqlite3_version().startswith("3.54."), reason="the expected output is that of sqlite3 3.54"
    ),
]


@dataclass(frozen=True)
class Run:
    """What one shell did: its output, its exit status and the directory it ran in."""

    stdout: bytes
    stderr: bytes
    returncode: int
    dir: Path


def make_database(path: Path, sql: str) -> None:
    """A database file made by ``sql`` through APSW's SQLite (the reference shell lacks FTS5)."""
    conn = apsw.Connection(str(path))
    try:
        conn.execute(sql)
    finally:
        conn.close()


def run_both(
    tmp_path: Path,
    script: str | bytes,
    *,
    setup: str | None = None,
    files: dict[str, str | bytes] | None = None,
    args: tuple[str, ...] = (),
) -> tuple[Run, Run]:
    """Run ``script`` on test.db through sqlite3, then wasmshell; each in a fresh copy of the files.

    ``setup`` is SQL that sqlite3 runs first to make test.db. Both shells run
    in the same directory (one after the other) so that paths they print
    are equal; afterwards each one's directory is kept for inspection.
    """
    work = tmp_path / "work"
    runs = []
    for name, program in (("sqlite3", SQLITE3), ("wasmshell", WASMSHELL)):
        assert program is not None
        work.mkdir()
        for fname, content in (files or {}).items():
            path = work / fname
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        if setup is not None:
            make_database(work / "test.db", setup)
        done = subprocess.run(
            [program, *args, "test.db"],
            input=script.encode() if isinstance(script, str) else script,
            cwd=work,
            capture_output=True,
            timeout=120,
        )
        kept = tmp_path / name
        work.rename(kept)
        runs.append(Run(done.stdout, done.stderr, done.returncode, kept))
    return runs[0], runs[1]


def assert_same(tmp_path: Path, script: str | bytes, **kwargs: object) -> Run:
    """Assert both shells print the same and exit alike; return wasmshell's run."""
    expected, actual = run_both(tmp_path, script, **kwargs)  # type: ignore[arg-type]
    assert actual.stderr.decode("utf-8", "replace") == expected.stderr.decode("utf-8", "replace")
    assert actual.stdout.decode("utf-8", "replace") == expected.stdout.decode("utf-8", "replace")
    assert actual.stdout == expected.stdout
    assert actual.returncode == expected.returncode
    return actual


SCHEMA = """
CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL);
CREATE TABLE "my table"(x, "y z");
CREATE TABLE "select"(k);
CREATE TABLE t2(a, b, PRIMARY KEY(a)) WITHOUT ROWID;
CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
CREATE INDEX i1 ON t1(b);
CREATE UNIQUE INDEX i2 ON t2(b);
CREATE VIEW v1 AS SELECT a, b FROM t1;
CREATE TRIGGER tr1 AFTER INSERT ON t1 BEGIN INSERT INTO t2 VALUES(new.a, new.b); END;
CREATE VIRTUAL TABLE ft USING fts5(body);
"""


def test_tables_lists_tables_and_views_in_columns(tmp_path):
    run = assert_same(tmp_path, ".tables\n.tables t%\n.tables T1\n.tables nomatch\n", setup=SCHEMA)
    first = run.stdout.decode().splitlines()[0]
    assert first.startswith("ft ") and "my table" in run.stdout.decode()
    assert b"sqlite_sequence" not in run.stdout


def test_tables_pads_by_bytes_and_falls_back_to_one_column(tmp_path):
    setup = 'CREATE TABLE "héllo wörld"(a); CREATE TABLE ü(b);\n' + f"CREATE TABLE {'x' * 90}(c);\n"
    run = assert_same(tmp_path, ".tables\n.tables %ö%\n", setup=setup)
    first, second = run.stdout.splitlines()[:2]
    assert first == "héllo wörld".encode() + b" " * (90 - len("héllo wörld".encode()))
    assert second == b"x" * 90


def test_tables_and_indexes_of_attached_and_temp_databases(tmp_path):
    script = (
        "ATTACH 'other.db' AS aux;\nCREATE TABLE aux.far(q);\nCREATE INDEX aux.far_q ON far(q);\n"
        "CREATE TEMP TABLE scratch(z);\n.tables\n.indexes\n.indexes far\n"
    )
    run = assert_same(tmp_path, script, setup=SCHEMA)
    assert b"aux.far " in run.stdout and b"temp.scratch" in run.stdout and b"aux.far_q" in run.stdout


def test_indexes_by_table_and_usage_error(tmp_path):
    run = assert_same(tmp_path, ".indexes\n.indexes t1\n.indices t%\n.indexes a b\n", setup=SCHEMA)
    assert b"i1\n" in run.stdout
    assert run.stderr == b"Usage: .indexes ?LIKE-PATTERN?\n"
    assert run.returncode == 1


def test_databases_shows_files_modes_and_transactions(tmp_path):
    script = (
        ".databases\nATTACH ':memory:' AS mem;\nCREATE TEMP TABLE x(a);\n.databases\n"
        "BEGIN;\nSELECT * FROM x;\n.databases\nINSERT INTO t1(b) VALUES(1);\n.databases\nCOMMIT;\n"
    )
    run = assert_same(tmp_path, script, setup=SCHEMA)
    assert b"main: " + str(run.dir.parent / "work" / "test.db").encode() + b" r/w\n" in run.stdout
    assert b'mem: "" r/w' in run.stdout and b"write-txn" in run.stdout


def test_databases_read_only(tmp_path):
    run = assert_same(tmp_path, ".databases\n", setup=SCHEMA, args=("-readonly",))
    assert run.stdout.endswith(b" r/o\n")


def test_schema_shows_every_create_statement_rewritten_as_sqlite3_does(tmp_path):
    run = assert_same(tmp_path, ".schema\n", setup=SCHEMA)
    text = run.stdout.decode()
    assert 'CREATE TABLE IF NOT EXISTS "my table"(x, "y z");' in text
    assert "CREATE VIEW v1 AS SELECT a, b FROM t1\n/* v1(a,b) */;\n" in text
    assert "CREATE VIRTUAL TABLE ft USING fts5(body)\n/* ft(body) */;\n" in text


def test_schema_patterns_like_glob_and_schema_names(tmp_path):
    script = (
        'ATTACH \'other.db\' AS "odd name";\nCREATE TABLE "odd name".far(q);\n'
        'CREATE VIEW "odd name".farv AS SELECT q FROM far;\nCREATE TEMP VIEW tv AS SELECT 1 AS one;\n'
        ".schema T1\n.schema t*\n.schema T*\n.schema main.t%\n.schema far%\n.schema tv\n"
    )
    run = assert_same(tmp_path, script, setup=SCHEMA)
    text = run.stdout.decode()
    assert 'CREATE TABLE IF NOT EXISTS "odd name".far(q);' in text
    assert 'CREATE VIEW "odd name".farv AS SELECT q FROM far\n/* "odd name".farv(q) */;' in text
    assert "CREATE VIEW temp.tv AS SELECT 1 AS one\n/* temp.tv(one) */;" in text


def test_schema_of_the_schema_table_and_nosys(tmp_path):
    script = ".schema sqlite_master\n.schema sqlite_schema\n.schema --nosys\n.schema --indent sqlite_master\n"
    run = assert_same(tmp_path, script, setup=SCHEMA)
    assert run.stdout.startswith(b"CREATE TABLE sqlite_master (\n  type text,\n")
    assert b"CREATE TABLE sqlite_sequence" not in run.stdout.split(b"CREATE TABLE sqlite_schema")[1]


def test_schema_argument_errors(tmp_path):
    run = assert_same(tmp_path, ".schema --bogus\n.schema a b\n.schema\n", setup=SCHEMA)
    assert run.stderr == (b'Unknown option: "--bogus"\nUsage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?\n')


def test_schema_indent_puts_one_column_per_line(tmp_path):
    setup = """
CREATE TABLE long_table_name_here (
   id INTEGER PRIMARY KEY,   -- the id, with a (paren) comment
   "weird, name" TEXT DEFAULT 'a,(b)',
   [br(acket] REAL,
   `back` BLOB, CONSTRAINT c1 CHECK (id > 0 AND (id < 100000)),
   FOREIGN KEY (id) REFERENCES other(x) ON DELETE CASCADE
);
CREATE TABLE short  (  a   ,   b  );
CREATE TABLE t3(x -- comment at the end
);
CREATE TABLE "Quoted"(aaaaaaaaaaaaaaaaaaaaaaaa INTEGER, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb TEXT, ccccccccccc);
CREATE TABLE ws(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, -- comment
  ccccccccccccccccccccc);
CREATE VIEW longview AS SELECT 1 AS aaaaaaaaaaaaaaaaaaaaa, 2 AS bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, 3 AS c;
"""
    run = assert_same(tmp_path, ".schema --indent\n.schema\n", setup=setup)
    assert b'CREATE TABLE IF NOT EXISTS "Quoted"(\n  aaaaaaaaaaaaaaaaaaaaaaaa INTEGER,\n' in run.stdout
    assert b"CREATE TABLE short(a , b);\n" in run.stdout


def test_schema_indent_with_crlf_line_ends(tmp_path):
    setup = (
        "CREATE TABLE crlf(aaaaaaaaaaaaaaaaaaaaaaaaa,\r\n bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,\r\n"
        " ccccccccccccc);\n"
    )
    run = assert_same(tmp_path, ".schema --indent\n.schema\n", setup=setup)
    assert b"CREATE TABLE crlf(\n  aaaaaaaaaaaaaaaaaaaaaaaaa,\n" in run.stdout
