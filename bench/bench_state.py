#!/usr/bin/env python3
"""What true determinism costs: a function whose module keeps state, run in a fresh instance per call.

A benchmark, not a test: every figure and ratio comes from this one run. A
function registered deterministic must give the same result whatever ran
before; a module that keeps state between calls (a mutable global, a memory
its code or the host writes) gets that only if its state is reset before each
call. wasmshell registers such a function not deterministic and runs it in its
instance as usual, until the schema names it; from then on each call starts
from the state of a fresh instance. This measures, per row, against the
Python UDF baseline:

  1. reverse of a 16-byte TEXT: Python ``s[::-1]``, Wasm ``reverse_text`` in
     its instance (the usual path), with its state put back after each call
     (once a generated column names it: its 64 KiB memory image and its heap
     pointer), and with a new instance for each call (the way not taken);
  2. the pieces: a wasmtime store and instance made from Python (the floor of
     a new instance), and copying a 64 KiB memory image back;
  3. how many of the samples and test fixtures keep no state at all (these
     keep the fast path and need no reset).

    python bench/bench_state.py              # N = 20,000 rows (2,000 with new instances)
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import wasmshell
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))
    import wasmshell


def per_row(session: object, expr: str, rows: int, repeat: int) -> float:
    """Best microseconds per row of ``sum(expr)`` over ``rows`` rows made inside SQLite."""
    sql = (
        f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT {rows}) "
        f"SELECT sum({expr}) FROM c"
    )
    best = float("inf")
    session.execute(sql.replace(f"LIMIT {rows}", "LIMIT 100")).fetchall()  # type: ignore[attr-defined]
    for _ in range(repeat):
        start = time.perf_counter()
        session.execute(sql).fetchall()  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - start)
    return best / rows * 1e6


def loop_us(fn: object, n: int) -> float:
    """Best microseconds per call of ``fn()`` over three runs of ``n`` calls."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import wasmtime

    from wasmshell.engine.module import not_deterministic

    text = "printf('%016d', x)"
    db = wasmshell.connect()
    db.register_module((ROOT / "samples" / "reverse_text.wat").read_text())
    db.connection.create_scalar_function("py_reverse", lambda s: s[::-1], 1, deterministic=True)
    python = per_row(db, f"length(py_reverse({text}))", args.rows, args.repeat)
    shared = per_row(db, f"length(reverse_text({text}))", args.rows, args.repeat)
    db.execute("CREATE TABLE g(s, r AS (reverse_text(s)))")  # the schema names it: fresh from now on
    assert db.functions["reverse_text"].fresh
    put_back = per_row(db, f"length(reverse_text({text}))", args.rows, args.repeat)
    # The way not taken for it: a new instance for every call (what a module that changes a table,
    # or grows its memory, still gets).
    (instance,) = [i for key, i in db._instances.items() if isinstance(key, tuple)]
    instance._state_exports = None
    instance.retire()
    new_instance = per_row(db, f"length(reverse_text({text}))", args.rows // 10, args.repeat)

    compiled = db.compile((ROOT / "samples" / "reverse_text.wat").read_text())
    engine = db.runtime.engine

    def instantiate() -> None:
        wasmtime.Instance(wasmtime.Store(engine), compiled.module, [])

    raw_instance = loop_us(instantiate, 2000)
    image = ctypes.create_string_buffer(65536)
    memory = ctypes.create_string_buffer(65536)
    copy_back = loop_us(lambda: ctypes.memmove(memory, image, 65536), 20000)

    print(f"wasmshell {wasmshell.__version__}, {args.rows:,} rows, best of {args.repeat}")
    print("\n1. reverse of a 16-byte TEXT, per row")
    for label, us in [
        ("Python UDF s[::-1] (baseline)", python),
        ("Wasm reverse_text in its instance (not in the schema)", shared),
        ("Wasm reverse_text, its state put back after each call (in the schema)", put_back),
        ("Wasm reverse_text, a new instance for each call (the way not taken)", new_instance),
    ]:
        print(f"  {label:<72} {us:>9.2f} us  {us / python:>7.1f}x")
    print("\n2. the alternatives' pieces, per call")
    print(f"  {'wasmtime Store + Instance from Python (reverse_text)':<66} {raw_instance:>15.2f} us")
    print(f"  {'copy a 64 KiB memory image back (ctypes.memmove)':<66} {copy_back:>15.2f} us")

    bodies = sorted((ROOT / "samples").glob("*.wat")) + sorted((ROOT / "tests" / "fixtures").glob("*.wat"))
    bodies += sorted((ROOT / "samples").glob("**/*.wasm"))
    reasons = [not_deterministic(p.read_bytes()) for p in bodies]
    pure = sum(r is None for r in reasons)
    state = sum(r is not None and "state" in r for r in reasons)
    print(f"\n3. of {len(bodies)} sample and fixture modules: {pure} deterministic as they are,")
    print(f"   {state} keep state, {len(bodies) - pure - state} import WASI or cannot be read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
