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


# The reference lacks FTS5: a virtual table of it has no columns there, so no comment in .schema.
SCHEMA_WITHOUT_FTS5 = SCHEMA.replace("CREATE VIRTUAL TABLE ft USING fts5(body);\n", "")


def test_tables_wraps_names_wider_than_the_screen(tmp_path):
    """A name wider than the screen (80 columns without a terminal): no split into columns, the
    column cut to the screen's width and every name wrapped, a blank line between names."""
    setup = 'CREATE TABLE "héllo wörld"(a); CREATE TABLE ü(b);\n' + f"CREATE TABLE {'x' * 90}(c);\n"
    run = assert_same(tmp_path, ".tables\n.tables %ö%\n.tables x%\n", setup=setup)
    lines = run.stdout.decode().split("\n")
    assert lines[:6] == ["héllo wörld", "", "x" * 80, "x" * 10, "", "ü"]
    assert lines[6:9] == ["héllo wörld", "x" * 80, "x" * 10]  # one name: no blank line


def test_tables_columns_share_the_spare_width_and_measure_display_columns(tmp_path):
    """Split into as many columns as fit, the spare width spread between them (two to five
    spaces); a wide character takes two columns, a tab eight, a control character ^X."""
    names = ["a", "bb", "ccc", "界界", "t\tab", "ctl\x01x", "zz" * 12, "y" * 30]
    setup = "".join(f'CREATE TABLE "{n}"(c);\n' for n in names)
    run = assert_same(tmp_path, ".tables\n.tables %c%\n.width 3\n.tables\n", setup=setup)
    assert b"ctl^Ax" in run.stdout and b"t       ab" in run.stdout


def test_tables_and_indexes_of_attached_and_temp_databases(tmp_path):
    script = (
        "ATTACH 'other.db' AS aux;\nCREATE TABLE aux.far(q);\nCREATE INDEX aux.far_q ON far(q);\n"
        "CREATE TEMP TABLE scratch(z);\n.tables\n.indexes\n.indexes far\n"
    )
    run = assert_same(tmp_path, script, setup=SCHEMA)
    assert b"aux.far " in run.stdout and b"temp.scratch" in run.stdout and b"aux.far_q" in run.stdout


def test_indexes_by_name_options_and_argument_errors(tmp_path):
    """sqlite3 3.54's .indexes: PATTERN is part of an index's name; --all and --sys add or keep
    only the indexes SQLite made, --expr keeps those on expressions and generated columns; a
    wrong word is pointed at in the line."""
    setup = SCHEMA + "CREATE INDEX iexpr ON t1(b || 'x');\nCREATE INDEX \"q'i\" ON t1(c);\n"
    script = (
        ".indexes\n.indexes 1\n.indices %2\n.indexes --all\n.indexes -a i\n.indexes --sys\n"
        ".indexes --expr\n.indexes q'\n.indexes --debug --expr x\n.indexes a b\n.indexes -x\n.indexes\n"
    )
    run = assert_same(tmp_path, script, setup=setup)
    lines = run.stdout.decode().splitlines()
    assert lines[:3] == ["i1     i2     iexpr     q'i", "i1", "i2"]
    assert "sqlite_autoindex_t2_1" in lines[3] and lines[4] == "i2     q'i       sqlite_autoindex_ft_idx_1"
    assert lines[7] == "sqlite_autoindex_ft_config_1   sqlite_autoindex_ft_idx_1   sqlite_autoindex_t2_1"
    assert lines[8:10] == ["iexpr", "q'i"] and "AND i.name LIKE '%x%'" in lines[-3]
    assert run.stderr == (
        b"line 10: .indexes a b\nline 10:            ^--- unknown argument\n"
        b"line 11: .indexes -x\nline 11:          ^--- unknown option\n"
    )
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
    run = assert_same(tmp_path, ".schema\n", setup=SCHEMA_WITHOUT_FTS5)
    text = run.stdout.decode()
    assert 'CREATE TABLE "my table"(x, "y z");' in text
    assert "CREATE VIEW v1 AS SELECT a, b FROM t1;\n/* v1(a,b) */\n" in text


def test_schema_comments_a_virtual_tables_columns_as_a_views(tmp_path):
    """(wasmshell alone: the reference has no FTS5) the same comment as after a view."""
    make_database(tmp_path / "v.db", SCHEMA)
    done = subprocess.run([WASMSHELL, str(tmp_path / "v.db"), ".schema ft"], capture_output=True, check=True)
    assert done.stdout.startswith(b"CREATE VIRTUAL TABLE ft USING fts5(body);\n/* ft(body) */\n")


def test_schema_patterns_like_glob_and_schema_names(tmp_path):
    script = (
        'ATTACH \'other.db\' AS "odd name";\nCREATE TABLE "odd name".far(q);\n'
        'CREATE VIEW "odd name".farv AS SELECT q FROM far;\nCREATE TEMP VIEW tv AS SELECT 1 AS one;\n'
        ".schema T1\n.schema t*\n.schema T*\n.schema far%\n.schema tv\n.schema gen%\n"
    )
    run = assert_same(tmp_path, script, setup=SCHEMA_WITHOUT_FTS5)
    text = run.stdout.decode()
    assert 'CREATE TABLE "odd name".far(q);' in text
    assert 'CREATE VIEW "odd name".farv AS SELECT q FROM far;\n/* "odd name".farv(q) */\n' in text
    assert "CREATE VIEW temp.tv AS SELECT 1 AS one;\n/* temp.tv(one) */\n" in text
    assert text.endswith("/* generate_series(value) */\n")  # a table SQLite makes when it is named


def test_schema_pattern_with_a_dot_matches_what_sqlite3_354_matches(tmp_path):
    """3.54.1's query compares every row's schema.table as the text "%s.%s": main.t% matches
    nothing, %.% everything (with the shell's own tables, which differ between the shells)."""
    run = assert_same(tmp_path, ".schema main.t%\n.schema main.t1\n.schema %.t1\n", setup=SCHEMA_WITHOUT_FTS5)
    assert run.stdout == b""


def test_schema_of_the_schema_table_and_nosys(tmp_path):
    script = ".schema sqlite_master\n.schema SQLITE_TEMP%\n.schema --indent sqlite_schema\n"
    run = assert_same(tmp_path, script, setup=SCHEMA_WITHOUT_FTS5)
    assert run.stdout.startswith(b"CREATE TABLE sqlite_schema (\n  type text,\n")
    assert run.stdout.count(b"CREATE TABLE temp.sqlite_schema (\n") == 1
    setup = SCHEMA_WITHOUT_FTS5 + "CREATE TABLE sqliteXfoo(a);\n"
    (tmp_path / "nosys").mkdir()
    run = assert_same(tmp_path / "nosys", ".schema --nosys\n.print --\n.schema\n", setup=setup)
    nosys, everything = run.stdout.split(b"--\n")
    assert b"CREATE TABLE sqliteXfoo(a);" in nosys and b"sqlite_sequence" not in nosys
    assert b"CREATE TABLE sqlite_sequence(name,seq);" in everything


def test_schema_argument_errors(tmp_path):
    run = assert_same(tmp_path, ".schema --bogus\n.schema a b\n.schema\n", setup=SCHEMA_WITHOUT_FTS5)
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
    assert b'CREATE TABLE "Quoted"(\n  aaaaaaaaaaaaaaaaaaaaaaaa INTEGER,\n' in run.stdout
    assert b"CREATE TABLE short(a , b);\n" in run.stdout


def test_schema_indent_puts_the_terms_of_a_partial_index_on_lines(tmp_path):
    setup = (
        "CREATE TABLE t(a, b, c);\nCREATE INDEX ipart ON t(a, b, c)"
        " WHERE a > 0 AND b IS NOT NULL AND c < 100000000 and (a or b);\n"
    )
    run = assert_same(tmp_path, ".schema --indent t\n", setup=setup)
    assert run.stdout == b"CREATE TABLE t(a, b, c);\n" + (
        b"CREATE INDEX ipart ON t(\n  a,\n  b,\n  c\n) WHERE a > 0 \n    AND b IS NOT NULL \n"
        b"    AND c < 100000000 \n    and(a or b);\n"
    )


def test_fullschema_lists_main_and_temp_then_the_statistics(tmp_path):
    """The statistics as 3.54 writes them: a BLOB of sqlite_stat4 as its bytes (``^C^@...``)."""
    run = assert_same(tmp_path, ".fullschema\n", setup=SCHEMA_WITHOUT_FTS5)
    assert b"sqlite_sequence" not in run.stdout and run.stdout.endswith(b"/* No STAT tables available */\n")
    setup = "CREATE TABLE t(a, b);\nCREATE INDEX i ON t(a);\n"
    setup += "INSERT INTO t VALUES(1, 'x'), (2.5, x'00');\nANALYZE;\n"
    script = ".fullschema\nCREATE TEMP TABLE tt(x);\n.fullschema --indent\n.fullschema x\n"
    (tmp_path / "stat").mkdir()
    run = assert_same(tmp_path / "stat", script, setup=setup)
    assert run.stdout.count(b"INSERT INTO sqlite_stat1 VALUES('t','i','2 1');\n") == 2
    assert b"CREATE TABLE t(a, b);\nCREATE TABLE tt(x);\nCREATE INDEX i ON t(a);\n" in run.stdout
    assert run.stderr == b"Usage: .fullschema ?--indent?\n" and run.returncode == 1


def test_schema_indent_with_crlf_line_ends(tmp_path):
    setup = (
        "CREATE TABLE crlf(aaaaaaaaaaaaaaaaaaaaaaaaa,\r\n bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,\r\n"
        " ccccccccccccc);\n"
    )
    run = assert_same(tmp_path, ".schema --indent\n.schema\n", setup=setup)
    assert b"CREATE TABLE crlf(\n  aaaaaaaaaaaaaaaaaaaaaaaaa,\n" in run.stdout


def test_names_and_schema_text_that_are_not_utf8_are_written_as_their_bytes(tmp_path):
    """A file whose schema holds bytes that are not UTF-8 (written through writable_schema):
    listed byte for byte as sqlite3 lists it (wasmshell ended with a traceback)."""
    table = b'CREATE TABLE "\xffA"(x, "\xfe")'.hex()
    index = b'CREATE INDEX "i\xff" ON "\xffA"(x) WHERE x > \'\xfd\''.hex()
    setup = (
        "CREATE TABLE t(x, y);\nCREATE INDEX i ON t(x);\nPRAGMA writable_schema=ON;\n"
        f"UPDATE sqlite_schema SET name=CAST(x'ff41' AS TEXT), tbl_name=CAST(x'ff41' AS TEXT),"
        f" sql=CAST(x'{table}' AS TEXT) WHERE name='t';\n"
        f"UPDATE sqlite_schema SET name=CAST(x'69ff' AS TEXT), tbl_name=CAST(x'ff41' AS TEXT),"
        f" sql=CAST(x'{index}' AS TEXT) WHERE name='i';\n"
    )
    script = ".tables\n.indexes\n.schema\n.schema --indent %a\n.fullschema\n.tables %A\n"
    run = assert_same(tmp_path, script, setup=setup)
    assert run.stdout.startswith(b"\xffA\ni\xff\n") and b'CREATE TABLE "\xffA"(x, "\xfe");\n' in run.stdout


def test_fullschema_puts_statistics_rows_together_as_the_mode_says(tmp_path):
    """.fullschema's INSERTs take the mode's --multiinsert (tty's 3000 bytes: one INSERT)."""
    setup = "CREATE TABLE t(a, b);\nCREATE INDEX ia ON t(a);\nCREATE INDEX ib ON t(b);\n"
    setup += "INSERT INTO t VALUES(1, 'x'), (2, 'y');\nANALYZE;\nDROP TABLE IF EXISTS sqlite_stat4;\n"
    for number, mode in enumerate(("tty", "insert --multiinsert 60", "list --multiinsert 50", "list")):
        (tmp_path / str(number)).mkdir()
        run = assert_same(tmp_path / str(number), f".mode {mode}\n.fullschema\n", setup=setup)
        if mode in ("tty", "list"):  # one INSERT for both rows, or one each
            assert run.stdout.count(b"INSERT INTO sqlite_stat1") == (1 if mode == "tty" else 2)
