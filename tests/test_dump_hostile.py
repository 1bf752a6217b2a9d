""".dump of a hostile database file (issue 10): it never becomes a script that runs programs.

A file's schema is text anyone can write (``PRAGMA writable_schema``), and a
dump copies that text. wasmshell's .dump read it raw: a table whose SQL was
``CREATE TABLE t(a);`` and then a line ``.shell touch X`` was written as
those two lines, and reading the dump back (``wasmshell new.db < dump.sql``,
or sqlite3's) ran ``touch X``. SQLite is now asked in defensive mode, as
sqlite3 3.54 opens every file: a schema it cannot parse fails to load and the
dump says so in comments, byte for byte as sqlite3 3.54 writes them, as it
does for a damaged page.

Two dumps sqlite3 3.54 writes are themselves scripts that run a program, and
wasmshell writes them otherwise (tested below with 3.54's own dump as the
proof that the check can see the attack): an object name holding ``*/`` in
an error comment (the name ends the comment early; wasmshell writes ``**``,
as sqlite3's shellFakeSchema does), and a view whose valid SQL has a line
``go`` (sqlite3 3.40 and wasmshell end the statement there and run the next
line; wasmshell writes ``/**/`` before such a line). The property test at the
end writes schema texts, names and values through writable_schema, dumps
them, and feeds each dump to wasmshell, to sqlite3 3.54 and to the system's
sqlite3: no dump may make any of them create a file.

Files SQLite reads are written as sqlite3 3.54 writes them (see
test_cmd_data.py), but for REALs, written so that they read back exactly.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import apsw
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_safe_mode import SQLITE3 as REFERENCE
from test_safe_mode import WASMSHELL, environment, needs_reference

SYSTEM_SQLITE3 = shutil.which("sqlite3")
READERS = [p for p in (WASMSHELL, REFERENCE, SYSTEM_SQLITE3) if p]  # the shells a dump is read back with
MARKER = "pwned"


# --------------------------------------------------------------------------
# Hostile files


def hostile_file(path: Path, setup: list[str], edits: list[tuple[str, tuple]] = ()) -> Path:
    """A file made with ``setup``, then ``edits`` to sqlite_schema made through writable_schema."""
    conn = apsw.Connection(str(path))
    for sql in setup:
        conn.execute(sql)
    conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0)
    conn.execute("PRAGMA writable_schema=ON")
    for sql, bindings in edits:
        conn.execute(sql, bindings)
    conn.execute("PRAGMA writable_schema=OFF")
    conn.close()
    return path


def set_sql(name: str, sql: str | bytes | None) -> tuple[str, tuple]:
    """An edit giving object ``name`` the SQL text ``sql`` (bytes: stored as TEXT as they are)."""
    value = "CAST(? AS TEXT)" if isinstance(sql, bytes) else "?"
    return f"UPDATE sqlite_schema SET sql={value} WHERE name=?", (sql, name)


def damage_page(path: Path, table: str, nth: int = 3) -> None:
    """Give the ``nth`` leaf page of ``table``'s b-tree a cell count past its end."""
    conn = apsw.Connection(str(path))
    size = conn.execute("PRAGMA page_size").fetchall()[0][0]
    query = "SELECT pageno FROM dbstat WHERE name=? AND pagetype='leaf' ORDER BY pageno"
    page = [p for (p,) in conn.execute(query, (table,))][nth]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((page - 1) * size + 3)  # the number of cells in the page header
        f.write(b"\xff\xff")


def many_rows(table_sql: str, count: int = 500) -> list[str]:
    """A table ``t`` of ``count`` rows spread over many pages, and a table after it."""
    return [
        table_sql,
        f"WITH r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i<{count})"
        " INSERT INTO t SELECT i, printf('%050d', i) FROM r",
        "CREATE TABLE u(x)",
        "INSERT INTO u VALUES('after')",
    ]


BASE = ["CREATE TABLE t(a)", "INSERT INTO t VALUES(1)"]

# name -> (setup, edits to sqlite_schema)
SCHEMAS: dict[str, tuple[list[str], list[tuple[str, tuple]]]] = {
    "text after the statement (the issue's file)": (
        BASE,
        [set_sql("t", "CREATE TABLE t(a);\n.shell touch X")],
    ),
    "a space after the statement": (BASE, [set_sql("t", "CREATE TABLE t(a); ")]),
    "bad SQL": (BASE, [set_sql("t", "CREATE TABL t(a)")]),
    "a view whose SQL is malformed": (
        [*BASE, "CREATE VIEW v AS SELECT 1"],
        [set_sql("v", "CREATE VIEW v AS SELEC 1")],
    ),
    "a trigger whose SQL is malformed": (
        [*BASE, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"],
        [set_sql("tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELEC 1; END")],
    ),
    "an index on a missing table": (
        [*BASE, "CREATE INDEX i ON t(a)"],
        [set_sql("i", "CREATE INDEX i ON nosuch(a)")],
    ),
    "a table whose SQL is NULL": ([*BASE, "CREATE TABLE u(b)"], [set_sql("u", None)]),
    "a row of an unknown type": (
        BASE,
        [("INSERT INTO sqlite_schema VALUES('foo','f','f',0,'CREATE TABLE f(x)')", ())],
    ),
    "a row without a name": (
        BASE,
        [("INSERT INTO sqlite_schema VALUES('view',NULL,'v',0,'CREATE VIEW v2 AS SELECT 1')", ())],
    ),
    "a table whose root page is the schema's": (
        [*BASE, "CREATE INDEX i ON t(a)"],
        [("UPDATE sqlite_schema SET rootpage=1 WHERE name='t'", ())],
    ),
    "a table whose root page is an index's": (
        [*BASE, "CREATE INDEX i ON t(a)"],
        [
            (
                "UPDATE sqlite_schema SET rootpage=(SELECT rootpage FROM sqlite_schema WHERE name='i')"
                " WHERE name='t'",
                (),
            )
        ],
    ),
    "a table whose root page is past the end": (
        BASE,
        [("UPDATE sqlite_schema SET rootpage=999 WHERE name='t'", ())],
    ),
    "a table twice": (BASE, [("INSERT INTO sqlite_schema SELECT * FROM sqlite_schema WHERE name='t'", ())]),
    # Files SQLite reads, with text a reader must keep inside its quotes and comments.
    "a name with a newline and quotes": (
        [
            'CREATE TABLE [it\'s "x"\n.shell touch X](a)',
            "INSERT INTO [it's \"x\"\n.shell touch X] VALUES('v')",
        ],
        [],
    ),
    "a table ending in an open comment": (BASE, [set_sql("t", "CREATE TABLE t(a) /* open")]),
    "a table ending in a line comment": (BASE, [set_sql("t", "CREATE TABLE t(a) -- note")]),
    "a view ending in an open comment": ([*BASE, "CREATE VIEW v AS SELECT 1 /* open"], []),
    "SQL after a NUL": (BASE, [set_sql("t", b"CREATE TABLE t(a)\x00\n.shell touch X")]),
    "SQL that is not UTF-8": (BASE, [set_sql("t", b"CREATE TABLE t(a CHECK(a<>'\xff'))")]),
}

DAMAGED = {
    "a damaged page of a table": many_rows("CREATE TABLE t(a INTEGER PRIMARY KEY, b)"),
    "a damaged page of a WITHOUT ROWID table": many_rows("CREATE TABLE t(a PRIMARY KEY, b) WITHOUT ROWID"),
}


def make_case(tmp_path: Path, name: str) -> Path:
    """The file of a case of SCHEMAS or DAMAGED, or one that is not a database at all."""
    path = tmp_path / "hostile.db"
    if name in SCHEMAS:
        return hostile_file(path, *SCHEMAS[name])
    if name in DAMAGED:
        hostile_file(path, DAMAGED[name])
        damage_page(path, "t")
        return path
    if name == "a damaged page of the schema":
        hostile_file(path, [f"CREATE TABLE t{i}(a, b, c, {'x' * 30} DEFAULT 'padding')" for i in range(200)])
        damage_page(path, "sqlite_schema")
        return path
    assert name == "not a database"
    path.write_bytes(bytes(range(256)) * 32)
    return path


ALL_CASES = [*SCHEMAS, *DAMAGED, "a damaged page of the schema", "not a database"]


# --------------------------------------------------------------------------
# Running the shells


def run(program: str, db: Path, command: str, tmp_path: Path) -> tuple[bytes, bytes, int]:
    """``program DB COMMAND`` on a copy of ``db`` in a directory of its own (the path in its
    messages made the same)."""
    where = tmp_path / Path(program).name
    where.mkdir(exist_ok=True)
    copy = where / "test.db"
    shutil.copy(db, copy)
    done = subprocess.run(
        [program, str(copy), command], capture_output=True, cwd=where, env=environment(where), timeout=60
    )
    copy.unlink()
    return done.stdout, done.stderr.replace(str(copy).encode(), b"test.db"), done.returncode


def files_made_reading(program: str, dump: bytes, where: Path) -> list[str]:
    """The files that reading ``dump`` into a new database with ``program`` leaves in ``where``,
    besides the database."""
    where.mkdir(parents=True)
    subprocess.run(
        [program, "restored.db"],
        input=dump,
        capture_output=True,
        cwd=where,
        env=environment(where),
        timeout=60,
    )
    return sorted(p.name for p in where.iterdir() if not p.name.startswith("restored.db"))


def in_process_dump(db: Path, command: str = ".dump") -> bytes:
    """What wasmshell's .dump writes for ``db``, run in this process (the property test runs it
    many times)."""
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    out = io.StringIO()
    shell = Shell(str(db), stdout=out, stderr=io.StringIO())
    try:
        run_command(shell, command)
    finally:
        shell.session.close()
    return out.getvalue().encode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------
# What sqlite3 3.54 writes


@needs_reference
@pytest.mark.parametrize("command", [".dump", ".dump --data-only", ".dump t%"])
@pytest.mark.parametrize("case", ALL_CASES)
def test_dump_writes_what_sqlite3_354_writes(tmp_path: Path, case: str, command: str) -> None:
    """stdout, stderr and exit status as sqlite3 3.54's: for a schema SQLite cannot parse,
    ``CORRUPTION ERROR`` comments and nothing of the schema's text; the file is left as it
    was, and the dump read back runs nothing."""
    db = make_case(tmp_path, case)
    before = db.read_bytes()
    expected = run(REFERENCE, db, command, tmp_path)
    actual = run(WASMSHELL, db, command, tmp_path)
    assert actual == expected
    assert db.read_bytes() == before
    if command == ".dump":
        for i, reader in enumerate(READERS):
            assert files_made_reading(reader, actual[0], tmp_path / f"read{i}") == [], reader


@needs_reference
def test_the_issues_file_dumps_as_comments_and_reads_back_running_nothing(tmp_path: Path) -> None:
    db = make_case(tmp_path, "text after the statement (the issue's file)")
    out, err, status = run(WASMSHELL, db, ".dump", tmp_path)
    assert out == (
        b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        b"/****** CORRUPTION ERROR *******/\n"
        b"/****** malformed database schema (t) ******/\n"
        b'/****** ERROR: near "ORDER": syntax error ******/\n'
        b"/**** ERROR: (11) malformed database schema (t) *****/\n"
        b"COMMIT;\n"
    )
    assert (err, status) == (b"sql error: malformed database schema (t) (11)\n", 0)
    for i, reader in enumerate(READERS):
        assert files_made_reading(reader, out, tmp_path / f"read{i}") == []


def test_a_damaged_page_is_said_and_the_rows_past_it_kept(tmp_path: Path) -> None:
    """As sqlite3 does: the rows before the damage, a CORRUPTION ERROR comment, the rows after
    it read from the last one back; the dump ends in ROLLBACK and the command fails."""
    db = make_case(tmp_path, "a damaged page of a table")
    out, err, status = run(WASMSHELL, db, ".dump", tmp_path)
    lines = out.decode().splitlines()
    mark = lines.index("/****** CORRUPTION ERROR *******/")
    before = [int(line.split("(")[1].split(",")[0]) for line in lines[3:mark]]
    after = [
        int(line.split("(")[1].split(",")[0])
        for line in lines[mark + 1 :]
        if line.startswith("INSERT INTO t ")
    ]
    assert before == list(range(1, len(before) + 1)) and 0 < len(before) < 500
    assert after == list(range(500, 500 - len(after), -1)) and after[-1] > before[-1]
    assert lines[-4:] == [
        "CREATE TABLE u(x);",
        "INSERT INTO u VALUES('after');",
        ";",
        "ROLLBACK; -- due to errors",
    ]
    assert (err, status) == (b"", 1)


@pytest.mark.parametrize(
    "setup, edits, theirs, ours, made",
    [
        pytest.param(
            BASE,
            [("UPDATE sqlite_schema SET name='x*/\n.shell touch pwned\n/*' WHERE name='t'", ())],
            b"(x*/\n.shell touch pwned\n/*)",
            b"(x** .shell touch pwned /*)",
            [MARKER],
            id="a name ending the error comment",
        ),
        pytest.param(
            BASE,
            [("UPDATE sqlite_schema SET name='x\n.shell touch pwned' WHERE name='t'", ())],
            b"(x\n.shell touch pwned)",
            b"(x .shell touch pwned)",
            None,
            id="a name with a line break in the error comment",
        ),
        pytest.param(
            ["CREATE TABLE go(shell)", "CREATE VIEW v AS SELECT\ngo\n.shell touch FROM go"],
            [],
            b"\ngo\n.shell",
            b"\n/**/go\n/**/.shell",
            ["FROM", "go"],
            id="a view with a line go",
        ),
    ],
)
@needs_reference
def test_where_sqlite3_354s_dump_can_run_a_program_wasmshells_cannot(
    tmp_path: Path, setup: list[str], edits: list, theirs: bytes, ours: bytes, made: list[str] | None
) -> None:
    """wasmshell writes what 3.54 writes but for the change that keeps each line what it is;
    3.54's own dump, read back, runs ``touch`` in at least one shell (so the check sees an
    attack) where ``made`` says what it makes."""
    db = hostile_file(tmp_path / "hostile.db", setup, edits)
    their_out, their_err, their_status = run(REFERENCE, db, ".dump", tmp_path)
    out, err, status = run(WASMSHELL, db, ".dump", tmp_path)
    assert theirs in their_out
    assert (out, err, status) == (their_out.replace(theirs, ours), their_err, their_status)
    if made is not None:
        ran = [files_made_reading(r, their_out, tmp_path / f"theirs{i}") for i, r in enumerate(READERS)]
        assert made in ran
    for i, reader in enumerate(READERS):
        assert files_made_reading(reader, out, tmp_path / f"ours{i}") == [], reader


def test_a_view_closing_anothers_open_comment_cannot_run_its_lines(tmp_path: Path) -> None:
    """A file made with plain SQL: view ``a`` ends in an open comment, view ``b`` holds ``*/;``
    and a line ``.shell ...`` in a string. sqlite3 3.40's dump (and wasmshell's before) wrote
    ``a`` with its comment open, so ``b``'s ``*/`` closed it and the next line ran; the comment
    is closed now, as sqlite3 3.54's shell_complete_sql() closes it."""
    db = hostile_file(
        tmp_path / "views.db",
        ["CREATE VIEW a AS SELECT 1 /* open", "CREATE VIEW b AS SELECT '*/;\n.shell touch pwned\n'"],
    )
    out, _err, status = run(WASMSHELL, db, ".dump", tmp_path)
    assert b"CREATE VIEW a AS SELECT 1 /* open*/;\n" in out and status == 0
    for i, reader in enumerate(READERS):
        assert files_made_reading(reader, out, tmp_path / f"read{i}") == []
    # .schema's text too: the column list of b, in a comment, holds its */ and its line
    for command in (".schema", ".schema --indent"):
        listing, _err, status = run(WASMSHELL, db, command, tmp_path)
        assert status == 0 and b".shell" in listing
        for i, reader in enumerate(READERS):
            assert files_made_reading(reader, listing, tmp_path / f"{command[-6:]}{i}") == []
    restored = tmp_path / "read0" / "restored.db"
    conn = apsw.Connection(str(restored))
    assert conn.execute("SELECT * FROM b").fetchall() == [("*/;\n.shell touch pwned\n",)]
    conn.close()


@needs_reference
def test_objects_ending_in_a_comment_are_written_as_sqlite3_354_writes_them(tmp_path: Path) -> None:
    """A file made with plain SQL: a view and a trigger ending in a ``--`` comment get the
    ``;`` on a line of its own (after a blank line, for the comment is ended first), an index
    or view ending in an open ``/*`` comment has it closed, as 3.54 writes them."""
    db = hostile_file(
        tmp_path / "comments.db",
        [
            "CREATE TABLE t(a) -- a table",
            "CREATE VIEW v AS SELECT 1 -- a view",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END -- a trigger",
            "CREATE INDEX i ON t(a) /* an index",
            "CREATE VIEW w AS SELECT 2 /* open",
        ],
    )
    expected = run(REFERENCE, db, ".dump", tmp_path)
    assert b"CREATE VIEW v AS SELECT 1 -- a view\n\n;\nCREATE VIEW w AS SELECT 2 /* open*/;\n" in expected[0]
    assert run(WASMSHELL, db, ".dump", tmp_path) == expected


@pytest.mark.parametrize(
    "sql, name, table",
    [(b'CREATE TABLE "\xff"(a)', b"\xff", b"\xff"), (b'CREATE TABLE t("\xff")', b"t", b"t")],
    ids=["a table's", "a column's"],
)
def test_a_name_that_is_not_utf8_is_an_error_not_a_traceback(
    tmp_path: Path, sql: bytes, name: bytes, table: bytes
) -> None:
    """sqlite3 writes such a table's rows; SQL passed to SQLite from Python is UTF-8, so
    wasmshell cannot name the table or column: it writes the CREATE statement as sqlite3
    does, says why the rows are missing, and the dump fails."""
    rename = "UPDATE sqlite_schema SET sql=CAST(? AS TEXT), name=CAST(? AS TEXT), tbl_name=CAST(? AS TEXT)"
    db = hostile_file(tmp_path / "names.db", BASE, [(rename + " WHERE name='t'", (sql, name, name))])
    out, err, status = run(WASMSHELL, db, ".dump", tmp_path)
    create = sql.replace(b'TABLE "', b'TABLE IF NOT EXISTS "')
    assert (
        out
        == b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n" + create + b";\n;\nROLLBACK; -- due to errors\n"
    )
    assert (err, status) == (b"Error: cannot read the rows of " + table + b": a name in it is not UTF-8\n", 1)


def test_dump_leaves_the_connections_settings_as_they_were(tmp_path: Path) -> None:
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    db = make_case(tmp_path, "text after the statement (the issue's file)")
    shell = Shell(str(db), stdout=io.StringIO(), stderr=io.StringIO())
    conn = shell.session.connection
    try:
        for defensive in (1, 0):  # the shell's own setting, and one changed by a user
            conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, defensive)
            assert run_command(shell, ".dump") == 0
            assert conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1) == defensive
        assert conn.execute("PRAGMA reverse_unordered_selects").fetchall() == [(0,)]
        assert conn.in_transaction is False
    finally:
        shell.session.close()


# --------------------------------------------------------------------------
# The invariant: no file makes a dump that runs a command when read back

PAYLOADS = [
    f".shell touch {MARKER}",
    f".system touch {MARKER}",
    f".sh touch {MARKER} FROM go",
    ".shell touch FROM go",
]
LINE = st.sampled_from(PAYLOADS).map(lambda p: "\n" + p + "\n")
# White space between two tokens: blanks, line breaks, comments, a comment holding a payload line.
SPACE = st.one_of(
    st.sampled_from([" ", "\n", "\t", "\r\n", "\n\n", "-- c\n", "/* c */", "\n/* c */\n"]),
    LINE.map(lambda p: "/*" + p + "*/"),
)
# Operands: constants, names (bare, quoted, qualified across a line break), strings and
# quoted names holding a payload line.
ATOM = st.one_of(
    st.sampled_from(["1", ".5", "'s'", "x'00'", '"a"', "`b`", "[a]", "a", "b", "go", "GO", "main\n.t"]),
    st.sampled_from(["go\n.shell", "\xe9", "\xa0go", "CASE WHEN a THEN 'x' END", "(SELECT 1)"]),
    LINE.map(lambda p: "'" + p + "'"),
    LINE.map(lambda p: '"' + p + '"'),
    LINE.map(lambda p: "[" + p + "]"),
)
OPERATOR = st.sampled_from(["+", "||", "/", "\n/\n", "*", "-", "\n||\n", "\n+\n", "\n/ -- c\n"])
# Anything else, to break the statement anywhere.
JUNK = st.one_of(
    LINE,
    st.sampled_from(
        [";", ";\n", "\n;\n", "*/", "/*", "'", '"', "[", "END;", "\x00", "#", "\\", "\udcff", ","]
    ),
)


@st.composite
def expressions(draw: st.DrawFn) -> str:
    """Mostly valid SQL expressions, with comments, strings and line breaks anywhere between
    tokens; now and then junk somewhere: SQLite decides whether the schema holding one loads."""
    parts = [draw(ATOM)]
    for _ in range(draw(st.integers(0, 4))):
        parts += [draw(SPACE), draw(OPERATOR), draw(SPACE), draw(ATOM)]
    if draw(st.integers(0, 5)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), draw(JUNK))
    return "".join(parts)


TEMPLATES = {  # {x}: an expression, {s}: white space, each drawn anew
    "view": ("v", "CREATE VIEW v AS SELECT{s}{x}{s}FROM go"),
    "view with an alias": ("v", "CREATE VIEW v AS SELECT{s}{x}{s}go,{s}{x}{s}touch FROM go"),
    "table": ("t", "CREATE TABLE t(a CHECK({x}),{s}b)"),
    "trigger": ("tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT{s}{x};{s}SELECT {x};{s}END"),
    "index": ("i", "CREATE INDEX i ON t(a){s}WHERE {x}"),
}
NAME = st.lists(st.one_of(JUNK, SPACE, st.sampled_from(["*/", "\n", "x"])), min_size=1, max_size=5)


@st.composite
def hostile_schemas(draw: st.DrawFn) -> tuple[str, str, str | None, str]:
    """(object, new SQL, new name or None, a TEXT value) for one object of the base file."""
    name, template = TEMPLATES[draw(st.sampled_from(sorted(TEMPLATES)))]
    sql = template
    while "{x}" in sql:
        sql = sql.replace("{x}", draw(expressions()), 1)
    while "{s}" in sql:
        sql = sql.replace("{s}", draw(SPACE), 1)
    if draw(st.integers(0, 9)) == 0:  # the name in error messages: the SQL is not its object's
        new_name = name + "".join(draw(NAME))
    else:
        new_name = None
    value = "".join(draw(st.lists(st.one_of(ATOM, JUNK, SPACE), max_size=4)))
    return name, sql, new_name, value


def hostile_base(path: Path, name: str, sql: str, new_name: str | None, value: str) -> Path:
    """The base file with object ``name`` given ``sql`` (and ``new_name``), and ``value`` in a
    table, in sqlite_sequence and in sqlite_stat1; text holding lone surrogates is stored as the
    bytes they stand for (not UTF-8)."""
    setup = [
        "CREATE TABLE t(a, b)",
        "CREATE TABLE go(shell)",
        "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE INDEX i ON t(a)",
        "ANALYZE",
    ]
    conn = apsw.Connection(str(path))
    for sql_ in setup:
        conn.execute(sql_)
    raw = value.encode("utf-8", "surrogateescape")
    conn.execute("INSERT INTO t VALUES(CAST(?1 AS TEXT), ?1)", (raw,))
    conn.execute("INSERT INTO seq(v) VALUES(CAST(?1 AS TEXT))", (raw,))
    conn.execute("INSERT INTO sqlite_stat1 VALUES('t', CAST(?1 AS TEXT), CAST(?1 AS TEXT))", (raw,))
    conn.close()
    edits = [set_sql(name, sql.encode("utf-8", "surrogateescape"))]
    if new_name is not None:
        rename = "UPDATE sqlite_schema SET name=CAST(? AS TEXT) WHERE name=?"
        edits.append((rename, (new_name.encode("utf-8", "surrogateescape"), name)))
    return hostile_file(path, [], edits)


COMMANDS = [
    ".dump",
    ".dump --newlines",
    ".dump --data-only",
    ".dump --preserve-rowids",
    ".dump t%",
    ".schema",  # written to a file and read back (.read) just as a dump is
    ".schema --indent",
]


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("WASMSHELL_DUMP_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=hostile_schemas(), command=st.sampled_from(COMMANDS))
@example(case=("t", "CREATE TABLE t(a);\n.shell touch pwned", None, "v"), command=".dump")
@example(case=("t", "CREATE TABLE t(a, b)", "t*/\n.shell touch pwned\n/*", "v"), command=".dump")
@example(case=("v", "CREATE VIEW v AS SELECT\ngo\n.sh touch pwned FROM go", None, "v"), command=".dump")
@example(case=("v", "CREATE VIEW v AS SELECT\ngo\n.sh touch pwned FROM go", None, "v"), command=".schema")
@example(
    case=("v", "CREATE VIEW v AS SELECT '*/;\n.shell touch pwned\n'", None, "v"), command=".schema --indent"
)
@example(
    case=("t", "CREATE TABLE t(a, b)", None, "x\x00');\n.shell touch pwned\n"), command=".dump --newlines"
)
def test_no_file_makes_a_dump_that_runs_a_command(tmp_path_factory, case, command: str) -> None:
    """Dump a file whose schema row holds generated SQL and name (and generated text in a
    table, sqlite_sequence and sqlite_stat1), or list its schema, read the text back with
    every shell at hand: none creates a file."""
    tmp = tmp_path_factory.mktemp("dump")
    db = hostile_base(tmp / "hostile.db", *case)
    dump = in_process_dump(db, command)
    for i, reader in enumerate(READERS):
        made = files_made_reading(reader, dump, tmp / f"read{i}")
        assert made == [], f"{reader} ran a command reading:\n{dump.decode('utf-8', 'replace')}"
