"""SIGINT in batch mode, sent to a real process, as sqlite3 takes it.

The statement running stops (SQL, or a Wasm function: the same message),
the rest of the input is not read, SQL already pending still runs, the exit
status says whether a statement failed, and "Program interrupted." is the
last line on stderr; a third SIGINT ends the process even when nothing can
stop (output blocked). Never a traceback, never "Exception ignored".

Each case runs the reference sqlite3 shell too where it has the feature, and
compares what both write byte for byte.
"""

from __future__ import annotations

import re
import signal
import time

import pytest
from reference_shell import (
    HANG,
    REFERENCE,
    WASMSHELL,
    Result,
    interrupt,
    needs_reference,
    start_shell,
)

LONG_SQL = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;"
SPIN = '(module (func (export "spin") (loop br 0)))'
LONG_WASM = f"select run_wasm('{SPIN}', 'spin');"


def same_as_3_54(ours: Result, reference: Result) -> None:
    """Assert the two runs wrote the same bytes and ended alike."""
    assert ours == reference


def no_python_noise(result: Result) -> None:
    assert b"Traceback" not in result.stderr and b"Exception ignored" not in result.stderr


# -- a statement running ---------------------------------------------------------------------


@needs_reference
def test_sigint_stops_a_long_sql_statement_and_the_rest_of_the_input(tmp_path):
    script = dict(first=f"select 1;\n{LONG_SQL}\n", marker=b"1\n", then="select 2;\n")
    reference = interrupt([REFERENCE], tmp_path, **script).result
    ours = interrupt([WASMSHELL], tmp_path, **script)
    assert reference.stderr == b"Error near line 2: interrupted\nProgram interrupted.\n"
    same_as_3_54(ours.result, reference)
    assert ours.result.stderr == b"Error near line 2: interrupted\nProgram interrupted.\n"
    no_python_noise(ours.result)


@needs_reference
def test_sigint_stops_a_looping_wasm_function_as_sqlite3_stops_sql(tmp_path):
    # Far from its time limit: only the interrupt can stop it.
    ours = interrupt(
        [WASMSHELL, "--wasm-timeout", "600000"],
        tmp_path,
        first=f"select 1;\n{LONG_WASM}\n",
        marker=b"1\n",
        then="select 2;\n",
    )
    reference = interrupt(
        [REFERENCE], tmp_path, first=f"select 1;\n{LONG_SQL}\n", marker=b"1\n", then="select 2;\n"
    )
    same_as_3_54(ours.result, reference.result)
    no_python_noise(ours.result)


# A guest asleep in WASI (poll_oneoff on a clock) for an hour.
NAP = """(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "nap") (param $seconds i64) (result i64)
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.mul (local.get $seconds) (i64.const 1000000000)))
    (i64.extend_i32_u (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"""


def test_sigint_stops_a_guest_sleeping_in_wasi(tmp_path):
    sleep = f"select run_wasm('{NAP}', 'nap', 3600);"
    ours = interrupt(
        [WASMSHELL, "--wasm-timeout", "7200000"],
        tmp_path,
        first=f"select 1;\n{sleep}\n",
        marker=b"1\n",
        then="select 2;\n",
        hang=8,  # once the runtime stops a sleeping guest this ends in milliseconds
    )
    assert ours.result == Result(b"1\n", b"Error near line 2: interrupted\nProgram interrupted.\n", 1)


@needs_reference
def test_sigint_during_a_read_file_stops_it_and_the_input_that_read_it(tmp_path):
    (tmp_path / "long.sql").write_text(f"select 1;\n{LONG_SQL}\nselect 2;\n")
    script = dict(first=".read long.sql\n", marker=b"1\n", then="select 'after';\n")
    reference = interrupt([REFERENCE], tmp_path, **script).result
    ours = interrupt([WASMSHELL], tmp_path, **script).result
    same_as_3_54(ours, reference)
    assert ours.stdout == b"1\n" and ours.status == 1
    no_python_noise(ours)


@needs_reference
def test_sigint_in_an_sql_argument_stops_it_and_the_arguments_after(tmp_path):
    # sqlite3 writes its output at the end here: no marker to wait for.
    reference = interrupt([REFERENCE, ":memory:", "select 1", LONG_SQL, "select 3"], tmp_path)
    ours = interrupt([WASMSHELL, ":memory:", "select 1", LONG_SQL, "select 3"], tmp_path)
    assert reference.result.stdout == ours.result.stdout == b"1\n"
    assert reference.result.stderr == ours.result.stderr
    assert ours.result.stderr == b"Error in 3rd command line argument: interrupted\nProgram interrupted.\n"
    assert ours.result.status == reference.result.status
    no_python_noise(ours.result)


# -- nothing running -------------------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("select 1;\n", "select 2;\n"),
        ("select 1;\nselect 5\n", ";\nselect 2;\n"),  # the pending statement still runs
        ("select 1;\n", ""),
    ],
    ids=["more-input-after", "pending-sql", "end-of-input-after"],
)
def test_sigint_while_waiting_for_input_ends_the_input_as_sqlite3(first, then, tmp_path):
    reference = interrupt([REFERENCE], tmp_path, first=first, marker=b"1\n", then=then).result
    ours = interrupt([WASMSHELL], tmp_path, first=first, marker=b"1\n", then=then).result
    assert reference.stderr == b"Program interrupted.\n"
    assert ours == reference


# -- nothing stops ------------------------------------------------------------------------------


def test_the_third_sigint_ends_a_process_blocked_on_its_output(tmp_path):
    # Nobody reads stdout: the shell blocks writing rows and no interrupt can reach the
    # statement. sqlite3 exits on the third SIGINT with status 1; so does wasmshell.
    rows = "with recursive c(x) as (select 1 union all select x+1 from c) select x from c;\n"
    run = interrupt([WASMSHELL], tmp_path, first=rows, signals=3, read_output=False)
    assert run.result.status == 1
    assert run.result.stderr.endswith(b"Program interrupted.\n")
    no_python_noise(run.result)


def test_one_sigint_with_output_blocked_stops_the_statement_once_output_flows(tmp_path):
    proc = start_shell([WASMSHELL], tmp_path)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(b"with recursive c(x) as (select 1 union all select x+1 from c) select x from c;\n")
    proc.stdin.write(b"select 'never';\n")
    proc.stdin.close()
    time.sleep(1.0)  # blocked on a full pipe by now
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()  # reading lets it go on, and see the interrupt
    err = proc.stderr.read()
    assert proc.wait(HANG) == 1
    assert err == b"Error near line 1: interrupted\nProgram interrupted.\n"
    assert not out.endswith(b"never\n")


# -- a dot-command running -------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("dump") / "big.db"
    conn = __import__("apsw").Connection(str(db))
    conn.execute(
        "create table t(a, b); with recursive c(x) as (select 1 union all select x+1 from c limit 3000000)"
        " insert into t select x, 'text ' || x from c"
    )
    conn.close()
    return db


def test_sigint_during_dump_stops_it_and_the_input(big_db, tmp_path):
    run = interrupt(
        [WASMSHELL, str(big_db)],
        tmp_path,
        first="select 'start';\n.dump\nselect 'after';\n",
        marker=b"start\n",
    ).result
    assert run.stdout.startswith(
        b"start\nPRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a, b);\n"
    )
    assert run.stdout.endswith(b"\nROLLBACK; -- due to errors\n")  # a dump cut short says so
    assert run.stderr == b"Program interrupted.\n"
    no_python_noise(run)


@needs_reference
def test_sigint_during_dump_as_sqlite3(big_db, tmp_path):
    script = dict(first="select 'start';\n.dump\nselect 'after';\n", marker=b"start\n")
    reference = interrupt([REFERENCE, str(big_db)], tmp_path, **script).result
    ours = interrupt([WASMSHELL, str(big_db)], tmp_path, **script).result
    # Where the dump stops depends on when the signal comes: compare its shape.
    cut = re.compile(rb"(?m)^INSERT INTO t VALUES\(\d+,'text \d+'\);\n")
    assert (cut.sub(b"", ours.stdout), ours.stderr, ours.status) == (
        cut.sub(b"", reference.stdout),
        reference.stderr,
        reference.status,
    )
