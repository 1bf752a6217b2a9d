"""What stored Wasm functions cost when a file is opened, measured in one run.

    python bench/bench_stored.py [--functions 100000] [--runs 5] [--huge-mb 200]

Opening a file must read the names of its stored functions only (issue 10,
finding 7: goal under 0.5 s for 100,000 functions, memory independent of the
size of the bodies). Prints, each beside its baseline measured in the same run:

- ``wasmshell.connect(FILE)`` on a file with N stored functions, beside plain
  ``apsw.Connection(FILE)`` reading the same file's schema;
- ``wasmshell FILE "select 1"`` as a process, beside the same on a file
  without the functions, and the first call of one function;
- the peak memory a process gains opening a file that holds a body of
  ``--huge-mb`` MB, beside plain APSW opening it;
- registering a module with ``--exports`` functions for the session
  (finding 12: goal under 2 s for 20,000, linear), beside APSW registering as
  many Python functions, with the same at a quarter of the exports to show
  the growth.

Not a test: timings vary with the machine; compare the columns of one run.
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

import apsw

TABLE = "libsql_wasm_func_table"
TEMPLATE = '(module (func (export "f{0}") (param i64) (result i64) local.get 0 i64.const {0} i64.add))'

PEAK = """
import sys
import apsw, wasmshell


def peak_kb():
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's peak across exec).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


path, how = sys.argv[1], sys.argv[2]
before = peak_kb()
db = wasmshell.connect(path) if how == "wasmshell" else apsw.Connection(path)
db.execute("SELECT count(*) FROM sqlite_schema").fetchall()
print((peak_kb() - before) / 1024)
"""


def wasmshell_command() -> str:
    beside = Path(sys.executable).parent / "wasmshell"
    found = str(beside) if beside.exists() else shutil.which("wasmshell")
    if not found:
        raise SystemExit("wasmshell is not installed")
    return found


def make_file(path: Path, functions: int) -> None:
    """A file with ``functions`` stored functions, written straight into libSQL's table."""
    conn = apsw.Connection(str(path))
    conn.execute(f"CREATE TABLE {TABLE} (name text PRIMARY KEY, body text) WITHOUT ROWID")
    conn.execute("CREATE TABLE t(x)")
    with conn:
        conn.executemany(
            f"INSERT INTO {TABLE} VALUES (?, ?)", ((f"f{i}", TEMPLATE.format(i)) for i in range(functions))
        )
    conn.close()


def median_time(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def open_with_apsw(path: Path) -> None:
    conn = apsw.Connection(str(path))
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    conn.close()


def open_with_apsw_and_read_names(path: Path) -> None:
    conn = apsw.Connection(str(path))
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    conn.execute(f"SELECT name FROM {TABLE}").fetchall()
    conn.close()


def open_with_wasmshell(path: Path) -> None:
    import wasmshell

    db = wasmshell.connect(str(path))
    db.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    db.close()


def peak_mb(path: Path, how: str) -> float:
    proc = subprocess.run(
        [sys.executable, "-P", "-c", PEAK, str(path), how], capture_output=True, text=True, check=True
    )
    return float(proc.stdout)


def many_exports(count: int) -> str:
    return "(module " + "".join(TEMPLATE.format(k)[8:-1] for k in range(count)) + ")"


def register_exports(count: int, runs: int) -> tuple[float, float]:
    """(seconds to register a module of ``count`` exports, seconds for APSW to register as many functions)."""
    import wasmshell

    source = many_exports(count)
    wasmshell.connect().compile(source)  # compiled once: the cache serves the timed runs

    def wasm() -> None:
        wasmshell.connect().register_module(source)

    def python() -> None:
        conn = apsw.Connection(":memory:")
        for k in range(count):
            conn.create_scalar_function(f"f{k}", abs, 1)

    return median_time(wasm, runs), median_time(python, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=100_000)
    parser.add_argument("--exports", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--huge-mb", type=int, default=200)
    args = parser.parse_args()
    cmd = wasmshell_command()
    with tempfile.TemporaryDirectory() as tmp:
        many, plain, huge = Path(tmp) / "many.db", Path(tmp) / "plain.db", Path(tmp) / "huge.db"
        make_file(many, args.functions)
        make_file(plain, 0)
        make_file(huge, 1)
        conn = apsw.Connection(str(huge))
        conn.execute(f"INSERT INTO {TABLE} VALUES ('huge', zeroblob(?))", (args.huge_mb * 1024 * 1024,))
        conn.close()

        open_with_wasmshell(plain)  # imports done before timing
        base = median_time(lambda: open_with_apsw(many), args.runs)
        names = median_time(lambda: open_with_apsw_and_read_names(many), args.runs)
        opened = median_time(lambda: open_with_wasmshell(many), args.runs)
        print(f"{args.functions} stored functions, median of {args.runs}:")
        print(f"  plain apsw open + schema read:         {base * 1000:9.1f} ms")
        print(f"  plain apsw open + schema + names read: {names * 1000:9.1f} ms")
        print(f"  wasmshell.connect + schema read:       {opened * 1000:9.1f} ms  (goal < 500 ms)")

        def run(path: Path, sql: str) -> None:
            subprocess.run([cmd, str(path), sql], check=True, stdout=subprocess.DEVNULL)

        process_base = median_time(lambda: run(plain, "select 1"), args.runs)
        process = median_time(lambda: run(many, "select 1"), args.runs)
        first_call = median_time(lambda: run(many, "select f7(1)"), args.runs)
        print(f"  wasmshell FILE 'select 1', no functions: {process_base * 1000:7.1f} ms")
        print(f"  wasmshell FILE 'select 1':               {process * 1000:7.1f} ms")
        print(f"  wasmshell FILE 'select f7(1)' (compiles one, imports wasmtime): {first_call * 1000:.1f} ms")

        print(f"a {args.huge_mb} MB body beside one function, peak memory gained by opening:")
        print(f"  plain apsw:         {peak_mb(huge, 'apsw'):8.1f} MB")
        print(f"  wasmshell.connect:  {peak_mb(huge, 'wasmshell'):8.1f} MB")

    print(f"a module of {args.exports} exports registered for the session, median of {args.runs}:")
    for count in (args.exports // 4, args.exports):
        wasm, python = register_exports(count, args.runs)
        print(
            f"  {count:6} exports: {wasm * 1000:8.1f} ms, APSW registering {count} Python functions "
            f"{python * 1000:8.1f} ms ({wasm / python:.1f}x)"
        )


if __name__ == "__main__":
    main()
