"""The table view's rows past its head, stepped in C (native.rest_of_rows).

The interactive table shows a result's first and last rows. Once its head is full the rest of the
statement is stepped in C, counted, and only the last rows made into Python rows. Every case here
runs both ways, that path and APSW's rows one by one, and the two must write the same table, the
same error and the same exit status.
"""

from __future__ import annotations

import io

import apsw
import pytest
from conftest import wat_path

from wasmshell.engine import native
from wasmshell.shell.runner import run_command
from wasmshell.shell.state import Shell

pytestmark = pytest.mark.skipif(
    native._c_part(apsw.Connection(":memory:")) is None, reason="the C part is not built"
)


def series(n: int, select: str) -> str:
    return f"with recursive c(x) as (select 1 union all select x + 1 from c limit {n}) {select} from c;"


def show(sql: str, *, in_c: bool, maxrows: int = 40, setup: str = "") -> tuple[int, str, str, int]:
    """(status, output, errors, rows stepped in C) of ``sql`` in the table view."""
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(":memory:", stdout=out, stderr=err)
    stepped = []
    real = native.rest_of_rows

    def spy(*args):
        got = real(*args)
        stepped.append(got[0] if got else 0)
        return got

    try:
        if setup:
            run_command(shell, setup)
        shell.settings.mode = "pretty"
        shell.settings.maxrows = maxrows
        native.c_calls = in_c
        native.rest_of_rows = spy
        status = shell.run_sql(sql, None)
    finally:
        native.c_calls = True
        native.rest_of_rows = real
        shell.session.close()
    return status, out.getvalue(), err.getvalue(), sum(stepped)


def both(sql: str, **options) -> tuple[int, str, str, int]:
    ours = show(sql, in_c=True, **options)
    theirs = show(sql, in_c=False, **options)
    assert ours[:3] == theirs[:3]
    assert theirs[3] == 0
    return ours


@pytest.mark.parametrize("rows", [1, 19, 20, 21, 39, 40, 41, 1000, 100_000])
@pytest.mark.parametrize("maxrows", [40, 7, 2, 1])
def test_the_same_table_whatever_the_count(rows, maxrows):
    status, out, err, stepped = both(
        series(rows, "select x, x * 0.5 as half, 'row ' || x as name"), maxrows=maxrows
    )
    assert status == 0 and err == ""
    head = (maxrows + 1) // 2
    assert stepped == max(rows - head, 0)
    assert f"{rows:,} row" in out


def test_every_type_and_undecodable_text_in_the_last_rows():
    """TEXT that is not UTF-8 past the head (in it, APSW's strict decoding sends the statement to
    the path that runs it again keeping bytes) is shown as APSW's path shows it."""
    select = (
        "select x, case x % 5 when 0 then null when 1 then x * 1.5 when 2 then x'00ff' when 3 then"
        " case when x > 30 then cast(x'61ff62' as text) else 'ok' end else 'é' || x end as v"
    )
    status, out, err, stepped = both(series(500, select))
    assert status == 0 and err == "" and stepped == 480
    assert "a\ufffdb" in out


def test_an_error_after_the_head_shows_the_rows_before_it_and_the_error():
    select = "select case when x = 700 then abs(-9223372036854775808) else x end as v"
    status, out, err, stepped = both(series(1000, select))
    assert status == 1 and "integer overflow" in err
    assert stepped == 679  # the rows before the failing one, past the head
    assert "699" in out


def test_a_wasm_trap_after_the_head_is_the_trap():
    setup = f".loadwasm {wat_path('divide')}"
    status, _out, err, _stepped = both(series(1000, "select divide(10, 700 - x) as d"), setup=setup)
    assert status == 1 and "wasm trap in divide" in err and "divide by zero" in err


def test_the_next_statement_runs_after_a_result_stepped_in_c():
    sql = series(1000, "select x") + "\nselect 42 as answer;\n" + series(100, "select x * 2")
    status, out, err, stepped = both(sql)
    assert status == 0 and err == ""
    assert "42" in out and "1,000 rows" in out and "100 rows" in out
    assert stepped == 980 + 80


def test_large_values_passing_through_the_rest_leave_the_last_rows_right():
    """A value of megabytes between the head and the last rows is copied into the ring and given
    back; the rows shown are the last ones, as APSW's path shows them."""
    select = "select x, case when x % 200 = 0 then zeroblob(3000000) else 'v' || x end as v"
    status, out, err, stepped = both(series(1000, select))
    assert status == 0 and err == "" and stepped == 980
    assert "v999" in out and "1000" in out
