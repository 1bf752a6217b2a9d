"""No input takes unbounded memory, and none takes work that grows faster than its size.

Memory: endless NUL bytes (``.read /dev/zero``), an endless line, an endless
comment or string literal, on stdin, through ``.read`` and through ``-init``.
Each run is a real subprocess fed far more input than the bound, whose peak
resident memory (``wait4``'s ``ru_maxrss``) is compared with that of a run
fed almost nothing. A line or statement longer than SQLite's SQL length limit
ends its input with sqlite3's "Input SQL is too big"; those runs lower the
limit to keep the test small.

Work: the text of a statement of many lines is scanned once, not once per
line; counted as the characters handed to SQLite's completeness test.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest
from conftest import PYTHONPATH, ROOT
from reference_shell import WASMSHELL, quiet_env

from wasmshell.shell.runner import process_input
from wasmshell.shell.state import Shell

MB = 1 << 20
FED = 256 * MB  # far beyond any bound below
HEADROOM_KB = 64 * 1024  # what a run may take beyond one fed almost nothing
SQL_LIMIT = 8 * MB  # SQLite's SQL length limit, lowered for the "too big" runs

# A shell reading stdin with SQLite's SQL length limit lowered.
LIMITED_SHELL = f"""
import sys, apsw
from wasmshell.shell.runner import LineReader, process_input
from wasmshell.shell.state import Shell
shell = Shell()
shell.session.connection.limit(apsw.SQLITE_LIMIT_SQL_LENGTH, {SQL_LIMIT})
sys.exit(1 if process_input(shell, LineReader(0)) else 0)
"""


def python_argv() -> list[str]:
    return [sys.executable, "-P", "-c", LIMITED_SHELL]


def python_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(PYTHONPATH))


class Run:
    """A finished run: peak memory (KiB), output, errors and exit status."""

    def __init__(self, peak_kb: int, stdout: bytes, stderr: bytes, status: int) -> None:
        self.peak_kb, self.stdout, self.stderr, self.status = peak_kb, stdout, stderr, status


def feed(argv: list[str], chunks: Iterator[bytes], *, env: dict[str, str], cwd: Path = ROOT) -> Run:
    """Run ``argv``, write ``chunks`` to its stdin until it stops reading, then close
    stdin and wait; measure its peak memory."""
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd
    )
    outputs: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name: outputs.__setitem__(name, getattr(proc, name).read()))
        for name in ("stdout", "stderr")
    ]
    for reader in readers:
        reader.start()
    assert proc.stdin is not None
    try:
        for chunk in chunks:
            proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:  # it stopped reading: what the "too big" runs expect
        pass
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return Run(usage.ru_maxrss, outputs["stdout"], outputs["stderr"], proc.returncode)


def repeated(block: bytes, total: int = FED, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """``head``, then ``block`` (1 MiB of it at a time) up to ``total`` bytes, then ``tail``."""
    yield head
    piece = block * (MB // len(block))
    for _ in range(total // len(piece)):
        yield piece
    yield tail


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, int]:
    """Peak memory of runs fed almost nothing: wasmshell, and the limited shell."""
    home = tmp_path_factory.mktemp("home")
    return {
        "wasmshell": feed([WASMSHELL], iter([b"select 1;\n"]), env=quiet_env(home)).peak_kb,
        "python": feed(python_argv(), iter([b"select 1;\n"]), env=python_env()).peak_kb,
    }


# -- endless NUL bytes -----------------------------------------------------------------


def test_endless_nul_bytes_on_stdin_take_flat_memory(baseline, tmp_path):
    # A NUL ends a line's text and the rest of that line is dropped, as it comes.
    run = feed([WASMSHELL], repeated(b"\0", tail=b"\nselect 'after';\n"), env=quiet_env(tmp_path))
    assert (run.stdout, run.stderr, run.status) == (b"after\n", b"", 0)
    assert run.peak_kb < baseline["wasmshell"] + HEADROOM_KB


@pytest.mark.parametrize("how", [".read", "-init"])
def test_endless_nul_bytes_from_a_file_take_flat_memory(how, baseline, tmp_path):
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)

    def write_fifo() -> None:
        with open(fifo, "wb") as out:
            for chunk in repeated(b"\0", tail=b"\nselect 'from the file';\n"):
                out.write(chunk)

    writer = threading.Thread(target=write_fifo)
    writer.start()
    if how == ".read":
        run = feed([WASMSHELL], iter([f".read {fifo}\nselect 'after';\n".encode()]), env=quiet_env(tmp_path))
    else:
        run = feed([WASMSHELL, "-init", str(fifo)], iter([b"select 'after';\n"]), env=quiet_env(tmp_path))
    writer.join()
    assert (run.stdout, run.stderr, run.status) == (b"from the file\nafter\n", b"", 0)
    assert run.peak_kb < baseline["wasmshell"] + HEADROOM_KB


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/PID/io")
def test_read_dev_zero_takes_flat_memory_until_killed(baseline, tmp_path):
    proc = subprocess.Popen(
        [WASMSHELL],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=quiet_env(tmp_path),
    )
    assert proc.stdin is not None
    proc.stdin.write(b".read /dev/zero\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 120  # a bound against a hang, not a speed target
    read = 0
    while read < FED and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        io_text = Path(f"/proc/{proc.pid}/io").read_text()
        read = int(re.search(r"^rchar: (\d+)", io_text, re.M).group(1))
    assert read >= FED, f"read only {read} bytes of /dev/zero"
    proc.kill()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.stdin.close()
    assert usage.ru_maxrss < baseline["wasmshell"] + HEADROOM_KB


# -- lines and statements that never end ------------------------------------------------

ENDLESS = {
    "line-without-newline": (b"select length('", b"a"),
    "comment": (b"select 1;\n/*\n", b"a comment line\n"),
    "string-literal": (b"select 1;\nselect '\n", b"a line; of the string\n"),
    "dot-command-line": (b".print ", b"a"),
    "trigger-body": (
        b"create table t(x);\ncreate trigger r after insert on t begin\n",
        b"  select 1;\n",
    ),
}


@pytest.mark.parametrize(("head", "block"), ENDLESS.values(), ids=ENDLESS.keys())
def test_endless_input_stops_at_the_sql_length_limit(head, block, baseline):
    run = feed(python_argv(), repeated(block, head=head), env=python_env())
    line = 1 if head.count(b"\n") < 2 else 2
    assert re.fullmatch(rb"<stdin>:%d: Input SQL is too big: [0-9,]+ bytes\n" % line, run.stderr), run.stderr
    size = int(run.stderr.split(b": ")[-1].split()[0].replace(b",", b""))
    assert SQL_LIMIT < size <= SQL_LIMIT + 2 * MB
    assert run.status == 1
    assert run.peak_kb < baseline["python"] + HEADROOM_KB


def test_a_statement_just_under_the_limit_still_runs():
    text = b"select length('" + b"a" * (SQL_LIMIT - 100) + b"');\nselect 'next';\n"
    run = feed(python_argv(), iter([text]), env=python_env())
    assert (run.stdout, run.stderr, run.status) == (f"{SQL_LIMIT - 100}\nnext\n".encode(), b"", 0)


# -- work that grows with the input -------------------------------------------------------


@pytest.fixture
def counted_complete(monkeypatch) -> list[int]:
    """Characters handed to apsw.complete, counted while the test runs."""
    handed = [0]
    real = apsw.complete

    def counting(sql: str) -> bool:
        handed[0] += len(sql)
        return real(sql)

    monkeypatch.setattr(apsw, "complete", counting)
    return handed


def run_lines(lines: list[str]) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(stdout=out, stderr=err)
    errors = process_input(shell, lines)
    return out.getvalue(), err.getvalue(), errors


STATEMENTS_OF_MANY_LINES = {
    "trigger-body": (
        ["create table t(x);", "create table u(y);", "create trigger r after insert on t begin"]
        + [f"  insert into u values ({i});" for i in range(3000)]
        + ["end;", "insert into t values (1);", "select count(*), sum(y) from u;"],
        f"3000|{sum(range(3000))}\n",
    ),
    "string-literal": (
        ["select length('"] + [f"line {i}; of text" for i in range(3000)] + ["');"],
        f"{len(chr(10) + chr(10).join(f'line {i}; of text' for i in range(3000)) + chr(10))}\n",
    ),
    "comment": (
        ["select 1 /*"] + [f"comment line {i};" for i in range(3000)] + ["*/ ;"],
        "1\n",
    ),
}


@pytest.mark.parametrize(
    ("lines", "expected"), STATEMENTS_OF_MANY_LINES.values(), ids=STATEMENTS_OF_MANY_LINES
)
def test_a_statement_of_many_lines_is_scanned_once(lines, expected, counted_complete):
    out, err, errors = run_lines(lines)
    assert (out, err, errors) == (expected, "", 0)
    size = sum(len(line) + 1 for line in lines)
    assert counted_complete[0] <= 2 * size  # once per line over the growing text: ~1,000 times more


def test_a_long_line_is_scanned_once(counted_complete):
    line = "select length('" + "a" * 5_000_000 + "');"
    assert run_lines([line, "select 2;"]) == ("5000000\n2\n", "", 0)
    assert counted_complete[0] <= 2 * len(line) + 100
