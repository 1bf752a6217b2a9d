"""Module fuzzing, the long run: mutants of the samples and fixtures down every path.

    python bench/fuzz_modules.py [--count 100000] [--seed 1] [--jobs 1] [--paths c,python,stored]
                                 [--crash-dir fuzz-crashes] [--start 0]

Each mutant (byte-level and structure-aware mutations of samples/*.wat, tests/fixtures/*.wat and
samples/c/sqlfuncs.wasm; see tests/wasmfuzz/mutate.py) is compiled, registered and called with a
few argument sets through the C path, the pure-Python path and the stored path, in worker
subprocesses. Prints mutants per second and counts of crashes, hangs and uncaught exceptions by
class; each crasher, hanger and the first mutant of each kind of uncaught exception is saved in
--crash-dir with a note of how to make it again (``--start INDEX --count 1``). Exit status 1 if
anything was found. The bounded, seeded run of the test suite is tests/test_fuzz_modules.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from wasmfuzz.driver import ALL_PATHS, Report, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="mutants to run (100,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="the first mutant's number")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes at a time")
    parser.add_argument("--paths", default=",".join(ALL_PATHS), help="some of c,python,stored")
    parser.add_argument("--crash-dir", type=Path, default=Path("fuzz-crashes"))
    parser.add_argument("--chunk", type=int, default=1000, help="mutants per worker process")
    parser.add_argument("--hang-seconds", type=float, default=60.0)
    args = parser.parse_args()
    paths = tuple(p for p in args.paths.split(",") if p)
    if not paths or set(paths) - set(ALL_PATHS):
        parser.error(f"--paths takes some of {','.join(ALL_PATHS)}")

    def progress(report: Report) -> None:
        rate = report.mutants / report.seconds if report.seconds else 0
        print(
            f"{report.mutants:,}/{report.count:,} mutants, {rate:.1f}/s, "
            f"{len(report.of_kind('crash'))} crashes, {len(report.of_kind('hang'))} hangs, "
            f"{len(report.of_kind('escape'))} uncaught",
            flush=True,
        )

    report = run(
        args.seed,
        args.count,
        start=args.start,
        paths=paths,
        jobs=args.jobs,
        chunk=args.chunk,
        crash_dir=args.crash_dir,
        hang_seconds=args.hang_seconds,
        progress=progress,
    )
    print(report.summary())
    bad = [f for f in report.findings if f.kind != "memory"]
    if bad:
        print(f"saved in {args.crash_dir}/")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
