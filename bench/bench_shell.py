"""Batch-mode shell benchmark: wasmshell beside sqlite3 and litecli, measured in one run.

    python bench/bench_shell.py            # full sizes
    python bench/bench_shell.py --quick    # smaller inputs, a few seconds

Sections 6 and 7 compare with the reference sqlite3 shell APSW ships (the
SQLite inside wasmshell): a long single-line statement, and SIGINT.

Prints wall-clock times (best of --repeat runs) and the ratios the issues set
targets for. Not a test: nothing here fails when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def find(cmd: str) -> str | None:
    """The command next to this Python first (a venv), else on PATH."""
    beside = Path(sys.executable).parent / cmd
    return str(beside) if beside.exists() else shutil.which(cmd)


def timed(argv: list[str], stdin: Path | None = None, repeat: int = 3) -> tuple[float, int]:
    """Best wall time of ``argv`` over ``repeat`` runs, and the peak RSS (KiB) of the last."""
    best = float("inf")
    peak = 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(stdin or os.devnull, "rb") as handle:
            start = time.perf_counter()
            proc = subprocess.run(argv, stdin=handle, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode(errors='replace')}")
        best = min(best, elapsed)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return best, peak


_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def same_but_reals(ours: bytes, theirs: bytes) -> bool:
    """Whether two dumps differ only in how numbers are written, each of ours within %.16g's
    rounding of theirs."""
    mine, other = ours.splitlines(), theirs.splitlines()
    if len(mine) != len(other):
        return False
    for a, b in zip(mine, other, strict=True):
        if a == b:
            continue
        if _NUMBER.sub(b"#", a) != _NUMBER.sub(b"#", b):
            return False
        for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b), strict=True):
            if abs(float(x) - float(y)) > 1e-15 * max(abs(float(x)), abs(float(y)), 1e-300):
                return False
    return True


def peak_rss(argv: list[str], stdin: Path) -> int:
    """Peak resident memory (KiB) of one run, measured by /usr/bin/time when present."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return -1
    with open(stdin, "rb") as handle:
        proc = subprocess.run(
            [gnu_time, "-f", "%M", *argv],
            stdin=handle,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
        )
    return int(proc.stderr.decode().strip().splitlines()[-1])


def time_to_prompt(argv: list[str], prompt: str, repeat: int) -> float | None:
    """Best time from start to the interactive prompt in a pseudo-terminal (pexpect), or None."""
    try:
        import pexpect
    except ImportError:
        return None
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", dimensions=(40, 120), timeout=30)
        child.expect_exact(prompt)
        best = min(best, time.perf_counter() - start)
        child.sendcontrol("d")
        child.close(force=True)
    return best


def statement_at_prompt(argv: list[str], prompt: str, sql: str, repeat: int) -> float | None:
    """Best time from typing ``sql`` into an interactive shell in a pseudo-terminal (pexpect) until
    it takes the next statement, the shell started once; None without pexpect. The next statement
    writes a mark that its echo does not show (an editor may draw the prompt again at once)."""
    try:
        import pexpect
    except ImportError:
        return None
    # pexpect is no terminal emulator: it never answers prompt_toolkit's cursor position request,
    # which then waits a second for it after every statement. A terminal answers at once.
    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", dimensions=(40, 120), timeout=600, env=env)
    child.delaybeforesend = None
    child.expect_exact(prompt)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        child.sendline(sql)
        child.sendline("select 'DONE' || 'MARK';")
        child.expect_exact("DONEMARK")
        best = min(best, time.perf_counter() - start)
        child.expect_exact(prompt)
    child.sendcontrol("d")
    child.close(force=True)
    return best


def reference_shell() -> str | None:
    """The sqlite3 shell APSW ships, of the same SQLite version as wasmshell's, or None."""
    try:
        from apsw import sqlite_extra

        found = Path(sqlite_extra.path("sqlite3_shell"))
    except Exception:
        return None
    return str(found) if found.exists() else None


def one_line_statement(path: Path, megabytes: int) -> None:
    """A file holding one SELECT of about ``megabytes`` MB on a single line."""
    with open(path, "w") as out:
        out.write("select length('")
        block = "a" * (1 << 20)
        for _ in range(megabytes):
            out.write(block)
        out.write("');\n")


def sigint_latency(argv: list[str], stdin: str, repeat: int) -> float:
    """Best time from SIGINT to the end of a process running a statement that never ends."""
    best = float("inf")
    for _ in range(repeat):
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
        time.sleep(1.5)  # start-up done, the statement running
        start = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        best = min(best, time.perf_counter() - start)
        if b"interrupted" not in proc.stderr.read():
            raise SystemExit(f"{argv[0]} did not report the interrupt")
    return best


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"  {label:<44} {seconds * 1000:9.1f} ms  {extra}")


def verdict(label: str, ratio: float, limit: float, below: bool = True) -> None:
    ok = ratio <= limit if below else ratio >= limit
    sign = "<=" if below else ">="
    print(f"  {label:<52} {ratio:6.2f}x  {sign} {limit}x  {'PASS' if ok else 'MISS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # wasmshell runs as installed, its bytecode cached: where the environment forbids writing
    # it (PYTHONDONTWRITEBYTECODE), every start would compile its sources again, 30-60 ms.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    inserts = 20_000 if args.quick else 100_000
    export_rows = 100_000 if args.quick else 1_000_000

    wasmshell = find("wasmshell")
    sqlite3 = reference_shell() or shutil.which("sqlite3")  # the 3.54 shell of the same SQLite
    litecli = find("litecli")
    if not wasmshell or not sqlite3:
        raise SystemExit("needs wasmshell and the sqlite3 shell (APSW's, or one on PATH)")
    print(f"wasmshell: {wasmshell}\nsqlite3:   {sqlite3}\nlitecli:   {litecli or 'not installed'}")
    timed([wasmshell, ":memory:", "select 1"], repeat=1)  # its bytecode written, if it was not
    results: list[tuple[str, float, float, bool]] = []

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        print("\n1. start-up: run 'select 1' on :memory: and exit")
        ws, _ = timed([wasmshell, ":memory:", "select 1"], repeat=args.repeat * 3)
        row("wasmshell :memory: 'select 1'", ws)
        sq, _ = timed([sqlite3, ":memory:", "select 1"], repeat=args.repeat * 3)
        row("sqlite3 :memory: 'select 1'", sq)
        if litecli:
            lc, _ = timed([litecli, ":memory:", "-e", "select 1"], repeat=args.repeat * 3)
            row("litecli :memory: -e 'select 1'", lc)
            results.append(("start-up: wasmshell / litecli", ws / lc, 0.3, True))

        python = [sys.executable, "-c", "import apsw"]
        ap, _ = timed(python, repeat=args.repeat * 3)
        row("python -c 'import apsw'", ap)
        results.append(("start-up: wasmshell / python -c 'import apsw'", ws / ap, 2.0, True))

        print("\n1b. interactive start-up: from launch to the prompt, in a pseudo-terminal")
        ws_prompt = time_to_prompt([wasmshell, ":memory:"], "wasmshell>", args.repeat)
        if ws_prompt is not None:
            row("wasmshell to its prompt", ws_prompt)
            results.append(("start-up to the prompt: wasmshell (seconds)", ws_prompt, 0.8, True))
            if litecli:
                lc_prompt = time_to_prompt([litecli, ":memory:"], ":memory:>", args.repeat)
                if lc_prompt is not None:
                    row("litecli to its prompt", lc_prompt)

        print(f"\n2. a piped script of {inserts:,} INSERTs in one transaction")
        script = work / "inserts.sql"
        with open(script, "w") as out:
            out.write("BEGIN;\nCREATE TABLE t(a INTEGER, b TEXT, c REAL);\n")
            for i in range(inserts):
                out.write(f"INSERT INTO t VALUES({i}, 'row {i}', {i}.5);\n")
            out.write("COMMIT;\n")
        ws, _ = timed([wasmshell], stdin=script, repeat=args.repeat * 3)  # (a short run: noisy)
        row("wasmshell < inserts.sql", ws)
        sq, _ = timed([sqlite3], stdin=script, repeat=args.repeat * 3)
        row("sqlite3 < inserts.sql", sq)
        results.append((f"{inserts:,} INSERTs: wasmshell / sqlite3", ws / sq, 1.2, True))

        print(f"\n3. .mode csv export of {export_rows:,} rows to a file")
        db = work / "big.db"
        subprocess.run(
            [
                sqlite3,
                str(db),
                "CREATE TABLE t(a INTEGER, b TEXT, c REAL);"
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
                f"LIMIT {export_rows}) INSERT INTO t SELECT x, 'name ' || x, x * 0.25 FROM c;",
            ],
            check=True,
        )
        outputs = {}
        for name, cmd in (("wasmshell", wasmshell), ("sqlite3", sqlite3)):
            target = work / f"{name}.csv"
            export = work / f"export-{name}.sql"
            export.write_text(f".mode csv\n.output {target}\nSELECT * FROM t;\n")
            seconds, _ = timed([cmd, str(db)], stdin=export, repeat=args.repeat)
            peak = peak_rss([cmd, str(db)], export)
            row(f"{name} .mode csv export", seconds, f"peak RSS {peak / 1024:.0f} MB")
            outputs[name] = (seconds, peak, target.read_bytes())
        same = outputs["wasmshell"][2] == outputs["sqlite3"][2]
        print(f"  output identical to sqlite3's: {'yes' if same else 'NO'}")
        results.append(
            ("csv export: wasmshell / sqlite3", outputs["wasmshell"][0] / outputs["sqlite3"][0], 1.0, True)
        )
        print(f"  wasmshell peak RSS: {outputs['wasmshell'][1] / 1024:.0f} MB (target < 100 MB)")

        print(f"\n3b. box, table, column and markdown of the same {export_rows:,} rows, to a file")
        for mode in ("box", "table", "column", "markdown"):
            boxes = {}
            for name, cmd in (("wasmshell", wasmshell), ("sqlite3", sqlite3)):
                target = work / f"{name}.{mode}"
                script = work / f"{mode}-{name}.sql"
                script.write_text(f".mode {mode}\n.output {target}\nSELECT * FROM t;\n")
                seconds, _ = timed([cmd, str(db)], stdin=script, repeat=args.repeat)
                peak = peak_rss([cmd, str(db)], script)
                row(f"{name} .mode {mode}", seconds, f"peak RSS {peak / 1024:.0f} MB")
                boxes[name] = (seconds, peak, target.read_bytes())
            same = boxes["wasmshell"][2] == boxes["sqlite3"][2]
            print(f"  output identical to sqlite3's: {'yes' if same else 'NO'}")
            ws_box, sq_box = boxes["wasmshell"], boxes["sqlite3"]
            results.append((f"{mode}: wasmshell / sqlite3", ws_box[0] / sq_box[0], 1.0, True))
            results.append((f"{mode} peak RSS: wasmshell / sqlite3", ws_box[1] / sq_box[1], 1.5, True))

        print(f"\n4. .dump of the same {export_rows:,} rows to a file")
        dumps = {}
        for name, cmd in (("wasmshell", wasmshell), ("sqlite3", sqlite3)):
            target = work / f"{name}.sql"
            script = work / f"dump-{name}.sql"
            script.write_text(f".output {target}\n.dump\n")
            seconds, _ = timed([cmd, str(db)], stdin=script, repeat=args.repeat)
            row(f"{name} .dump", seconds)
            dumps[name] = (seconds, target.read_bytes())
        same = dumps["wasmshell"][1] == dumps["sqlite3"][1]
        if same:
            print("  output identical to sqlite3's: yes")
        elif same_but_reals(dumps["wasmshell"][1], dumps["sqlite3"][1]):
            print(
                "  output identical to sqlite3's but for REALs, by design: wasmshell writes each so that\n"
                "  it reads back exactly (1.0, 0.30000000000000004), sqlite3 3.54.1 as %.16g (1, 0.3)"
            )
        else:
            print("  output identical to sqlite3's: NO")
        results.append((".dump: wasmshell / sqlite3", dumps["wasmshell"][0] / dumps["sqlite3"][0], 1.0, True))

        print(f"\n5. .import --csv of that export ({export_rows:,} rows) into an empty table")
        imported = {}
        for name, cmd in (("wasmshell", wasmshell), ("sqlite3", sqlite3)):
            best = float("inf")
            for k in range(args.repeat):
                target = work / f"import-{name}-{k}.db"
                script = work / f"import-{name}.sql"
                script.write_text(
                    f"CREATE TABLE t(a INTEGER, b TEXT, c REAL);\n.import --csv {work / 'sqlite3.csv'} t\n"
                )
                seconds, _ = timed([cmd, str(target)], stdin=script, repeat=1)
                best = min(best, seconds)
            row(f"{name} .import --csv", best)
            imported[name] = best
        results.append(
            (".import --csv: wasmshell / sqlite3", imported["wasmshell"] / imported["sqlite3"], 1.3, True)
        )

    reference = reference_shell()
    if reference:
        sizes = (10, 25) if args.quick else (10, 100)
        print(
            f"\n6. one SELECT of {sizes[0]} and {sizes[1]} MB on a single line, piped, beside the reference"
        )
        with tempfile.TemporaryDirectory() as tmp:
            seconds: dict[tuple[str, int], float] = {}
            for megabytes in sizes:
                script = Path(tmp) / f"line-{megabytes}.sql"
                one_line_statement(script, megabytes)
                for name, cmd in (("wasmshell", wasmshell), ("reference", reference)):
                    best, _ = timed([cmd], stdin=script, repeat=args.repeat)
                    peak = peak_rss([cmd], script)
                    row(f"{name} < {megabytes} MB line", best, f"peak RSS {peak / 1024:.0f} MB")
                    seconds[name, megabytes] = best
            small, large = sizes
            for name in ("wasmshell", "reference"):
                growth = seconds[name, large] / seconds[name, small]
                linear = large // small
                print(f"  {name}: {large} MB takes {growth:.1f}x the time of {small} MB (linear: {linear}x)")
            results.append(
                (
                    f"{large} MB line: wasmshell / sqlite3 3.54",
                    seconds["wasmshell", large] / seconds["reference", large],
                    2.0,
                    True,
                )
            )

        print("\n7. SIGINT to a statement that never ends: time until the process has ended")
        forever = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;\n"
        spin = "select run_wasm('(module (func (export \"spin\") (loop br 0)))', 'spin');\n"
        ref_sql = sigint_latency([reference], forever, args.repeat)
        ws_sql = sigint_latency([wasmshell], forever, args.repeat)
        ws_wasm = sigint_latency([wasmshell, "--wasm-timeout", "600000"], spin, args.repeat)
        row("reference sqlite3, SQL", ref_sql)
        row("wasmshell, SQL", ws_sql)
        row("wasmshell, a Wasm loop", ws_wasm)
        results.append(("SIGINT to exit, SQL: wasmshell (seconds)", ws_sql, 0.5, True))
        results.append(("SIGINT to exit, Wasm: wasmshell (seconds)", ws_wasm, 0.5, True))
    else:
        print("\n6-7. skipped: APSW ships no sqlite3 shell here")

    if reference:
        many = 500_000 if args.quick else 5_000_000
        query = (
            f"with recursive c(x) as (select 1 union all select x+1 from c limit {many}) "
            "select x, x * 2 as twice, 'row ' || x as name from c"
        )
        print(f"\n8. a {many:,}-row SELECT typed at the interactive prompt, until the prompt is back")
        ready = ["-cmd", ".prompt 'READY> '"]  # sqlite3 3.54's own prompt has colours and the file name
        shown = statement_at_prompt([wasmshell, ":memory:", *ready], "READY>", query + ";", args.repeat)
        counted = statement_at_prompt(
            [reference, ":memory:", *ready], "READY>", f"select count(*) from ({query});", args.repeat
        )
        if shown is not None and counted is not None:
            row("wasmshell, the table view (first and last rows)", shown)
            row("sqlite3 3.54, select count(*) over the query", counted)
            results.append((f"{many:,}-row table view / sqlite3 count(*)", shown / counted, 1.3, True))

    print("\nTargets")
    for label, ratio, limit, below in results:
        if "(seconds)" in label:
            ok = ratio <= limit
            print(f"  {label:<52} {ratio:6.2f}s  <= {limit}s  {'PASS' if ok else 'MISS'}")
        else:
            verdict(label, ratio, limit, below)


if __name__ == "__main__":
    main()
