"""TEXT that is not UTF-8 in a result: written as its bytes, as sqlite3 does,
by running a statement that only reads again with the bytes kept. (The
batch output is compared with sqlite3's in test_differential.py.)"""

from __future__ import annotations

import io

import pytest
from conftest import open_session

from wasmshell.engine import native
from wasmshell.shell.state import Shell

try:
    import wasmshell.engine._runwasm  # noqa: F401
except ImportError:
    pytest.skip("the C part is not built here", allow_module_level=True)


def test_a_reading_statement_runs_again_with_its_bytes():
    s = open_session()
    try:
        again = native.rows_keeping_bytes(
            s.connection, "select cast(x'61ff62' as text) as t, ?1 as n, x'00ff' as b", [7]
        )
        assert again is not None
        columns, rows = again
        assert columns == ["t", "n", "b"]
        ((text, number, blob),) = list(rows)
        assert text.encode("utf-8", "surrogateescape") == b"a\xffb"  # the bytes as stored
        assert (number, blob) == (7, b"\x00\xff")
    finally:
        s.close()


def test_a_writing_statement_is_never_run_twice():
    s = open_session()
    try:
        s.execute("create table t(x)")
        assert native.rows_keeping_bytes(s.connection, "insert into t values (1) returning x", None) is None
        assert list(s.execute("select count(*) from t")) == [(0,)]
    finally:
        s.close()


def test_the_interactive_table_shows_the_rows_with_a_replacement_mark():
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(":memory:", stdout=out, stderr=err)
    try:
        shell.settings.mode = "pretty"
        sql = "select 'a' as v union all select cast(x'61ff62' as text) union all select 'c';"
        assert shell.run_sql(sql, None) == 0
        lines = out.getvalue().splitlines()
        assert [line.strip("│ ") for line in lines[3:6]] == ["a", "a\ufffdb", "c"]
        assert err.getvalue() == ""
    finally:
        shell.session.close()
