"""An instance's life: dropped after a trap, a reset or new limits, started
again by the next call, with a time limit of its own for every entry into
Wasm (each call, each libsql_malloc, each start function).

Each scenario runs in a fresh process in every call mode: the failures these
guard against were crashes (SIGSEGV, SIGILL) of the whole process, which a
test must see as a failure rather than die of.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import MODES, make_limits, open_session, run_python, wat

from wasmshell import LimitError, TimeLimitExceeded

PRELUDE = """
import json, sys, threading, time
from conftest import Caller, make_limits, open_session
from wasmshell import WasmError

s = open_session(timeout_ms=TIMEOUT)
call = Caller(s, MODE)
results = []

def attempt(module, func, *args):
    try:
        results.append(call(module, func, *args))
    except WasmError as exc:
        results.append(f"{type(exc).__name__}: {exc}")
"""


def scenario(mode: str, body: str, timeout_ms: int = 300) -> list:
    """Run ``body`` after PRELUDE in a fresh process; the list it gathered in ``results``."""
    code = PRELUDE.replace("TIMEOUT", str(timeout_ms)).replace("MODE", repr(mode))
    code += textwrap.dedent(body) + "\nprint(json.dumps(results))\n"
    proc = run_python(code, timeout=120)
    assert proc.returncode == 0, f"exit status {proc.returncode}: {proc.stderr.decode()[-3000:]}"
    return json.loads(proc.stdout.decode().splitlines()[-1])


@pytest.mark.parametrize("mode", MODES)
def test_a_call_after_a_time_limit_trap_starts_a_fresh_instance(mode):
    """The start function of the fresh instance is not charged with the time of
    the call that trapped (it was: "cannot instantiate wasm module: time limit
    exceeded", then SIGSEGV on the next call)."""
    results = scenario(
        mode,
        """
        attempt("slow_start", "ok")
        attempt("slow_start", "spin")
        attempt("slow_start", "ok")
        attempt("slow_start", "echo", "hello")
        attempt("slow_start", "starts")
        attempt("slow_start", "spin")
        attempt("slow_start", "busy", 1000)
        """,
    )
    limit = "TimeLimitExceeded: wasm trap in spin: time limit of 300 ms exceeded"
    assert results == [7, limit, 7, "hello", 1, limit, 1000]


@pytest.mark.parametrize("mode", MODES)
def test_a_call_after_ctrl_c_starts_a_fresh_instance(mode):
    """Interrupted in spin(): the next statement's call starts the module again."""
    results = scenario(
        mode,
        """
        attempt("slow_start", "ok")
        threading.Timer(0.3, s.interrupt).start()
        attempt("slow_start", "spin")
        attempt("slow_start", "ok")
        attempt("slow_start", "echo", "again")
        """,
        timeout_ms=20000,
    )
    assert results == [7, "Interrupted: wasm trap in spin: interrupted", 7, "again"]


@pytest.mark.parametrize("mode", MODES)
def test_a_malloc_after_a_long_pause_has_its_own_time_limit(mode):
    """A call long enough for the time-limit clock to look at it (a few ticks),
    a pause longer than the limit, then a call whose first entry into Wasm is
    libsql_malloc: that entry was charged from the start of the earlier call
    ("time limit of ... ms exceeded" at once)."""
    results = scenario(
        mode,
        """
        attempt("slow_start", "busy", 20_000_000)
        time.sleep(1.1)
        attempt("slow_start", "echo", "hello")
        attempt("upper", "upper_latin", "x" * 3_000_000)
        time.sleep(1.1)
        attempt("upper", "upper_latin", "hello")
        """,
        timeout_ms=1000,
    )
    assert results == [20_000_000, "hello", "X" * 3_000_000, "HELLO"]


@pytest.mark.parametrize("mode", MODES)
def test_a_start_function_that_cannot_finish_is_an_error_every_time(mode):
    results = scenario(
        mode,
        """
        attempt("endless_start", "ok")
        attempt("endless_start", "ok")
        attempt("slow_start", "ok")
        """,
        timeout_ms=500,
    )
    message = "TimeLimitExceeded: wasm trap in {}: time limit of 500 ms exceeded while the module started"
    start_up = message.format("module start-up")
    assert results == [start_up, start_up, 7]


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_restart_leaves_the_function_usable(mode):
    """After a trap the module's start function runs past the (lowered) time
    limit: that call fails, and once the limit allows it the next call works.
    (20 ms: the start's 400,000,000 steps took under 100 ms on a fast, idle machine.)"""
    results = scenario(
        mode,
        """
        attempt("long_start", "ok")
        s.limits = make_limits(timeout_ms=20)
        attempt("long_start", "spin")
        attempt("long_start", "ok")
        attempt("long_start", "ok")
        s.limits = make_limits(timeout_ms=20000)
        attempt("long_start", "ok")
        """,
        timeout_ms=20000,
    )
    restart = "TimeLimitExceeded: wasm trap in ok: time limit of 20 ms exceeded while the module started"
    spin = "TimeLimitExceeded: wasm trap in spin: time limit of 20 ms exceeded"
    assert results == [7, spin, restart, restart, 7]


# --------------------------------------------------------------------------
# Changing limits


@pytest.mark.parametrize("mode", MODES)
def test_a_memory_limit_a_module_in_use_cannot_live_with_is_refused(mode):
    """(memory 200) is 12.5 MiB: lowering the limit to 8 MiB is refused, the old
    limits stay and calls go on (the next call died with SIGILL)."""
    results = scenario(
        mode,
        """
        attempt("memory_200", "ok")
        try:
            s.limits = make_limits(timeout_ms=300, memory_mb=8)
        except WasmError as exc:
            results.append(f"{type(exc).__name__}: {exc}")
        results.append(s.limits.memory_mb)
        attempt("memory_200", "ok")
        attempt("memory_200", "pages")
        s.limits = make_limits(timeout_ms=300, memory_mb=13)
        results.append(s.limits.memory_mb)
        attempt("memory_200", "ok")
        """,
    )
    assert results[0] == 42
    assert results[1].startswith("LimitError: cannot set the memory limit to 8 MiB")
    assert "the limits stay as they were" in results[1]
    assert results[2:] == [64, 42, 200, 13, 42]


def test_refused_limits_change_nothing_and_accepted_ones_apply(session):
    session.register_module(wat("memory_200"), names=["ok"])
    session.register_module(wat("memory_grow"), names=["try_grow"])
    assert session.execute("select ok(), try_grow(0)").fetchall() == [(42, 1)]
    before = session.limits
    with pytest.raises(LimitError, match="memory limit to 4 MiB"):
        session.limits = make_limits(memory_mb=4, timeout_ms=1234)
    assert session.limits == before
    session.limits = make_limits(memory_mb=16)
    # The new cap applies to every instance: 16 MiB is 256 pages.
    assert session.execute("select try_grow(300), try_grow(100)").fetchall() == [(-1, 1)]


def test_a_time_limit_change_needs_no_restart(session):
    session.register_module(wat("slow_start"), names=["starts", "spin"])
    session.limits = make_limits(timeout_ms=150)
    with pytest.raises(TimeLimitExceeded, match="150 ms"):
        session.execute("select spin()").fetchall()
    session.limits = make_limits(timeout_ms=300)
    with pytest.raises(TimeLimitExceeded, match="300 ms"):
        session.execute("select spin()").fetchall()
    assert session.execute("select starts()").fetchall() == [(1,)]


def test_limits_out_of_range_are_refused():
    s = open_session()
    try:
        for bad in ({"memory_mb": 0}, {"memory_mb": 10**9}, {"timeout_ms": -1}, {"table_elements": 2**40}):
            with pytest.raises(ValueError):
                s.limits = make_limits(**bad)
        assert s.limits == make_limits()
    finally:
        s.close()


def test_wasmlimits_refuses_a_limit_the_modules_cannot_live_with(tmp_path):
    """`.wasmlimits memory 8` printed a traceback; now an error, and the old limits."""
    from conftest import wat_path

    script = tmp_path / "limits.sql"
    script.write_text(
        f".loadwasm {wat_path('memory_200')} ok --temp\n"
        "select ok();\n"
        ".wasmlimits memory 8\n"
        ".wasmlimits\n"
        "select ok();\n"
    )
    proc = run_python(
        f"import sys; from wasmshell.cli import main; sys.exit(main([':memory:', '.read {script}']))",
        timeout=60,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in err, err
    assert "Error: cannot set the memory limit to 8 MiB" in err
    assert out.splitlines() == [
        "ok() -> INTEGER  (for this session)",
        "42",
        "timeout 5000 ms, memory 64 MiB, module 32 MiB, table 1000000 elements, output 1024 KiB, "
        "compile 60000 ms",
        "42",
    ]
