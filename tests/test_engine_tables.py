"""Table-valued functions written in Wasm: SELECT * FROM NAME(args), joins, stored, hostile ones."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import apsw
import pytest
import test_cli
from conftest import PEAK_KB, ROOT, SAMPLES, open_session, rows

from wasmshell.engine.dialect import CreateFunction, DropFunction
from wasmshell.engine.errors import (
    ArgumentError,
    Interrupted,
    ModuleError,
    ResultError,
    TimeLimitExceeded,
    WasmTrap,
)

SPLIT = (SAMPLES / "split_words.wat").read_text()
RANGE = (SAMPLES / "int_range.wat").read_text()
home = test_cli.home


def python_words(text: str) -> list[tuple[int, str, int]]:
    """What split_words should give, worked out in Python: (n, word, 1-based character position)."""
    found, at = [], 0
    for n, word in enumerate(text.split(), start=1):
        at = text.index(word, at)
        found.append((n, word, at + 1))
        at += len(word)
    return found


@pytest.fixture
def s():
    session = open_session()
    session.register_module(SPLIT)
    session.register_module(RANGE)
    yield session
    session.close()


@pytest.mark.parametrize(
    "text", ["to be  or not", "  lead and trail  ", "", "one", "héllo wörld ÿes\tnext\nline", "w " * 3000]
)
def test_split_words_gives_each_word_with_its_position(s, text):
    assert rows(s, "SELECT n, word, pos FROM split_words(?)", (text,)) == python_words(text)
    # the position is the one SQLite's own substr() agrees with
    assert rows(
        s, "SELECT count(*) FROM split_words(?1) WHERE substr(?1, pos, length(word)) <> word", (text,)
    ) == [(0,)]


@pytest.mark.parametrize(
    ("start", "stop", "step"), [(1, 10, 3), (5, -7, -2), (0, 2000, 1), (1, 0, 1), (3, 3, 5)]
)
def test_int_range_is_pythons_range(s, start, stop, step):
    expected = list(range(start, stop + (1 if step > 0 else -1), step))
    assert [v for (v,) in rows(s, "SELECT value FROM int_range(?, ?, ?)", (start, stop, step))] == expected


def test_an_argument_left_out_takes_its_default(s):
    assert rows(s, "SELECT group_concat(value) FROM int_range(1, 5)") == [("1,2,3,4,5",)]
    assert rows(s, "SELECT step FROM int_range(1, 2) LIMIT 1") == [(1,)]  # the hidden column shows it
    assert rows(s, "SELECT group_concat(value) FROM int_range(1, 5, NULL)") == [(None,)]  # NULL is given
    s.execute("CREATE TABLE t(n)")
    s.execute("INSERT INTO t VALUES (2), (3)")
    got = rows(s, "SELECT t.n, r.value FROM t, int_range(1, t.n) AS r ORDER BY 1, 2")
    assert got == [(2, 1), (2, 2), (3, 1), (3, 2), (3, 3)]


# stop DEFAULT 10 too: a plan reading int_range first would take stop's default for every row.
LOOSE_RANGE = RANGE.replace("stop INTEGER HIDDEN", "stop INTEGER HIDDEN DEFAULT 10").replace(
    "int_range", "loose_range"
)


def test_an_argument_another_table_gives_never_takes_its_default():
    with open_session() as s:
        s.register_module(LOOSE_RANGE)
        assert rows(s, "SELECT count(*) FROM loose_range(1)") == [(10,)]
        s.register_module(SPLIT.replace("text TEXT HIDDEN", "text TEXT HIDDEN DEFAULT 'it''s  here'"))
        assert rows(s, "SELECT word, text FROM split_words()") == [
            ("it's", "it's  here"),
            ("here", "it's  here"),
        ]
        s.execute("CREATE TABLE t(n)")
        s.execute("INSERT INTO t VALUES (2), (3)")
        for sql in (
            "SELECT t.n, r.value FROM loose_range(1) AS r, t WHERE r.stop = t.n ORDER BY 1, 2",
            "SELECT t.n, r.value FROM loose_range(1) AS r JOIN t ON r.stop = t.n ORDER BY 1, 2",
            "SELECT t.n, r.value FROM t, loose_range(1) AS r WHERE r.stop = t.n ORDER BY 1, 2",
        ):
            assert rows(s, sql) == [(2, 1), (2, 2), (3, 1), (3, 2), (3, 3)], sql
        args = "start INTEGER, stop INTEGER DEFAULT 10, step INTEGER DEFAULT 1"
        assert s.table_function("loose_range").signature == f"loose_range({args}) -> TABLE(value INTEGER)"


def test_int_range_stops_before_overflowing(s):
    top = 2**63 - 1
    assert rows(s, "SELECT value FROM int_range(?, ?, 3)", (top - 7, top)) == [
        (top - 7,),
        (top - 4,),
        (top - 1,),
    ]


def test_arguments_are_hidden_columns_so_joins_work(s):
    s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)")
    bodies = ["a b", "c d e", None, "", "x"]
    s.execute("INSERT INTO t(body) VALUES " + ",".join("(?)" for _ in bodies), bodies)
    got = rows(s, "SELECT t.id, w.n, w.word FROM t, split_words(t.body) AS w ORDER BY t.id, w.n")
    expected = [(k, n, w) for k, b in enumerate(bodies, 1) if b for (n, w, _p) in python_words(b)]
    assert got == expected
    # the hidden column shows the argument; written the other way round it is the same join
    assert rows(s, "SELECT count(*) FROM split_words(t.body) AS w, t WHERE w.text = t.body") == [
        (len(expected),)
    ]
    assert rows(s, "SELECT count(*) FROM t JOIN split_words ON split_words.text = t.body") == [
        (len(expected),)
    ]


def test_declared_columns_and_types_are_what_sqlite_sees(s):
    cursor = s.execute("SELECT * FROM split_words('a')")
    assert [d[:2] for d in cursor.description] == [
        ("n", "INTEGER"),
        ("word", "TEXT"),
        ("pos", "INTEGER"),
    ]
    assert rows(s, "SELECT name, type, hidden FROM pragma_table_xinfo('int_range')") == [
        ("value", "INTEGER", 0),
        ("start", "INTEGER", 1),
        ("stop", "INTEGER", 1),
        ("step", "INTEGER", 1),
    ]


def test_wrong_argument_count_or_type_is_a_clear_error(s):
    with pytest.raises(ArgumentError, match="int_range takes 2 to 3 arguments, but 1 was given"):
        rows(s, "SELECT * FROM int_range(1)")
    with pytest.raises(ArgumentError, match="split_words takes 1 argument, but 0 were given"):
        rows(s, "SELECT * FROM split_words")
    with pytest.raises(apsw.SQLError, match="too many arguments on int_range"):
        rows(s, "SELECT * FROM int_range(1, 2, 3, 4)")
    with pytest.raises(ArgumentError, match=r"int_range \(open\): argument 1 expects INTEGER, got TEXT"):
        rows(s, "SELECT * FROM int_range('x', 2, 1)")
    assert rows(s, "SELECT count(*) FROM int_range(NULL, 2, 1)") == [(0,)]  # NULL in, no rows out


def test_ten_thousand_rows_cross_many_batches_in_order(s):
    n = 10_000
    assert rows(s, "SELECT count(*), sum(value), min(value), max(value) FROM int_range(1, ?, 1)", (n,)) == [
        (n, n * (n + 1) // 2, 1, n)
    ]
    text = " ".join(f"w{k}" for k in range(n))
    assert rows(s, "SELECT count(*), max(n) FROM split_words(?) WHERE word = 'w' || (n - 1)", (text,)) == [
        (n, n)
    ]


def test_two_cursors_of_one_module_at_once(s):
    got = rows(
        s, "SELECT a.value, b.value FROM int_range(1, 3, 1) a, int_range(1, 600, 1) b WHERE b.value > 598"
    )
    assert got == [(a, b) for a in (1, 2, 3) for b in (599, 600)]


def test_stored_table_function_reopens_with_the_file(tmp_path):
    path = tmp_path / "db.sqlite"
    with open_session(path) as s:
        s.load_module(SPLIT)
        s.create_function(CreateFunction("int_range", "wasm", RANGE, False))
        names = {n for (n,) in rows(s, "SELECT name FROM libsql_wasm_func_table")}
        assert names == {"split_words", "int_range"}  # one row per function, not per export
    with open_session(path) as s:
        assert rows(s, "SELECT word FROM split_words('p q')") == [("p",), ("q",)]
        assert rows(s, "SELECT sum(value) FROM int_range(1, 4, 1)") == [(10,)]
        s.drop_function(DropFunction("split_words", False))
        with pytest.raises(apsw.SQLError, match="no such table: split_words"):
            rows(s, "SELECT * FROM split_words('p q')")


def test_a_stored_table_function_listed_before_use_is_bound_once_and_counted_when_used(tmp_path):
    path = tmp_path / "db.sqlite"
    with open_session(path) as s:
        s.load_module(SPLIT)
    with open_session(path) as s:
        listed = s.table_function("split_words")  # what .funcs does before the function is named
        assert listed is not None and s.table_function("split_words") is listed
        assert rows(s, "SELECT count(*) FROM split_words('a b c')") == [(3,)]
        used = s.table_function("split_words")
        assert used is listed and used.calls == 1  # the one SQLite opened, not a copy


# -- hostile and failing table-valued functions -------------------------------------------------

HOSTILE = """(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\\03v INTEGER\\00")
  (global $calls (mut i32) (i32.const 0))
  (func (export "bad_columns") (result i32) (i32.const COLUMNS))
  (func (export "bad_open") (result i32) (i32.const 64))
  (func (export "bad_next") (param $s i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    NEXT)
  (func (export "ok") (result i64) (i64.extend_i32_u (global.get $calls))))"""

# A batch at 1024 of one row [1][v=7], written by the NEXT snippets below.
ONE_ROW = (
    "(i32.store (i32.const 1024) (i32.const 1)) (i32.store (i32.const 1028) (i32.const 9))"
    " (i32.store8 (i32.const 1032) (i32.const 1)) (i64.store (i32.const 1033) (i64.const 7))"
)


def hostile(next_body: str, columns: str = "0") -> str:
    return HOSTILE.replace("NEXT", next_body).replace("COLUMNS", columns)


@pytest.mark.parametrize(
    ("next_body", "error", "message"),
    [
        ("(unreachable)", WasmTrap, r"wasm trap in bad \(next\): unreachable"),
        ("(loop $l (br $l)) (i32.const 0)", TimeLimitExceeded, r"bad \(next\): time limit of 300 ms"),
        ("(i32.const 70000)", ResultError, r"bad \(next\): batch pointer 70000 is outside linear memory"),
        (
            "(i32.store (i32.const 1024) (i32.const 1000000)) (i32.const 1024)",
            ResultError,
            "a batch of 1000000 rows",
        ),
        (
            "(i32.store (i32.const 1024) (i32.const 1)) (i32.store (i32.const 1028) (i32.const 65000))"
            " (i32.const 1024)",
            ResultError,
            "runs past the end of linear memory",
        ),
        (
            ONE_ROW + " (i32.store8 (i32.const 1032) (i32.const 9)) (i32.const 1024)",
            ResultError,
            "malformed value type byte 9 in row 1, column 1",
        ),
        (
            ONE_ROW
            + " (i32.store8 (i32.const 1032) (i32.const 3)) (i32.store8 (i32.const 1033) (i32.const 97))"
            " (i32.store (i32.const 1028) (i32.const 2)) (i32.const 1024)",  # TEXT with no NUL
            ResultError,
            "row 1, column 1 runs past the end of its batch",
        ),
        (
            ONE_ROW + " (i32.store (i32.const 1028) (i32.const 12)) (i32.const 1024)",
            ResultError,
            "the batch says 12 bytes, its rows take 9",
        ),
    ],
)
def test_a_failing_next_is_a_clear_error_and_the_instance_recovers(next_body, error, message):
    with open_session(timeout_ms=300) as s:
        s.register_module(hostile(next_body))
        with pytest.raises(error, match=message):
            rows(s, "SELECT * FROM bad()")
        # the same module runs again at once: a scalar of it, and the table function itself
        assert isinstance(rows(s, "SELECT ok()")[0][0], int)
        with pytest.raises(error, match=message):
            rows(s, "SELECT * FROM bad()")


def test_a_good_batch_then_the_end():
    first = "(i32.eq (global.get $calls) (i32.const 1))"
    body = f"(if (result i32) {first} (then {ONE_ROW} (i32.const 1024)) (else (i32.const 0)))"
    with open_session() as s:
        s.register_module(hostile(body))
        assert rows(s, "SELECT v FROM bad()") == [(7,)]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("v INTEGER, w", None),  # fine: two columns
        ("v INTEGER, v TEXT", "two columns have the same name"),
        ("v; DROP TABLE t", "bad column declaration"),
        ("v INTEGER HIDDEN", "1 HIDDEN column"),
        ("v DEFAULT 1", "bad column declaration"),  # only an argument has a default
        ("v, a HIDDEN DEFAULT x", "bad column declaration"),  # not a literal
        ("v, a HIDDEN DEFAULT 'it''s, here'", "bad column declaration"),  # a comma parts columns
        ("v, " * 100 + "w", "more than 100 columns"),
        ("v, a HIDDEN DEFAULT -1.5e3", "1 HIDDEN column"),  # a literal, but bad() takes no argument
        ("", "must return a TEXT declaring its columns"),
    ],
)
def test_a_bad_column_declaration_is_refused_and_nothing_is_stored(declaration, message):
    module = HOSTILE.replace('"\\03v INTEGER\\00"', f'"\\03{declaration}\\00"').replace("COLUMNS", "0")
    module = module.replace("NEXT", "(i32.const 0)")
    with open_session() as s:
        s.execute("CREATE TABLE t(x)")
        if message is None:
            s.load_module(module)
            assert rows(s, "SELECT count(*) FROM bad()") == [(0,)]
            return
        with pytest.raises(ModuleError, match=message):
            s.load_module(module)
        assert rows(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'libsql_wasm_func_table'") == [(0,)]
        assert rows(s, "SELECT count(*) FROM t") == [(0,)]


def test_a_declaration_of_spaces_is_read_in_linear_time():
    """A hostile NAME_columns of 64,000 spaces before HIDDEN: the DEFAULT search once took time
    quadratic in them (half a minute at the declaration limit, outside any Wasm time limit).
    Run in a subprocess with a bound against a hang, far above what linear time takes."""
    code = (
        "from wasmshell.engine.tables import parse_columns\n"
        "from wasmshell.engine.errors import ModuleError\n"
        "for text in ('v, a' + ' ' * 64000 + 'HIDDEN x', 'v, a HIDDEN' + ' DEFAULT' * 8000 + ' 1'):\n"
        "    try:\n"
        "        parse_columns('f', text, 1)\n"
        "    except ModuleError:\n"
        "        print('refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    assert done.stdout == "refused\nrefused\n", done.stderr


def test_interrupt_stops_an_endless_table_function():
    with open_session(timeout_ms=60_000) as s:
        s.register_module(RANGE)
        timer = threading.Timer(0.3, s.interrupt)
        timer.start()
        try:
            with pytest.raises((Interrupted, apsw.InterruptError)):
                rows(s, "SELECT count(*) FROM int_range(1, 9223372036854775807, 1)")
        finally:
            timer.cancel()
        assert rows(s, "SELECT sum(value) FROM int_range(1, 3, 1)") == [(6,)]


def test_a_looping_table_function_is_stopped_by_interrupt_inside_wasm():
    with open_session(timeout_ms=60_000) as s:
        s.register_module(hostile("(loop $l (br $l)) (i32.const 0)"))
        timer = threading.Timer(0.3, s.interrupt)
        timer.start()
        try:
            with pytest.raises(Interrupted, match=r"bad \(next\): interrupted"):
                rows(s, "SELECT * FROM bad()")
        finally:
            timer.cancel()


MEMORY_SCRIPT = (
    PEAK_KB
    + """
import sys
from wasmshell import connect
s = connect()
s.register_module(open(sys.argv[1]).read())
n = int(sys.argv[2])
total, = s.execute("SELECT sum(value) FROM int_range(1, ?, 1)", (n,)).fetchone()
assert total == n * (n + 1) // 2, total
print(peak_kb())
"""
)


def peak_kib(n: int) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(SAMPLES / "int_range.wat"), str(n)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return int(proc.stdout.split()[-1])


@pytest.mark.slow
def test_ten_million_rows_keep_memory_flat():
    small = peak_kib(10_000)
    large = peak_kib(10_000_000)
    # Gathering the rows would take hundreds of MiB (a Python int alone is 28 bytes).
    assert large - small < 32 * 1024, (small, large)


def test_loadwasm_and_funcs_show_the_table_kind_and_columns(tmp_path, home):
    db = tmp_path / "t.db"
    note = "Note: libSQL could not run split_words: it is a table function (libSQL has only scalars)\n"

    def shell(*commands: str, stderr: str = "") -> str:
        proc = subprocess.run(
            [test_cli.WASMSHELL, str(db), *commands], capture_output=True, text=True, cwd=ROOT, env=home
        )
        assert proc.returncode == 0 and proc.stderr == stderr, proc.stderr
        return proc.stdout

    out = shell(".loadwasm samples/split_words.wat", stderr=note)
    assert (
        out
        == "split_words(text TEXT) -> TABLE(n INTEGER, word TEXT, pos INTEGER)  (stored in the database)\n"
    )
    # reopened: listed before any use (columns apart by two spaces or more), then used and counted
    lines = shell(".mode list", ".funcs", "SELECT count(*) FROM split_words('a b c')", ".funcs").splitlines()
    before, count, after = (re.split(r"\s{2,}", line.strip()) for line in (lines[2], lines[3], lines[6]))
    assert before[:3] == [
        "split_words",
        "table",
        "split_words(text TEXT) -> TABLE(n INTEGER, word TEXT, pos INTEGER)",
    ]
    assert before[-3:-1] == ["0", "0"] and count == ["3"]
    assert after[-3:-1] == ["1", "0"]  # one open, no error
    assert after[-1].startswith("no: it is a table function")  # what libSQL would make of it
