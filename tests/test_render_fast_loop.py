"""The C loops of the output modes (_rows.c) write exactly what the
Python loop writes, for any values, separators and NULL text; and it writes
the rows that came before an error, as sqlite3 does."""

from __future__ import annotations

import io
import math

import apsw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasmshell.engine import native
from wasmshell.shell.output import base, render
from wasmshell.shell.output import values as formatting
from wasmshell.shell.output.modes import TITLES_OFF, TITLES_ON
from wasmshell.shell.state import OutputSettings

pytestmark = pytest.mark.skipif(base.c_output() is None, reason="the C loops are not built here")

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.sampled_from([0.0, -0.0, 0.1, 1e15, 1e14 + 0.5, 123456789012345.6, 1e-5, 1e300, math.inf, -math.inf]),
    st.text(),
    st.text(alphabet="ab ,|\"'\t\n\0é😀"),
    st.binary(max_size=8),
)
SQL_FORMATTER = native.sql_real_formatter()
rows_of = st.lists(st.lists(values, min_size=3, max_size=3), max_size=6)
separators = st.sampled_from([",", "|", "\t", ";", "1", "-", "ab", "é", ""])


def rendered(
    mode: str, rows: list, colsep: str, rowsep: str, null: str, headers: bool, fast: bool, widths=(), wrap=0
) -> tuple:
    settings_ = OutputSettings(mode)
    settings_.colsep, settings_.rowsep, settings_.null = colsep, rowsep, null
    settings_.titles = TITLES_ON if headers else TITLES_OFF
    settings_.widths, settings_.wrap = list(widths), wrap
    out = io.StringIO()
    base.c_loops = fast
    try:
        renderer = render.renderer_for(out, settings_)
        renderer.start(["a", "b,c", 'd"'])
        renderer.write_rows(iter(rows))
        renderer.finish()
    finally:
        base.c_loops = True
    return out.getvalue(), renderer.count


@settings(max_examples=700, deadline=None)
@given(
    mode=st.sampled_from(
        ["list", "csv", "line", "html", "quote", "insert", "json", "column", "table", "box", "markdown"]
    ),
    rows=rows_of,
    colsep=separators,
    rowsep=st.sampled_from(["\n", "\r\n", "|"]),
    null=st.sampled_from(["", "NULL", "-"]),
    headers=st.booleans(),
    widths=st.lists(st.integers(-12, 12), max_size=3),
    wrap=st.sampled_from([0, 4, 20]),
)
def test_the_c_loop_writes_what_python_writes(mode, rows, colsep, rowsep, null, headers, widths, wrap):
    args = (mode, rows, colsep, rowsep, null, headers)
    assert rendered(*args, True, widths, wrap) == rendered(*args, False, widths, wrap)


def test_rows_before_an_error_are_written_and_counted():
    def failing():
        yield (1, "a", None)
        yield (2, "b", 0.5)
        raise RuntimeError("boom")

    for fast in (True, False):
        out = io.StringIO()
        settings_ = OutputSettings()
        settings_.mode = "list"
        base.c_loops = fast
        try:
            renderer = render.renderer_for(out, settings_)
            renderer.start(["x", "y", "z"])
            with pytest.raises(RuntimeError, match="boom"):
                renderer.write_rows(failing())
        finally:
            base.c_loops = True
        assert out.getvalue() == "1|a|\n2|b|0.5\n"
        assert renderer.count == 2


def test_a_large_result_is_written_in_chunks():
    chunks: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            chunks.append(text)
            return len(text)

    settings_ = OutputSettings("list")
    renderer = render.renderer_for(Recorder(), settings_)
    renderer.start(["n", "s"])
    renderer.write_rows((n, f"row {n}") for n in range(100_000))
    assert renderer.count == 100_000
    assert "".join(chunks) == "".join(f"{n}|row {n}\n" for n in range(100_000))
    assert 1 < len(chunks) < 1000  # neither one huge string nor a write per row


reals = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-(10**6), 10**6).map(lambda n: n * 0.25),
    st.builds(lambda m, e: m * 10.0**e, st.integers(-(10**8), 10**8), st.integers(-320, 300)),
)


@settings(max_examples=2000, deadline=None)
@given(value=reals)
def test_real_text_is_sqlites_own_in_c_and_through_sql(value):
    """A REAL's text is SQLite's (its 17th digit is not an exact conversion's): CAST AS TEXT in the
    text modes, printf %.16g in insert and json modes, infinities as 9e+999 there. The C
    formatter and the SQL fallback (no C part) give the same."""
    conn = apsw.Connection(":memory:")
    cast, literal = conn.execute("SELECT CAST(?1 AS TEXT), printf('%.16g', ?1)", (value,)).fetchone()
    if math.isinf(value):
        literal = "9e+999" if value > 0 else "-9e+999"
    assert (formatting.real_text(value), formatting.real_literal(value)) == (cast, literal)
    by_sql = SQL_FORMATTER(value, native.REAL_TEXT), SQL_FORMATTER(value, native.REAL_LITERAL)
    assert by_sql[0] == cast and (by_sql[1] == literal or math.isinf(value))


@pytest.mark.parametrize("mode", ["box", "column", "table", "markdown", "psql"])
def test_a_columnar_result_that_fails_midway_keeps_its_whole_rows(mode):
    """The C cells take a row whole or not at all: a value that cannot be shown fails the
    statement, and the rows before it are what both loops counted."""

    class Unshowable:
        pass

    def failing():
        yield (1, "a")
        yield (2, Unshowable())

    for fast in (True, False):
        settings_ = OutputSettings(mode)
        base.c_loops = fast
        try:
            renderer = render.renderer_for(io.StringIO(), settings_)
            renderer.start(["x", "y"])
            with pytest.raises(Exception):  # noqa: B017 - whatever render() raises for it
                renderer.write_rows(failing())
        finally:
            base.c_loops = True
        assert renderer.count == 1


def test_columnar_cells_in_c_write_what_python_writes_for_wide_and_plain_tables():
    """A million-row table goes through C when every cell is printable ASCII; a cell that is
    not (wide, a line break) sends the table to the Python layout: both write the same."""
    plain = [(i, f"name {i}", i * 0.25, None) for i in range(2000)]
    mixed = [*plain[:5], (6, "日本語", 1.5, None), (7, "two\nlines", None, b"\x00\xff")]
    # beyond ASCII but one line: measured in C (wide, combining and zero-width characters)
    wide = [(i, f"日本語 {i} é\u0301 \u200b😀 Ελληνικά", "\ufeffbom", b"ok") for i in range(300)]
    for rows in (plain, mixed, wide):
        for mode in ("box", "column", "table", "markdown", "psql", "qbox"):
            outputs = []
            for fast in (True, False):
                settings_ = OutputSettings(mode)
                out = io.StringIO()
                base.c_loops = fast
                try:
                    renderer = render.renderer_for(out, settings_)
                    renderer.start(["a", "b", "c", "d"])
                    renderer.write_rows(iter(rows))
                    renderer.finish()
                finally:
                    base.c_loops = True
                outputs.append(out.getvalue())
            assert outputs[0] == outputs[1], mode
            assert outputs[0].count("\n") >= len(rows)
