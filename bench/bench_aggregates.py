#!/usr/bin/env python3
"""Per-row cost of Wasm aggregates and window functions against Python ones and SQLite's own.

A benchmark, not a test: every figure and ratio comes from this one run. Each
query aggregates over N rows made by a recursive CTE inside SQLite. Every
measurement is repeated (``--repeat``, default 3) and the best time kept; the
variants of a section take turns within each repeat.

    python bench/bench_aggregates.py              # N = 1,000,000 rows
    python bench/bench_aggregates.py --rows 200000

Sections:
  1. integer sum over one group: built-in ``sum``, a Python aggregate (APSW
     ``create_aggregate_function``), Wasm ``isum`` (samples/isum.wat), and the same
     sum in a C extension (native_functions.c, built with ``cc`` now).
  2. the same as a window, ``OVER (ORDER BY x ROWS 10 PRECEDING)``: built-in
     ``sum``, a Python window function (APSW ``create_window_function``), Wasm ``isum``, C.
  3. median of N values in one group: SQLite's ``median``, a Python aggregate
     (a list, ``statistics.median`` at the end), Wasm ``middle`` (samples/c), and
     the Wasm one at N/4 and N/2 rows: a per-row cost that stays flat is linear.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from native_anchor import NativeAnchor  # noqa: E402

try:
    import wasmshell
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))
    import wasmshell


def over(n: int, select: str) -> str:
    """``select`` over x = 1..n (the table c), all inside SQLite."""
    return f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT {n}) {select}"


class PySum:
    """A Python aggregate and window function: an integer sum."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, x: int) -> None:
        self.total += x

    def inverse(self, x: int) -> None:
        self.total -= x

    def value(self) -> int:
        return self.total

    def final(self) -> int:
        return self.total


class PyMedian:
    """A Python aggregate: every value in a list, the median at the end."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, x: float) -> None:
        self.values.append(x)

    def final(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def best(session: Any, cases: dict[str, str], repeat: int) -> dict[str, tuple[float, Any]]:
    """The best time of each query after a warm-up run, the queries taking turns; and each one's result."""
    times: dict[str, float] = dict.fromkeys(cases, float("inf"))
    results: dict[str, Any] = {}
    for sql in cases.values():  # a warm-up: the first run of a query pays for preparing it
        session.execute(sql).fetchall()
    for _ in range(repeat):
        for label, sql in cases.items():
            started = time.perf_counter()
            results[label] = session.execute(sql).fetchall()
            times[label] = min(times[label], time.perf_counter() - started)
    return {label: (times[label], results[label]) for label in cases}


def section(title: str, rows: int, measured: dict[str, tuple[float, Any]], baseline: str) -> None:
    """Print the figures of a section and each variant's ratio to ``baseline``; results must agree."""
    results = {repr(result) for _t, result in measured.values()}
    print(
        f"\n{title}  ({rows:,} rows{'' if len(results) == 1 else '; RESULTS DIFFER: ' + ', '.join(results)})"
    )
    base = measured[baseline][0]
    for label, (seconds, _result) in measured.items():
        print(f"  {label:<44} {seconds / rows * 1e6:>8.3f} us/row  {seconds / base:>7.2f}x {baseline}")


def per_row(measured: dict[str, tuple[float, Any]], label: str, rows: int) -> float:
    return measured[label][0] / rows * 1e6


def target(name: str, measured: float, limit: float, detail: str) -> str:
    return (
        f"  {name:<58} {measured:>6.2f}x  <= {limit:g}x  {'PASS' if measured <= limit else 'MISS'}  {detail}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.rows
    s = wasmshell.connect()
    s.register_module((ROOT / "samples" / "isum.wat").read_text())
    s.register_module((ROOT / "samples" / "c" / "sqlfuncs.wasm").read_bytes())
    s.connection.create_window_function("pysum", PySum, 1)
    s.connection.create_aggregate_function("pymedian", PyMedian, 1)
    s.connection.create_aggregate_function("pysum_agg", PySum, 1)
    print("wasmshell aggregate benchmark: ratios from this one run")
    anchor = NativeAnchor.build()
    if anchor is not None:
        anchor.load(s)
    built = "built" if anchor else "NOT built: " + NativeAnchor.why_not
    print(f"  native anchor (C extension, cc -O2): {built}")
    targets: list[str] = []

    sums = {
        "built-in sum(x)": over(n, "SELECT sum(x) FROM c"),
        "Python aggregate (APSW)": over(n, "SELECT pysum_agg(x) FROM c"),
        "Wasm isum(x)": over(n, "SELECT isum(x) FROM c"),
    }
    if anchor is not None:
        sums["C extension c_isum(x)"] = over(n, "SELECT c_isum(x) FROM c")
    measured = best(s, sums, args.repeat)
    section("1. integer sum, one group", n, measured, "Python aggregate (APSW)")
    builtin, py, wasm = (per_row(measured, k, n) for k in list(sums)[:3])
    targets.append(
        target(
            "integer-sum aggregate: Wasm vs Python, net of built-in sum",
            (wasm - builtin) / (py - builtin),
            0.5,
            f"Wasm {wasm:.3f} us, Python {py:.3f} us, sum {builtin:.3f} us",
        )
    )
    if anchor is not None:
        c = per_row(measured, "C extension c_isum(x)", n)
        targets.append(
            target("integer-sum aggregate: Wasm vs C extension, per row", wasm / c, 2, f"C {c:.3f} us")
        )

    frame = "OVER (ORDER BY x ROWS 10 PRECEDING)"
    windows = {
        "built-in sum(x) window": over(n, f"SELECT sum(w) FROM (SELECT sum(x) {frame} AS w FROM c)"),
        "Python window function (APSW)": over(n, f"SELECT sum(w) FROM (SELECT pysum(x) {frame} AS w FROM c)"),
        "Wasm isum(x) window": over(n, f"SELECT sum(w) FROM (SELECT isum(x) {frame} AS w FROM c)"),
    }
    if anchor is not None:
        windows["C extension c_isum(x) window"] = over(
            n, f"SELECT sum(w) FROM (SELECT c_isum(x) {frame} AS w FROM c)"
        )
    measured = best(s, windows, args.repeat)
    section("2. integer sum as a window, 11-row frame", n, measured, "Python window function (APSW)")
    builtin, py, wasm = (per_row(measured, k, n) for k in list(windows)[:3])
    targets.append(
        target(
            "window sum: Wasm vs Python, net of built-in sum window",
            (wasm - builtin) / (py - builtin),
            0.5,
            f"Wasm {wasm:.3f} us, Python {py:.3f} us, sum {builtin:.3f} us",
        )
    )
    if anchor is not None:
        c = per_row(measured, "C extension c_isum(x) window", n)
        targets.append(target("window sum: Wasm vs C extension, per row", wasm / c, 2, f"C {c:.3f} us"))

    values = "(x * 7919) % 1000003"
    medians = {
        "SQLite median()": over(n, f"SELECT median({values}) FROM c"),
        "Python aggregate (list + statistics.median)": over(n, f"SELECT pymedian({values}) FROM c"),
        "Wasm middle() (samples/c)": over(n, f"SELECT middle({values}) FROM c"),
    }
    section(
        "3. median, one group",
        n,
        best(s, medians, args.repeat),
        "Python aggregate (list + statistics.median)",
    )
    print(
        "\n   Wasm middle() per row as the group grows (flat: linear in rows, the state never copied per row)"
    )
    for rows in (n // 4, n // 2, n):
        (seconds, _r) = best(s, {"m": over(rows, f"SELECT middle({values}) FROM c")}, args.repeat)["m"]
        print(f"  {rows:>10,} rows  {seconds / rows * 1e6:>8.3f} us/row")
    print("\nTargets")
    print("\n".join(targets))
    s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
