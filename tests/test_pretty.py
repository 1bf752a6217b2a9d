"""The interactive result view (shell.output.pretty): rich tables summarised as DuckDB's shell does."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time

import apsw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from wasmshell.shell.output.base import OutputSettings
from wasmshell.shell.output.pretty import (
    PrettyRenderer,
    blob_summary,
    choose_columns,
    fit_widths,
    summary_line,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def view(maxrows=None):
    """Output settings as the shell has them, with ``maxrows`` if given."""
    settings = OutputSettings()
    if maxrows is not None:
        settings.maxrows = maxrows
    return settings


def render(columns, rows, *, width=80, maxrows=None, color=False, settings=None) -> str:
    """What PrettyRenderer writes for ``rows``, fed as the shell feeds them.

    The first row goes through row(), the rest through write_rows().
    """
    if settings is None:
        settings = view(maxrows)
    out = io.StringIO()
    r = PrettyRenderer(out, settings, width=width, color=color)
    r.start(columns)
    it = iter(rows)
    first = next(it, None)
    if first is not None:
        r.row(first)
        r.write_rows(it)
    r.finish()
    return out.getvalue()


def body_lines(text: str) -> list[str]:
    """The table's data rows (lines between the vertical rules, header included)."""
    return [line for line in text.splitlines() if line.startswith("│")]


def cells(line: str) -> list[str]:
    """The cells of a table line, padding kept."""
    return line.split("│")[1:-1]


def test_numbers_right_aligned_and_text_left_aligned():
    out = render(["n", "t"], [(1, "a"), (12345, "bcd"), (2.5, "ef")])
    rows = [cells(line) for line in body_lines(out)[1:]]
    numbers = [c[0] for c in rows]
    texts = [c[1] for c in rows]
    assert [n.strip() for n in numbers] == ["1", "12345", "2.5"]
    # Right-aligned: every number ends in the same place, just before the padding.
    assert {len(n) - len(n.rstrip()) for n in numbers} == {1}
    assert len({len(n) for n in numbers}) == 1
    # Left-aligned: every text starts after the one-space padding.
    assert all(t.startswith(" ") and not t.startswith("  ") for t in texts)


def test_reals_are_shown_as_sqlite_shows_them():
    out = render(["r"], [(3.0,), (0.1,), (1e300,)])
    shown = [cells(line)[0].strip() for line in body_lines(out)[1:]]
    assert shown == ["3.0", "0.1", "1.0e+300"]


def test_null_is_dim_and_distinct_from_text():
    plain = render(["v"], [(None,), ("x",)])
    assert [cells(line)[0].strip() for line in body_lines(plain)[1:]] == ["NULL", "x"]
    coloured = render(["v"], [(None,), ("NULL",)], color=True)
    null_line, text_line = body_lines(coloured)[1:]
    assert "\x1b[2" in null_line and "NULL" in null_line  # dim (SGR 2)
    assert "\x1b[2" not in text_line and "NULL" in text_line  # the text 'NULL' is not


def test_nullvalue_setting_is_respected():
    shown = view()
    shown.null = "(none)"
    out = render(["v"], [(None,)], settings=shown)
    assert cells(body_lines(out)[1])[0].strip() == "(none)"


def test_blobs_are_summarised():
    assert blob_summary(b"") == "x''"
    assert blob_summary(b"\x01\xab") == "x'01ab'"
    big = b"\x89PNG" + bytes(1230)
    assert blob_summary(big) == "<blob 1,234 bytes 89504e47…>"
    out = render(["b"], [(big,), (memoryview(b"\xff"),)])
    assert "<blob 1,234 bytes 89504e47…>" in out
    assert "x'ff'" in out
    assert "\x00" not in out


def test_large_result_keeps_first_and_last_rows_with_a_mark_and_counts():
    out = render(["x", "label"], ((i, f"row {i}") for i in range(1, 1001)), maxrows=10)
    lines = body_lines(out)
    shown = [cells(line)[0].strip() for line in lines[1:]]
    assert shown == ["1", "2", "3", "4", "5", "⋮", "996", "997", "998", "999", "1000"]
    for i in range(6, 996):
        assert f"row {i} " not in out
    assert out.rstrip().endswith("1,000 rows (10 shown)")


def test_default_maxrows_is_40():
    out = render(["x"], ((i,) for i in range(100)))
    assert len(body_lines(out)) == 1 + 40 + 1  # header, 40 rows, the mark
    assert "100 rows (40 shown)" in out


def test_results_up_to_maxrows_are_shown_whole():
    out = render(["x"], ((i,) for i in range(10)), maxrows=10)
    assert [cells(line)[0].strip() for line in body_lines(out)[1:]] == [str(i) for i in range(10)]
    assert "⋮" not in out
    assert out.rstrip().endswith("10 rows")
    assert "shown" not in out


def test_odd_maxrows_shows_exactly_maxrows_rows():
    out = render(["x"], ((i,) for i in range(100)), maxrows=7)
    shown = [cells(line)[0].strip() for line in body_lines(out)[1:]]
    assert shown == ["0", "1", "2", "3", "⋮", "97", "98", "99"]
    assert "100 rows (7 shown)" in out


def test_maxrows_one_shows_the_first_row_and_the_mark():
    out = render(["x"], [(1,), (2,), (3,)], maxrows=1)
    assert [cells(line)[0].strip() for line in body_lines(out)[1:]] == ["1", "⋮"]
    assert "3 rows (1 shown)" in out


def test_maxrows_zero_shows_everything():
    out = render(["x"], ((i,) for i in range(100)), maxrows=0)
    assert len(body_lines(out)) == 101
    assert out.rstrip().endswith("100 rows")


def test_rows_fed_one_at_a_time_give_the_same_table():
    rows = [(i, f"r{i}") for i in range(50)]
    out = io.StringIO()
    r = PrettyRenderer(out, view(6), width=60, color=False)
    r.start(["x", "y"])
    for row in rows:
        r.row(row)
    r.finish()
    assert out.getvalue() == render(["x", "y"], rows, width=60, maxrows=6)


def test_zero_rows_show_the_header_and_a_count():
    out = render(["alpha", "beta"], [])
    assert "alpha" in body_lines(out)[0] and "beta" in body_lines(out)[0]
    assert len(body_lines(out)) == 1
    assert out.rstrip().endswith("0 rows")


def test_footer_says_the_time_in_readable_units():
    assert summary_line(3, 3, 2, 2) == "3 rows"
    assert summary_line(3, 3, 2, 2, seconds=0.0123) == "3 rows · 12.3 ms"
    assert summary_line(1, 1, 1, 1, seconds=0.00085) == "1 row · 850 µs"
    assert summary_line(5000, 40, 9, 4, seconds=1.2) == "5,000 rows (40 shown)  9 columns (4 shown) · 1.200 s"


def timed_render(columns, rows, *, maxrows=None) -> str:
    """What PrettyRenderer writes when told when its statement began (.timer in the table view)."""
    out = io.StringIO()
    r = PrettyRenderer(out, view(maxrows), width=40, color=False)
    r.start(columns)
    assert r.show_time(time.perf_counter())  # the renderer says it shows the time itself
    r.write_rows(rows)
    r.finish()
    return out.getvalue()


def test_timed_table_has_the_time_in_its_footer():
    lines = timed_render(["n"], [(i,) for i in range(10)], maxrows=4).splitlines()
    assert lines[-2].startswith("╰")
    assert re.fullmatch(r"10 rows \(4 shown\) · \d+(\.\d+)? (µs|ms|s)", lines[-1]), lines[-1]
    empty = timed_render(["n"], []).splitlines()
    assert re.fullmatch(r"0 rows · \d+(\.\d+)? (µs|ms|s)", empty[-1])
    assert render(["n"], [(1,)]).splitlines()[-1] == "1 row"  # untimed: the counts alone


def test_statement_without_columns_writes_nothing():
    assert render([], []) == ""


def test_one_row_says_row():
    assert render(["x"], [(1,)]).rstrip().endswith("1 row")


def test_wide_table_fits_a_narrow_terminal_by_hiding_middle_columns():
    columns = [f"column_{i}" for i in range(30)]
    out = render(columns, [tuple(range(30))] * 3, width=60)
    assert all(cell_len(line) <= 60 for line in out.splitlines())
    header = cells(body_lines(out)[0])
    names = [h.strip() for h in header]
    assert names[0] == "column_0" and names[-1] == "column_29"
    assert "…" in names and "column_15" not in names
    shown = len(names) - 1
    assert out.rstrip().endswith(f"3 rows  30 columns ({shown} shown)")


def test_long_text_is_cut_with_an_ellipsis_not_wrapped():
    out = render(["id", "doc"], [(1, "word " * 400), (2, "short")], width=50)
    lines = body_lines(out)
    assert len(lines) == 3  # header and two one-line rows
    assert all(cell_len(line) <= 50 for line in out.splitlines())
    assert cells(lines[1])[1].rstrip().endswith("…")
    assert "short" in lines[2]


def test_narrow_columns_keep_their_width_when_a_wide_one_is_cut():
    out = render(["n", "code", "doc"], [(123456789, "abc", "z" * 300)], width=50)
    row = [c.strip() for c in cells(body_lines(out)[1])]
    assert row[0] == "123456789" and row[1] == "abc"
    assert row[2].endswith("…")


def test_text_with_newlines_and_controls_stays_on_one_line():
    out = render(["t"], [("one\ntwo\tthree\x1b[31mred\r",)], color=False)
    lines = body_lines(out)
    assert len(lines) == 2
    assert "one↵two⇥three␛[31mred␍" in lines[1]
    assert "\x1b" not in out


def test_undecodable_text_does_not_reach_the_terminal_raw():
    out = render(["t"], [("ok\udcff",)])
    assert "ok\ufffd" in out


def test_markup_in_values_is_shown_literally():
    out = render(["[bold]x[/bold]"], [("[red]y[/red] :smile:",)], color=True)
    assert "[bold]x[/bold]" in ANSI.sub("", out)
    assert "[red]y[/red] :smile:" in ANSI.sub("", out)


@pytest.mark.parametrize("width", [30, 50, 80])
def test_wide_characters_keep_the_table_rectangular(width):
    rows = [("😀😀😀", "世界世界", 1), ("e\u0301", "ascii", 22), ("🇫🇷 flag" * 10, "x", 333)]
    out = render(["emoji", "cjk", "n"], rows, width=width)
    table = [line for line in out.splitlines() if line[:1] in "╭│├╰"]
    assert len({cell_len(line) for line in table}) == 1
    assert all(cell_len(line) <= width for line in out.splitlines())
    assert "😀😀😀" in out and "世界世界" in out


def test_fit_widths_cuts_only_the_widest_columns():
    assert fit_widths([5, 10, 100], [5, 8, 8], 200) == [5, 10, 100]
    widths = fit_widths([5, 10, 100], [5, 8, 8], 40)
    assert widths[:2] == [5, 10] and sum(widths) == 40
    assert fit_widths([50, 50], [8, 8], 41) in ([21, 20], [20, 21])


def test_choose_columns_takes_both_ends():
    assert choose_columns([5] * 4, 100) == [0, 1, 2, 3]
    shown = choose_columns([8] * 20, 60)
    assert shown[0] == 0 and shown[-1] == 19 and shown == sorted(shown)
    assert choose_columns([500], 40) == [0]  # the first column always


def test_interrupted_fetch_still_counts_and_shows_what_came():
    def rows():
        for i in range(100):
            yield (i,)
        raise KeyboardInterrupt

    out = io.StringIO()
    r = PrettyRenderer(out, view(10), width=40, color=False)
    r.start(["x"])
    with pytest.raises(KeyboardInterrupt):
        r.write_rows(rows())
    assert r.count == 100
    r.finish()
    assert "100 rows (10 shown)" in out.getvalue()
    assert "99" in out.getvalue()


def test_streams_an_apsw_cursor():
    con = apsw.Connection(":memory:")
    cursor = con.execute(
        "with recursive c(x) as (select 1 union all select x + 1 from c limit 100000) "
        "select x, 'row ' || x, x * 0.5 from c"
    )
    out = io.StringIO()
    r = PrettyRenderer(out, view(4), width=60, color=False)
    r.start([d[0] for d in cursor.get_description()])
    r.row(next(cursor))
    r.write_rows(cursor)
    r.finish()
    text = out.getvalue()
    assert r.count == 100000
    assert "row 100000" in text and "50000.0" in text and "row 99998" not in text
    assert "100,000 rows (4 shown)" in text
    assert len(r.head) + len(r.tail) == 4  # only what is shown was kept


def test_rich_is_imported_only_to_draw():
    code = (
        "import sys, io\n"
        "from wasmshell.shell.output.pretty import PrettyRenderer\n"
        "from wasmshell.shell.output.base import OutputSettings\n"
        "r = PrettyRenderer(io.StringIO(), OutputSettings())\n"
        "r.start(['x']); r.row((1,)); r.write_rows([(2,), (3,)])\n"
        "assert not any(m == 'rich' or m.startswith('rich.') for m in sys.modules), 'rich imported early'\n"
        "r.finish()\n"
        "assert 'rich' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_column_wider_than_the_terminal_is_cut_to_fit():
    out = render(["a_really_long_column_name_here", "b"], [(1, 2)], width=20)
    assert all(cell_len(line) <= 20 for line in out.splitlines())
    header = [h.strip() for h in cells(body_lines(out)[0])]
    assert header[0].startswith("a_really") and header[0].endswith("…")
    assert header[1] == "b"
    out = render(["only"], [("y" * 100,)], width=12)
    assert all(cell_len(line) <= 12 for line in out.splitlines())
    assert cells(body_lines(out)[1])[0].strip() == "yyyyyyy…"


def test_numbers_are_not_cut_to_make_room_for_text():
    out = render(["id", "doc"], [(12345678901234, "t" * 300)], width=40)
    row = [c.strip() for c in cells(body_lines(out)[1])]
    assert row[0] == "12345678901234"
    assert row[1].endswith("…")


values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=60),
    st.binary(max_size=40),
)


@settings(max_examples=150, deadline=None)
@given(
    ncols=st.integers(min_value=1, max_value=25),
    data=st.data(),
    width=st.integers(min_value=12, max_value=160),
    maxrows=st.integers(min_value=1, max_value=12),
)
def test_any_result_fits_the_width_and_counts_its_rows(ncols, data, width, maxrows):
    names = data.draw(st.lists(st.text(min_size=1, max_size=25), min_size=ncols, max_size=ncols))
    rows = data.draw(st.lists(st.tuples(*[values] * ncols), max_size=30))
    out = render(names, rows, width=width, maxrows=maxrows)
    lines = out.splitlines()
    assert all(cell_len(line) <= width for line in lines)
    table = [line for line in lines if line[:1] in "╭│├╰"]
    assert len({cell_len(line) for line in table}) == 1
    shown = min(len(rows), maxrows)
    assert len(body_lines(out)) == 1 + shown + (1 if len(rows) > maxrows else 0)
    footer = " ".join(lines[len(table) :])
    assert footer.startswith(f"{len(rows):,} row")


@pytest.mark.parametrize("explain", [1, 2], ids=["explain", "explain-query-plan"])
def test_explain_in_the_interactive_view_is_drawn_as_in_every_mode(explain):
    """EXPLAIN has a layout of its own whatever the mode (EXPLAIN QUERY PLAN's is a tree, in the
    table view drawn with rich); in the interactive view it failed with "KeyError: 'pretty'"
    looking for a renderer to fall back on."""
    from wasmshell.shell.output.render import renderer_for

    conn = apsw.Connection(":memory:")
    conn.execute("create table t(a)")
    sql = ("explain " if explain == 1 else "explain query plan ") + "select * from t where a > 1"

    def drawn(mode: str) -> str:
        out = io.StringIO()
        cursor = conn.cursor().execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = list(cursor)
        renderer = renderer_for(out, OutputSettings(mode=mode), explain=explain, sql=sql)
        renderer.start(columns)
        for row in rows:
            renderer.row(row)
        renderer.finish()
        return out.getvalue()

    if explain == 1:
        assert drawn("pretty") == drawn("list") != ""
    else:  # the table view draws sqlite3's tree (in colour on a terminal)
        assert drawn("pretty") == drawn("list") == "QUERY PLAN\n`--SCAN t\n"
