"""Every resource a guest can take is bounded: time spent sleeping in WASI,
captured output, table elements, and the modules and instances a stream of
run_wasm calls leaves behind."""

from __future__ import annotations

import threading

import pytest
from conftest import PEAK_KB, make_limits, one, open_session, rows, run_python, run_wasm, wat

from wasmshell import Interrupted, ModuleError, TimeLimitExceeded, WasmTrap

# --------------------------------------------------------------------------
# A guest sleeping in WASI


def test_a_short_sleep_sleeps_and_reports_its_event(session):
    # one event, with the subscription's userdata (42)
    assert run_wasm(session, "wasi_sleep", "sleep_ms", 50) == 1042
    assert run_wasm(session, "wasi_sleep", "sleep_until_ms", 50) == 1043


def test_a_file_descriptor_is_ready_at_once(session):
    """The guest has no stdin: polling it with a long clock returns at once with stdin's event."""
    assert run_wasm(session, "wasi_sleep", "stdin_and_sleep", 600_000) == 1007


def test_poll_oneoff_with_pointers_outside_memory_is_an_error_code(session):
    assert run_wasm(session, "wasi_sleep", "poll_out_of_bounds") == 21  # EFAULT


def test_sleeping_past_the_time_limit_is_stopped(session):
    """A 30 s sleep under a 300 ms limit ran 30 s."""
    session.limits = make_limits(timeout_ms=300)
    with pytest.raises(TimeLimitExceeded, match=r"sleep_ms: time limit of 300 ms exceeded"):
        run_wasm(session, "wasi_sleep", "sleep_ms", 30_000)
    with pytest.raises(TimeLimitExceeded):
        run_wasm(session, "wasi_sleep", "sleep_until_ms", 30_000)
    assert run_wasm(session, "wasi_sleep", "sleep_ms", 1) == 1042


def test_a_sleeping_guest_is_interrupted(session):
    """Ctrl-C (Session.interrupt) stopped a sleeping guest only when it woke up."""
    session.register_module(wat("wasi_sleep"), names=["sleep_ms"])
    threading.Timer(0.3, session.interrupt).start()
    with pytest.raises(Interrupted, match="sleep_ms: interrupted"):
        rows(session, "select sleep_ms(60000)")
    assert one(session, "select sleep_ms(1)") == 1042


def test_the_time_limit_counts_sleep_and_work_together(session):
    """Sleeping in short naps below the limit still adds up to one call's time."""
    session.limits = make_limits(timeout_ms=400)
    session.register_module(wat("wasi_sleep"), names=["sleep_ms"])
    # ten sleeps of 100 ms in one call would be 1 s: the loop below runs in SQL,
    # so each call is short and none is stopped
    assert rows(session, "select sleep_ms(100) from (values (1), (2), (3))") == [(1042,)] * 3
    with pytest.raises(TimeLimitExceeded):
        rows(session, "select sleep_ms(600)")


# --------------------------------------------------------------------------
# Guest output


def test_output_past_the_limit_is_cut_with_a_note(session):
    session.limits = make_limits()._replace(output_kb=100)
    session.register_module(wat("wasi_flood"), names=["flood"])
    assert one(session, "select flood(10)") == 10  # 640 KiB written
    out = session.take_output()
    body, note = out[: 100 * 1024], out[100 * 1024 :]
    assert body == "x" * (100 * 1024)
    assert note == (
        "\n[wasm output truncated: 552,960 more bytes not shown; the limit is 100 KiB per statement]\n"
    )
    assert session.take_output() == ""
    # the limit is per statement (per take_output): the next one has it all again
    assert one(session, "select flood(1)") == 1
    assert session.take_output() == "x" * 65536


def test_output_within_the_limit_is_whole(session):
    session.register_module(wat("wasi_flood"), names=["flood"])
    assert one(session, "select flood(15)") == 15
    assert session.take_output() == "x" * (15 * 65536)


def test_bad_output_requests_are_error_codes(session):
    session.register_module(wat("wasi_flood"), names=["bad_iovec", "to_fd"])
    assert one(session, "select bad_iovec()") == 21  # EFAULT
    assert one(session, "select to_fd(9)") == 8  # EBADF: no such file
    assert one(session, "select to_fd(0)") == 8  # stdin is not for writing
    assert one(session, "select to_fd(2)") == 0
    assert session.take_output() == "xyz"


def test_a_flood_of_output_keeps_memory_flat():
    """330 MB of output in one call grew the process by as much."""
    proc = run_python(
        PEAK_KB
        + """
from conftest import open_session, wat
s = open_session(timeout_ms=60000)
s.register_module(wat("wasi_flood"), names=["flood"])
before = peak_kb()
print(s.execute("select flood(5000)").fetchall())  # 320 MiB
out = s.take_output()
after = peak_kb()
print(len(out), (after - before) // 1024)
""",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == "[(5000,)]"
    kept, grew_mb = map(int, lines[1].split())
    assert 1024 * 1024 < kept < 1024 * 1024 + 200
    assert grew_mb < 40, lines


def test_the_shell_shows_the_truncation_note():
    from conftest import wat_path

    script = f".loadwasm {wat_path('wasi_flood')} flood --temp\n.wasmlimits output 1\nselect flood(1);\n"
    proc = run_python(
        "import sys; from wasmshell.cli import main; sys.exit(main([]))",
        timeout=60,
        stdin=script.encode(),
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.endswith(
        "1\n" + "x" * 1024 + "\n[wasm output truncated: 64,512 more bytes not shown; "
        "the limit is 1 KiB per statement]\n"
    )


# --------------------------------------------------------------------------
# Tables


def test_a_table_cannot_grow_past_the_limit(session):
    session.register_module(wat("table_bomb"))
    assert one(session, "select grow(100000000)") == -1  # refused, not taken
    assert one(session, "select size()") == 1
    with pytest.raises(WasmTrap, match="fill"):
        one(session, "select fill(100000000)")
    assert one(session, "select grow(999)") == 1
    assert one(session, "select size()") == 1000


def test_the_table_limit_is_settable(session):
    session.limits = make_limits()._replace(table_elements=500)
    session.register_module(wat("table_bomb"))
    assert one(session, "select grow(1000)") == -1
    assert one(session, "select grow(499)") == 1


def test_a_module_declaring_a_huge_table_is_refused(session):
    with pytest.raises(ModuleError, match="tables need more than the limit of 1000000 elements"):
        run_wasm(session, "big_table", "ok")
    session.limits = make_limits()._replace(table_elements=200_000_000)
    assert run_wasm(session, "big_table", "ok") == 7


def test_a_module_with_too_many_tables_is_refused_for_what_it_is(session):
    tables = "(table 1 funcref) " * 5
    source = f'(module {tables}(func (export "f") (result i64) i64.const 1))'
    with pytest.raises(ModuleError, match="it has more than 4 tables, the most a module may have here"):
        one(session, "select run_wasm(?, 'f')", (source,))


def test_table_bombs_keep_memory_flat():
    """table.grow of 100,000,000 funcref elements took 1.5 GB under a 64 MiB memory limit."""
    proc = run_python(
        PEAK_KB
        + """
from conftest import open_session, wat
from wasmshell import WasmError
s = open_session()
s.register_module(wat("table_bomb"))
for sql in ["select grow(100000000)", "select fill(100000000)", "select grow(2000000000)"]:
    try:
        s.execute(sql).fetchall()
    except WasmError:
        pass
print(peak_kb() // 1024)
""",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert int(proc.stdout.split()[-1]) < 300


# --------------------------------------------------------------------------
# A stream of modules


STREAM_OF_MODULES = (
    PEAK_KB
    + """
from conftest import open_session
s = open_session()
SQL = (
    "with recursive c(v) as (select ? union all select v + 1 from c where v + 1 < ?) "
    "select sum(run_wasm(format('(module (func (export \\"f\\") (result i64) i64.const %d))', v), 'f'))"
    " from c"
)

def mappings():
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)

assert s.execute(SQL, (0, 1000)).fetchone()[0] == sum(range(1000))
early = mappings()
assert s.execute(SQL, (1000, 21000)).fetchone()[0] == sum(range(1000, 21000))
late = mappings()
print(early, late, peak_kb() // 1024)
print(s.execute(SQL, (5, 6)).fetchone()[0])
"""
)


def test_a_new_module_on_every_row_leaves_nothing_behind():
    """run_wasm with a different module per row kept each one (compiled code and
    an instance) for the life of the process; after some 16,000 of them every
    compile failed with "Cannot allocate memory". The process's memory mappings
    (what ran out) stay bounded, and compiling still works."""
    proc = run_python(STREAM_OF_MODULES, timeout=600, env_extra={"WASMSHELL_CODE_CACHE": "off"})
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    first, last = proc.stdout.decode().splitlines()
    early, late, rss_mb = map(int, first.split())
    assert late < early + 200, first
    assert rss_mb < 400, first
    assert last == "5"


def test_the_compiled_module_cache_keeps_the_recently_used():
    from wasmshell.engine.runtime import Runtime

    s = open_session()
    try:
        runtime = s.runtime
        module = '(module (func (export "f") (result i64) i64.const {}))'
        for k in range(Runtime.MAX_MODULES + 50):
            assert run_wasm_text(s, module.format(k)) == k
        assert runtime.cached_modules <= Runtime.MAX_MODULES
        kept = runtime.compile(module.format(Runtime.MAX_MODULES + 49), s.limits)
        assert runtime.compile(module.format(Runtime.MAX_MODULES + 49), s.limits) is kept
        assert run_wasm_text(s, module.format(0)) == 0  # dropped long ago: compiled again
    finally:
        s.close()


def run_wasm_text(s, source: str):
    return one(s, "select run_wasm(?, 'f')", (source,))


# --------------------------------------------------------------------------
# Compiling


def big_function_module(instructions: int) -> bytes:
    """One function of ``instructions`` additions: Cranelift takes seconds over it."""
    import wasmtime

    body = "local.get 0 i64.const 1 i64.add local.set 0 " * instructions
    return bytes(
        wasmtime.wat2wasm(f'(module (func (export "f") (param i64) (result i64) {body} local.get 0))')
    )


def test_compiling_past_the_compile_time_limit_is_stopped():
    """A 2 MB module of one function took 35 s to compile, with no way to stop it."""
    s = open_session()
    try:
        s.limits = make_limits()._replace(compile_ms=500)
        with pytest.raises(ModuleError, match="compiling took longer than the limit of 500 ms"):
            one(s, "select run_wasm(?, 'f', 1)", (big_function_module(300_000),))
        assert run_wasm(s, "fib", "fib", 10) == 55
    finally:
        s.close()


def test_compiling_is_interrupted():
    s = open_session()
    module = big_function_module(300_000)
    try:
        threading.Timer(0.5, s.interrupt).start()
        with pytest.raises(ModuleError, match="cannot compile wasm module: interrupted"):
            one(s, "select run_wasm(?, 'f', 1)", (module,))
        assert run_wasm(s, "fib", "fib", 10) == 55
    finally:
        s.close()


def test_a_large_module_compiled_apart_works_as_any_other(session):
    """Past compiler.IN_PROCESS_BYTES a module is compiled in a child process."""
    from wasmshell.engine.compiler import IN_PROCESS_BYTES

    data = "\\ff" * (IN_PROCESS_BYTES + 1000)
    source = (
        f'(module (memory (export "memory") 8) (data (i32.const 0) "{data}")'
        ' (func (export "at") (param i64) (result i64) (i64.load8_u (i32.wrap_i64 (local.get 0)))))'
    )
    assert one(session, "select run_wasm(?, 'at', 1000)", (source,)) == 255
    session.register_module(source)
    assert rows(session, f"select at({IN_PROCESS_BYTES + 999}), at({IN_PROCESS_BYTES + 1000})") == [(255, 0)]
    broken = bytes(__import__("wasmtime").wat2wasm(source))[:-3]
    with pytest.raises(ModuleError, match="cannot compile wasm module"):
        one(session, "select run_wasm(?, 'at', 1)", (broken,))


# --------------------------------------------------------------------------
# Modules with many functions


def many_exports(count: int) -> str:
    funcs = "".join(
        f'(func (export "f{k}") (param i64) (result i64) local.get 0 i64.const {k} i64.add)'
        for k in range(count)
    )
    return f"(module {funcs})"


def test_registering_many_functions_reads_the_module_once(session, monkeypatch):
    """20,000 exports took over a minute: the whole module was scanned again for
    every function, and each was bound at once. Now the module is read once (by
    compiling it: its binary says whether it is deterministic, the source is not
    scanned again per function), and a function of a large module is bound on its first call."""
    from wasmshell.engine import abi, functions, module

    scans: list[int] = []
    binds: list[str] = []
    scan, bind = module.not_deterministic, abi.bind
    monkeypatch.setattr(module, "not_deterministic", lambda body: scans.append(1) or scan(body))
    monkeypatch.setattr(functions, "not_deterministic", module.not_deterministic)
    monkeypatch.setattr(
        abi, "bind", lambda instance, export, name: binds.append(name) or bind(instance, export, name)
    )
    infos = session.register_module(many_exports(300))
    assert len(infos) == 300 and len(scans) == 1 and binds == []
    assert rows(session, "select f299(1), f7(1), f299(2)") == [(300, 8, 301)]
    assert sorted(binds) == ["f299", "f7"]
    assert rows(session, "select f299(1)") == [(300,)]
    assert len(binds) == 2


def test_a_small_module_is_bound_at_once(session, monkeypatch):
    from wasmshell.engine import abi

    binds: list[str] = []
    bind = abi.bind
    monkeypatch.setattr(
        abi, "bind", lambda instance, export, name: binds.append(name) or bind(instance, export, name)
    )
    session.register_module(many_exports(3))
    assert sorted(binds) == ["f0", "f1", "f2"]


def test_storing_a_module_once_per_function_is_bounded(tmp_path, monkeypatch):
    """libSQL's table holds the whole module once per function: 20,000 exports of
    a 1.6 MB module would write 32 GB. Past a bound it is refused, nothing written."""
    from wasmshell.engine import session as session_module

    monkeypatch.setattr(session_module, "MAX_STORED_BYTES", 200_000)
    s = open_session(tmp_path / "many.db")
    try:
        source = many_exports(100)  # 100 copies of about 8 KB: 0.8 MB
        with pytest.raises(
            ModuleError, match=r"storing 100 functions would write 1 MiB .* name the functions"
        ):
            s.load_module(source)
        assert rows(s, "select count(*) from sqlite_schema") == [(0,)]
        s.load_module(source, names=["f1", "f2"])
        assert rows(s, "select name from libsql_wasm_func_table order by name") == [("f1",), ("f2",)]
        assert rows(s, "select f2(40)") == [(42,)]
    finally:
        s.close()
