"""Wasm aggregates and window functions: NAME_step, NAME_final, NAME_inverse (and NAME_value).

Results are compared with SQLite's own aggregates over the same rows (sum,
group_concat, window sums), never with numbers written here; failures must
name the function and the phase and leave the session usable.
"""

from __future__ import annotations

import statistics
import threading

import apsw
import pytest
import test_cli
from conftest import SAMPLES, open_session

from wasmshell.engine.errors import Interrupted, ModuleError, ResultError, TimeLimitExceeded, WasmTrap

ISUM = (SAMPLES / "isum.wat").read_text()
JOINWORDS = (SAMPLES / "joinwords.wat").read_text()
ISUM_QUOTED = "'" + ISUM.replace("'", "''") + "'"
C_MODULE = (SAMPLES / "c" / "sqlfuncs.wasm").read_bytes()
home = test_cli.home  # an empty HOME: no init file is read

# tsum: an i64 sum that traps on 13 and spins on 99 (step), traps on 7 (inverse), traps on a total
# of 666 (final). badptr: an i32 state whose final returns a pointer outside memory.
HOSTILE = """(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "libsql_malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "tsum_step") (param $s i64) (param $x i64) (result i64)
    (if (i64.eq (local.get $x) (i64.const 13)) (then unreachable))
    (if (i64.eq (local.get $x) (i64.const 99)) (then (loop $l (br $l))))
    (i64.add (local.get $s) (local.get $x)))
  (func (export "tsum_inverse") (param $s i64) (param $x i64) (result i64)
    (if (i64.eq (local.get $x) (i64.const 7)) (then unreachable))
    (i64.sub (local.get $s) (local.get $x)))
  (func (export "tsum_final") (param $s i64) (result i64)
    (if (i64.eq (local.get $s) (i64.const 666)) (then unreachable))
    (local.get $s))
  (func (export "badptr_step") (param $s i32) (param $x i64) (result i32) (local.get $s))
  (func (export "badptr_final") (param $s i32) (result i32) (i32.const 0x7fffff00)))
"""

CALM = "FROM t WHERE x NOT IN (7, 13, 99)"  # rows tsum takes without trouble
NUMBERS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "


@pytest.fixture
def s():
    session = open_session()
    session.register_module(ISUM)
    session.register_module(JOINWORDS)
    session.execute("CREATE TABLE t(g INTEGER, x INTEGER, w TEXT)")
    session.execute(
        NUMBERS.format(n=5000) + "INSERT INTO t SELECT x % 1700, (x * 7919) % 1000 - 300, "
        "CASE WHEN x % 11 THEN 'w' || x END FROM c"
    )
    try:
        yield session
    finally:
        session.close()


def fetch(session, sql):
    return session.execute(sql).fetchall()


def test_kinds_come_from_the_exports(s):
    infos = {i.name: i for i in s.register_module(HOSTILE)}
    assert (infos["tsum"].kind, infos["tsum"].params, infos["tsum"].result) == (
        "window",
        ("INTEGER",),
        "INTEGER",
    )
    assert infos["badptr"].kind == "aggregate"
    assert not {"tsum_step", "tsum_final", "tsum_inverse", "badptr_step"} & set(infos)


def test_thousands_of_groups_each_with_its_own_state(s):
    got = fetch(s, "SELECT g, isum(x), joinwords(w) FROM t GROUP BY g ORDER BY g")
    want = fetch(s, "SELECT g, total(x), group_concat(w, ' ') FROM t GROUP BY g ORDER BY g")
    assert len(got) == 1700
    assert got == [(g, int(total), words) for g, total, words in want]


def test_distinct_filter_and_order_by_inside_the_call(s):
    sql = "SELECT isum(DISTINCT x), isum(x) FILTER (WHERE x > 0), joinwords(w ORDER BY x DESC, w) FROM t"
    want = (
        "SELECT sum(DISTINCT x), sum(x) FILTER (WHERE x > 0), group_concat(w, ' ' ORDER BY x DESC, w) FROM t"
    )
    assert fetch(s, sql) == fetch(s, want)


def test_an_empty_group_gives_final_of_the_first_state(s):
    assert fetch(s, "SELECT isum(x), joinwords(w) FROM t WHERE 0") == [(0, None)]


def test_null_numeric_arguments_are_skipped(s):
    s.execute("UPDATE t SET x = NULL WHERE g % 3 = 0")
    assert fetch(s, "SELECT isum(x) FROM t") == fetch(s, "SELECT sum(x) FROM t")


@pytest.mark.parametrize(
    "frame",
    [
        "ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING",
        "RANGE BETWEEN 50 PRECEDING AND 50 FOLLOWING",
        "GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW",
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
    ],
)
def test_window_frames_match_sqlites_sum(s, frame):
    window = f"OVER (PARTITION BY g % 7 ORDER BY x {frame})"
    got = fetch(s, f"SELECT rowid, isum(x) {window} FROM t ORDER BY rowid")
    want = fetch(s, f"SELECT rowid, sum(x) {window} FROM t ORDER BY rowid")
    assert got == want


def test_a_window_of_an_aggregate_without_inverse_is_a_clear_error(s):
    with pytest.raises(apsw.SQLError) as error:
        fetch(s, "SELECT joinwords(w) OVER (ORDER BY x) FROM t")
    assert "joinwords() may not be used as a window function" in str(error.value)
    assert "its module exports no joinwords_inverse" in str(error.value)


@pytest.mark.parametrize(
    ("sql", "phase", "reason"),
    [
        ("SELECT tsum(x) FROM (VALUES (1), (13), (2)) AS v", "step", "unreachable"),
        ("SELECT tsum(x) OVER (ROWS 1 PRECEDING) FROM (VALUES (7), (1), (2)) AS v", "inverse", "unreachable"),
        ("SELECT tsum(x) FROM (VALUES (600), (66)) AS v", "final", "unreachable"),
    ],
)
def test_a_trap_names_the_function_and_the_phase_and_the_next_statement_starts_clean(s, sql, phase, reason):
    s.register_module(HOSTILE)
    sql = sql.replace("AS v", "").replace("tsum(x)", "tsum(column1)")
    with pytest.raises(WasmTrap, match=rf"wasm trap in tsum \({phase}\): {reason}"):
        fetch(s, sql)
    # The instance is started afresh and no state of the failed statement remains.
    assert fetch(s, f"SELECT tsum(x) {CALM}") == fetch(s, f"SELECT sum(x) {CALM}")
    assert s.functions["tsum"].errors == 1


def test_a_bad_result_of_final_is_an_error_naming_the_phase(s):
    s.register_module(HOSTILE)
    with pytest.raises(ResultError, match=r"badptr \(final\): result pointer .* outside linear memory"):
        fetch(s, "SELECT badptr(x) FROM t")
    assert fetch(s, "SELECT isum(x) FROM t") == fetch(s, "SELECT sum(x) FROM t")


def test_the_time_limit_stops_a_step(s):
    s.register_module(HOSTILE)
    s.limits = s.limits._replace(timeout_ms=200)
    with pytest.raises(TimeLimitExceeded, match=r"tsum \(step\): time limit of 200 ms"):
        fetch(s, "SELECT tsum(column1) FROM (VALUES (1), (99))")
    assert fetch(s, f"SELECT tsum(x) {CALM}") == fetch(s, f"SELECT sum(x) {CALM}")


def test_interrupt_stops_a_step(s):
    s.register_module(HOSTILE)
    timer = threading.Timer(0.2, s.interrupt)
    timer.start()
    try:
        with pytest.raises((Interrupted, apsw.InterruptError)):
            fetch(s, "SELECT g, tsum(CASE WHEN g = 900 THEN 99 ELSE 1 END) FROM t GROUP BY g")
    finally:
        timer.cancel()
    assert fetch(s, f"SELECT tsum(x) {CALM}") == fetch(s, f"SELECT sum(x) {CALM}")


FSUM = """(module
  (func (export "fsum_step") (param $s f64) (param $x f64) (result f64)
    (f64.add (local.get $s) (local.get $x)))
  (func (export "fsum_final") (param $s f64) (result f64) (local.get $s)))"""


@pytest.mark.parametrize("c_calls", [True, False], ids=["c", "ctypes"])
def test_both_call_paths_agree_with_sqlite(s, monkeypatch, c_calls):
    from wasmshell.engine import native

    monkeypatch.setattr(native, "c_calls", c_calls)
    s.register_module(HOSTILE)
    s.register_module(FSUM)
    s.register_module(C_MODULE)
    window = "OVER (PARTITION BY g % 3 ORDER BY x ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING)"
    assert fetch(s, f"SELECT g, isum(x), fsum(x), joinwords(w) {CALM} GROUP BY g") == fetch(
        s, f"SELECT g, sum(x), total(x), group_concat(w, ' ') {CALM} GROUP BY g"
    )
    assert fetch(s, f"SELECT isum(x) {window} FROM t") == fetch(s, f"SELECT sum(x) {window} FROM t")
    # A NaN state stays NaN (SQL NULL at the end); a NULL row is skipped.
    inf = "(VALUES (1e308 * 10), (-1e308 * 10), (1), (NULL))"
    assert fetch(s, f"SELECT fsum(column1) FROM {inf}") == fetch(s, f"SELECT total(column1) FROM {inf}")
    values = [x for (x,) in fetch(s, "SELECT x FROM t")]
    assert fetch(s, "SELECT middle(x) FROM t") == [(statistics.median(values),)]
    with pytest.raises(WasmTrap, match=r"wasm trap in tsum \(step\): unreachable"):
        fetch(s, "SELECT tsum(x) FROM t")
    assert fetch(s, f"SELECT tsum(x) {CALM}") == fetch(s, f"SELECT sum(x) {CALM}")


def test_an_instance_holding_states_is_not_replaced_mid_statement(s):
    """The C module's scalar lerp runs in the same instance as middle (a state of every value):
    its memory check sees the instance past its size bound on every row, and waits."""
    s.register_module(C_MODULE)
    assert fetch(s, "SELECT lerp(1, 2, 0.5)") == [(1.5,)]
    (instance,) = [i for i in s._instances.values() if "middle_step" in i.compiled.exports]
    instance.threshold = instance.mem_size + 65536  # a small bound, crossed a few thousand rows in
    before = instance.starts
    sql = NUMBERS.format(n=60000) + "SELECT middle(lerp(x * 7 % 60001, 0, 0)) FROM c"
    values = [x * 7 % 60001 for x in range(1, 60001)]
    assert fetch(s, sql) == [(statistics.median(values),)]
    # Once the statement is done with its states the instance is replaced.
    assert fetch(s, "SELECT lerp(1, 2, 0.5)") == [(1.5,)]
    assert instance.starts > before


def test_a_state_lost_with_its_instance_is_an_error_not_a_wild_read(s):
    s.register_module(C_MODULE)
    fn = s.functions["middle"]
    fn.bind()
    c, step, _final = fn.fn.start()
    step(c, 1.0)
    (instance,) = [i for i in s._instances.values() if "middle_step" in i.compiled.exports]
    instance.retire()
    with pytest.raises(ResultError, match=r"middle \(step\): .*restarted during the statement"):
        step(c, 2.0)


@pytest.mark.slow
def test_the_median_of_a_million_values_in_one_group(s):
    s.register_module(C_MODULE)
    sql = NUMBERS.format(n=1_000_000) + "SELECT middle(x * 7919 % 1000003) FROM c"
    values = [x * 7919 % 1000003 for x in range(1, 1_000_001)]
    assert fetch(s, sql) == [(statistics.median(values),)]


def test_stddev_matches_python(s):
    s.register_module(C_MODULE)
    got = fetch(s, "SELECT g % 5, stddev(x) FROM t GROUP BY g % 5 ORDER BY 1")
    want = {}
    for g, x in fetch(s, "SELECT g % 5, x FROM t"):
        want.setdefault(g, []).append(x)
    assert [g for g, _ in got] == sorted(want)
    for g, value in got:
        assert value == pytest.approx(statistics.stdev(want[g]), rel=1e-9)


@pytest.mark.parametrize(
    ("exports", "message"),
    [
        (
            '(func (export "a_step") (param i64 i64) (result f64) (f64.const 0))'
            '(func (export "a_final") (param i64) (result i64) (i64.const 0))',
            "a_step must take the state",
        ),
        (
            '(func (export "a_step") (param i64 i64) (result i64) (i64.const 0))'
            '(func (export "a_final") (param f64) (result i64) (i64.const 0))',
            "a_final must take the state (i64) alone",
        ),
        (
            '(func (export "a_step") (param i64 i64) (result i64) (i64.const 0))'
            '(func (export "a_inverse") (param i64) (result i64) (i64.const 0))'
            '(func (export "a_final") (param i64) (result i64) (i64.const 0))',
            "a_inverse must have the signature of a_step",
        ),
        (
            '(memory (export "memory") 1)'
            '(func (export "a_step") (param i32 i64) (result i32) (i32.const 0))'
            '(func (export "a_final") (param i32) (result i64) (i64.const 0))',
            "needs the module to export libsql_malloc",
        ),
    ],
)
def test_exports_that_do_not_fit_together_are_refused_and_nothing_is_registered(s, exports, message):
    with pytest.raises(ModuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        s.register_module(f"(module {exports})")
    assert "a" not in s.functions
    with pytest.raises(apsw.SQLError, match="no such function"):
        fetch(s, "SELECT a(1)")


def test_stored_aggregates_come_back_when_the_file_is_reopened(tmp_path):
    path = tmp_path / "agg.db"
    first = open_session(path)
    try:
        first.execute(f"CREATE FUNCTION isum LANGUAGE wasm AS {ISUM_QUOTED}")
        first.load_module(C_MODULE, ["middle"])
        first.execute("CREATE TABLE n AS " + NUMBERS.format(n=100) + "SELECT x FROM c")
        want = fetch(first, "SELECT sum(x), sum(x) OVER (ORDER BY x ROWS 2 PRECEDING) FROM n")
        want_median = statistics.median(range(1, 101))
    finally:
        first.close()
    again = open_session(path)
    try:
        assert fetch(again, "SELECT isum(x), isum(x) OVER (ORDER BY x ROWS 2 PRECEDING) FROM n") == want
        assert fetch(again, "SELECT middle(x) FROM n") == [(want_median,)]
        assert {again.functions["isum"].kind, again.functions["middle"].kind} == {"window", "aggregate"}
        again.execute("DROP FUNCTION isum")
        with pytest.raises(apsw.SQLError, match="no such function: isum"):
            fetch(again, "SELECT isum(x) FROM n")
    finally:
        again.close()


def test_a_stored_aggregates_signature_is_read_before_it_is_compiled(tmp_path, home):
    path = tmp_path / "agg.db"
    with open_session(path) as first:
        first.execute(f"CREATE FUNCTION isum LANGUAGE wasm AS {ISUM_QUOTED}")
        first.load_module(C_MODULE, ["middle"])
    with open_session(path) as again:
        for name, kind, params in (("isum", "window", ("INTEGER",)), ("middle", "aggregate", ("REAL",))):
            entry = again.functions[name]
            info = entry.peek()
            assert not entry.compiled and (info.kind, info.params) == (kind, params), name
    out, err, status = test_cli.run(str(path), ".mode list", ".funcs", env=home)
    assert status == 0 and err == ""
    listed = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "isum(INTEGER) -> INTEGER" in listed["isum"] and "not compiled yet" in listed["isum"]
    assert "middle(REAL) -> REAL" in listed["middle"]


def test_a_stored_aggregate_with_a_wrong_argument_count_is_sqlites_error(tmp_path):
    session = open_session(tmp_path / "f.db")
    try:
        session.execute(f"CREATE FUNCTION isum LANGUAGE wasm AS {ISUM_QUOTED}")
        with pytest.raises(apsw.SQLError, match="wrong number of arguments to function isum"):
            fetch(session, "SELECT isum(1, 2)")
    finally:
        session.close()
