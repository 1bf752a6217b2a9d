""".dump, .import, .backup, .save and .parameter against sqlite3 3.54.

Like test_cmd_schema.py (whose helpers these tests use), each test runs one
script through the reference ``sqlite3`` and the installed ``wasmshell`` on
copies of the same files and asserts identical output and exit status; most
also check the files the commands wrote.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import apsw
import pytest
import test_cmd_schema
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cmd_schema import SQLITE3, WASMSHELL, Run, assert_same, make_database, run_both

from wasmshell.shell.commands.data import column_definitions
from wasmshell.shell.output.values import quote_value, real_literal
from wasmshell.sqltext import parameter_names

pytestmark = test_cmd_schema.pytestmark

DATA = """
CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB);
INSERT INTO t1 VALUES(1, 'hello
world', 1.5, x'00ff'), (2, 'it''s', 1e300*1e300, NULL), (3, 'cr'||char(13)||'lf', -0.0, ''),
  (4, 'x', 1e15, x''), (5, 'y', 0.1, 1), (6, 'z', 123456789012.25, 2.0), (7, -1e300*1e300, 1.0/3, 1e20);
CREATE TABLE vals(v);
INSERT INTO vals VALUES (1152921504606846976.0), (1e19), (9.2233720368547758e18), (-9.2233720368547758e18),
  (1e-5), (2.5e-310), ('a\\nb'||char(10)||'c\\n'), (char(13,10)),
  (9223372036854775807), (-9223372036854775808), (zeroblob(3));
CREATE TABLE "my table"(x, "y z");
INSERT INTO "my table" VALUES('q', 'r');
CREATE TABLE "select"("from");
INSERT INTO "select" VALUES(1);
CREATE TABLE t2(a, b, PRIMARY KEY(a)) WITHOUT ROWID;
INSERT INTO t2 VALUES(9, 'q');
CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
INSERT INTO seq(v) VALUES('a'), ('b');
CREATE TABLE gen(a, b AS (a * 2), c AS (a + 1) STORED);
INSERT INTO gen(a) VALUES(3);
CREATE INDEX i1 ON t1(b);
CREATE INDEX "odd -- index" ON t2(b);
CREATE VIEW v1 AS SELECT a, b FROM t1;
CREATE TRIGGER tr1 AFTER INSERT ON t1 BEGIN INSERT INTO t2 VALUES(new.a, new.b); END;
CREATE VIRTUAL TABLE ft USING fts5(body);
INSERT INTO ft VALUES('searchable');
"""

# Values a dump does not carry exactly, in sqlite3 as in wasmshell: TEXT is cut at a NUL;
# TEXT that is not UTF-8 is written byte for byte (wasmshell's reader cannot read it back yet).
LOSSY = """
INSERT INTO vals VALUES ('a'||char(0)||'b'), (cast(x'ff41' as text));
"""

ROWIDS = """
CREATE TABLE r1(a, b);
INSERT INTO r1 VALUES(1, 2), (3, 4); DELETE FROM r1 WHERE a = 1; INSERT INTO r1 VALUES(5, 6);
CREATE TABLE r2(rowid, b);
INSERT INTO r2 VALUES('x', 1);
CREATE TABLE r3(rowid, _rowid_, oid);
INSERT INTO r3 VALUES(1, 2, 3);
CREATE TABLE r4(id INTEGER PRIMARY KEY DESC, v);
INSERT INTO r4 VALUES(10, 'a');
CREATE TABLE r5(id INTEGER, v, PRIMARY KEY(id));
INSERT INTO r5 VALUES(7, 'b');
CREATE TABLE r6(a TEXT PRIMARY KEY, b);
INSERT INTO r6 VALUES('k', 1);
CREATE TABLE r7(a INT PRIMARY KEY, b) WITHOUT ROWID;
INSERT INTO r7 VALUES(1, 2);
"""


REALS = """
CREATE TABLE reals(x);
INSERT INTO reals VALUES (0.1 + 0.2), (1.0 / 3), (123456789.123456789), (100.0), (-0.0), (9e999), (-9e999),
  (4.9e-324), (1.7976931348623157e308), (1e16), (2.5);
"""


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = apsw.Connection(str(path))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _contents(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (including sqlite_sequence), by name, read with Python's sqlite3."""
    db = sqlite3.connect(path)
    db.text_factory = bytes
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")]
        return {
            n.decode(): sorted(db.execute(f'SELECT * FROM "{n.decode()}"').fetchall(), key=repr)
            for n in names
            if not n.startswith(b"sqlite_stat")
        }
    finally:
        db.close()


def _shell(program: str | None, db: Path, stdin: bytes = b"", *args: str) -> subprocess.CompletedProcess:
    assert program is not None
    return subprocess.run([program, str(db), *args], input=stdin, capture_output=True, timeout=120)


# -- .dump ---------------------------------------------------------------------------

# A REAL in an INSERT of a dump: wasmshell writes each as its text (lossless, a deliberate
# difference), sqlite3 3.54 as insert mode does (%.16g). Strings are matched to be skipped.
_DUMP_LITERAL = re.compile(r"'(?:[^']|'')*'|(?<![\w.+-])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w.])")


def _reals_as_sqlite3_writes(dump: bytes) -> bytes:
    """wasmshell's dump with each REAL of its INSERT statements written as sqlite3 3.54 writes
    it (insert mode's text, which the differential corpus checks against 3.54's)."""

    def one(m: re.Match[str]) -> str:
        token = m.group()
        return token if token.startswith("'") else real_literal(float(token))

    lines = dump.decode("utf-8", "surrogateescape").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("INSERT INTO "):
            head, values, rest = line.partition("VALUES(")
            lines[i] = head + values + _DUMP_LITERAL.sub(one, rest)
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def assert_same_dump(tmp_path: Path, script: str, **kwargs: object) -> Run:
    """Assert both shells print the same and exit alike, but for how a dump writes REALs."""
    expected, actual = run_both(tmp_path, script, **kwargs)  # type: ignore[arg-type]
    assert actual.stderr == expected.stderr
    assert _reals_as_sqlite3_writes(actual.stdout).decode("utf-8", "replace") == expected.stdout.decode(
        "utf-8", "replace"
    )
    assert _reals_as_sqlite3_writes(actual.stdout) == expected.stdout
    assert actual.returncode == expected.returncode
    return actual


def test_dump_writes_what_sqlite3_writes(tmp_path):
    run = assert_same_dump(tmp_path, ".dump\n", setup=DATA + LOSSY)
    text = run.stdout.decode("utf-8", "surrogateescape")
    assert "INSERT INTO vals VALUES('a');\nINSERT INTO vals VALUES('\udcffA');" in text
    assert text.startswith(
        "/* WARNING: Script requires that SQLITE_DBCONFIG_DEFENSIVE be disabled */\n"
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
    )
    assert text.endswith("PRAGMA writable_schema=OFF;\nCOMMIT;\n")
    assert "INSERT INTO t1 VALUES(1,unistr('hello\\u000aworld'),1.5,x'00ff');" in text
    assert "INSERT INTO vals VALUES(unistr('a\\\\nb\\u000ac\\\\n'));" in text  # a backslash doubled
    assert "INSERT INTO t1 VALUES(2,'it''s',9e+999,NULL);" in text
    assert "INSERT INTO vals VALUES(1.152921504606847e+18);" in text  # a REAL, read back as one
    assert (
        "CREATE TABLE IF NOT EXISTS sqlite_sequence(name,seq);\nDELETE FROM sqlite_sequence;\n"
        "INSERT INTO sqlite_sequence VALUES('seq',2);\n"
    ) in text
    assert "PRAGMA writable_schema=ON;\nINSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)" in text
    # views, then triggers, then indexes
    assert text.index("CREATE VIEW v1") < text.index("CREATE TRIGGER tr1") < text.index("CREATE INDEX i1")
    assert 'CREATE INDEX "odd -- index" ON t2(b)\n;\n' in text


def test_dump_options_and_patterns(tmp_path):
    script = (
        ".dump t%\n.dump --nosys\n.dump --newlines t1\n.dump ft\n.dump nomatch\n"
        ".dump vals seq\n.dump --bogus\n.dump t1 'odd' \"--bo gus\"\n"
    )
    (tmp_path / "options").mkdir()
    (tmp_path / "data-only").mkdir()
    run = assert_same_dump(tmp_path / "options", script, setup=DATA)
    assert run.stderr == (
        b"line 7: .dump --bogus\nline 7:       ^--- unknown option\n"
        b"line 8: .dump t1 'odd' \"--bo gus\"\nline 8:                 ^--- unknown option\n"
    )
    # Without the FTS5 table: the reference has no FTS5 to read its rows with.
    fts = "CREATE VIRTUAL TABLE ft USING fts5(body);\nINSERT INTO ft VALUES('searchable');"
    without_fts = DATA.replace(fts, "")
    data_only = assert_same_dump(tmp_path / "data-only", ".dump --data-only\n", setup=without_fts)
    assert data_only.stdout.startswith(b"INSERT INTO t1 VALUES(1,")
    assert data_only.stdout.endswith(
        b"PRAGMA writable_schema=ON;\nCREATE TABLE IF NOT EXISTS sqlite_sequence(name,seq);\n"
        b"DELETE FROM sqlite_sequence;\nINSERT INTO sqlite_sequence VALUES('seq',2);\n"
        b"PRAGMA writable_schema=OFF;\n"
    )
    # --newlines is taken and does nothing: TEXT with a line end is written with unistr()
    assert b"INSERT INTO t1 VALUES(1,unistr('hello\\u000aworld'),1.5,x'00ff');" in run.stdout


def test_dump_follows_the_escape_setting(tmp_path):
    """TEXT with control characters is written as it is after .mode --escape off, as in 3.54."""
    script = ".dump vals\n.mode list --escape off\n.dump vals\n.mode quote\n.dump vals\n"
    run = assert_same_dump(tmp_path, script, setup=DATA)
    assert b"INSERT INTO vals VALUES('a\\nb\nc\\n');" in run.stdout


def test_dump_preserve_rowids(tmp_path):
    """As sqlite3 3.54 writes it, but for a table with a column named rowid: 3.54 names its
    rowid "rowid" there too, and its dump gives the rowid's value to that column when read
    back; wasmshell names it as it selected it (_rowid_), which reads back right."""
    expected, actual = run_both(tmp_path, ".dump --preserve-rowids\n", setup=ROWIDS)
    assert b"INSERT INTO r2(rowid,rowid,b) VALUES(1,'x',1);" in expected.stdout  # 3.54's
    assert b"INSERT INTO r2(_rowid_,rowid,b) VALUES(1,'x',1);" in actual.stdout
    theirs = actual.stdout.replace(b"INSERT INTO r2(_rowid_,", b"INSERT INTO r2(rowid,")
    assert theirs == expected.stdout
    assert (actual.stderr, actual.returncode) == (expected.stderr, expected.returncode)
    assert b"INSERT INTO r1(rowid,a,b) VALUES(2,3,4);" in actual.stdout
    assert b"INSERT INTO r4(rowid,id,v) VALUES(1,10,'a');" in actual.stdout
    assert b"INSERT INTO r5(id,v) VALUES(7,'b');" in actual.stdout
    assert b"INSERT INTO r7(a,b) VALUES(1,2);" in actual.stdout
    copy = tmp_path / "copy.db"
    assert _shell(WASMSHELL, copy, actual.stdout).returncode == 0
    every_rowid = (
        "SELECT _rowid_, * FROM r1 UNION ALL SELECT _rowid_, * FROM r2 UNION ALL SELECT oid, * FROM r6"
    )
    assert _rows(copy, every_rowid) == _rows(actual.dir / "test.db", every_rowid) == [
        (2, 3, 4), (3, 5, 6), (1, "x", 1), (1, "k", 1)
    ]  # fmt: skip


@pytest.mark.parametrize("loader", ["sqlite3", "wasmshell"])
def test_dump_reads_back_into_the_same_database(tmp_path, loader):
    """wasmshell's dump, loaded by either shell into a new file, gives the same database: every
    value of the same type and the same value, REALs included."""
    original = tmp_path / "original.db"
    make_database(original, DATA + ROWIDS + REALS)
    dump = _shell(WASMSHELL, original, b".dump\n")
    assert dump.returncode == 0 and dump.stderr == b""
    copy = tmp_path / "copy.db"
    loaded = _shell(SQLITE3 if loader == "sqlite3" else WASMSHELL, copy, dump.stdout)
    assert loaded.returncode == 0, loaded.stderr
    assert _contents(copy) == _contents(original)
    typed = "SELECT x, typeof(x) FROM reals ORDER BY rowid"
    assert _rows(copy, typed) == _rows(original, typed)


def test_dump_keeps_reals_exact_where_sqlite3_354_rounds_them(tmp_path):
    """sqlite3 3.54.1 writes a dump's REALs as insert mode does (%.16g): 0.1+0.2 reads back as 0.3
    and 100.0 as the INTEGER 100. wasmshell writes each REAL's text, which reads back exactly
    (a deliberate difference, in README)."""
    original = tmp_path / "original.db"
    make_database(original, REALS)
    ours = _shell(WASMSHELL, original, b".dump\n").stdout
    theirs = _shell(SQLITE3, original, b".dump\n").stdout
    assert b"VALUES(0.30000000000000004);" in ours and b"VALUES(100.0);" in ours
    assert b"VALUES(0.3);" in theirs and b"VALUES(100);" in theirs  # what the reference does


def test_dump_with_text_that_is_not_utf8_reads_back(tmp_path):
    original = tmp_path / "original.db"
    make_database(original, DATA + LOSSY)
    loaded = _shell(WASMSHELL, tmp_path / "copy.db", _shell(SQLITE3, original, b".dump\n").stdout)
    assert loaded.returncode == 0 and loaded.stderr == b""


def test_dump_of_an_empty_database(tmp_path):
    run = assert_same_dump(tmp_path, ".dump\n")
    assert run.stdout == b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n"


# -- .import -------------------------------------------------------------------------

CSV_FILES = {
    "basic.csv": 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n"q,1","x""y",\n"multi\nline",z,w\r\n\n10,11,12',
    "bom.csv": b"\xef\xbb\xbfh1,h2\n1,2\n",
    "bad.csv": 'h1,h2\n"a"b,c\n"unterminated,x\n',
    "empty.csv": "",
    "crlf.csv": 'a,b\r\n1,2\r\n"3","4"\r\n',
    "dups.csv": "a,A,,,b,a_1\n1,2,3,4,5,6\n",
    "binary.csv": b"h1,h2\n\xff\xfe,ok\n",
}


def test_import_csv_creates_the_table_and_reports_bad_rows(tmp_path):
    script = ".import --csv basic.csv t1\nSELECT * FROM t1;\nSELECT sql FROM sqlite_schema WHERE name='t1';\n"
    run = assert_same(tmp_path, script, files=CSV_FILES)
    assert b'CREATE TABLE "t1"(\n"a", "b", "c")\n' in run.stdout
    assert run.stderr == (
        b"basic.csv:3: expected 3 columns but found 2 - filling the rest with NULL\n"
        b"basic.csv:4: expected 3 columns but found 4 - extras ignored\n"
        b"basic.csv:8: expected 3 columns but found 1 - filling the rest with NULL\n"
    )
    rows = sqlite3.connect(run.dir / "test.db").execute("SELECT * FROM t1").fetchall()
    assert rows == [
        ("1", "2", "3"), ("4", "5", None), ("6", "7", "8"), ("q,1", 'x"y', ""),
        ("multi\nline", "z", "w"), ("", None, None), ("10", "11", "12"),
    ]  # fmt: skip


def test_import_quirks_of_sqlite3s_csv_reader(tmp_path):
    script = (
        ".import --csv bom.csv t2\n.import --csv bad.csv t3\n.import --csv crlf.csv t4\n"
        ".import --csv dups.csv t5\n.import --csv binary.csv t6\n"
        "SELECT * FROM t2; SELECT * FROM t3; SELECT * FROM t4; SELECT hex(h1), typeof(h1) FROM t6;\n"
        "SELECT sql FROM sqlite_schema;\n"
    )
    run = assert_same(tmp_path, script, files=CSV_FILES)
    assert b'bad.csv:2: unterminated "-quoted field' in run.stderr
    assert b'"a" to "a_01",\n"A" to "A_02"' in run.stderr
    assert b"FFFE|text" in run.stdout


def test_import_missing_or_empty_file_imports_nothing(tmp_path):
    script = ".import --csv nosuch.csv t1\n.import --csv empty.csv t2\n.tables\n"
    run = assert_same(tmp_path, script, files=CSV_FILES)
    assert run.stderr == b'line 1: cannot open "nosuch.csv"\nempty.csv: empty file\n'
    assert run.stdout == b"" and run.returncode == 1


def test_import_takes_separators_from_the_output_mode(tmp_path):
    files = {
        "data.ascii": "x\x1fy\x1e1\x1f2\x1e3\x1e\x1e4\x1f5\x1f6\x1e",
        "pipe.txt": "a|b\n1|2\n3|4|5\n",
        "tabs.txt": "a\tb\n1\t2\n",
        "crlf.csv": "a,b\r\n1,2\r\n",
    }
    script = (
        ".import pipe.txt t1\n.mode tabs\n.import tabs.txt t2\n.mode ascii\n.import data.ascii t3\n"
        ".import --ascii data.ascii t4\n.mode csv\n.import crlf.csv t5\nSELECT * FROM t5;\n.mode list\n"
        "SELECT * FROM t1; SELECT * FROM t2; SELECT * FROM t3; SELECT * FROM t4;\n"
        ".separator ab\n.import pipe.txt t6\n.separator | ''\n.import pipe.txt t6\n"
    )
    run = assert_same(tmp_path, script, files=files)
    # The first byte of a longer separator (.separator ab: "a"); an empty one is \n; csv mode's
    # \r\n is \n on input and stays \r\n on output.
    assert run.stderr.endswith(
        b"pipe.txt:2: expected 2 columns but found 1 - filling the rest with NULL\n"
        b"pipe.txt:3: expected 2 columns but found 1 - filling the rest with NULL\n"
        b"pipe.txt:3: expected 2 columns but found 3 - extras ignored\n"
    )
    assert run.stdout.startswith(b"1,2\r\n1|2\n")


def test_import_into_existing_table_skip_schema_and_pipe(tmp_path):
    files = {"dup.csv": "id,v\n1,a\n1,b\n2,c\n1,d\n", "basic.csv": CSV_FILES["basic.csv"]}
    script = (
        "CREATE TABLE u(id INTEGER PRIMARY KEY, v);\n.import --csv --skip 1 dup.csv u\nSELECT * FROM u;\n"
        ".import --schema temp --csv basic.csv tt\nSELECT count(*) FROM temp.tt;\n"
        '.import "|cat basic.csv" piped\nSELECT count(*) FROM piped;\n'
    )
    run = assert_same(tmp_path, script, files=files)
    assert b"dup.csv:3: INSERT failed: UNIQUE constraint failed: u.id\n" in run.stderr
    assert run.stdout.startswith(b"1|a\n2|c\n")


def test_import_failing_last_row_fails_the_command(tmp_path):
    files = {"dup.csv": "1,a\n1,b\n"}
    run = assert_same(tmp_path, "CREATE TABLE u(id PRIMARY KEY, v);\n.import --csv dup.csv u\n", files=files)
    assert run.returncode == 1


def test_import_runs_in_the_callers_transaction(tmp_path):
    files = {"data.csv": "a\n1\n2\n"}
    script = (
        "BEGIN;\n.import --csv data.csv t\nROLLBACK;\n.tables\n.import --csv data.csv t\nSELECT * FROM t;\n"
    )
    run = assert_same(tmp_path, script, files=files)
    assert run.stdout == b"1\n2\n"


def test_import_argument_errors_and_verbose_output(tmp_path):
    script = (
        ".import\n.import a\n.import a b c\n.import --foo a b\n.import -v --csv basic.csv t\n"
        ".import -v -v basic.csv t\n"
    )
    run = assert_same(tmp_path, script, files=CSV_FILES)
    assert run.stderr.startswith(
        b"line 1: Missing FILE argument\n\nline 2: Missing TABLE argument\n\n"
        b"line 3: .import a b c\nline 3:             ^--- unknown argument\n"
        b"line 4: .import --foo a b\nline 4:         ^--- unknown option\n"
    )
    assert run.stdout.startswith(
        b'Column separator ",", row separator "\\n"\nCREATE TABLE "main"."t"(\n"a", "b", "c")\n\n'
        b"Added 7 rows with 0 errors using 8 lines of input\n"
    )
    assert b'Insert using: INSERT INTO "t" VALUES(?,?,?)\n' in run.stdout


def test_column_definitions_rename_duplicates_like_sqlite3():
    spec, renames = column_definitions(["a", "a_1", "a", "", ""])
    assert spec == '(\n"a_01", "a_1", "a_03", "?_04",\n "?_05")'
    assert renames == [("a", "a_01"), ("a", "a_03"), ("?", "?_04"), ("?", "?_05")]


# -- .backup and .save -----------------------------------------------------------------


def test_backup_and_save_copy_databases(tmp_path):
    script = (
        ".backup b1.db\n.save b2.db\n.save --async b3.db\nATTACH 'b1.db' AS aux;\n"
        "CREATE TEMP TABLE tt(a); INSERT INTO tt VALUES(1);\n.backup temp b4.db\n.backup main b5.db\n"
    )
    expected, actual = run_both(tmp_path, script, setup=DATA)
    assert (actual.stdout, actual.stderr, actual.returncode) == (b"", b"", 0)
    assert (expected.stdout, expected.stderr, expected.returncode) == (b"", b"", 0)
    for name in ("b1.db", "b2.db", "b3.db", "b5.db"):
        assert _contents(actual.dir / name) == _contents(expected.dir / "test.db")
    assert _contents(actual.dir / "b4.db") == {"tt": [(1,)]}


def test_backup_errors(tmp_path):
    script = (
        ".backup nosuch x.db\n.backup /nonexistent/dir/x.db\n.backup\n.backup a b c\n.backup --foo x\n"
        ".save notadb.txt\n"
    )
    run = assert_same(tmp_path, script, setup=DATA, files={"notadb.txt": "hello\n"})
    assert run.stderr == (
        b"Error: unknown database nosuch\n"
        b'Error: cannot open "/nonexistent/dir/x.db"\n'
        b"missing FILENAME argument on .backup\n"
        b"Usage: .backup ?DB? ?OPTIONS? FILENAME\n"
        b"line 5: .backup --foo x\nline 5:         ^--- unknown option\nline 5: should be -append or -async\n"
        b"Error: file is not a database\n"
    )


# -- .parameter ----------------------------------------------------------------------


def test_parameters_are_stored_listed_and_bound(tmp_path):
    script = (
        ".parameter set :x 42\n.parameter set @y 'hello'\n.parameter set $z abc\n.parameter set ?3 3.5\n"
        ".parameter set ?1 x'0102'\n.parameter set :r 0.1+0.2\n.parameter set :n NULL\n"
        ".parameter set :bad 1+\n.parameter set :longnamelongnamelongnamelongnamelongnamelongname 1\n"
        ".parameter list\n"
        "SELECT :x, @y, $z, ?, ?3, typeof(?1), :r, :n, :bad;\n"
        "SELECT :x, $x, @x;\nSELECT ?1, ?, :x, ?2;\nSELECT ':x', \":x\", [:x] -- :x\n;\n"
        ".parameter unset :x\n.parameter list\nSELECT :x, @y;\n"
        "SELECT key FROM temp.sqlite_parameters ORDER BY key;\n"
    )
    run = assert_same(tmp_path, script)
    assert b":r                                       0.30000000000000004\n" in run.stdout
    assert b":longnamelongnamelongnamelongnamelongnamelongname 1\n" in run.stdout  # padded to 40 at most
    # ?1 is :x (the first parameter); ? is the fourth, ?3 is $z
    assert b"42|hello|abc||abc|integer|0.30000000000000004||1+\n" in run.stdout


def test_parameter_help_clear_and_init(tmp_path):
    script = (
        ".parameter\n.parameter foo\n.parameter set :only\n.parameter set :a 1\n.parameter clear\n"
        ".parameter list\n.parameter init\n.parameter list\nSELECT count(*) FROM temp.sqlite_parameters;\n"
    )
    run = assert_same(tmp_path, script)
    assert run.stdout.startswith(b".parameter CMD ...       Manage SQL parameter bindings\n   clear ")
    assert run.stdout.endswith(b"0\n")


def test_parameters_without_values_are_null(tmp_path):
    assert_same(tmp_path, "SELECT :x, ?;\n.parameter set :a 1\n.parameter clear\nSELECT @y;\n")


def test_parameter_names_follow_sqlite_numbering():
    assert parameter_names("SELECT :a, $a, @b, ?5, ?") == [":a", "$a", "@b", None, "?5", None]
    assert parameter_names("SELECT ?, ?1, :x, ?1, :x") == ["?1", ":x"]
    assert parameter_names("SELECT ':x', \"$y\", [@z], `?` -- :w\n/* ?2 */") == []
    assert parameter_names("SELECT a$b, $t::u(v), #n") == ["$t::u(v)", "#n"]


@given(
    st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.binary(), st.text())
)
def test_quote_value_is_sqlites_quote(value):
    conn = apsw.Connection(":memory:")
    assert quote_value(value) == conn.execute("SELECT quote(?)", (value,)).fetchone()[0]


# Lines made of plain fields (the bulk reader's case) and awkward ones (quotes, CR, NUL,
# bytes that are not UTF-8, too few or too many fields) in any mix.
_field = st.one_of(
    st.sampled_from(["1", "abc", "", "x y", "é", "12.5"]),
    st.sampled_from(['"q,1"', '"a""b"', '"multi\nline"', '"open']),
    st.sampled_from(["c\r", "a\rb", "n\x00ul", "\xff"]),
)
_line = st.lists(_field, min_size=1, max_size=4).map(",".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_line, max_size=12), crlf=st.booleans(), last_newline=st.booleans(), exists=st.booleans()
)
def test_import_reads_any_mix_of_lines_as_sqlite3_does(tmp_path_factory, lines, crlf, last_newline, exists):
    tmp_path = tmp_path_factory.mktemp("import")
    end = "\r\n" if crlf else "\n"
    text = "h1,h2,h3" + end + end.join(lines) + (end if last_newline else "")
    content = text.encode("utf-8", "surrogateescape").replace("\xff".encode(), b"\xff")
    setup = "CREATE TABLE t(a, b, c);" if exists else None
    script = ".import --csv data.csv t\nSELECT count(*) FROM t;\n"
    sqlite_run, shell_run = run_both(tmp_path, script, files={"data.csv": content}, setup=setup)
    assert shell_run.stderr == sqlite_run.stderr
    assert shell_run.stdout == sqlite_run.stdout
    assert shell_run.returncode == sqlite_run.returncode
    assert _contents(shell_run.dir / "test.db") == _contents(sqlite_run.dir / "test.db")


def test_a_large_import_gives_what_sqlite3_gives(tmp_path):
    """Many plain lines (read in bulk) with awkward ones among them, past the bulk reader's megabyte."""
    lines = []
    for i in range(60_000):
        if i % 9973 == 0:
            lines.append(f'"quoted, {i}",x,{i}')
        elif i % 7919 == 0:
            lines.append(f"short,{i}")
        elif i % 5003 == 0:
            lines.append(f"crlf,{i},z\r")
        elif i % 2:
            lines.append(f'{i},"name, {i}",{i * 0.25}')  # quoted, as sqlite3's csv export writes text
        else:
            lines.append(f"{i},name {i},{i * 0.25}")
    content = ("a,b,c\n" + "\n".join(lines) + "\n").encode()
    script = ".import --csv big.csv t\nSELECT count(*), sum(length(b)) FROM t;\n"
    sqlite_run, shell_run = run_both(tmp_path, script, files={"big.csv": content})
    assert shell_run.stderr == sqlite_run.stderr and shell_run.stdout == sqlite_run.stdout
    assert _contents(shell_run.dir / "test.db") == _contents(sqlite_run.dir / "test.db")


@pytest.mark.parametrize("c_part", [True, False], ids=["c-insert", "python-insert"])
def test_import_into_a_table_whose_trigger_calls_wasm(tmp_path, c_part):
    """Rows inserted by .import run the table's triggers, Wasm functions included (the C
    inserter gives the GIL back while SQLite steps). A function that traps fails its row with
    the trap's message, as sqlite3 reports any failed INSERT, and the import goes on: no
    traceback, whichever inserter ran."""
    rows = "".join(f"{n},{n % 3}\n" for n in range(1, 301))
    (tmp_path / "rows.csv").write_text(rows)
    divide = (SAMPLES / "divide.wat").read_text().replace("'", "''")
    script = (
        f"CREATE FUNCTION divide LANGUAGE wasm AS '{divide}';\n"
        "CREATE TABLE t(a INTEGER, b INTEGER);\nCREATE TABLE log(q);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(divide(new.a, new.b)); END;\n"
        ".import --csv rows.csv t\nSELECT count(*), sum(q) FROM log;\nSELECT count(*) FROM t;\n"
    )
    setup = "" if c_part else "import wasmshell.engine.native as n; n.bulk_inserter = lambda c: None\n"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            setup + "import sys\nfrom wasmshell.cli import main\nsys.exit(main(['f.db']))",
        ],
        input=script.encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    kept = [(n, n // (n % 3)) for n in range(1, 301) if n % 3]
    assert done.stdout.decode() == f"{len(kept)}|{sum(q for _, q in kept)}\n{len(kept)}\n"
    errors = done.stderr.decode().splitlines()
    assert errors == [
        f"rows.csv:{n}: INSERT failed: wasm trap in divide: integer divide by zero" for n in range(3, 301, 3)
    ]
    assert done.returncode == 1
