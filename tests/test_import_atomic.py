""".import is one transaction: the table it creates and the rows it adds are there
together or not at all, whether the process is killed (kill -9) or interrupted
(SIGINT) part way. Real subprocesses, real database files, opened afterwards."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import apsw
import pytest
from reference_shell import HANG, WASMSHELL, interrupt, quiet_env

ROWS = 3_000_000  # an import of several seconds, to be stopped part way


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "big.csv"
    with open(path, "w") as out:
        out.write("a,b\n")
        for start in range(0, ROWS, 100_000):
            out.write("".join(f"{i},some text for row {i}\n" for i in range(start, start + 100_000)))
    return path


def tables(db: Path) -> list[str]:
    conn = apsw.Connection(str(db))  # opening it rolls back what a killed process left
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        return [name for (name,) in conn.execute("select name from sqlite_schema where type = 'table'")]
    finally:
        conn.close()


def kill_mid_import(db: Path, script: str, tmp_path: Path) -> None:
    """Run ``script`` on ``db`` and kill -9 the shell once the import has written to the file."""
    journal = Path(f"{db}-journal")
    proc = subprocess.Popen(
        [WASMSHELL, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=quiet_env(tmp_path),
    )
    assert proc.stdin is not None
    proc.stdin.write(script.encode())
    proc.stdin.close()
    deadline = time.monotonic() + HANG
    # Rows spill from SQLite's cache into the file (the journal keeps what was there).
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and db.stat().st_size > 4 << 20:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_kill_9_mid_import_leaves_no_new_table(big_csv, tmp_path):
    db = tmp_path / "new.db"
    apsw.Connection(str(db)).execute("create table kept(x); insert into kept values (1)")
    kill_mid_import(db, f".import --csv {big_csv} t\n", tmp_path)
    assert tables(db) == ["kept"]


def test_kill_9_mid_import_into_a_table_leaves_its_rows_as_they_were(big_csv, tmp_path):
    db = tmp_path / "old.db"
    apsw.Connection(str(db)).execute("create table t(a, b); insert into t values (-1, 'before')")
    kill_mid_import(db, f".import --csv --skip 1 {big_csv} t\n", tmp_path)
    assert tables(db) == ["t"]
    assert apsw.Connection(str(db)).execute("select * from t").fetchall() == [(-1, "before")]


def test_sigint_mid_import_rolls_it_all_back_and_stops_the_input(big_csv, tmp_path):
    db = tmp_path / "interrupted.db"
    script = f"select 'start';\n.import --csv {big_csv} t\nselect 'after';\n"
    run = interrupt([WASMSHELL, str(db)], tmp_path, first=script, marker=b"start\n").result
    assert run.stdout == b"start\n"
    assert run.stderr.startswith(f"{big_csv}:".encode()) and run.stderr.endswith(
        b": INSERT failed: interrupted\nProgram interrupted.\n"
    )
    assert run.status == 1
    assert tables(db) == []


def test_a_finished_import_is_all_there(tmp_path):
    db = tmp_path / "done.db"
    (tmp_path / "small.csv").write_text("a,b\n1,x\n2,y\n")
    done = subprocess.run(
        [WASMSHELL, str(db), ".import --csv small.csv t"],
        cwd=tmp_path,
        env=quiet_env(tmp_path),
        capture_output=True,
        timeout=HANG,
    )
    assert (done.stdout, done.stderr, done.returncode) == (b"", b"", 0)
    assert apsw.Connection(str(db)).execute("select * from t").fetchall() == [("1", "x"), ("2", "y")]
