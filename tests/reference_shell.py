"""Running wasmshell and the reference sqlite3 shell on the same input, and
interrupting either with SIGINT as it runs.

The reference is the sqlite3 command-line shell of the SQLite inside APSW,
which APSW ships (``python -m apsw.sqlite_extra --path sqlite3_shell``): the
behaviour wasmshell matches in batch mode. Tests that compare with it are
skipped where APSW was built without it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


def _reference() -> str | None:
    try:
        from apsw import sqlite_extra

        found = Path(sqlite_extra.path("sqlite3_shell"))
    except Exception:  # not built into this APSW
        return None
    return str(found) if found.exists() else None


REFERENCE = _reference()
WASMSHELL = str(Path(sys.executable).parent / "wasmshell")
if not Path(WASMSHELL).exists():
    WASMSHELL = shutil.which("wasmshell") or WASMSHELL

needs_reference = pytest.mark.skipif(REFERENCE is None, reason="APSW ships no sqlite3 shell here")
HANG = 60  # seconds: a bound against a hang, never a speed target


@dataclass(frozen=True)
class Result:
    """What a run of a shell left: its output, its errors and its exit status."""

    stdout: bytes
    stderr: bytes
    status: int


def quiet_env(home: Path) -> dict[str, str]:
    """An environment in which neither shell reads an init file of the user's."""
    (home / "home").mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(home / "home"), XDG_CONFIG_HOME=str(home / "config"))


def run_shell(
    program: str, args: list[str], stdin: bytes, cwd: Path, env: dict[str, str], timeout: float = 60
) -> Result:
    """Run ``program`` with ``args`` in ``cwd``, ``stdin`` as its input."""
    done = subprocess.run(
        [program, *args], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=timeout, check=False
    )
    return Result(done.stdout, done.stderr, done.returncode)


def run_both(stdin: bytes | str, tmp_path: Path, args: tuple[str, ...] = ()) -> tuple[Result, Result]:
    """The reference sqlite3 shell's and wasmshell's results for the same input, each
    run in its own copy of ``tmp_path``'s files (so files they write do not mix)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    env = quiet_env(tmp_path)
    results = []
    assert REFERENCE is not None
    for name, program in (("reference", REFERENCE), ("wasmshell", WASMSHELL)):
        where = tmp_path / name
        if where.exists():
            shutil.rmtree(where)
        shutil.copytree(tmp_path, where, ignore=shutil.ignore_patterns("reference", "wasmshell", "home"))
        results.append(run_shell(program, list(args), data, where, env))
    return results[0], results[1]


def start_shell(argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` in ``cwd`` (no init file of the user's) with all three streams piped."""
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=quiet_env(cwd),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@dataclass
class Interrupted:
    """A run that got SIGINT: what it left, and how long it took to end after the first signal."""

    result: Result
    seconds: float


def interrupt(
    argv: list[str],
    cwd: Path,
    *,
    first: str = "",
    marker: bytes = b"",
    then: str = "",
    signals: int = 1,
    read_output: bool = True,
    hang: float = HANG,
) -> Interrupted:
    """Start ``argv``, write ``first`` to its stdin and wait for ``marker`` on its stdout
    (the statement before the long one has run; without a marker, a while), let the next
    one start, send ``signals`` SIGINTs, write ``then``, close stdin and wait for the end.
    With ``read_output`` False nobody reads its stdout, so it blocks writing."""
    proc = start_shell(argv, cwd)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out, err = bytearray(), bytearray()

    def drain(stream, into: bytearray) -> None:
        while chunk := stream.read1(1 << 16):
            into.extend(chunk)

    readers = [threading.Thread(target=drain, args=(proc.stderr, err), daemon=True)]
    if read_output:
        readers.append(threading.Thread(target=drain, args=(proc.stdout, out), daemon=True))
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(first.encode())
        proc.stdin.flush()
        deadline = time.monotonic() + HANG
        while marker not in out and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert marker in out, f"no {marker!r} on stdout: {bytes(out)!r} {bytes(err)!r}"
        time.sleep(0.5 if marker else 2.0)  # the long statement is under way
        start = time.monotonic()
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
        try:
            proc.stdin.write(then.encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.wait(hang)
        seconds = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for reader in readers:
        reader.join(HANG)
    return Interrupted(Result(bytes(out), bytes(err), proc.returncode), seconds)
