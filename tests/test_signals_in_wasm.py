"""Signals at awkward moments of a Wasm call: no crash, no traceback.

A real ``wasmshell`` gets SIGINT, SIGTERM or SIGPIPE (or finds its output pipe closed) while a
Wasm function runs, while a module's start function runs (instantiation), while rows computed
by Wasm are being written, and while a guest writes to its WASI stdout. Whatever the shell then
does, it must not die of SIGSEGV, SIGABRT or the like, nor print a Python traceback. How batch
mode answers SIGINT (sqlite3's message, stopping at once) is tested with issue 10's finding 13;
here SIGINT is only checked for crashes. In the interactive shell, Ctrl-C at each moment returns
to the prompt and the next statements work.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_python

WASMSHELL = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REPEATS = 10
CRASHES = {signal.SIGSEGV, signal.SIGABRT, signal.SIGILL, signal.SIGBUS, signal.SIGFPE}

SPIN = '(module (func (export "spin") (result i64) (loop $l (br $l)) (i64.const 0)) ' + (
    '(func (export "ok") (result i64) (i64.const 7)))'
)
# A start function counting to 1.5 * 10^9: seconds of instantiation.
LONG_START = (
    "(module (func $st (local $i i64) (loop $l (br_if $l (i64.lt_u"
    " (local.tee $i (i64.add (local.get $i) (i64.const 1))) (i64.const 15000000000)))))"
    ' (start $st) (func (export "ok") (result i64) (i64.const 7)))'
)
# Writes a line to WASI stdout n times.
CHATTER = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\0c\\00\\00\\00")
  (data (i32.const 16) "guest output\\n")
  (func (export "chatter") (param $n i64) (result i64)
    (loop $l (if (i64.gt_s (local.get $n) (i64.const 0)) (then
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i64.sub (local.get $n) (i64.const 1))) (br $l))))
    (i64.const 1)))"""
ROWS = "with recursive c(x) as (select 1 union all select x + 1 from c where x < {n})"

# moment -> (modules to load as name -> source, the statement, time limit in ms)
MOMENTS = {
    "mid-call": ({"spin": SPIN}, "select spin();", 1500),
    "mid-instantiation": ({}, f"select run_wasm('{LONG_START}', 'ok');", 20000),
    # (a million rows: a few seconds, longer than the delays before the signal, on any machine)
    "during output": ({"fib": None}, ROWS.format(n=1_000_000) + " select x, fib(x % 20) from c;", 5000),
    "during guest output": ({"chatter": CHATTER}, ROWS.format(n=100) + " select chatter(2000) from c;", 5000),
}


def crashed(code: int) -> bool:
    """Whether an exit status means a crash (a fatal signal, directly or through a shell)."""
    return any(code in (-s, 128 + s) for s in CRASHES)


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(tmp_path / "config"))


def script_for(tmp_path: Path, moment: str, marker: Path) -> str:
    modules, statement, _limit = MOMENTS[moment]
    lines = []
    for name, source in modules.items():
        path = SAMPLES / f"{name}.wat" if source is None else tmp_path / f"{name}.wat"
        if source is not None:
            path.write_text(source)
        lines.append(f".loadwasm '{path}' --temp")
    # The marker file appears just before the statement starts.
    lines += [f".shell touch '{marker}'", statement, "select 6 * 7;"]
    return "\n".join(lines) + "\n"


def wait_for(path: Path, proc, seconds: float = 60) -> None:
    """Until ``path`` exists (the statement has started); ``proc`` must live meanwhile."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        alive = proc.poll() is None if isinstance(proc, subprocess.Popen) else proc.isalive()
        assert alive, "the shell ended before the statement started"
        assert time.monotonic() < deadline, "the statement never started"
        time.sleep(0.005)


BATCH_CASES = [
    pytest.param(moment, sig, id=f"{moment}-{sig}")
    for moment in MOMENTS
    for sig in ("SIGINT", "SIGTERM", "SIGPIPE", "closed stdout")
    if sig != "closed stdout" or "output" in moment  # only output can find its pipe closed
]


@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["at once", "after 0.3 s"])
@pytest.mark.parametrize("moment, sig", BATCH_CASES)
def test_signal_in_batch_mode(tmp_path, env, moment, sig, delay):
    marker = tmp_path / "started"
    (tmp_path / "script.sql").write_text(script_for(tmp_path, moment, marker))
    limit = MOMENTS[moment][2]
    with open(tmp_path / "script.sql", "rb") as stdin:
        proc = subprocess.Popen(
            [WASMSHELL, "--wasm-timeout", str(limit), ":memory:"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    try:
        wait_for(marker, proc)
        time.sleep(delay)
        if sig == "closed stdout":
            proc.stdout.read(4096)
            proc.stdout.close()
            err = proc.stderr.read()
            proc.wait(timeout=60)
        else:
            # Again and again, each time at a different point of the call (and as a user does).
            for _ in range(REPEATS):
                if proc.poll() is not None:
                    break
                proc.send_signal(getattr(signal, sig))
                time.sleep(0.05)
            _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = err.decode("utf-8", "replace")
    assert not crashed(proc.returncode), f"exit {proc.returncode}: {text[-2000:]}"
    assert "Fatal Python error" not in text and "panicked" not in text, text[-2000:]
    if sig != "SIGINT":  # SIGINT's batch-mode answer is finding 13's
        assert "Traceback" not in text, text[-2000:]


# -- the interactive shell ------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")
PROMPT = "wasmshell>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def spawn(env: dict, limit: int):
    env = dict(env, TERM="xterm-256color", COLUMNS="200", LINES="40", XDG_STATE_HOME=env["HOME"])
    child = pexpect.spawn(
        WASMSHELL, ["--wasm-timeout", str(limit)], env=env, encoding="utf-8", dimensions=(40, 200), timeout=60
    )
    child.expect_exact(PROMPT)
    return child


def answer(child, line: str) -> str:
    """Type a line, wait for the marker printed after it, return what was shown (plain)."""
    child.send(line + "\r")
    child.send(".print @@done@@\r")
    child.expect_exact("@@done@@")
    child.expect_exact("@@done@@")
    shown = ANSI.sub("", child.before)
    child.expect_exact(PROMPT)
    return shown


@pytest.mark.parametrize("moment", ["mid-call", "mid-instantiation", "during output"])
def test_ctrl_c_in_the_interactive_shell(tmp_path, env, moment):
    """Ctrl-C at each moment, twice: the statement stops, the prompt comes back, the next
    statements work, and the shell ends normally."""
    modules, statement, _limit = MOMENTS[moment]
    child = spawn(env, 30_000)
    try:
        for name, source in modules.items():
            path = SAMPLES / f"{name}.wat" if source is None else tmp_path / f"{name}.wat"
            if source is not None:
                path.write_text(source)
            answer(child, f".loadwasm '{path}' --temp")
        for k, delay in enumerate((0.1, 0.5)):
            # VACUUM INTO makes the marker file as the line starts to run: by then the prompt
            # has given the terminal back, and Ctrl-C is a signal, not input.
            marker = tmp_path / f"started{k}.db"
            child.send(f"vacuum into '{marker}'; {statement}\r")
            wait_for(marker, child)
            time.sleep(delay)
            child.sendintr()
            child.expect("(?i)interrupted")
            child.expect_exact(PROMPT)
            child.send("select 6 * 7 as answer;\r")
            child.expect(r"│ +42 │")
            if moment == "mid-call":
                child.send("select ok() as seven;\r")
                child.expect(r"│ +7 │")
            child.expect_exact(PROMPT)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    # 1, as sqlite3 after errors: the interruptions
    assert child.signalstatus is None and child.exitstatus == 1, (child.exitstatus, child.signalstatus)


# -- the library ----------------------------------------------------------------------------


@pytest.mark.parametrize("c_calls", [True, False], ids=["C calls", "ctypes calls"])
def test_keyboard_interrupt_inside_a_wasm_call_is_not_a_crash(c_calls):
    """A Python program using wasmshell, with Python's own SIGINT handler: a KeyboardInterrupt
    that falls due while Wasm runs surfaces as an exception (or an interrupted call), never as
    a crash. It is raised when the engine's Python code is next entered, which a profile hook
    makes happen at once and every time, instead of now and then as with a real Ctrl-C."""
    code = rf"""
import sys
from conftest import open_session
from wasmshell.engine import native
native.c_calls = {c_calls}
s = open_session(timeout_ms=200)
s.register_module({SPIN!r})
engine = native.__file__.rsplit("/", 1)[0]

def hook(frame, event, arg):
    if event == "call" and frame.f_code.co_filename.startswith(engine) and calling:
        raise KeyboardInterrupt

outcomes = []
for _ in range(5):
    calling = False
    sys.setprofile(hook)
    try:
        cursor = s.connection.cursor()
        calling = True
        cursor.execute("select spin()").fetchall()
        outcomes.append("value")
    except BaseException as e:
        outcomes.append(type(e).__name__)
    finally:
        sys.setprofile(None)
print("outcomes", outcomes)
print("after", s.execute("select ok()").fetchall())
"""
    proc = run_python(code, timeout=120)
    err = proc.stderr.decode()
    assert not crashed(proc.returncode), f"exit {proc.returncode}: {err[-2000:]}"
    assert proc.returncode == 0, err[-2000:]
    assert "after [(7,)]" in proc.stdout.decode()
