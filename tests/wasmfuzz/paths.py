"""The three ways a module reaches the engine, and the oracle every failure must pass.

- ``c``: the module registered by name (functions called through the C ``WasmCall``) and given
  to the C ``run_wasm``;
- ``python``: the same with the C part turned off (``native.c_calls = False``, the Python
  ``run_wasm``): calls through ctypes;
- ``stored``: the module stored as ``.loadwasm`` stores it and, as a foreign writer would,
  straight into ``libsql_wasm_func_table`` of a real file, under each export's name; the file
  opened in the shell, ``.funcs`` listed, and every function called.

The oracle: a failure is a ``WasmError`` or an ``apsw.Error`` with a clear message. Anything else
(IndexError, ValueError, KeyError, TypeError, UnicodeError, RecursionError, SystemError, ...) is an
``Escape``. That the process does not die is the driver's business.
"""

from __future__ import annotations

import io
import os
import random
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw

from wasmshell import Limits
from wasmshell.engine import native
from wasmshell.engine.catalog import TABLE_SQL
from wasmshell.engine.errors import TimeLimitExceeded, WasmError

# apsw errors that mean wasmshell misused SQLite rather than reporting a failure.
MISUSE = (
    apsw.ThreadingViolationError,
    apsw.ExecutionCompleteError,
    apsw.CursorClosedError,
    apsw.ConnectionClosedError,
    apsw.MisuseError,
    apsw.InternalError,
)
UNCLEAR = ("not an error", "unknown error")
# Short and small, so that loops and memory bombs cost little: thousands of mutants a minute.
FUZZ_LIMITS = Limits(timeout_ms=50, memory_mb=16, module_mb=4)
MAX_FUNCTIONS = 6  # functions called per mutant and path
ARG_SETS = 3
WASMSHELL = str(Path(native.__file__).resolve().parents[1])

INTEGERS = (0, 1, 7, 40, -1, 2**31 - 1, -(2**31), 2**31, 2**63 - 1, -(2**63))
REALS = (0.5, -2.25, 1e308, -1e-300, float("inf"), 3)
VALUES = ("hello", "", "é€😀", "a" * 70_000, b"", b"\x00\x01\xff", b"x" * 100_000, None)
ODD = ("text", b"\x00", 1.5, None, 2**40)


@dataclass
class Escape:
    """An exception that is not a wasmshell error."""

    path: str
    step: str
    cls: str
    message: str
    where: str

    @property
    def signature(self) -> str:
        """What tells one bug from another: the path, the class and where it was raised."""
        return f"{self.path}: {self.cls} at {self.where}"


@dataclass
class Tally:
    """What one path did with one mutant."""

    escapes: list[Escape] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # wasmshell errors seen, by class
    compiled: bool = False
    calls: int = 0
    timeouts: int = 0  # failures that took a whole time limit (calls or start functions)


def _where(exc: BaseException) -> str:
    """The innermost frame in wasmshell's own code (else the innermost), as file:function."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(WASMSHELL)] or frames
    if not ours:
        return "?"
    f = ours[-1]
    return f"{os.path.relpath(f.filename, os.path.dirname(WASMSHELL))}:{f.name}"


@contextmanager
def guard(tally: Tally, path: str, step: str) -> Iterator[None]:
    """Run a step; a wasmshell error is counted, anything else recorded as an escape."""
    try:
        yield
    except WasmError as exc:
        tally.errors[type(exc).__name__] += 1
        if isinstance(exc, TimeLimitExceeded) or "time limit" in str(exc):
            tally.timeouts += 1
    except apsw.Error as exc:
        message = str(exc)
        if isinstance(exc, MISUSE) or any(u in message.lower() for u in UNCLEAR) or not message.strip():
            tally.escapes.append(Escape(path, step, f"apsw.{type(exc).__name__}", message, _where(exc)))
        else:
            tally.errors[f"apsw.{type(exc).__name__}"] += 1
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        tally.escapes.append(Escape(path, step, type(exc).__name__, str(exc)[:300], _where(exc)))


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dot_argument(word: str) -> str:
    """``word`` as one argument of a dot-command: double quotes take C escapes."""
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arguments(rng: random.Random, kinds: tuple[str, ...] | None) -> list[tuple[Any, ...]]:
    """A few argument lists for a function with these SQL parameter kinds (None: unknown)."""
    if kinds is None:
        kinds = tuple(rng.choice(("INTEGER", "REAL", "TEXT/BLOB/NULL")) for _ in range(rng.randint(0, 2)))
    pools = {"INTEGER": INTEGERS, "REAL": REALS}
    sets = [tuple(pools.get(k, VALUES)[0] for k in kinds)]
    for _ in range(ARG_SETS - 1):
        sets.append(tuple(rng.choice(ODD if rng.random() < 0.1 else pools.get(k, VALUES)) for k in kinds))
    return sets


def _call_all(
    run: Callable[[str, tuple[Any, ...]], Any],
    name: str,
    kinds: tuple[str, ...] | None,
    rng: random.Random,
    tally: Tally,
    path: str,
    step: str,
) -> None:
    """Call one function with each argument set.

    After a call that took a whole time limit only one more is made (it may find a freshly
    reset instance): the rest would only repeat it, slowly.
    """
    timeouts = tally.timeouts
    for args in arguments(rng, kinds):
        tally.calls += 1
        with guard(tally, path, f"{step} {name}{args!r:.80}"):
            run(name, args)
        if tally.timeouts - timeouts >= 2:
            return


def _kinds(session: Any, name: str) -> tuple[str, ...] | None:
    entry = session.functions.get(name.lower())
    info = entry.peek() if entry is not None else None
    return info.params if info is not None else None


def _select(session: Any) -> Callable[[str, tuple[Any, ...]], Any]:
    def run(name: str, args: tuple[Any, ...]) -> Any:
        marks = ", ".join("?" for _ in args)
        try:
            return session.execute(f"select {quote(name)}({marks})", args).fetchall()
        finally:
            session.take_output()  # what the guest wrote, even if the call failed

    return run


def _run_wasm(session: Any, source: str | bytes) -> Callable[[str, tuple[Any, ...]], Any]:
    def run(name: str, args: tuple[Any, ...]) -> Any:
        marks = "".join(", ?" for _ in args)
        try:
            return session.execute(f"select run_wasm(?, ?{marks})", (source, name, *args)).fetchall()
        finally:
            session.take_output()

    return run


def _registered_and_run_wasm(session: Any, source: str | bytes, rng: random.Random, tally: Tally, path: str):
    with guard(tally, path, "register"):
        session.register_module(source)
    names: list[str] = []
    with guard(tally, path, "compile"):
        names = list(session.compile(source).exports)[:MAX_FUNCTIONS]
        tally.compiled = True
    if not session.functions:  # one export could not be registered: the others one by one
        for name in names:
            with guard(tally, path, "register one"):
                session.register_module(source, names=[name])
    for entry in list(session.functions.values())[:MAX_FUNCTIONS]:
        _call_all(_select(session), entry.name, _kinds(session, entry.name), rng, tally, path, "call")
    for name in names:
        _call_all(_run_wasm(session, source), name, _kinds(session, name), rng, tally, path, "run_wasm")


def run_c(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    """Registered functions called from C, and the C run_wasm."""
    tally = Tally()
    from wasmshell import connect

    with guard(tally, "c", "connect"):
        session = connect(":memory:", limits=ctx.limits)
        try:
            _registered_and_run_wasm(session, source, rng, tally, "c")
        finally:
            session.close()
    return tally


def run_python(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    """The same through ctypes and the pure-Python run_wasm."""
    tally = Tally()
    from wasmshell import connect

    native.c_calls = False
    try:
        with guard(tally, "python", "connect"):
            session = connect(":memory:", limits=ctx.limits)
            try:
                session._register_run_wasm(in_c=False)
                _registered_and_run_wasm(session, source, rng, tally, "python")
            finally:
                session.close()
    finally:
        native.c_calls = True
    return tally


def run_stored(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    """Stored in a real file (by wasmshell, then by a foreign writer), reopened, listed and called."""
    from wasmshell import connect
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    from .mutate import export_names

    tally = Tally()
    db = ctx.database()
    with guard(tally, "stored", "loadwasm"):
        session = connect(db, limits=ctx.limits)
        try:
            session.load_module(source)
            tally.compiled = True
        finally:
            session.close()
    names = export_names(source)[:MAX_FUNCTIONS] or [b"f"]
    _write_rows(db, [(name, source) for name in names])
    out, err = io.StringIO(), io.StringIO()
    with guard(tally, "stored", "open"):
        shell = Shell(db, stdout=out, stderr=err, limits=ctx.limits)
        try:
            with guard(tally, "stored", ".funcs"):
                run_command(shell, ".funcs")
            session = shell.session
            for entry in list(session.functions.values())[:MAX_FUNCTIONS]:
                _call_all(
                    _select(session), entry.name, _kinds(session, entry.name), rng, tally, "stored", "call"
                )
            with guard(tally, "stored", ".funcs after calls"):
                run_command(shell, ".funcs")
            first = next(iter(session.functions.values()), None)
            if first is not None and rng.random() < 0.2:  # it runs wasm-tools: not every time
                with guard(tally, "stored", ".wat"):
                    run_command(shell, f".wat {dot_argument(first.name)}")
        finally:
            shell.session.close()
    if "Traceback" in out.getvalue() + err.getvalue():
        tally.escapes.append(Escape("stored", "shell output", "Traceback", err.getvalue()[-300:], "shell"))
    return tally


def _write_rows(db: str, rows: list[tuple[bytes, str | bytes]]) -> None:
    """What another program (libSQL, sqlite3) may leave in the table: no checks at all.

    Names are the export names' bytes as TEXT, valid UTF-8 or not.
    """
    connection = apsw.Connection(db)
    try:
        connection.execute("pragma synchronous = off")
        connection.execute(TABLE_SQL)
        for name, body in rows:
            connection.execute(
                "insert or ignore into libsql_wasm_func_table values (cast(? as text), ?)", (name, body)
            )
    finally:
        connection.close()


@dataclass
class Context:
    """What the paths share in one worker: limits and a scratch directory."""

    scratch: Path
    limits: Limits = FUZZ_LIMITS

    def database(self) -> str:
        """A fresh database file (the last one removed)."""
        path = self.scratch / "stored.db"
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return str(path)


PATHS: dict[str, Callable[[str | bytes, random.Random, Context], Tally]] = {
    "c": run_c,
    "python": run_python,
    "stored": run_stored,
}


def _selftest_abort(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    os.abort()


def _selftest_hang(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    import time

    time.sleep(3600)
    return Tally()


def _selftest_escape(source: str | bytes, rng: random.Random, ctx: Context) -> Tally:
    tally = Tally()
    with guard(tally, "selftest-escape", "index"):
        [][len(source)]  # an IndexError, as a bug would raise it
    return tally


# Paths that fail on purpose, to test the driver: a crash, a hang, an escape.
PATHS.update(
    {"selftest-abort": _selftest_abort, "selftest-hang": _selftest_hang, "selftest-escape": _selftest_escape}
)
