"""Statements of a piped script that print nothing run in C, many to a call
(``Session.run_plain``, _bulkinsert.c): a script shows the same as it does run
statement by statement through APSW, and as it does in sqlite3 3.54 -- errors,
their line numbers, .bail, Ctrl-C -- and the C pieces that pick that path agree
with their Python counterparts. (tests/corpus/plain_statements.sql compares a
mixed script with sqlite3 in the differential tests.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import apsw
import pytest
from conftest import run_python, wat_path
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_shell import REFERENCE, WASMSHELL, interrupt, needs_reference, run_both

from wasmshell.engine import connect
from wasmshell.engine.builtins import _word_starts
from wasmshell.shell.output.base import c_output
from wasmshell.shell.state import looks_like_query

MIXED = (
    "create table t(a integer primary key, b text unique);\n"
    "insert into t values(1, 'one');\n"
    "insert into t values(2, 'one');\n"
    "insert into t values(3, 'three');\n"
    "insret into t values(4, 'four');\n"
    "insert into t values(5, 'five') returning a;\n"
    "insert into t values(6, 'six');\n"
    "select count(*) from t;\n"
    "insert into t values(7, 'seven');\n"
    "insert into t values(7, 'again');\n"
    "insert into t values(8, 'eight');\n"
    "select a, b from t order by a;\n"
)


@needs_reference
@pytest.mark.parametrize("bail", [False, True], ids=["on-errors-go-on", "bail"])
def test_a_script_of_plain_statements_with_errors_as_sqlite3(bail, tmp_path):
    reference, ours = run_both(MIXED, tmp_path, ("-bail",) if bail else ())
    assert ours == reference
    assert ours.status == 1 and b"UNIQUE constraint failed" in ours.stderr
    if not bail:
        assert b"near line 10" in ours.stderr and ours.stdout.endswith(b"8|eight\n")


def _run_script(script: str, c_path: bool) -> tuple[str, str, int]:
    """The script piped into wasmshell in a fresh interpreter, with the C path on or off."""
    code = (
        "import sys\n"
        "from wasmshell import cli\n"
        "from wasmshell.engine.session import Session\n"
        f"if not {c_path}: Session._runner = False\n"
        "sys.exit(cli.main([]))\n"
    )
    proc = run_python(code, stdin=script.encode())
    return proc.stdout.decode(), proc.stderr.decode(), proc.returncode


def test_wasm_errors_in_plain_statements_read_the_same_as_through_apsw():
    """A trap, a time limit and a wrong argument in INSERTs and in a trigger: the same
    messages, at the same lines, with the rows before and after them in place."""
    trap = wat_path("trap_on_500")
    spin = '(module (func (export "spin") (result i32) (loop br 0) (i32.const 0)))'
    script = (
        ".wasmlimits timeout 200\n"
        f".loadwasm {trap} inc_unless_500\n"
        "create table t(x);\n"
        "create table log(x);\n"
        "create trigger tl after insert on log begin insert into t values(inc_unless_500(new.x)); end;\n"
        "insert into t values(inc_unless_500(1));\n"
        "insert into t values(inc_unless_500(500));\n"
        "insert into t values(2);\n"
        f"insert into t values(run_wasm('{spin}', 'spin'));\n"
        "insert into t values(3);\n"
        "insert into log values(500);\n"
        "insert into log values(4);\n"
        "insert into t values(inc_unless_500('text'));\n"
        "insert into t values(5);\n"
        "select group_concat(x) from t;\n"
    )
    through_c = _run_script(script, True)
    through_apsw = _run_script(script, False)
    assert through_c == through_apsw
    out, err, status = through_c
    assert status == 1 and "Traceback" not in err
    assert [int(n) for n in re.findall(r"near line (\d+)", err)] == [7, 9, 11, 13]
    assert out.endswith("\n2,2,3,5,5\n")  # 1+1, 2, 3, then the trigger's 4+1, and 5


@needs_reference
def test_ctrl_c_stops_a_long_plain_statement_and_the_input(tmp_path):
    long_insert = (
        "insert into t with recursive c(x) as (select 1 union all select x+1 from c) select x from c;"
    )
    script = dict(
        first=f"create table t(x);\ninsert into t values(1);\nselect 1;\n{long_insert}\n"
        "insert into t values(2);\n",
        marker=b"1\n",
        then="select count(*) from t;\n",
    )
    reference = interrupt([REFERENCE], tmp_path, **script).result
    ours = interrupt([WASMSHELL], tmp_path, **script)
    assert reference.stderr == b"Error near line 4: interrupted\nProgram interrupted.\n"
    assert ours.result == reference
    assert ours.seconds < 5


def test_a_session_leaves_its_lookaside_memory_to_statements():
    """Statements prepare in SQLite's lookaside memory. PRAGMA function_list is a program of
    one row per function: kept in APSW's statement cache, it held every slot, and each
    statement after it prepared 1.6x slower. It may hold no more than the functions it
    lists do (the built-in extensions it loads: the same list read as a table)."""
    used = []
    for listing in ("pragma function_list", "select * from pragma_function_list"):
        s = connect(":memory:")
        for _ in range(2):
            s.execute(listing).fetchall()
        s.execute("create table t(x)")
        used.append(s.connection.status(apsw.SQLITE_DBSTATUS_LOOKASIDE_USED)[0])
    assert used[0] <= used[1] + 10, used


# -- the C pieces that pick the path ----------------------------------------------------------

WORD_BYTES = st.sampled_from(
    [
        b"sha3",
        b"SHA",
        b"s",
        b"_",
        b"_L",
        b"$",
        b"x",
        b"3",
        b" ",
        b"\n",
        b"(",
        b'"',
        b".",
        b"\xc3\xa9",
        b"list",
    ]
)


@pytest.mark.skipif(_word_starts is None, reason="the C part is not built")
@settings(max_examples=400, deadline=None)
@given(
    st.lists(WORD_BYTES, max_size=12).map(b"".join),
    st.lists(st.sampled_from([b"sha3", b"s", b"x3", b"\xc3"]), min_size=1, max_size=3, unique=True),
)
def test_word_starts_finds_what_a_regex_of_words_finds(data, stems):
    """Stems at the start of a word, ASCII letters in any case; "_list" anywhere."""
    words = re.findall(rb"[A-Za-z0-9_$\x80-\xff]+", data.lower())
    expected = any(w.startswith(s) for w in words for s in stems)
    assert _word_starts(data, tuple(stems)) == expected
    assert _word_starts(data, tuple(stems), (b"_list",)) == (expected or b"_list" in data.lower())


SIMPLE_LINES = st.sampled_from(
    [
        "insert into t values(1);",
        "INSERT INTO t VALUES(1) RETURNING x;",
        "update t set x = 2;",
        "select 1;",
        "Select 1;",
        "VALUES(1);",
        "with c as (select 1) insert into t select * from c;",
        "pragma user_version;",
        "explain select 1;",
        "delete from t returning *;",
        "create table returning_t(x);",
        "drop table t;",
    ]
)


@pytest.mark.skipif(
    c_output() is None or not hasattr(c_output(), "take_lines"), reason="the C part is not built"
)
@settings(max_examples=300, deadline=None)
@given(st.lists(SIMPLE_LINES, min_size=1, max_size=8))
def test_take_lines_says_a_query_may_be_there_as_looks_like_query_does(lines):
    texts, used, query = c_output().take_lines(lines, 0)
    taken = lines[:used]  # (not a line the dump reader must see: COMMIT, END, EXPLAIN for now)
    assert texts == taken and all(line[0] not in "ceCE" for line in taken)
    assert query == any(looks_like_query(line) for line in taken)


def test_the_c_path_is_the_one_a_script_of_inserts_takes():
    """Not a timing: a script of INSERTs goes through run_plain (and so the tests above test
    the path scripts take)."""
    code = (
        "import sys\n"
        "from wasmshell import cli\n"
        "from wasmshell.engine.session import Session\n"
        "calls = []\n"
        "original = Session.run_plain\n"
        "def counted(self, data, start=0, text=None):\n"
        "    calls.append(data.count(b'\\n', start) + 1)\n"
        "    return original(self, data, start, text)\n"
        "Session.run_plain = counted\n"
        "status = cli.main([])\n"
        "print(len(calls), sum(calls), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    script = "create table t(x);\n" + "".join(f"insert into t values({i});\n" for i in range(3000))
    proc = run_python(code, stdin=(script + "select count(*) from t;\n").encode())
    assert proc.returncode == 0 and proc.stdout == b"3000\n"
    calls, statements = map(int, proc.stderr.split())
    assert statements >= 2990 and calls < 10  # (a script's first lines run one by one)


@needs_reference
@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_line_numbers_of_errors_across_batches_blank_lines_and_comments(ending, tmp_path):
    """Thousands of lines, more than one batch holds, with blank and comment lines between
    them: each error names its line as sqlite3 does."""
    lines = ["create table t(a integer primary key);"]
    for i in range(1, 4000):
        if i % 97 == 0:
            lines.append("")
        if i % 301 == 0:
            lines.append("-- a comment")
        value = i if i % 677 else i - 1  # now and then a row that is there already
        lines.append(f"insert into t values({value});")
    lines.append("select count(*), max(a) from t;")
    reference, ours = run_both(ending.join(lines) + ending, tmp_path)
    assert ours == reference
    assert ours.stderr.count(b"UNIQUE constraint failed") == 5


def test_a_stored_function_a_view_of_another_connection_names_is_registered_in_a_batch(tmp_path):
    """A view made by another connection after the file was opened names a stored function the
    text of the INSERT does not: its first use registers it and runs the statement again, as
    statement by statement (the batch reported "no such function")."""
    db = tmp_path / "f.db"
    fib = Path(__file__).resolve().parent.parent / "samples" / "fib.wat"
    made = subprocess.run([WASMSHELL, str(db)], input=f".loadwasm {fib}\n", capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    helper = tmp_path / "view.py"
    helper.write_text(
        f"import apsw\napsw.Connection({str(db)!r}).execute('create view v as select fib(10) as x')\n"
    )
    script = (
        "create table u(x);\ninsert into u values(0);\ninsert into u values(0);\n"
        f".shell {sys.executable} {helper}\n"
        "insert into u values(1);\ninsert into u select x from v;\ninsert into u values(2);\n"
        "select group_concat(x) from u;\n"
    )
    run = subprocess.run([WASMSHELL, str(db)], input=script, capture_output=True, text=True)
    assert (run.stdout, run.stderr, run.returncode) == ("0,0,1,55,2\n", "", 0)


def test_a_closed_session_runs_no_plain_statement():
    """After close(), the C path is not taken (its pointer would be a freed connection's): the
    text is refused, and execute says the connection is closed."""
    s = connect(":memory:")
    assert s.plain_text("create table t(x);") is not None
    s.close()
    assert s.plain_text("create table t(x);") is None
    with pytest.raises(apsw.ConnectionClosedError):
        s.execute("create table t(x)")
