"""Progress in the interactive shell, in a real pseudo-terminal: the bottom line of a long
statement, the bar of a long .import; and in batch, or with output in a file, nothing of either.

A terminal is emulated only as far as the line needs: carriage return, erase to the end of the
line, and text written over what was there (``shown_line``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from reference_shell import REFERENCE, needs_reference

pexpect = pytest.importorskip("pexpect")

from test_repl_pty import PROMPT, WASMSHELL, plain, pty_env, run  # noqa: E402
from test_repl_pty import spawn as spawn_in_pty  # noqa: E402


def series(count: int, select: str = "x") -> str:
    """A statement over the numbers 1 to ``count``: its time grows with the count."""
    numbers = f"with recursive c(x) as (select 1 union all select x+1 from c limit {count})"
    return f"{numbers} select {select} from c;"


# At least 1.5 s on any machine, whatever its speed: 150 rows, each sleeping 10 ms in WASI (the
# fixture's sleep_ms) and counting 20,000 numbers, both given x so that SQLite runs them for each
# row rather than once; the counting calls SQLite's progress handler while the statement runs (it
# counts SQLite's instructions, and none run while a guest sleeps).
SLEEPER = Path(__file__).resolve().parent / "fixtures" / "wasi_sleep.wat"
LONG = series(
    150, "x, sleep_ms(10 + 0 * x) as slept, (select count(*) from generate_series(1, 20000 + 0 * x)) as n"
)
# The same, over a second anywhere, as one row: what would show the line if anything did.
SLOW_COUNT = series(
    150, "count(sleep_ms(10 + 0 * x)), max((select count(*) from generate_series(1, 20000 + 0 * x)))"
)
ENDLESS = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;"
LINE = re.compile(r"(\d+\.\d) s · ([\d,]+) rows · Ctrl-C to stop")
_STYLE = r"(?:\x1b\[[0-9;]*m)*"  # colours between the bar's parts
BAR = re.compile(rf"(\d+)%{_STYLE} +{_STYLE}[\d.]+/[\d.]+ [kMG]?B{_STYLE} +{_STYLE}([\d,]+) rows")
# A table whose every row costs a CHECK of some work, so that an .import of a few MB takes seconds.
SLOW_TABLE = "create table t(a, b, c check (length(hex(zeroblob(8000))) > 0));"
CSV_ROWS = 300_000
_TOKEN = re.compile(r"\x1b\[[0-9;?]*([A-Za-z])|\x1b\][^\x07]*\x07|\r|[^\x1b\r]")


def shown_line(raw: str) -> str:
    """What a terminal shows, after ``raw``, on the line its cursor is on."""
    cells: list[str] = []
    col = 0
    for token in _TOKEN.finditer(raw.rsplit("\n", 1)[-1]):
        text, command = token.group(), token.group(1)
        if text == "\r":
            col = 0
        elif command == "K":
            del cells[col:]
        elif command is None and not text.startswith("\x1b"):
            cells[col : col + 1] = [text]
            col += 1
    return "".join(cells).rstrip()


@pytest.fixture
def tty_env(tmp_path):
    # no waiting for the terminal's answer to a cursor query
    return {**pty_env(tmp_path, lines=30, columns=100), "PROMPT_TOOLKIT_NO_CPR": "1"}


def spawn(env, *args: str, cwd=None):
    return spawn_in_pty(env, *args, cwd=cwd, timeout=60)


def write_csv(path, rows: int = CSV_ROWS) -> None:
    with open(path, "w") as f:
        f.writelines(f"{i},row {i},{i * 2}\n" for i in range(rows))


def test_long_statement_shows_time_rows_and_ctrl_c_then_the_table_on_a_clean_line(tty_env):
    child = spawn(tty_env)
    run(child, f".loadwasm {SLEEPER} sleep_ms --temp")
    child.send(LONG + "\r")
    child.expect(LINE)
    # Past the table view's head the rows are stepped in C: the line counts those too.
    assert int(child.match.group(2).replace(",", "")) > 20
    child.expect_exact("150 rows (40 shown)")
    raw = child.before
    top = raw.index("╭")
    assert shown_line(raw[:top]) == ""  # the table starts on a line the progress line left clean
    assert "150" in plain(raw) and "Ctrl-C" not in plain(raw[top:])
    child.expect_exact(PROMPT)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_short_statement_shows_no_line(tty_env):
    child = spawn(tty_env)
    out = run(child, series(300_000, "count(*)"))
    assert "300000" in out
    assert "Ctrl-C to stop" not in out and "rows ·" not in out
    child.sendcontrol("d")


def test_ctrl_c_while_the_line_shows_stops_the_statement_and_the_prompt_returns(tty_env):
    child = spawn(tty_env)
    child.send(ENDLESS + "\r")
    child.expect(LINE)
    child.sendintr()
    child.expect_exact("interrupted")
    # The error is written where the line was, not after it.
    assert shown_line(child.before + "interrupted") == "Error: interrupted"
    child.expect_exact(PROMPT)
    assert "42" in run(child, "select 6 * 7;")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_no_line_when_output_goes_to_a_file(tty_env, tmp_path):
    child = spawn(tty_env, cwd=tmp_path)
    run(child, ".mode list")
    run(child, f".loadwasm {SLEEPER} sleep_ms --temp")
    child.send(".once out.txt\r")  # (run's marker would go to the file too)
    shown = run(child, SLOW_COUNT)
    assert "Ctrl-C" not in shown and "rows ·" not in shown
    assert (tmp_path / "out.txt").read_text() == "150|20000\n"
    child.sendcontrol("d")


@needs_reference
def test_batch_output_is_sqlite3s_byte_for_byte(tmp_path):
    script = series(8_000_000, "count(*)") + "\n" + series(3, "x, 'row ' || x") + "\n"
    runs = [
        subprocess.run([shell], input=script.encode(), capture_output=True, check=False, timeout=120)
        for shell in (WASMSHELL, REFERENCE)
    ]
    ours, reference = ((r.stdout, r.stderr, r.returncode) for r in runs)
    assert ours == reference
    assert ours[0] == b"8000000\n1|row 1\n2|row 2\n3|row 3\n"


def test_interactive_input_from_a_pipe_shows_no_line():
    # -interactive on a pipe: prompts as sqlite3's, no editor, and no progress either.
    script = f".loadwasm {SLEEPER} sleep_ms --temp\n{SLOW_COUNT}\n"
    done = subprocess.run(
        [WASMSHELL, "-interactive"], input=script.encode(), capture_output=True, check=False, timeout=120
    )
    assert b"150|20000\n" in done.stdout
    assert b"Ctrl-C" not in done.stdout + done.stderr and b"\x1b[K" not in done.stdout + done.stderr


def test_import_of_a_large_file_shows_a_bar_then_leaves_a_clean_line(tty_env, tmp_path):
    write_csv(tmp_path / "big.csv")
    child = spawn(tty_env, cwd=tmp_path)
    run(child, SLOW_TABLE)
    child.send(".import --csv big.csv t\r")
    child.expect(BAR)
    assert 0 <= int(child.match.group(1)) < 100
    seen = [int(child.match.group(2).replace(",", ""))]
    child.expect(BAR)  # redrawn as it goes
    seen.append(int(child.match.group(2).replace(",", "")))
    assert seen[0] <= seen[1] < CSV_ROWS
    child.expect_exact(PROMPT)
    assert shown_line(child.before) == ""  # the bar is gone
    assert str(CSV_ROWS) in run(child, "select count(*) from t;")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_ctrl_c_while_the_bar_shows_stops_the_import_and_rolls_it_back(tty_env, tmp_path):
    write_csv(tmp_path / "big.csv")
    child = spawn(tty_env, cwd=tmp_path)
    run(child, SLOW_TABLE)
    child.send(".import --csv big.csv t\r")
    child.expect(BAR)
    child.sendintr()
    child.expect_exact("interrupted")
    line = shown_line(child.before + "interrupted")
    assert line.endswith("INSERT failed: interrupted") and "rows" not in line  # the bar went first
    child.expect_exact(PROMPT)
    assert re.search(r"│\s+0 │", run(child, "select count(*) from t;"))
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


@needs_reference
def test_import_in_batch_shows_no_bar(tmp_path):
    write_csv(tmp_path / "big.csv")
    script = f"{SLOW_TABLE}\n.import --csv big.csv t\nselect count(*) from t;\n"
    outputs = []
    for shell in (WASMSHELL, REFERENCE):
        db = tmp_path / f"{os.path.basename(shell)}.db"
        command = [shell, str(db)]
        done = subprocess.run(command, input=script.encode(), capture_output=True, cwd=tmp_path, timeout=120)
        outputs.append((done.stdout, done.stderr, done.returncode))
    assert outputs[0] == outputs[1] == (f"{CSV_ROWS}\n".encode(), b"", 0)


def test_progress_n_is_called_as_often_at_the_prompt_as_in_batch(tty_env):
    """The progress line's own handler never makes SQLite call .progress's more often: APSW calls
    every handler of a connection at the smallest N among them."""
    sql = series(300_000, "count(*)")
    batch = subprocess.run([WASMSHELL], input=f".progress 1000000\n{sql}\n", capture_output=True, text=True,
                           env=tty_env, timeout=60)  # fmt: skip
    calls = batch.stdout.count("Progress ")
    assert calls >= 2
    child = spawn(tty_env)
    run(child, ".progress 1000000")
    shown = run(child, sql)
    assert shown.count("Progress ") == calls
    child.sendcontrol("d")
