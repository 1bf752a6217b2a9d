"""What stored Wasm functions cost when a file is opened, measured in one run.

    python bench/bench_stored.py [--functions 200] [--runs 30]

Times ``wasmshell FILE "select 1"`` on a file holding N stored functions and on
the same file without them, and prints the difference (target: < 50 ms for
200 functions). Also times the first call of one stored function, which is
when it is compiled. Not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wasmshell_command() -> str:
    beside = Path(sys.executable).parent / "wasmshell"
    found = str(beside) if beside.exists() else shutil.which("wasmshell")
    if not found:
        raise SystemExit("wasmshell is not installed")
    return found


def median_run(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    import wasmshell

    cmd = wasmshell_command()
    with tempfile.TemporaryDirectory() as tmp:
        with_functions = Path(tmp) / "functions.db"
        without = Path(tmp) / "plain.db"
        db = wasmshell.connect(str(with_functions))
        db.execute("CREATE TABLE t(x)")
        for i in range(args.functions):
            wat = (
                f'(module (func (export "f{i}") (param i64) (result i64) local.get 0 i64.const {i} i64.add))'
            )
            db.execute(f"CREATE FUNCTION f{i} LANGUAGE wasm AS '{wat}'")
        db.close()
        plain = wasmshell.connect(str(without))
        plain.execute("CREATE TABLE t(x)")
        plain.close()

        base = median_run([cmd, str(without), "select 1"], args.runs)
        loaded = median_run([cmd, str(with_functions), "select 1"], args.runs)
        first_call = median_run([cmd, str(with_functions), "select f7(1)"], args.runs)
    print(f"open + 'select 1', no stored functions:   {base * 1000:7.1f} ms (median of {args.runs})")
    print(f"open + 'select 1', {args.functions} stored functions: {loaded * 1000:7.1f} ms")
    added = (loaded - base) * 1000
    print(f"added by the functions: {added:.1f} ms  (target < 50 ms: {'PASS' if added < 50 else 'MISS'})")
    print(f"open + first call of one (compiles it, imports wasmtime): {first_call * 1000:.1f} ms")


if __name__ == "__main__":
    main()
