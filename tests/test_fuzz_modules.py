"""Module fuzzing, bounded: a seeded run of mutants down the C, Python and stored paths, and
the cases earlier runs found, replayed.

Each mutant of samples/*.wat, tests/fixtures/*.wat and samples/c/sqlfuncs.wasm (see
``wasmfuzz/mutate.py``) is compiled, registered, stored, listed and called with a few argument
sets, in worker processes (``wasmfuzz/driver.py``): the process must never die or hang, and every
failure must be a wasmshell error (``wasmfuzz/paths.py``). The long run is
``bench/fuzz_modules.py`` (100,000 mutants).

A kind of failure found and not yet fixed is a ``Case`` below: a module file in fuzz_cases/,
replayed as a strict xfail naming who fixes it, and tolerated by the bounded run only while it is
marked known. When it is fixed, its xfail fails: drop ``known`` from the case, and the bounded run
stops tolerating it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_python
from wasmfuzz.driver import ALL_PATHS, Finding, run

CASES_DIR = Path(__file__).resolve().parent / "fuzz_cases"
SEED = 20261204
COUNT = 900  # about a minute here with two workers


@dataclass(frozen=True)
class Case:
    file: str
    known: str | None  # why it fails today and who fixes it; None once fixed
    matches: Callable[[Finding], bool]  # the bounded run's findings of this kind
    paths: tuple[str, ...] = ALL_PATHS


def escape(cls: str, text: str = "") -> Callable[[Finding], bool]:
    return lambda f: f.kind == "escape" and f" {cls} at " in f.signature and text in f.signature + f.detail


# Every kind found so far is fixed (issue 10, findings 1 and 5); a new one gets a Case with ``known``.
CASES = [
    Case("export_name_with_nul.wat", None, escape("ValueError", "embedded null")),
    Case("export_name_300_bytes.wat", None, escape("apsw.MisuseError", "not an error")),
    Case(
        "export_name_truncated_utf8.wasm", None, escape("UnicodeDecodeError", "catalog.py"), paths=("stored",)
    ),
    Case("import_section_past_the_end.wasm", None, escape("IndexError", "wasmbin.py"), paths=("stored",)),
    # sqlfuncs.wasm without its first section: a stored aggregate whose signature cannot be read
    # before compiling is registered for any arity; a call with the wrong count was a TypeError.
    Case("aggregate_signature_unreadable.wasm", None, escape("TypeError", "phase()"), paths=("stored",)),
]


def known(f: Finding) -> str | None:
    """Why a finding of the bounded run is tolerated today, or None."""
    for case in CASES:
        if case.known and case.matches(f):
            return case.known
    return None


@pytest.mark.slow
def test_bounded_fuzz_run(tmp_path):
    report = run(SEED, COUNT, jobs=2, chunk=COUNT // 2, crash_dir=tmp_path, confirm=False)
    print(report.summary())
    unknown = [f for f in report.problems if known(f) is None]
    assert not unknown, "\n".join(f.describe() for f in unknown) + "\n\n" + report.summary()
    assert report.mutants + len(report.of_kind("crash")) >= COUNT
    # The mutants reached the engine: enough compile, and every path calls functions.
    for path in ALL_PATHS:
        assert report.per_path[path] >= COUNT - len(report.of_kind("crash"))
        assert report.compiled[path] >= COUNT // 10, report.summary()
        assert report.calls[path] >= COUNT, report.summary()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.known) if c.known else ()) for c in CASES],
    ids=[c.file for c in CASES],
)
def test_fuzz_case(case):
    report = run(CASES_DIR / case.file, paths=case.paths, confirm=False)
    assert report.mutants == 1
    assert not report.problems, "\n".join(f.describe() for f in report.problems)


@pytest.mark.parametrize("c_calls", [True, False], ids=["C calls", "ctypes calls"])
def test_start_function_after_a_time_limit_trap(c_calls):
    """The crash class of the fuzzer's mutants with a long start function, made deterministic:
    the start function takes ~100 ms of a 1 s limit, spin() uses the whole limit, and the
    instance that replaces the trapped one runs its start function again."""
    source = (
        (CASES_DIR / "start_near_the_time_limit.wat")
        .read_text()
        .replace(
            "(start $count)",
            '(start $count) (func (export "spin") (result i64) (loop $l (br $l)) (i64.const 0))'
            ' (func (export "ok") (result i64) (i64.const 7))',
        )
    )
    code = rf"""
from conftest import open_session
from wasmshell.engine import native
from wasmshell.engine.errors import WasmError
native.c_calls = {c_calls}
s = open_session(timeout_ms=1000)
src = {source!r}
s.register_module(src)
steps = [
    lambda: s.execute("select ok()").fetchall(),
    lambda: s.execute("select spin()").fetchall(),
    lambda: s.execute("select ok()").fetchall(),
    lambda: s.register_module(src, names=["ok"]),
    lambda: s.execute("select ok()").fetchall(),
    lambda: s.execute("select run_wasm(?, 'ok')", (src,)).fetchall(),
]
for step in steps:
    try:
        print("value", step(), flush=True)
    except WasmError as e:
        print("error", type(e).__name__, e, flush=True)
"""
    proc = run_python(code, timeout=120)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err[-2000:]}"
    lines = out.splitlines()
    assert len(lines) == 6 and lines[0] == "value [(7,)]", out
    assert "time limit" in lines[1], out
    assert lines[-1] == "value [(7,)]", out  # the module works again


def test_the_driver_catches_crashes_hangs_and_escapes(tmp_path):
    """The fuzzer's own oracle: paths that abort, hang or raise on purpose are each reported,
    saved with a note of how to make them again, and the run goes on to the next mutant."""
    for path, kind in (("selftest-abort", "crash"), ("selftest-escape", "escape"), ("selftest-hang", "hang")):
        report = run(7, 2, paths=(path,), crash_dir=tmp_path / path, hang_seconds=2, confirm=False)
        found = report.of_kind(kind)
        assert [f.index for f in found] == [0, 1], report.summary()
        assert found[0].saved and Path(found[0].saved).exists()
        note = Path(found[0].saved).with_suffix(".txt").read_text()
        assert "--seed 7 --start 0 --count 1" in note
    assert "SIGABRT" in run(7, 1, paths=("selftest-abort",), confirm=False).problems[0].signature
