"""Shared helpers for the tests: loading Wasm fixtures, opening sessions,
calling a Wasm function every way the engine offers, checking messages.

Fixture modules live in ``samples/`` (user-facing examples) and
``tests/fixtures/`` (hostile or broken modules); ``wat("fib")`` finds either
by name. ``wasmshell`` is imported lazily so that the fixture self-checks in
``test_engine_fixtures.py`` run even without the engine.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The tests exercise the installed wasmshell, C part included; a checkout
# that was never installed is tested as it is.
if importlib.util.find_spec("wasmshell") is None:
    sys.path.insert(0, str(ROOT))
    PYTHONPATH = [str(ROOT), str(TESTS)]
else:
    PYTHONPATH = [str(TESTS)]
SAMPLES = ROOT / "samples"
FIXTURES = TESTS / "fixtures"

# How a Wasm function can be called from SQL: registered by name from the
# WAT text or from the binary, or through run_wasm with the module as TEXT
# (WAT) or as a BLOB (binary). When the C part is built, run_wasm is a C
# function and Wasm functions are called from C; the last two modes use the
# pure-Python run_wasm and ctypes calls instead.
MODES = (
    "registered_wat",
    "registered_wasm",
    "run_wasm_wat",
    "run_wasm_wasm",
    "run_wasm_wat_python",
    "registered_wat_ctypes",
)

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes several seconds; runs by default (deselect with -m 'not slow')"
    )
    # Compiled code goes to a cache of the test run's own, shared with the
    # shells it starts, not to the user's cache directory.
    if "WASMSHELL_CODE_CACHE" not in os.environ:
        config._wasmshell_cache = tempfile.TemporaryDirectory(prefix="wasmshell-test-cache-")
        os.environ["WASMSHELL_CODE_CACHE"] = config._wasmshell_cache.name


# Tests whose reference moved from sqlite3 3.40 to 3.54 and that wasmshell does not match yet
# (issue 13): node ids, under "## reason" headings. Each is a strict xfail, so one that starts
# to pass must leave the list.
TODO_3_54 = Path(__file__).with_name("todo_3_54.txt")


def todo_3_54() -> dict[str, str]:
    """Node id -> why it is not matched yet."""
    todo, reason = {}, "sqlite3 3.54 answers differently; not matched yet (issue 13)"
    for line in TODO_3_54.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            reason = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            todo[line.strip()] = reason
    return todo


def pytest_collection_modifyitems(config, items):
    todo = todo_3_54()
    for item in items:
        reason = todo.get(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def pytest_unconfigure(config):
    cache = getattr(config, "_wasmshell_cache", None)
    if cache is not None:
        os.environ.pop("WASMSHELL_CODE_CACHE", None)
        cache.cleanup()


# --------------------------------------------------------------------------
# Fixture files


@functools.cache
def wat_path(name: str) -> Path:
    """The .wat file called ``name`` in samples/ or tests/fixtures/."""
    hits = [d / f"{name}.wat" for d in (SAMPLES, FIXTURES) if (d / f"{name}.wat").exists()]
    if len(hits) != 1:
        raise LookupError(f"expected exactly one {name}.wat, found {hits}")
    return hits[0]


def wat(name: str) -> str:
    """WebAssembly text of the fixture ``name``."""
    return wat_path(name).read_text(encoding="utf-8")


@functools.cache
def wasm(name: str) -> bytes:
    """The fixture ``name`` compiled to a binary module."""
    import wasmtime

    return bytes(wasmtime.wat2wasm(wat(name)))


def all_wat_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.wat")) + sorted(FIXTURES.glob("*.wat"))


# --------------------------------------------------------------------------
# Sessions


def make_limits(**overrides):
    from wasmshell import Limits

    values = {"timeout_ms": 5000, "memory_mb": 64, "module_mb": 32}
    values.update(overrides)
    return Limits(**values)


def open_session(path=":memory:", **limit_overrides):
    from wasmshell import connect

    return connect(str(path), limits=make_limits(**limit_overrides))


@pytest.fixture
def session():
    s = open_session()
    try:
        yield s
    finally:
        s.close()


def rows(s, sql, bindings=None) -> list[tuple]:
    return [tuple(r) for r in s.execute(sql, bindings)]


def one(s, sql, bindings=None):
    """The single value of a one-row, one-column query."""
    result = rows(s, sql, bindings)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def run_wasm(s, module: str, func: str, *args, binary: bool = False):
    """run_wasm(module, func, args...) with the fixture ``module``."""
    source = wasm(module) if binary else wat(module)
    marks = "".join(", ?" for _ in args)
    return one(s, f"select run_wasm(?, ?{marks})", (source, func, *args))


class Caller:
    """Calls ``func`` of fixture ``module`` in one of the MODES."""

    def __init__(self, s, mode: str):
        assert mode in MODES
        self.s = s
        self.mode = mode
        self.registered: dict[str, str] = {}  # SQL function name -> module it came from
        if mode.endswith("_python"):
            s._register_run_wasm(in_c=False)

    @property
    def binary(self) -> bool:
        return self.mode.endswith("_wasm")

    def source(self, module: str):
        return wasm(module) if self.binary else wat(module)

    def register(self, module: str, func: str):
        if self.registered.get(func) != module:
            from wasmshell.engine import native

            native.c_calls = not self.mode.endswith("_ctypes")
            try:
                self.s.register_module(self.source(module), names=[func])
            finally:
                native.c_calls = True
            self.registered[func] = module

    def sql(self, module: str, func: str, nargs: int):
        """(sql, leading bindings) calling func with nargs further ``?``."""
        marks = ", ".join("?" for _ in range(nargs))
        if self.mode.startswith("registered"):
            self.register(module, func)
            return f"select {func}({marks})", ()
        sep = ", " if nargs else ""
        return f"select run_wasm(?, ?{sep}{marks})", (self.source(module), func)

    def __call__(self, module: str, func: str, *args):
        sql, lead = self.sql(module, func, len(args))
        return one(self.s, sql, (*lead, *args))


@pytest.fixture(params=MODES)
def call(request, session):
    return Caller(session, request.param)


# --------------------------------------------------------------------------
# Checks


def assert_usable(s):
    """The session still runs plain SQL and Wasm, registered and via run_wasm."""
    assert one(s, "select 1 + 1") == 2
    assert run_wasm(s, "fib", "fib", 10) == 55
    s.register_module(wat("add1"), names=["add1"])
    assert one(s, "select add1(41)") == 42


def assert_arg_message(msg: str, func: str, position: int, *type_names: str):
    """An ArgumentError message names the function, the 1-based argument
    position and the given SQL type names (loosely: any wording)."""
    assert func in msg, msg
    ordinal = ORDINALS.get(position, f"{position}th")
    pattern = (
        rf"arg(ument)?s?\s*(#|no\.?|number|position)?\s*{position}\b"
        rf"|\b{ordinal}\s+arg|\b{position}(st|nd|rd|th)\s+arg"
        rf"|position\s*{position}\b"
    )
    assert re.search(pattern, msg, re.IGNORECASE), f"no argument position {position} in {msg!r}"
    for name in type_names:
        assert re.search(re.escape(name), msg, re.IGNORECASE), f"no {name!r} in {msg!r}"


# Code for a child process: its own peak resident memory in KiB. VmHWM, not ru_maxrss:
# Linux keeps a forked child's pre-exec peak (the whole test run's) in ru_maxrss.
PEAK_KB = """
def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


def run_python(code: str, *, timeout: float = 60, stdin: bytes | None = None, env_extra=None):
    """Run ``code`` in a fresh interpreter (for things that could crash or hang
    the test process), with ``env_extra`` added to the environment. Returns the
    CompletedProcess; output is text."""
    env = dict(os.environ, **(env_extra or {}))
    env["PYTHONPATH"] = os.pathsep.join(PYTHONPATH + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.run(
        # -P: the working directory (the checkout) does not shadow the installed package
        [sys.executable, "-P", "-c", code],
        cwd=ROOT,
        env=env,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
    )
