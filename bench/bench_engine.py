#!/usr/bin/env python3
"""Per-row cost of Wasm SQL functions against Python UDFs and native SQL.

A benchmark, not a test: every figure and every ratio comes from this one run
on this machine. Each query sums a function over N rows made by a recursive
CTE, so every row is evaluated inside SQLite and only one value comes back to
Python. Each measurement is repeated (``--repeat``, default 3) and the best
time is kept; the variants of a section are run in turn within each repeat so
that drift in machine speed affects them alike.

    python bench/bench_engine.py              # N = 1,000,000 rows
    python bench/bench_engine.py --rows 100000

Sections:
  1. integer add1: native ``x+1``, Python UDF, Wasm ``add1`` by name (the fast
     path), the same function in a C extension (native_functions.c, built with
     ``cc`` now), and wasmtime's public ``Func.__call__`` from a Python UDF.
  2. reverse of a 16-byte TEXT: Python ``s[::-1]`` vs Wasm ``reverse_text`` vs C.
  3. fib(25) per row: recursive Python vs Wasm ``fib`` vs C.
  4. ``run_wasm(?, 'add1', x)`` with a constant ~10 KB module bound as a
     parameter (TEXT and BLOB) vs ``add1(x)`` registered from the same module,
     through the C run_wasm (when built) and the pure-Python one.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import apsw
import wasmtime

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from native_anchor import NativeAnchor  # noqa: E402

try:
    import wasmshell
    from wasmshell.engine import rawcall
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))
    import wasmshell
    from wasmshell.engine import rawcall


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def rows_sql(n: int, expr: str) -> str:
    """Sum ``expr`` over x = 1..n, all inside SQLite."""
    return (
        f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT {n}) SELECT sum({expr}) FROM c"
    )


@dataclass
class Case:
    """One query to time: ``rows`` rows of ``expr`` in ``session``."""

    label: str
    session: Any
    expr: str
    rows: int
    bindings: tuple[Any, ...] | None = None
    best: float = float("inf")
    value: Any = None

    @property
    def sql(self) -> str:
        return rows_sql(self.rows, self.expr)

    @property
    def us_per_row(self) -> float:
        return self.best / self.rows * 1e6

    def run(self, rows: int | None = None) -> tuple[float, Any]:
        sql = self.sql if rows is None else rows_sql(rows, self.expr)
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            ((value,),) = self.session.execute(sql, self.bindings).fetchall()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        return elapsed, value


def measure(cases: list[Case], repeat: int) -> None:
    """Warm up every case, then time each ``repeat`` times in turn; keep the best."""
    for case in cases:
        case.run(min(case.rows, 1000))  # compile, instantiate, first-call costs
    for _ in range(repeat):
        for case in cases:
            elapsed, value = case.run()
            case.best = min(case.best, elapsed)
            if case.value is not None and value != case.value:
                raise SystemExit(f"{case.label}: result changed between runs")
            case.value = value
    expected = cases[0].value
    for case in cases[1:]:
        if case.value != expected:
            raise SystemExit(f"{case.label} returned {case.value!r}, {cases[0].label} returned {expected!r}")


def check_calls(session: Any, name: str, before: int, expected: int, what: str) -> None:
    """Make sure SQLite really called the Wasm function once per row (not hoisted)."""
    made = session.functions[name].calls - before
    if made != expected:
        raise SystemExit(f"{what}: expected {expected} calls of {name}, counted {made}")


# -- output ------------------------------------------------------------------


def print_section(title: str, cases: list[Case]) -> None:
    print()
    print(title)
    print(f"  {'variant':<62} {'rows':>10} {'us/row':>9} {'best s':>8}")
    for case in cases:
        print(f"  {case.label:<62} {case.rows:>10,} {case.us_per_row:>9.3f} {case.best:>8.3f}")


def print_ratio(label: str, value: float) -> None:
    print(f"  {label:<84} {value:>6.2f}x")


@dataclass
class Target:
    name: str
    measured: float
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    detail: str

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit


def print_targets(targets: list[Target]) -> None:
    print()
    print("Targets")
    print(f"  {'target':<44} {'measured':>9} {'limit':>8}  {'result':<6} per-row figures")
    for t in targets:
        limit = f"{'<=' if t.at_most else '>='} {t.limit:g}x"
        print(
            f"  {t.name:<44} {t.measured:>8.2f}x {limit:>8}  {'PASS' if t.passed else 'MISS':<6} {t.detail}"
        )


# -- modules -------------------------------------------------------------------


def padded_text(source: str, size: int) -> str:
    """``source`` followed by ``;; xxx`` comment lines, exactly ``size`` bytes of UTF-8."""
    out = source.rstrip("\n") + "\n"
    line = ";; " + "x" * 76 + "\n"  # 80 bytes a line
    while len(out.encode()) + len(line) <= size:
        out += line
    rest = size - len(out.encode())
    if rest >= 4:
        out += ";; " + "x" * (rest - 4) + "\n"
    return out


def padded_binary(source: str, size: int) -> bytes:
    """``source`` compiled to a binary with a custom section making it ``size`` bytes."""
    body = source.rstrip()
    assert body.endswith(")"), "expected the module's closing parenthesis last"
    payload = 0
    for _ in range(10):
        wat = f'{body[:-1]}\n  (@custom "padding" "{"x" * payload}"))\n'
        binary = bytes(wasmtime.wat2wasm(wat))
        if len(binary) == size:
            break
        payload = max(0, payload + size - len(binary))
    return binary


# -- the benchmark -------------------------------------------------------------


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def py_fib(n: int) -> int:
    return n if n < 2 else py_fib(n - 1) + py_fib(n - 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="rows for sections 1, 2 and 4 (default 1,000,000)",
    )
    parser.add_argument(
        "--public-rows",
        type=int,
        default=10_000,
        help="rows for wasmtime's public Func.__call__ (default 10,000)",
    )
    parser.add_argument("--fib-rows", type=int, default=20, help="rows of fib (default 20)")
    parser.add_argument("--fib-n", type=int, default=25, help="fib argument (default 25)")
    parser.add_argument(
        "--module-bytes",
        type=int,
        default=10 * 1024,
        help="size of the padded run_wasm modules (default 10240)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; best kept")
    args = parser.parse_args(argv)
    n, repeat = args.rows, args.repeat
    started = time.perf_counter()

    print("wasmshell engine benchmark")
    print(
        f"  Python {platform.python_version()}, wasmtime-py {metadata.version('wasmtime')}, "
        f"APSW {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
        f"{platform.machine()}"
    )
    print(f"  load average at start {load()} (other work on the machine skews the figures)")
    print(
        f"  raw call path (wasmtime_func_call_unchecked): "
        f"{'yes' if rawcall.FAST else 'NO - public API fallback'}; "
        f"best of {repeat} runs; us = microseconds"
    )

    add1_wat = sample("add1.wat")
    targets: list[Target] = []
    anchor = NativeAnchor.build()
    built = "built" if anchor else "NOT built: " + NativeAnchor.why_not
    print(f"  native anchor (C extension, cc -O2): {built}")

    # 1. integer add1 ---------------------------------------------------------
    db = wasmshell.connect()
    db.register_module(add1_wat)
    db.connection.create_scalar_function("py_add1", lambda x: x + 1, 1, deterministic=True)

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, add1_wat), [])
    public_add1 = instance.exports(store)["add1"]
    assert isinstance(public_add1, wasmtime.Func)
    db.connection.create_scalar_function("pub_add1", lambda x: public_add1(store, x), 1, deterministic=True)

    native = Case("native SQL  x+1", db, "x+1", n)
    python = Case("Python UDF  lambda x: x+1", db, "py_add1(x)", n)
    wasm = Case("Wasm add1(x) by name (fast path)", db, "add1(x)", n)
    c_ext = None
    if anchor is not None:
        anchor.load(db)
        c_ext = Case("C extension  c_add1(x)", db, "c_add1(x)", n)
    before = db.functions["add1"].calls
    measure([native, python, wasm, *([c_ext] if c_ext else [])], repeat)
    check_calls(db, "add1", before, (repeat * n) + min(n, 1000), "add1")
    pn = args.public_rows
    public_py = Case("Python UDF  lambda x: x+1", db, "py_add1(x)", pn)
    public_fast = Case("Wasm add1(x) by name (fast path)", db, "add1(x)", pn)
    public = Case("wasmtime public Func.__call__ in a Python UDF", db, "pub_add1(x)", pn)
    measure([public_py, public_fast, public], repeat)

    print_section("1. integer add1", [native, python, wasm, *([c_ext] if c_ext else [])])
    print_section(f"   at {pn:,} rows, for wasmtime's public call", [public_py, public_fast, public])
    print_ratio("Wasm add1 / Python UDF, per row", wasm.us_per_row / python.us_per_row)
    add1_ratio = (wasm.us_per_row - native.us_per_row) / (python.us_per_row - native.us_per_row)
    print_ratio("Wasm add1 / Python UDF, cost above native x+1 (the call itself)", add1_ratio)
    print_ratio(
        f"public Func.__call__ / fast path, per row at {pn:,} rows",
        public.us_per_row / public_fast.us_per_row,
    )
    print_ratio(
        f"public Func.__call__ / Python UDF, per row at {pn:,} rows",
        public.us_per_row / public_py.us_per_row,
    )
    targets.append(
        Target(
            "add1: Wasm vs Python UDF, net of x+1",
            add1_ratio,
            0.4,
            True,
            f"Wasm {wasm.us_per_row:.3f} us, Python {python.us_per_row:.3f} us, "
            f"x+1 {native.us_per_row:.3f} us",
        )
    )
    if c_ext is not None:
        print_ratio("Wasm add1 / C extension c_add1, per row", wasm.us_per_row / c_ext.us_per_row)
        print_ratio(
            "Wasm add1 / C extension c_add1, cost above native x+1",
            (wasm.us_per_row - native.us_per_row) / max(c_ext.us_per_row - native.us_per_row, 1e-9),
        )
        targets.append(
            Target(
                "add1: Wasm vs C extension, per row",
                wasm.us_per_row / c_ext.us_per_row,
                2,
                True,
                f"Wasm {wasm.us_per_row:.3f} us, C {c_ext.us_per_row:.3f} us",
            )
        )

    # 2. reverse of a 16-byte TEXT ----------------------------------------------
    db.register_module(sample("reverse_text.wat"))
    db.connection.create_scalar_function("py_reverse", lambda s: s[::-1], 1, deterministic=True)
    text = "printf('%016d', x)"
    mismatches = db.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1000) "
        f"SELECT count(*) FROM c WHERE py_reverse({text}) IS NOT reverse_text({text})"
    ).fetchall()[0][0]
    if mismatches:
        raise SystemExit(f"reverse_text and Python s[::-1] disagree on {mismatches} of 1000 rows")
    text_only = Case("(context) input alone  length(printf('%016d', x))", db, f"length({text})", n)
    py_rev = Case("Python UDF  s[::-1]", db, f"length(py_reverse({text}))", n)
    wasm_rev = Case("Wasm reverse_text(s) by name", db, f"length(reverse_text({text}))", n)
    c_rev = (
        Case("C extension  c_reverse_text(s)", db, f"length(c_reverse_text({text}))", n) if c_ext else None
    )
    before = db.functions["reverse_text"].calls
    rev_cases = [text_only, py_rev, wasm_rev, *([c_rev] if c_rev else [])]
    measure(rev_cases, repeat)
    check_calls(db, "reverse_text", before, (repeat * n) + min(n, 1000), "reverse_text")
    print_section("2. reverse of a 16-byte TEXT (input printf('%016d', x))", rev_cases)
    print_ratio("Wasm reverse_text / Python s[::-1], per row", wasm_rev.us_per_row / py_rev.us_per_row)
    rev_ratio = (wasm_rev.us_per_row - text_only.us_per_row) / (py_rev.us_per_row - text_only.us_per_row)
    print_ratio("Wasm reverse_text / Python s[::-1], cost above the input alone", rev_ratio)
    targets.append(
        Target(
            "reverse 16 B TEXT: Wasm vs Python, net of input",
            rev_ratio,
            1.0,
            True,
            f"Wasm {wasm_rev.us_per_row:.3f} us, Python {py_rev.us_per_row:.3f} us, "
            f"input {text_only.us_per_row:.3f} us",
        )
    )
    if c_rev is not None:
        print_ratio("Wasm reverse_text / C extension, per row", wasm_rev.us_per_row / c_rev.us_per_row)
        print_ratio(
            "Wasm reverse_text / C extension, cost above the input alone",
            (wasm_rev.us_per_row - text_only.us_per_row) / (c_rev.us_per_row - text_only.us_per_row),
        )
        targets.append(
            Target(
                "reverse 16 B TEXT: Wasm vs C extension, per row",
                wasm_rev.us_per_row / c_rev.us_per_row,
                2,
                True,
                f"Wasm {wasm_rev.us_per_row:.3f} us, C {c_rev.us_per_row:.3f} us",
            )
        )

    # 3. fib(25) per row ----------------------------------------------------------
    db.register_module(sample("fib.wat"))
    db.connection.create_scalar_function("py_fib", py_fib, 1, deterministic=True)
    # 0*x keeps the argument from being a constant that SQLite could evaluate once.
    fib_arg = f"{args.fib_n} + 0*x"
    py_f = Case(f"Python UDF  recursive fib({args.fib_n})", db, f"py_fib({fib_arg})", args.fib_rows)
    wasm_f = Case(f"Wasm fib({args.fib_n}) by name", db, f"fib({fib_arg})", args.fib_rows)
    c_f = Case(f"C extension  c_fib({args.fib_n})", db, f"c_fib({fib_arg})", args.fib_rows) if c_ext else None
    # The compute compared on one source: fib.c, compiled to Wasm by clang -O2 as c_fib is by cc -O2.
    same_c = NativeAnchor.wasm_fib() if c_ext else None
    wasm_c = None
    if same_c is not None:
        db.register_module(same_c)
        wasm_c = Case(f"Wasm cfib({args.fib_n}) of fib.c (clang -O2)", db, f"cfib({fib_arg})", args.fib_rows)
    before = db.functions["fib"].calls
    fib_cases = [py_f, wasm_f, *([c_f] if c_f else []), *([wasm_c] if wasm_c else [])]
    measure(fib_cases, repeat)
    check_calls(db, "fib", before, (repeat + 1) * args.fib_rows, "fib")
    print_section(f"3. fib({args.fib_n}) per row", fib_cases)
    fib_speedup = py_f.us_per_row / wasm_f.us_per_row
    print_ratio(f"Wasm fib({args.fib_n}) speed-up over Python (Python / Wasm)", fib_speedup)
    targets.append(
        Target(
            f"fib({args.fib_n}): Wasm speed-up over Python",
            fib_speedup,
            20,
            False,
            f"Wasm {wasm_f.us_per_row:,.1f} us, Python {py_f.us_per_row:,.1f} us",
        )
    )
    if c_f is not None:
        print_ratio(
            f"Wasm fib({args.fib_n}) (samples/fib.wat) / C extension", wasm_f.us_per_row / c_f.us_per_row
        )
    if c_f is not None and wasm_c is not None:
        ratio = wasm_c.us_per_row / c_f.us_per_row
        print_ratio(f"Wasm cfib({args.fib_n}) / C extension, one source (fib.c)", ratio)
        targets.append(
            Target(
                f"fib({args.fib_n}): Wasm vs C, one source",
                ratio,
                1.5,
                True,
                f"Wasm {wasm_c.us_per_row:,.1f} us, C {c_f.us_per_row:,.1f} us",
            )
        )
    db.close()

    # 4. run_wasm with a constant ~10 KB module -------------------------------------
    size = args.module_bytes
    text_module = padded_text(add1_wat, size)
    blob_module = padded_binary(add1_wat, size)
    section: list[Case] = []
    parts: list[tuple[str, Case, Case, Case, Case, Case]] = []
    for kind, module in (("TEXT", text_module), ("BLOB", blob_module)):
        # A session each: both modules export add1.
        s = wasmshell.connect()
        s.register_module(module)
        s.connection.create_scalar_function("py_add1", lambda x: x + 1, 1, deterministic=True)
        s.connection.create_scalar_function("py_take", lambda m, x: x + 1, 2, deterministic=True)
        pure = wasmshell.connect()
        pure._register_run_wasm(in_c=False)
        b = f"{len(module):,} B"
        by_name = Case(f"{kind} {b}: add1(x) by name", s, "add1(x)", n)
        which = "C, auxdata" if s.native_run_wasm else "pure Python: no C extension built"
        run = Case(f"{kind} {b}: run_wasm(?, 'add1', x) ({which})", s, "run_wasm(?, 'add1', x)", n, (module,))
        run_py = Case(
            f"{kind} {b}: run_wasm(?, 'add1', x) (pure Python)", pure, "run_wasm(?, 'add1', x)", n, (module,)
        )
        py_plain = Case("(context) Python UDF  lambda x: x+1", s, "py_add1(x)", n)
        py_take = Case(
            f"(context) Python UDF  lambda m, x: x+1, m = {kind} {b}", s, "py_take(?, x)", n, (module,)
        )
        cases = [by_name, run, run_py, py_plain, py_take]
        if kind == "TEXT":
            cases.append(
                Case(
                    f"(context) TEXT {len(add1_wat.encode())} B add1.wat: run_wasm(?, 'add1', x)",
                    s,
                    "run_wasm(?, 'add1', x)",
                    n,
                    bindings=(add1_wat,),
                )
            )
        before = s.functions["add1"].calls
        measure(cases, repeat)
        # run_wasm binds its own copy of the export, with its own counter.
        check_calls(s, "add1", before, (repeat * n) + min(n, 1000), f"{kind} module")
        section += cases
        parts.append((kind, run, run_py, by_name, py_plain, py_take))
        s.close()
        pure.close()
    print_section(
        "4. run_wasm with a constant module bound as a parameter\n"
        "   (TEXT: add1.wat + ';; xxx' comment lines; BLOB: its binary + a custom section)",
        section,
    )
    for kind, run, run_py, by_name, _, _ in parts:
        ratio = run.us_per_row / by_name.us_per_row
        print_ratio(f"{kind}: run_wasm / by name, per row", ratio)
        print_ratio(
            f"{kind}: pure-Python run_wasm / by name, per row", run_py.us_per_row / by_name.us_per_row
        )
        targets.append(
            Target(
                f"run_wasm {kind} {size // 1024} KB module vs by name",
                ratio,
                1.5,
                True,
                f"run_wasm {run.us_per_row:.3f} us, by name {by_name.us_per_row:.3f} us",
            )
        )
    print("  where the pure-Python run_wasm's extra time per row goes (approximate, from the rows above):")
    for kind, _, run_py, by_name, py_plain, py_take in parts:
        arrive = py_take.us_per_row - py_plain.us_per_row
        rest = run_py.us_per_row - by_name.us_per_row - arrive
        print(
            f"    {kind}: {run_py.us_per_row - by_name.us_per_row:.3f} us = "
            f"{arrive:.3f} us APSW handing the module to Python + "
            f"{rest:.3f} us run_wasm itself and its other arguments"
        )

    print_targets(targets)
    print()
    print(f"total time {time.perf_counter() - started:.1f} s, load average at end {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
