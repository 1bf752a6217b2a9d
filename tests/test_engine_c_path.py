"""The C call path: a registered Wasm function is a C SQLite function (_wasmcall.c's x_func).

SQLite calls it for every row without the GIL and without a Python object; anything unusual goes
through the Python-facing call with the GIL. These tests hold that path to the one without the C
part (ctypes calls, APSW's Python functions): the same results, the same errors, the same counters,
and the same limits.
"""

from __future__ import annotations

import contextlib
import math
from types import SimpleNamespace

import apsw
import pytest
from conftest import open_session, run_python, wat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasmshell.engine import native, runtime
from wasmshell.engine.errors import WasmError


@contextlib.contextmanager
def calls_in_c(on: bool):
    """Functions bound in the block take the C call path (on) or APSW's Python one."""
    native.c_calls = on
    try:
        yield
    finally:
        native.c_calls = True


def session_with(sources, c_calls: bool, **limits):
    """A session with the modules ``sources`` (fixture names or WebAssembly text) registered."""
    session = open_session(**limits)
    with calls_in_c(c_calls):
        for source in sources:
            session.register_module(source if source.lstrip().startswith("(") else wat(source))
    return session


pytestmark = pytest.mark.skipif(
    native._c_part(apsw.Connection(":memory:")) is None, reason="the C part is not built"
)

# (module, function, number of arguments): every kind of parameter and result the ABI has.
FUNCTIONS = [
    ("add1", "add1", 1),  # i64 -> i64
    ("add_i32", "add_i32", 2),  # i32, i32 -> i32 (no memory)
    ("hypot", "hypot", 2),  # f64, f64 -> f64
    ("f32", "twice_f32", 1),  # f32 -> f32
    ("nan", "root", 1),  # f64 -> f64, a NaN is NULL
    ("divide", "divide", 2),  # traps on zero
    ("reverse_text", "reverse_text", 1),  # pointer -> pointer
    ("reverse_blob", "reverse_blob", 1),
    ("concat3", "concat3", 3),  # three pointers
    ("contains", "contains", 2),  # pointers -> i64
    ("ident", "byte_at", 2),  # pointer, i64 -> i64 (traps out of range)
    ("nullif_empty", "nullif_empty", 1),
]

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=False),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.binary(max_size=40),
)


def pair_of(sources, setup: str = ""):
    """The same modules in a session calling them in C and in one calling them through APSW's
    Python functions; closed when done."""
    sessions = [session_with(sources, c_calls) for c_calls in (True, False)]
    for session in sessions:
        if setup:
            session.execute(setup)
    yield tuple(sessions)
    for session in sessions:
        session.close()


@pytest.fixture(scope="module")
def pair():
    yield from pair_of(sorted({m for m, _f, _n in FUNCTIONS}))


def outcome(session, sql: str, args: tuple) -> object:
    try:
        return ("value", session.execute(sql, args).fetchall())
    except WasmError as exc:
        return ("error", type(exc).__name__, str(exc))


def counters(session, name: str) -> tuple[int, int]:
    entry = session.functions[name]
    return entry.calls, entry.errors


def test_registered_functions_are_c_functions(pair):
    c, python = pair
    for _module, name, _n in FUNCTIONS:
        assert type(c.functions[name].fn.call).__name__ == "WasmCall"
        assert type(python.functions[name].fn.call).__name__ == "function"


def test_rows_run_in_c_without_the_gil(pair):
    c, _python = pair
    call = c.functions["add1"].fn.call
    text_call = c.functions["reverse_text"].fn.call
    before, text_before = call.fast_calls, text_call.fast_calls
    series = "with recursive n(x) as (select 1 union all select x + 1 from n limit 1000)"
    total = c.execute(f"{series} select sum(add1(x)), sum(length(reverse_text(x || 'é'))) from n").fetchall()
    assert total == [(sum(range(2, 1002)), sum(len(str(x)) + 1 for x in range(1, 1001)))]
    assert call.fast_calls - before == 1000
    assert text_call.fast_calls - text_before == 1000


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function=st.sampled_from(FUNCTIONS), data=st.data())
def test_c_path_gives_the_results_and_errors_of_the_python_path(pair, function, data):
    c, python = pair
    _module, name, nargs = function
    args = tuple(data.draw(values) for _ in range(nargs))
    sql = f"select {name}({', '.join('?' * nargs)})"
    before_c, before_python = counters(c, name), counters(python, name)
    ours, theirs = outcome(c, sql, args), outcome(python, sql, args)
    if ours[0] == "value" and theirs[0] == "value":
        (a,), (b,) = ours[1][0], theirs[1][0]
        assert type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))
    else:
        assert ours == theirs
    after_c, after_python = counters(c, name), counters(python, name)
    assert (after_c[0] - before_c[0], after_c[1] - before_c[1]) == (
        after_python[0] - before_python[0],
        after_python[1] - before_python[1],
    )


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_trap_mid_statement_fails_it_and_the_next_statement_works(c_calls):
    s = session_with(["divide"], c_calls)
    with pytest.raises(WasmError, match="divide"):
        s.execute(
            "select divide(10, x) from (select 2 as x union all select 0 union all select 5)"
        ).fetchall()
    assert s.execute("select divide(10, 2)").fetchall() == [(5,)]
    assert counters(s, "divide") == (3, 1)  # 10/2, 10/0 (the trap ends the statement), 10/2
    s.close()


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_arguments_past_the_threshold_replace_the_instance(c_calls):
    """libSQL's modules never free: arguments that fill memory past its threshold make the next call
    start a new instance, between calls, on either path."""
    s = session_with(["reverse_blob"], c_calls, memory_mb=64)
    instance = next(iter(s._instances.values()))
    starts = instance.starts
    got = s.execute(
        "with recursive n(x) as (select 1 union all select x + 1 from n limit 40)"
        " select sum(length(reverse_blob(zeroblob(1000000)))) from n"
    ).fetchall()
    assert got == [(40_000_000,)]
    assert instance.starts > starts  # 40 MB of arguments: over 16 MiB past the start, so replaced


def test_closing_and_exiting_with_c_functions_registered():
    """SQLite drops the C functions with the connection (taking the GIL to release them), also at
    interpreter exit with the session still open."""
    script = f"""
import wasmshell
for close in (True, False):
    s = wasmshell.connect()
    s.register_module({wat("reverse_text")!r})
    assert s.execute("select reverse_text('abc')").fetchall() == [("cba",)]
    s.uninstall("reverse_text")
    s.register_module({wat("reverse_text")!r})
    assert s.execute("select reverse_text('xyz')").fetchall() == [("zyx",)]
    if close:
        s.close()
kept = s
print("done")
"""
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"done"


# -- aggregates and window functions ---------------------------------------------------------

AGGREGATES = ("isum", "joinwords")  # an i64 state; a pointer state living in memory
rows_of_values = st.lists(st.tuples(st.integers(0, 3), values, values), max_size=30)
QUERIES = [
    "select g, isum(x) from t group by g order by g",
    "select isum(x), joinwords(w) from t",
    "select g, joinwords(w) from t group by g order by g",
    "select rowid, isum(x) over (order by rowid rows 2 preceding) from t order by rowid",
    "select rowid, isum(x) over (partition by g order by rowid) from t order by rowid",
    "select isum(x) filter (where g > 1), joinwords(distinct w) from t",
]


@pytest.fixture(scope="module")
def aggregate_pair():
    yield from pair_of(AGGREGATES, "create table t(g, x, w)")


def test_aggregate_rows_run_in_c(aggregate_pair):
    c, python = aggregate_pair
    assert c.functions["isum"].fn.native is not None
    assert python.functions["isum"].fn.native is None
    step = c.functions["isum"].fn.native.fast[0]
    joined = c.functions["joinwords"].fn.native.fast[0]
    before, joined_before = step.fast_calls, joined.fast_calls
    series = "with recursive n(x) as (select 1 union all select x + 1 from n limit 1000)"
    got = c.execute(f"{series} select isum(x), length(joinwords(x || '')) from n").fetchall()
    assert got == [(500500, sum(len(str(x)) for x in range(1, 1001)) + 999)]
    assert step.fast_calls - before == 1000
    assert joined.fast_calls - joined_before == 1000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=rows_of_values, query=st.sampled_from(QUERIES))
def test_c_aggregates_give_the_results_and_errors_of_the_python_path(aggregate_pair, table, query):
    c, python = aggregate_pair
    results = []
    for session in (c, python):
        session.execute("delete from t")
        session.connection.executemany("insert into t values (?, ?, ?)", table)
        results.append(outcome(session, query, ()))
    assert results[0] == results[1]
    for session in (c, python):  # no group is left holding the store
        instance = session.functions["isum"].fn.phases["step"]
        assert all(i.gate[runtime.HOLDERS] == 0 for i in session._instances.values()), instance


def test_an_abandoned_window_query_lets_go_of_its_groups(aggregate_pair):
    """SQLite calls xFinal for the groups of a statement stopped early: none stays counted as
    holding the store, which may then be replaced again."""
    c, _python = aggregate_pair
    c.execute("delete from t")
    c.connection.executemany("insert into t values (?, ?, ?)", [(k % 3, k, str(k)) for k in range(100)])
    instance = next(i for i in c._instances.values() if "isum_step" in i.compiled.exports)
    cursor = c.execute("select isum(x) over (partition by g order by rowid) from t")
    assert next(cursor) == (0,)
    assert instance.gate[runtime.HOLDERS] > 0  # a partition's group is alive
    cursor.close()
    assert instance.gate[runtime.HOLDERS] == 0
    assert c.execute("select isum(x) from t").fetchall() == [(4950,)]


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_trap_in_a_step_loses_no_holder_and_the_next_query_works(c_calls):
    s = open_session()
    module = """(module (memory (export "memory") 1)
      (func (export "picky_step") (param $s i64) (param $x i64) (result i64)
        (if (i64.eq (local.get $x) (i64.const 13)) (then unreachable))
        (i64.add (local.get $s) (local.get $x)))
      (func (export "picky_final") (param $s i64) (result i64) (local.get $s)))"""
    with calls_in_c(c_calls):
        s.register_module(module)
    series = "with recursive n(x) as (select 1 union all select x + 1 from n limit 20)"
    with pytest.raises(WasmError, match="picky"):
        s.execute(f"{series} select picky(x) from n").fetchall()
    assert all(i.gate[runtime.HOLDERS] == 0 for i in s._instances.values())
    assert s.execute(f"{series} select picky(x) from n where x < 13").fetchall() == [(78,)]
    s.close()


def test_run_wasm_rows_with_a_constant_module_run_in_c():
    """run_wasm resolves a constant module once per statement; its rows then take the registered
    function's C path, without the GIL."""
    s = open_session()
    source = wat("reverse_text")
    series = "with recursive n(x) as (select 1 union all select x + 1 from n limit 500)"
    got = s.execute(
        f"{series} select group_concat(run_wasm(?, 'reverse_text', 'ab' || x), '') from n", (source,)
    )
    assert got.fetchall() == [("".join(f"ab{x}"[::-1] for x in range(1, 501)),)]
    call = s._run_wasm_modules[source][1]["reverse_text"].call
    assert type(call).__name__ == "WasmCall"
    assert call.fast_calls >= 499  # the first row resolves the module, with the GIL
    with pytest.raises(WasmError, match="argument 1 expects TEXT, BLOB or NULL, got INTEGER"):
        s.execute(
            f"{series} select run_wasm(?, 'reverse_text', case when x = 300 then 7 else 'a' end) from n",
            (source,),
        ).fetchall()
    s.close()


# -- table-valued functions ------------------------------------------------------------------

TABLE_QUERIES = [
    ("select * from int_range(?, ?, ?)", 3),
    ("select value, start, stop, step from int_range(?, ?, ?) limit 50", 3),
    ("select sum(value), count(*) from int_range(?, ?, ?)", 3),
    ("select n, word, pos from split_words(?)", 1),
    ("select w.word, r.value from split_words(?) w, int_range(1, 3, 1) r", 1),
    ("select count(*) from split_words(?) where word > 'm'", 1),
]
table_values = st.one_of(
    st.none(),
    st.integers(min_value=-300, max_value=300),
    st.floats(allow_nan=False, width=32),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.binary(max_size=10),
)


@pytest.fixture(scope="module")
def table_pair():
    yield from pair_of(("int_range", "split_words"))


def test_table_rows_come_from_c(table_pair, monkeypatch):
    """The C virtual table reads each batch's bytes itself: the Python cursor's parsing is not used."""
    from wasmshell.engine import tables

    c, python = table_pair

    def refused(*_args):
        raise AssertionError("the Python cursor read a batch")

    monkeypatch.setattr(tables.TableFunction, "batch", refused)
    assert c.execute("select sum(value), count(*) from int_range(1, 100000, 1)").fetchall() == [
        (5000050000, 100000)
    ]
    with pytest.raises(AssertionError, match="Python cursor"):
        python.execute("select count(*) from int_range(1, 10, 1)").fetchall()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.sampled_from(TABLE_QUERIES), data=st.data())
def test_c_tables_give_the_rows_and_errors_of_the_python_path(table_pair, query, data):
    c, python = table_pair
    sql, nargs = query
    args = tuple(data.draw(table_values) for _ in range(nargs))
    ours, theirs = outcome(c, sql, args), outcome(python, sql, args)
    assert ours == theirs
    for session in (c, python):  # no cursor is left holding the store
        assert all(i.pins == 0 for i in session._instances.values())


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_text_parameter_given_a_number_is_a_counted_error(c_calls):
    """As for a number given TEXT: the call fails and .funcs counts it among the errors."""
    s = session_with(["reverse_text", "joinwords"], c_calls)
    with pytest.raises(WasmError, match="reverse_text: argument 1 expects TEXT, BLOB or NULL, got INTEGER"):
        s.execute("select reverse_text(5)").fetchall()
    assert counters(s, "reverse_text") == (0, 1)
    with pytest.raises(
        WasmError, match=r"joinwords \(step\): argument 1 expects TEXT, BLOB or NULL, got REAL"
    ):
        s.execute("select joinwords(x) from (select 'a' x union all select 2.5)").fetchall()
    assert s.functions["joinwords"].errors == 1
    s.close()


def test_everything_works_without_the_c_part():
    """Where no C compiler built the C part: every kind of function, run_wasm, the errors and the
    table view, through APSW's Python functions and ctypes. (The import is made to fail.)"""
    script = f"""
import io, sys
sys.modules["wasmshell.engine._runwasm"] = None  # as if it had not been built
import wasmshell
from wasmshell.engine import native, WasmError
from wasmshell.shell.state import Shell

s = wasmshell.connect()
assert native._c_part(s.connection) is None and not s.native_run_wasm
for name in ("add1", "reverse_text", "isum", "int_range", "divide"):
    s.register_module(open(f"samples/{{name}}.wat").read())
assert type(s.functions["add1"].fn.call).__name__ == "function"
got = s.execute(
    "select sum(add1(value)), isum(value), max(reverse_text('ab' || value)) from int_range(1, 1000, 1)"
).fetchall()
assert got == [(sum(range(2, 1002)), 500500, "9ba")], got
assert s.execute("select run_wasm(?, 'add1', 41)", ({wat("add1")!r},)).fetchall() == [(42,)]
try:
    s.execute("select divide(1, 0)").fetchall()
except WasmError as exc:
    assert "divide by zero" in str(exc)
else:
    raise AssertionError("no trap")
assert s.functions["divide"].errors == 1
out = io.StringIO()
shell = Shell(":memory:", stdout=out, stderr=io.StringIO())
shell.settings.mode = "pretty"
series = "with recursive c(x) as (select 1 union all select x + 1 from c limit 100000)"
shell.run_sql(series + " select x from c;", None)
assert "100,000 rows (40 shown)" in out.getvalue()
print("ok")
"""
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"ok"


LIMITED = """(module (memory (export "memory") 1 1000)
  (data (i32.const 16) "\\03value INTEGER\\00")
  (func (export "spin") (param i64) (result i64) (loop $l (br $l)) (i64.const 0))
  (func (export "hog") (param i64) (result i64)
    (drop (memory.grow (i32.const 999))) (i64.extend_i32_s (memory.size)))
  (func (export "slow_step") (param i64) (param i64) (result i64) (loop $l (br $l)) (local.get 0))
  (func (export "slow_final") (param i64) (result i64) (local.get 0))
  (func (export "lazy_columns") (result i32) (i32.const 16))
  (func (export "lazy_open") (result i64) (i64.const 1))
  (func (export "lazy_next") (param i64) (result i32) (loop $l (br $l)) (i32.const 0)))"""


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
@pytest.mark.parametrize(
    ("sql", "error", "message"),
    [
        ("select spin(1)", "TimeLimitExceeded", "spin: time limit of 300 ms exceeded"),
        ("select slow(x) from (select 1 x)", "TimeLimitExceeded", r"slow \(step\): time limit of 300 ms"),
        ("select * from lazy()", "TimeLimitExceeded", r"lazy \(next\): time limit of 300 ms"),
        ("select hog(1)", None, None),  # 1000 pages are 62.5 MiB: within a 64 MiB limit, not 16
    ],
)
def test_limits_hold_on_both_paths(c_calls, sql, error, message):
    s = session_with([LIMITED], c_calls, timeout_ms=300, memory_mb=64)
    if error is None:
        assert s.execute(sql).fetchall() == [(1000,)]
        small = session_with([LIMITED], c_calls, timeout_ms=300, memory_mb=16)
        assert small.execute(sql).fetchall() == [(1,)]  # past 16 MiB memory.grow fails: still 1 page
        small.close()
    else:
        with pytest.raises(WasmError, match=message) as caught:
            s.execute(sql).fetchall()
        assert type(caught.value).__name__ == error
        assert s.execute("select 1").fetchall() == [(1,)]
    s.close()


def _batch_module(count: int, data: bytes) -> str:
    """A table function ``fuzz(a, b)`` whose one batch is ``count`` rows in ``data``, as given."""
    raw = count.to_bytes(4, "little") + len(data).to_bytes(4, "little") + data
    escaped = "".join(f"\\{b:02x}" for b in raw)
    return f"""(module (memory (export "memory") 2)
  (data (i32.const 16) "\\03a, b\\00")
  (data (i32.const 1024) "{escaped}")
  (global $sent (mut i32) (i32.const 0))
  (func (export "fuzz_columns") (result i32) (i32.const 16))
  (func (export "fuzz_open") (result i64) (global.set $sent (i32.const 0)) (i64.const 1))
  (func (export "fuzz_next") (param i64) (result i32)
    (if (result i32) (global.get $sent) (then (i32.const 0))
      (else (global.set $sent (i32.const 1)) (i32.const 1024)))))"""


cells = st.one_of(
    st.builds(lambda n: b"\x01" + n.to_bytes(8, "little", signed=True), st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda x: b"\x02" + __import__("struct").pack("<d", x), st.floats()),
    st.builds(lambda t: b"\x03" + t + b"\x00", st.binary(max_size=12).filter(lambda t: b"\x00" not in t)),
    st.builds(
        lambda t: b"\x03" + t.encode() + b"\x00", st.text(max_size=8).filter(lambda t: "\x00" not in t)
    ),
    st.builds(lambda b: b"\x04" + len(b).to_bytes(4, "big") + b, st.binary(max_size=12)),
    st.just(b"\x05"),
    st.binary(min_size=1, max_size=6),  # anything at all
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(cells, max_size=8), count=st.integers(0, 5), cut=st.integers(0, 3))
def test_any_batch_reads_the_same_in_c_and_in_python(parts, count, cut):
    """A hostile batch: the C table reads the rows APSW's Python table reads, or fails the same way."""
    data = b"".join(parts)
    data = data[: len(data) - cut] if cut < len(data) else data
    source = _batch_module(count, data)
    results = []
    for c_calls in (True, False):
        s = session_with([source], c_calls)
        results.append(outcome(s, "select a, b from fuzz()", ()))
        s.close()
    assert results[0] == results[1]


def _wide_module(columns: int, args: int) -> str:
    """``wide(a0..)``: one row of ``columns`` INTEGER columns 0, 1, 2...; ``args`` i64 arguments."""
    names = ", ".join(f"c{k}" for k in range(columns))
    row = b"".join(b"\x01" + k.to_bytes(8, "little") for k in range(columns))
    batch = (1).to_bytes(4, "little") + len(row).to_bytes(4, "little") + row
    escaped = "".join(f"\\{b:02x}" for b in batch)
    params = " ".join("(param i64)" for _ in range(args))
    return f"""(module (memory (export "memory") 2)
  (data (i32.const 16) "\\03{names}\\00")
  (data (i32.const 4096) "{escaped}")
  (global $sent (mut i32) (i32.const 0))
  (func (export "wide_columns") (result i32) (i32.const 16))
  (func (export "wide_open") {params} (result i64) (global.set $sent (i32.const 0)) (i64.const 1))
  (func (export "wide_next") (param i64) (result i32)
    (if (result i32) (global.get $sent) (then (i32.const 0))
      (else (global.set $sent (i32.const 1)) (i32.const 4096)))))"""


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_table_of_a_hundred_columns_reads_every_column(c_calls):
    s = session_with([_wide_module(100, 0)], c_calls)
    picked = "c99, c0, c50, c1"
    assert s.execute(f"select {picked} from wide()").fetchall() == [(99, 0, 50, 1)]
    assert s.execute("select * from wide()").fetchall() == [tuple(range(100))]
    s.close()


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_table_function_of_more_than_31_arguments_is_refused(c_calls):
    """A plan says which arguments it gives in a 32-bit mask: a module asking for 32 is refused
    with the reason, not planned wrong."""
    s = open_session()
    with calls_in_c(c_calls), pytest.raises(WasmError, match="takes 32 arguments, more than the 31"):
        s.register_module(_wide_module(2, 32))
    with calls_in_c(c_calls):
        s.register_module(_wide_module(2, 31))
    assert s.execute(f"select c1 from wide({', '.join(['1'] * 31)})").fetchall() == [(1,)]
    s.close()


def test_a_c_part_of_another_control_layout_is_not_used(monkeypatch):
    """The C part reads and writes the instance's control block by its own layout: built for another
    one than runtime's, it is left out (functions go through Python) rather than let write past it."""
    monkeypatch.setattr(runtime, "CONTROL_SLOTS", runtime.CONTROL_SLOTS + 1)
    s = session_with(["add1"], True)
    assert type(s.functions["add1"].fn.call).__name__ == "function"
    assert s.execute("select add1(41)").fetchall() == [(42,)]
    s.close()


def test_a_stale_instance_that_is_held_is_not_asked_again_after_every_call():
    """Memory past the threshold while state lives in the instance (a cursor's, here pinned by hand):
    Instance.maintain answers "wait" once, and the C calls after it do not take the GIL to ask again
    each time; letting go of the last state makes the next call replace the instance."""
    s = session_with(["reverse_blob"], True, memory_mb=64)
    instance = next(iter(s._instances.values()))
    asked = []
    refresh = instance.refresh_memory
    instance.refresh_memory = lambda: (asked.append(1), refresh())[1]  # what Instance.maintain does first
    starts = instance.starts
    instance.pins += 1
    query = (
        "with recursive n(x) as (select 1 union all select x + 1 from n limit 30)"
        " select sum(length(reverse_blob(zeroblob(1000000)))) from n"
    )
    assert s.execute(query).fetchall() == [(30_000_000,)]
    assert instance.stale and instance.starts == starts  # held: not replaced
    assert 1 <= len(asked) <= 3  # asked when it went stale, not for each of the ~12 calls after
    from wasmshell.engine.tables import TableFunction

    TableFunction.pin(SimpleNamespace(instance=instance), -1)  # the cursor lets go
    # The next call is the instance's last; the one after starts a new one.
    assert s.execute("select length(reverse_blob(x'00')) from (values (1), (2))").fetchall() == [(1,), (1,)]
    assert instance.starts > starts and not instance.stale


@pytest.mark.parametrize("c_calls", [True, False], ids=["C", "python"])
def test_a_view_may_use_a_table_function_with_the_schema_untrusted(c_calls):
    """A Wasm table function is sandboxed like every Wasm function, so innocuous on both paths: a
    view of an untrusted schema may read it."""
    s = session_with(["int_range"], c_calls)
    s.connection.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0)
    s.execute("create view v as select value from int_range(1, 4, 1)")
    assert s.execute("select * from v").fetchall() == [(1,), (2,), (3,), (4,)]
