"""Failures: traps, limits, malformed results, malformed or refused modules.
Each must surface as the documented exception type, with a message naming
the essentials, and leave the session fully usable."""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field

import apsw
import pytest
import wasmtime
from conftest import (
    MODES,
    Caller,
    assert_usable,
    make_limits,
    one,
    open_session,
    rows,
    run_python,
    run_wasm,
    wasm,
    wat,
    wat_path,
)

from wasmshell.engine.errors import (
    ArgumentError,
    MemoryLimitExceeded,
    ModuleError,
    ResultError,
    TimeLimitExceeded,
    WasmError,
    WasmTrap,
)

I64_MIN = -(2**63)
# "out of bounds", "out-of-bounds", "outside linear memory", "past the end of ..."
OOB = r"(out[- ]of[- ]bounds|outside|past the end)"


def test_hierarchy():
    for cls in (ModuleError, WasmTrap, ArgumentError, ResultError):
        assert issubclass(cls, WasmError)
    assert issubclass(TimeLimitExceeded, WasmTrap)
    assert issubclass(MemoryLimitExceeded, WasmTrap)


@dataclass
class Failure:
    module: str
    func: str
    args: tuple
    exc: type | tuple
    pattern: str  # searched in the message, case-insensitive, . matches newlines
    limits: dict = field(default_factory=dict)
    has_ok: bool = False  # the module also exports ok() -> 42


FAILURES = {
    # traps
    "unreachable": Failure("unreachable", "boom", (1,), WasmTrap, r"boom.*unreachable", has_ok=True),
    "div-zero": Failure("div_zero", "div_zero", (7,), WasmTrap, r"div_zero.*divide by zero", has_ok=True),
    "divide-sample-by-zero": Failure("divide", "divide", (1, 0), WasmTrap, r"divide.*divide by zero"),
    "divide-overflow": Failure("divide", "divide", (I64_MIN, -1), WasmTrap, r"divide.*overflow"),
    "oob-load": Failure("oob_memory", "oob_load", (), WasmTrap, r"oob_load.*" + OOB, has_ok=True),
    "oob-store": Failure("oob_memory", "oob_store", (1,), WasmTrap, r"oob_store.*" + OOB, has_ok=True),
    "stack-overflow": Failure("stack_overflow", "recurse", (0,), WasmTrap, r"recurse.*stack", has_ok=True),
    "time-limit": Failure(
        "runaway",
        "spin",
        (),
        TimeLimitExceeded,
        r"spin.*time limit",
        limits={"timeout_ms": 200},
        has_ok=True,
    ),
    # memory cap: memory.grow returns -1 at the cap; the guest then traps
    # (or the engine reports the cap directly)
    "grow-until-fail": Failure(
        "memory_grow",
        "grow_until_fail",
        (),
        WasmTrap,
        r"grow_until_fail.*(unreachable|memory limit)",
        limits={"memory_mb": 4},
        has_ok=True,
    ),
    # a guest that ignores the failed grow loops until one limit or the other stops it
    "grow-forever": Failure(
        "memory_grow",
        "grow_forever",
        (),
        (MemoryLimitExceeded, TimeLimitExceeded),
        r"grow_forever.*(memory limit|time limit)",
        limits={"memory_mb": 4, "timeout_ms": 300},
        has_ok=True,
    ),
    # malformed results
    "bad-tag": Failure("bad_results", "bad_tag", (), ResultError, r"malformed result type byte 7"),
    "ptr-oob": Failure("bad_results", "ptr_oob", (), ResultError, OOB),
    "ptr-at-end": Failure("bad_results", "ptr_at_end", (), ResultError, OOB),
    "blob-len-huge": Failure("bad_results", "blob_len_huge", (), ResultError, OOB),
    "blob-len-past-end": Failure("bad_results", "blob_len_past_end", (), ResultError, OOB),
    "blob-len-negative": Failure(
        "bad_results", "blob_len_negative", (), ResultError, OOB + r"|negative|length"
    ),
    "blob-header-cut": Failure("bad_results", "blob_header_cut", (), ResultError, OOB),
    "text-bad-utf8": Failure("bad_results", "text_bad_utf8", (), ResultError, r"utf-?8"),
    "text-surrogate": Failure("bad_results", "text_surrogate", (), ResultError, r"utf-?8"),
    "text-overlong": Failure("bad_results", "text_overlong", (), ResultError, r"utf-?8"),
    "text-no-nul": Failure("bad_results", "text_no_nul", (), ResultError, OOB + r"|NUL|terminat"),
    # modules
    "import-env-foo": Failure("import_env_foo", "calls_foo", (), ModuleError, r"env.{0,3}foo"),
    "unknown-export": Failure("fib", "nope", (1,), ModuleError, r"nope"),
    "externref-param": Failure(
        "unsupported", "takes_externref", (None,), ModuleError, r"takes_externref", has_ok=True
    ),
    "two-results": Failure("unsupported", "two_results", (), ModuleError, r"two_results", has_ok=True),
    # arguments
    "arg-type": Failure("fib", "fib", ("ten",), ArgumentError, r"fib.*INTEGER"),
    "arg-i32-range": Failure("add_i32", "add_i32", (2**31, 0), ArgumentError, r"add_i32"),
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_failure_raises_and_session_stays_usable(call, name):
    f = FAILURES[name]
    s = call.s
    if f.limits:
        s.limits = make_limits(**f.limits)
    started = time.monotonic()
    with pytest.raises(f.exc) as err:
        call(f.module, f.func, *f.args)
    elapsed = time.monotonic() - started
    assert re.search(f.pattern, str(err.value), re.IGNORECASE | re.DOTALL), str(err.value)
    if "time limit" in f.pattern:
        assert elapsed < 3.0, f"time limit of 200-300 ms took {elapsed:.1f} s"
    assert not s.connection.in_transaction
    # the same failure again: the same error, not a crash or a different error
    with pytest.raises(f.exc):
        call(f.module, f.func, *f.args)
    # the module's other functions still work in the (reused or fresh) instance
    if f.has_ok:
        assert call(f.module, "ok") == 42
    s.limits = make_limits()
    assert_usable(s)


# --------------------------------------------------------------------------
# Traps: messages in detail


def test_trap_message_names_function_and_reason(session):
    session.register_module(wat("divide"))
    with pytest.raises(WasmTrap) as err:
        one(session, "select divide(1, 0)")
    assert re.search(r"\bdivide\b.*integer divide by zero", str(err.value), re.I | re.S)
    assert not isinstance(err.value, (TimeLimitExceeded, MemoryLimitExceeded))


def test_trap_inside_larger_query_names_function(session):
    session.register_module(wat("divide"))
    session.execute("create table t(a, b)")
    session.execute("insert into t values (6, 3), (1, 0), (8, 2)")
    with pytest.raises(WasmTrap, match="divide"):
        rows(session, "select divide(a, b) from t")


def test_stack_overflow_then_deep_finite_recursion_works(session):
    with pytest.raises(WasmTrap, match="stack"):
        run_wasm(session, "stack_overflow", "recurse", 0)
    assert run_wasm(session, "fib", "fib", 22) == 17711


# --------------------------------------------------------------------------
# Time limit


def test_time_limit_from_connect():
    s = open_session(timeout_ms=200)
    try:
        started = time.monotonic()
        with pytest.raises(TimeLimitExceeded, match=r"(?i)time limit"):
            run_wasm(s, "runaway", "spin")
        assert time.monotonic() - started < 3.0
        assert run_wasm(s, "runaway", "ok") == 42
    finally:
        s.close()


def test_time_limit_is_settable_on_the_session(session):
    session.register_module(wat("runaway"))
    session.limits = make_limits(timeout_ms=200)
    assert session.limits.timeout_ms == 200
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        one(session, "select spin()")
    assert time.monotonic() - started < 3.0
    assert one(session, "select ok()") == 42


def test_time_limit_is_per_call_not_per_statement(session):
    """Many quick calls in one statement are fine even when together they
    take longer than the limit."""
    session.register_module(wat("add1"))
    session.limits = make_limits(timeout_ms=50)
    total = one(
        session,
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)"
        " select sum(add1(i)) from n",
    )
    assert total == sum(range(2, 100002))


def test_time_limit_applies_to_every_call_after_reset(session):
    session.register_module(wat("runaway"))
    session.limits = make_limits(timeout_ms=150)
    for _ in range(3):
        with pytest.raises(TimeLimitExceeded):
            one(session, "select spin()")
        assert one(session, "select ok()") == 42


def test_long_legitimate_call_within_limit(session):
    session.limits = make_limits(timeout_ms=5000)
    assert run_wasm(session, "fib", "fib", 27) == 196418


def test_interrupt_stops_a_looping_wasm_call(session):
    """Session.interrupt() (what Ctrl-C calls, from another thread) stops a
    looping function long before its 5 s time limit."""
    from wasmshell.engine.errors import Interrupted

    session.register_module(wat("runaway"))
    timer = threading.Timer(0.2, session.interrupt)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises((Interrupted, apsw.InterruptError)):
            one(session, "select spin()")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 3.0
    assert one(session, "select ok()") == 42
    assert_usable(session)


def test_interrupt_stops_a_long_sql_statement(session):
    timer = threading.Timer(0.2, session.interrupt)
    timer.start()
    try:
        with pytest.raises(apsw.InterruptError):
            one(
                session,
                "with recursive c(i) as (select 1 union all select i + 1 from c) select count(*) from c",
            )
    finally:
        timer.cancel()
    assert_usable(session)


def test_infinite_loop_in_start_function_is_stopped():
    """Instantiation runs guest code too (the start function); it must be
    under the time limit. Run in a subprocess so a missing limit cannot hang
    the test run."""
    code = r"""
import time
from conftest import open_session, one
from wasmshell.engine.errors import WasmError
s = open_session(timeout_ms=200)
src = ('(module (func $s (loop $l (br $l))) (start $s)'
       ' (func (export "ok") (result i64) i64.const 1))')
t = time.monotonic()
try:
    one(s, "select run_wasm(?, 'ok')", (src,))
    print("NO ERROR")
except WasmError as e:
    print("ERROR", type(e).__name__, e)
print("ELAPSED", time.monotonic() - t)
print(one(s, "select 7"))
"""
    proc = run_python(code, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    # guest code in a start function is stopped by the time limit; reported as
    # a time limit (TimeLimitExceeded) or as a module that cannot start (ModuleError)
    assert re.search(r"ERROR (TimeLimitExceeded|ModuleError .*time limit)", out), out
    elapsed = float(re.search(r"ELAPSED (\S+)", out).group(1))
    assert elapsed < 3.0
    assert out.rstrip().endswith("7")


def test_trap_in_start_function(session):
    src = '(module (func $s unreachable) (start $s) (func (export "ok") (result i64) i64.const 1))'
    with pytest.raises((WasmTrap, ModuleError), match=r"(?i)unreachable"):
        one(session, "select run_wasm(?, 'ok')", (src,))
    assert_usable(session)


# --------------------------------------------------------------------------
# Memory cap


def test_memory_grow_within_and_beyond_the_cap():
    s = open_session(memory_mb=4)  # 64 pages
    try:
        s.register_module(wat("memory_grow"))
        assert one(s, "select try_grow(10)") >= 1  # old size in pages
        assert one(s, "select pages()") >= 11
        try:
            grown = one(s, "select try_grow(1000)")
        except MemoryLimitExceeded:
            grown = -1
        assert grown == -1
        assert one(s, "select pages()") <= 64
        assert one(s, "select ok()") == 42
    finally:
        s.close()


def test_memory_cap_limits_argument_allocation():
    s = open_session(memory_mb=4)
    try:
        s.register_module(wat("reverse_blob"))
        # an 8 MiB argument cannot fit under a 4 MiB cap: the error is about the
        # memory limit and names the SQL function called (not libsql_malloc)
        with pytest.raises(MemoryLimitExceeded) as err:
            one(s, "select length(reverse_blob(zeroblob(8 * 1024 * 1024)))")
        assert "reverse_blob" in str(err.value)
        assert re.search(r"(?i)memory", str(err.value))
        assert one(s, "select reverse_blob(x'0102')") == b"\x02\x01"
    finally:
        s.close()


def test_default_memory_cap_allows_megabytes(session):
    session.register_module(wat("reverse_blob"))
    session.execute("create table b(v blob)")
    session.execute("insert into b values (randomblob(8 * 1024 * 1024))")
    assert one(session, "select reverse_blob(reverse_blob(v)) = v from b") == 1


def test_initial_memory_over_the_cap(session):
    session.limits = make_limits(memory_mb=64)
    with pytest.raises((MemoryLimitExceeded, ModuleError)):
        run_wasm(session, "big_initial_memory", "ok")
    session.limits = make_limits(memory_mb=256)
    assert run_wasm(session, "big_initial_memory", "ok") == 42


# --------------------------------------------------------------------------
# Malformed modules


def _broken_modules():
    rng = random.Random(7)
    fib = wasm("fib")
    return {
        "random-bytes": rng.randbytes(200),
        "random-after-magic": b"\x00asm\x01\x00\x00\x00" + rng.randbytes(64),
        "wrong-version": b"\x00asm\x02\x00\x00\x00",
        "truncated-binary": fib[: len(fib) - 5],
        "header-only-half": fib[:6],
        "empty-blob": b"",
        "empty-text": "",
        "unbalanced-wat": '(module (func (export "f") (result i64)',
        "ill-typed-wat": '(module (func (export "f") (result i64) i32.const 1))',
        "not-wat": "this is not a module",
        "unknown-instruction": '(module (func (export "f") (result i64) i64.frobnicate))',
    }


BROKEN = _broken_modules()


@pytest.mark.parametrize("name", list(BROKEN))
def test_malformed_module_via_run_wasm(session, name):
    with pytest.raises(ModuleError):
        one(session, "select run_wasm(?, 'f')", (BROKEN[name],))
    assert_usable(session)


@pytest.mark.parametrize("name", list(BROKEN))
def test_malformed_module_via_register(session, name):
    with pytest.raises(ModuleError):
        session.register_module(BROKEN[name])
    assert_usable(session)


def test_truncated_binary_really_is_invalid():
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module(wasmtime.Engine(), BROKEN["truncated-binary"])


def _big_binary(size: int) -> bytes:
    data = "\\00" * size
    return bytes(
        wasmtime.wat2wasm(
            f'(module (memory 64) (data (i32.const 0) "{data}") '
            '(func (export "ok") (result i64) i64.const 42))'
        )
    )


def test_module_size_cap_binary():
    big = _big_binary(1_500_000)
    assert len(big) > 1024 * 1024
    s = open_session(module_mb=1)
    try:
        with pytest.raises(ModuleError, match=r"(?i)large|size|limit|MB|bytes"):
            s.register_module(big)
        with pytest.raises(ModuleError, match=r"(?i)large|size|limit|MB|bytes"):
            one(s, "select run_wasm(?, 'ok')", (big,))
        s.limits = make_limits(module_mb=2)
        assert one(s, "select run_wasm(?, 'ok')", (big,)) == 42
    finally:
        s.close()


def test_module_size_cap_text():
    text = wat("fib") + "\n;; " + "x" * 1_500_000 + "\n"
    s = open_session(module_mb=1)
    try:
        with pytest.raises(ModuleError, match=r"(?i)large|size|limit|MB|bytes"):
            one(s, "select run_wasm(?, 'fib', 5)", (text,))
        assert_usable(s)
    finally:
        s.close()


# --------------------------------------------------------------------------
# Imports


def test_refused_import_names_it(session):
    with pytest.raises(ModuleError) as err:
        session.register_module(wat("import_env_foo"))
    assert re.search(r"env.{0,3}foo", str(err.value)), str(err.value)
    with pytest.raises(ModuleError, match=r"env.{0,3}foo"):
        run_wasm(session, "import_env_foo", "calls_foo")
    assert_usable(session)


@pytest.mark.parametrize(
    "src, pattern",
    [
        (
            '(module (import "env" "memory" (memory 1)) (func (export "f")))',
            r"env.{0,3}memory",
        ),
        (
            '(module (import "wasi_snapshot_preview1" "no_such_call" (func)) '
            '(func (export "f") (result i64) i64.const 1))',
            r"no_such_call",
        ),
        (
            '(module (import "env" "g" (global i32)) (func (export "f")))',
            r"env.{0,3}g\b",
        ),
    ],
    ids=["env-memory", "unknown-wasi-call", "env-global"],
)
def test_other_refused_imports(session, src, pattern):
    with pytest.raises(ModuleError, match=pattern):
        one(session, "select run_wasm(?, 'f')", (src,))


# --------------------------------------------------------------------------
# Unsupported signatures


@pytest.mark.parametrize("func", ["takes_externref", "two_results"])
def test_register_unsupported_signature_by_name(session, func):
    with pytest.raises(ModuleError, match=func):
        session.register_module(wat("unsupported"), names=[func])


def test_register_module_with_some_unsupported_exports(session):
    """Registering a whole module either refuses it or registers what it can;
    either way the supported export must not be half-registered."""
    try:
        infos = session.register_module(wat("unsupported"))
    except ModuleError as e:
        assert re.search("takes_externref|two_results", str(e))
    else:
        names = {i.name for i in infos}
        assert "ok" in names
        assert not names & {"takes_externref", "two_results"}
        assert one(session, "select ok()") == 42


def test_v128_signatures_do_not_crash_the_process():
    """wasmtime-py 50 aborts the process when asked the kind of a v128
    ValType; the engine must refuse such exports with a ModuleError."""
    path = str(wat_path("v128"))
    code = rf"""
from conftest import open_session, one
from wasmshell.engine.errors import ModuleError
s = open_session()
src = open({path!r}).read()
for name, args in (("takes_v128", ", 1"), ("returns_v128", "")):
    try:
        s.register_module(src, names=[name])
        print("REGISTERED", name)
    except ModuleError as e:
        print("MODULEERROR", name)
    try:
        one(s, f"select run_wasm(?, '{{name}}'{{args}})", (src,))
        print("CALLED", name)
    except ModuleError as e:
        print("MODULEERROR", name)
print("OK", one(s, "select run_wasm(?, 'ok')", (src,)))
"""
    proc = run_python(code, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr.decode()[-2000:]}"
    assert out.count("MODULEERROR") == 4, out
    assert "OK 42" in out


# --------------------------------------------------------------------------
# Rollback


def _table_of_1000(s):
    s.execute("create table t(id integer primary key, x integer)")
    s.execute(
        "insert into t(id, x) with recursive n(i) as (select 1 union all select i + 1 from n"
        " where i < 1000) select i, i from n"
    )


@pytest.mark.parametrize("via", ["registered", "run_wasm"])
def test_trap_mid_update_rolls_back_whole_statement(session, via):
    _table_of_1000(session)
    if via == "registered":
        session.register_module(wat("trap_on_500"))
        sql, bindings = "update t set x = inc_unless_500(x)", None
    else:
        sql = "update t set x = run_wasm(?, 'inc_unless_500', x)"
        bindings = (wat("trap_on_500"),)
    with pytest.raises(WasmTrap, match=r"(?s)inc_unless_500.*unreachable"):
        session.execute(sql, bindings)
    assert rows(session, "select x from t order by id") == [(i,) for i in range(1, 1001)]
    assert not session.connection.in_transaction
    # still usable: other queries, and the same function where it does not trap
    assert one(session, "select count(*) from t") == 1000
    assert one(session, "select run_wasm(?, 'inc_unless_500', 1)", (wat("trap_on_500"),)) == 2
    session.execute(sql + " where x <> 500", bindings)
    assert one(session, "select sum(x) from t") == sum(range(1, 1001)) + 999


def test_trap_inside_explicit_transaction_rolls_back_only_the_statement(session):
    _table_of_1000(session)
    session.register_module(wat("trap_on_500"))
    session.execute("begin")
    session.execute("insert into t values (1001, 1001)")
    with pytest.raises(WasmTrap):
        session.execute("update t set x = inc_unless_500(x)")
    assert session.connection.in_transaction
    assert one(session, "select count(*) from t") == 1001
    assert one(session, "select sum(x) from t") == sum(range(1, 1002))
    session.execute("commit")
    assert one(session, "select count(*) from t") == 1001


def test_trap_mid_insert_select_on_file_database(tmp_path):
    path = tmp_path / "t.db"
    s = open_session(path)
    try:
        _table_of_1000(s)
        s.register_module(wat("trap_on_500"))
        s.execute("create table u(x)")
        with pytest.raises(WasmTrap):
            s.execute("insert into u select inc_unless_500(x) from t order by id")
        assert one(s, "select count(*) from u") == 0
    finally:
        s.close()
    import apsw

    con = apsw.Connection(str(path))
    assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert con.execute("select count(*), sum(x) from t").fetchall() == [(1000, 500500)]
    con.close()


def test_every_mode_reports_the_same_exception_type(session):
    types = []
    for mode in MODES:
        caller = Caller(session, mode)
        with pytest.raises(WasmTrap) as err:
            caller("divide", "divide", 1, 0)
        types.append(type(err.value))
    assert len(set(types)) == 1, types
