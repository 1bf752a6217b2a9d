"""Determinism that is true (issue 12): a function registered deterministic gives the same result for
the same arguments whatever ran before, so an index, a generated column or a CHECK built on it stays
right.

A module that can keep state between calls (a mutable global, a memory its code writes or grows, a
table it changes, a memory the host writes arguments into) is registered not deterministic, with the
reason in ``.funcs``, and runs in its instance as any other. Once the schema names such a function
(or a CREATE or ALTER statement is about to), each of its calls runs in a fresh instance of its own:
it is then deterministic in fact, and registered so.
"""

from __future__ import annotations

import apsw
import pytest
from conftest import open_session, rows, wasm, wat
from test_stored_functions import create

from wasmshell import WasmError

# Each counts its calls in a different place and returns x + the count: 1, 2, 3, ... for x = 0.
COUNTERS = {
    "global": """(module (global $n (mut i64) (i64.const 0))
      (func (export "counter") (param $x i64) (result i64)
        (global.set $n (i64.add (global.get $n) (i64.const 1)))
        (i64.add (local.get $x) (global.get $n))))""",
    "memory": """(module (memory 1)
      (func (export "counter") (param $x i64) (result i64)
        (i64.store (i32.const 8) (i64.add (i64.load (i32.const 8)) (i64.const 1)))
        (i64.add (local.get $x) (i64.load (i32.const 8)))))""",
    "memory.grow": """(module (memory 0)
      (func (export "counter") (param $x i64) (result i64)
        (i64.add (local.get $x)
          (i64.extend_i32_s (i32.add (memory.grow (i32.const 1)) (i32.const 1))))))""",
    "table.grow": """(module (table 0 funcref)
      (func (export "counter") (param $x i64) (result i64)
        (i64.add (local.get $x)
          (i64.extend_i32_s (i32.add (table.grow (ref.null func) (i32.const 1)) (i32.const 1))))))""",
}
WHERE = {
    "global": "a mutable global",
    "memory": "a linear memory its code writes or grows",
    "memory.grow": "a linear memory its code writes or grows",
    "table.grow": "a table its code changes",
}
# A schema use of counter, the writes that follow it, and a query with its result once they are done:
# counter(x) is x + 1 in a fresh instance.
SCHEMA_USES = {
    "index": (
        "create index di on d(counter(x))",
        "update d set x = x + 1; insert into d values (7); update d set x = x * 2",
        "select x from d where counter(x) = 5",
        [(4,)],
    ),
    "generated column": (
        "create table g(x, c as (counter(x)) stored); insert into g(x) select x from d",
        "update g set x = x + 1; insert into g(x) values (7)",
        "select x, c from g where c != counter(x) or c != x + 1 order by x",
        [],
    ),
    "check": (
        "create table k(x check (counter(x) = x + 1))",
        "insert into k values (1), (2), (3); update k set x = x + 10",
        "select x from k order by x",
        [(11,), (12,), (13,)],
    ),
}


def binary(text: str) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(text))


@pytest.fixture(params=sorted(COUNTERS))
def kind(request):
    return request.param


def counts_calls(s) -> None:
    """The module really keeps state: the same argument gives n, n + 1, n + 2 (else the tests
    prove nothing)."""
    ((a, b, c),) = rows(s, "select counter(0), counter(0), counter(0)")
    assert (b, c) == (a + 1, a + 2)


@pytest.mark.parametrize("use", sorted(SCHEMA_USES))
@pytest.mark.parametrize("how", ["session", "stored", "stored binary", "reopened"])
def test_a_counter_in_the_schema_stays_right(tmp_path, kind, how, use):
    """Issue 12: an index on a counter, then an UPDATE, and integrity_check said "row 3 missing from
    index di". Registered by every path (the stored body read as text or binary without compiling, or
    compiled first), it keeps state until the schema names it, and from then on it is deterministic."""
    db = str(tmp_path / "f.db")
    body = binary(COUNTERS[kind]) if how == "stored binary" else COUNTERS[kind]
    with open_session(db) as s:
        s.execute("create table d(x); insert into d values (1), (2), (3)")
        if how != "session":
            s.execute(create("counter", body))
    schema, writes, query, expected = SCHEMA_USES[use]
    with open_session(db) as s:
        if how == "session":
            s.register_module(body)
        if how in ("session", "reopened"):
            counts_calls(s)  # compiled, and counting, before the schema names it
            entry = s.functions["counter"]
            assert entry.deterministic is False and not entry.fresh
            assert entry.why_not_deterministic == f"it can keep state between calls in {WHERE[kind]}"
        s.execute(schema)
        assert s.functions["counter"].fresh
        counts = rows(s, "select counter(0), counter(0), counter(41)")
        s.execute(writes)
        assert rows(s, query) == expected
        assert rows(s, "pragma integrity_check") == [("ok",)]
        assert counts == [(1, 1, 42)]
    if how == "session":
        return
    with open_session(db) as s:  # the schema names it: fresh from the start
        s.execute(writes)
        assert s.functions["counter"].fresh
        assert rows(s, "pragma integrity_check") == [("ok",)]


def test_a_pure_module_with_a_memory_it_only_reads_is_deterministic(session):
    """A memory holding a lookup table, never written (no store, no libsql_malloc): no state."""
    session.register_module(
        """(module (memory 1) (data (i32.const 0) "\\02\\03\\05\\07\\0b\\0d")
          (func (export "prime") (param $i i32) (result i32)
            (i32.load8_u (i32.rem_u (local.get $i) (i32.const 6)))))"""
    )
    assert session.functions["prime"].deterministic is True
    session.execute("create table d(x); create index dp on d(prime(x)); insert into d values (1), (7), (3)")
    session.execute("update d set x = x + 1")
    assert rows(session, "select x from d where prime(x) = 5 order by x") == [(2,), (8,)]
    assert rows(session, "pragma integrity_check") == [("ok",)]


def test_samples_keeping_state_say_so(session):
    """Every TEXT sample keeps a bump allocator's pointer in a global; numeric ones keep nothing."""
    session.register_module(wat("reverse_text"))
    session.register_module(wat("fib"))
    session.register_module(wasm("hypot"))
    assert session.functions["reverse_text"].deterministic is False
    assert "a mutable global" in session.functions["reverse_text"].why_not_deterministic
    assert session.functions["fib"].deterministic is session.functions["hypot"].deterministic is True


def test_a_binary_module_inside_text_is_not_taken_for_pure(tmp_path):
    """WebAssembly text may hold a binary module in strings (``(module binary "...")``), which the
    text reader cannot see into: a WASI module hidden so was registered deterministic."""
    hidden = "".join(f"\\{b:02x}" for b in wasm("wasi_hello"))
    body = f'(module $m binary "{hidden}")'
    db = str(tmp_path / "f.db")
    with open_session(db) as s:
        s.execute(create("hello", body))
    with open_session(db) as s:
        s.execute("create table d(x)")
        with pytest.raises(apsw.SQLError, match="non-deterministic functions prohibited in index"):
            s.execute("create index dh on d(hello())")
        assert s.functions["hello"].deterministic is False
        assert "binary module" in s.functions["hello"].why_not_deterministic


def made_elsewhere(path: str, body: str, schema: str) -> None:
    """A file whose schema uses ``counter`` in ``schema``, made where counter was registered
    deterministic (libSQL, or wasmshell before issue 12). A Python function stands in for it, giving
    what a fresh instance gives: x + 1."""
    c = apsw.Connection(path)

    def counter(x: int) -> int:
        return x + 1

    c.create_scalar_function("counter", counter, 1, deterministic=True)
    c.execute(f"create table d(x); insert into d values (1), (2), (3); {schema}")
    c.execute("create table libsql_wasm_func_table (name text primary key, body text) without rowid")
    c.execute("insert into libsql_wasm_func_table values ('counter', ?)", (body,))
    c.close()


@pytest.mark.parametrize("use", sorted(SCHEMA_USES))
def test_a_schema_made_elsewhere_gets_a_fresh_instance_per_call(tmp_path, kind, use):
    """SQLite does not check determinism again when it reads a schema: an index on a counter made
    elsewhere would be corrupted by the next UPDATE, even with counter registered not deterministic.
    A function the schema names runs each call in a fresh instance from the start."""
    path = str(tmp_path / "f.db")
    schema, writes, query, expected = SCHEMA_USES[use]
    made_elsewhere(path, COUNTERS[kind], schema)
    with open_session(path) as s:
        entry = s.functions["counter"]
        assert entry.installed and entry.fresh and entry.deterministic is False
        assert rows(s, "select counter(0), counter(0), counter(5)") == [(1, 1, 6)]
        s.execute(writes)
        assert rows(s, query) == expected
        assert rows(s, "pragma integrity_check") == [("ok",)]


def test_a_fresh_instance_per_call_does_not_slow_the_others(tmp_path):
    """Only the function the schema uses gets fresh instances: another function of the same module,
    not in the schema, keeps its instance (and its state, so it stays not deterministic)."""
    body = COUNTERS["global"].replace(
        '(func (export "counter")',
        '(func (export "other") (param $x i64) (result i64) (global.set $n (i64.add (global.get $n)'
        " (i64.const 1))) (i64.add (local.get $x) (global.get $n)))\n"
        '(func (export "counter")',
    )
    path = str(tmp_path / "f.db")
    made_elsewhere(path, body, "create index di on d(counter(x))")
    with open_session(path) as s:
        s.execute(create("other", body))
        assert rows(s, "select other(0), counter(0), other(0), counter(0), other(0)") == [(1, 1, 2, 1, 3)]
        assert s.functions["other"].deterministic is False


def test_a_trap_in_a_fresh_instance_fails_the_statement_and_leaves_the_next_call_fresh(session):
    """A trap, a time limit: the statement fails, the table stays, the next call starts afresh."""
    session.register_module(
        COUNTERS["global"].replace(
            "(global.set $n",
            "(if (i64.eq (local.get $x) (i64.const 13)) (then unreachable)) (global.set $n",
        )
    )
    session.execute("create table k(x check (counter(x) = x + 1)); insert into k values (1)")
    with pytest.raises(WasmError, match="wasm trap in counter: unreachable"):
        session.execute("insert into k values (2), (13), (4)")
    assert rows(session, "select x from k") == [(1,)]
    session.execute("insert into k values (2), (3)")
    assert rows(session, "select counter(0), counter(0)") == [(1, 1)]
    assert rows(session, "pragma integrity_check") == [("ok",)]


def test_a_fresh_function_obeys_the_time_limit(session):
    """Each fresh instance's start and call run under the time limit; the statement stops cleanly."""
    from conftest import make_limits

    session.register_module(
        COUNTERS["global"].replace(
            "(global.set $n",
            "(if (i64.eq (local.get $x) (i64.const 13)) (then (loop $l (br $l)))) (global.set $n",
        )
    )
    session.limits = make_limits(timeout_ms=100)
    session.execute("create table k(x check (counter(x) = x + 1))")
    with pytest.raises(WasmError, match="time limit of 100 ms exceeded"):
        session.execute("insert into k values (1), (13)")
    session.execute("insert into k values (2)")
    assert rows(session, "select x from k") == [(2,)]


@pytest.mark.parametrize("kind", ["global", "memory", "memory.grow", "table.grow"])
def test_state_is_put_back_in_place_where_it_can_be(session, kind):
    """A fresh instance per call costs about 100 us; putting a memory image and the mutable globals
    back costs a few. Memory that grew, or a table changed, cannot be put back: a new instance then."""
    session.register_module(COUNTERS[kind])
    session.execute("create table k(x check (counter(x) = x + 1))")
    assert rows(session, "select counter(0)") == [(1,)]
    (instance,) = [i for key, i in session._instances.items() if isinstance(key, tuple)]
    live = instance._live
    assert rows(session, "select counter(0), counter(1), counter(0)") == [(1, 2, 1)]
    in_place = instance._live is live and live is not None
    assert in_place is (kind in ("global", "memory"))


def test_too_much_state_or_a_name_of_wasmshell_gets_a_new_instance_per_call(session):
    """A memory of 2 MiB is not copied back on every call, and a module that already exports the
    names wasmshell gives state cannot be rewritten: each call gets a new instance instead, still
    deterministic."""
    big = COUNTERS["memory"].replace("(memory 1)", "(memory 32)")
    squatter = COUNTERS["global"].replace(
        "(module", '(module (global (export "\\00wasmshell-state-g1") i32 (i32.const 7))'
    )
    session.register_module(big)
    session.register_module(squatter.replace('"counter"', '"counter2"'))
    session.execute("create table k(x check (counter(x) + counter2(x) = 2 * x + 2))")
    session.execute("insert into k values (1), (2), (3)")
    assert rows(session, "select counter(0), counter(0), counter2(0), counter2(0)") == [(1, 1, 1, 1)]
    for instance in (i for key, i in session._instances.items() if isinstance(key, tuple)):
        assert instance._image is None or not instance._image.usable
    assert rows(session, "pragma integrity_check") == [("ok",)]


def test_a_script_creating_the_function_and_a_check_on_it(session):
    """CREATE FUNCTION and a CHECK naming it in one script: the CHECK's statement is looked at too."""
    script = (
        create("counter", COUNTERS["global"])
        + "; create table k(x check (counter(x) = x + 1)); insert into k values (1), (2), (3);"
    )
    session.execute(script).fetchall()
    assert session.functions["counter"].fresh
    assert rows(session, "select x from k") == [(1,), (2,), (3,)]


@pytest.mark.parametrize("first", ["writes", "reads"])
@pytest.mark.parametrize("use", sorted(SCHEMA_USES))
def test_a_schema_use_another_connection_adds_makes_the_function_fresh_here(tmp_path, kind, use, first):
    """This session registered counter keeping state (no schema use yet); another connection then adds
    an index (a generated column, a CHECK) on it. SQLite reads the new schema without checking
    determinism, so the next write here would corrupt the index unless counter runs fresh from now."""
    path = str(tmp_path / "f.db")
    with open_session(path) as s:
        s.execute("create table d(x); insert into d values (1), (2), (3)")
        s.execute(create("counter", COUNTERS[kind]))
    schema, writes, query, expected = SCHEMA_USES[use]
    with open_session(path) as here, open_session(path) as elsewhere:
        counts_calls(here)
        assert not here.functions["counter"].fresh
        elsewhere.execute(schema)
        if first == "reads" and use != "check":
            # SQLite refuses the new schema while counter is registered here not deterministic
            # (a CHECK it accepts: one that another connection adds is noticed at the next write)
            assert rows(here, "select count(*) from d where counter(x) = 2") == [(1,)]
        here.execute(writes)
        assert here.functions["counter"].fresh
        assert rows(here, query) == expected
        assert rows(here, "pragma integrity_check") == [("ok",)]


def test_a_schema_use_added_elsewhere_between_two_transactions_is_noticed(tmp_path):
    path = str(tmp_path / "f.db")
    with open_session(path) as s:
        s.execute("create table d(x); insert into d values (1), (2), (3); create table k(x)")
        s.execute(create("counter", COUNTERS["global"]))
    with open_session(path) as here, open_session(path) as elsewhere:
        counts_calls(here)
        here.execute("begin")
        here.execute("insert into k values (counter(0))")  # checked once for this transaction
        here.execute("commit")
        elsewhere.execute("create table c(x check (counter(x) = x + 1))")
        here.execute("begin")
        here.execute("insert into c values (1)")  # counter(1) is 2: fresh, not 1 + calls so far
        here.execute("insert into c values (5)")
        here.execute("commit")
        assert here.functions["counter"].fresh
        assert rows(here, "select x from c") == [(1,), (5,)]
