"""The interactive shell in a real pseudo-terminal, typed into as a person would."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

WASMSHELL = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROMPT = "wasmshell>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return ANSI.sub("", text)


def pty_env(tmp_path: Path, lines: int = 40, columns: int = 120) -> dict[str, str]:
    """The environment of a shell in a terminal of ``lines`` x ``columns``, its files under
    ``tmp_path`` (``spawn`` makes the terminal that size)."""
    home = tmp_path / "home"
    home.mkdir()
    return dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        WASMSHELL_HISTORY=str(tmp_path / "history"),
        TERM="xterm-256color",
        COLUMNS=str(columns),
        LINES=str(lines),
        # Output taller than the terminal goes through the pager: here one that shows it as it is
        # (test_pager.py tests the pager itself).
        PAGER="cat",
    )


@pytest.fixture
def env(tmp_path):
    return pty_env(tmp_path)


def spawn(env, *args: str, cwd: Path | None = None, timeout: int = 20):
    child = pexpect.spawn(
        WASMSHELL, list(args), env=env, cwd=str(cwd) if cwd else None, encoding="utf-8",
        dimensions=(int(env["LINES"]), int(env["COLUMNS"])), timeout=timeout,
    )  # fmt: skip
    child.expect_exact(PROMPT)
    return child


_marks = iter(range(1_000_000))


def run(child, line: str, prompt: str = PROMPT) -> str:
    """Type a line, press Enter, and return what the shell showed until it was done (and
    ``prompt`` came back).

    The end is recognised by a marker the shell prints afterwards (a prompt alone
    cannot tell: prompt_toolkit redraws the accepted line with its prompt).
    """
    mark = f"@@{next(_marks)}@@"
    child.send(line + "\r")
    child.send(f".print {mark}\r")
    child.expect_exact(mark)  # the .print line as typed: what came before is the output
    shown = plain(child.before)
    child.expect_exact(mark)  # what .print wrote
    child.expect_exact(prompt)
    return shown


def test_banner_prompt_and_ctrl_d(env):
    child = spawn(env)
    assert "wasmshell" in plain(child.before) and ".help" in plain(child.before)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_multi_line_statement_runs_when_complete(env):
    child = spawn(env)
    child.send("select 40\r")
    child.expect_exact("...>")  # not complete: a continuation line
    out = run(child, "+ 2 as answer;")
    assert re.search(r"│\s+42 │", out), out  # the result, not the echoed input
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_explicit_mode_gives_sqlite3_output(env):
    child = spawn(env)
    run(child, ".mode csv")
    out = run(child, "select 1, 'a b';")
    assert '1,"a b"' in out
    child.sendcontrol("d")


def test_large_result_is_summarised_with_count_and_last_row(env):
    child = spawn(env)
    start = time.monotonic()
    out = run(
        child,
        "with recursive c(x) as (select 1 union all select x+1 from c limit 5000000) select x from c;",
    )
    assert time.monotonic() - start < 60
    assert "5,000,000 rows (40 shown)" in out  # the footer counts every row
    assert "4999999" in out.replace(",", "") and "5000000" in out.replace(",", "")
    assert "2500000" not in out.replace(",", "")
    child.sendcontrol("d")


def test_tab_completes_table_column_and_wasm_function(env):
    child = spawn(env)
    run(child, "create table measurements(temperature real, station text);")
    run(child, "insert into measurements values (21.5, 'north');")
    run(child, f".loadwasm {SAMPLES / 'contains.wat'} --temp")
    # each completion is checked by the statement it made running
    child.send("select station from meas\t")
    assert "north" in run(child, ";")
    child.send("select temp\t")
    assert "21.5" in run(child, " from measurements;")
    child.send("select contai\t")
    child.expect_exact("contains")
    assert "│     1 │" in run(child, "'meenie', 'ee') as found;")  # completion adds the (
    child.sendcontrol("d")


def test_history_is_recalled_in_a_second_session(env):
    child = spawn(env)
    run(child, "select 'remember me' as memo;")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child = spawn(env)
    child.send("\x1b[A\x1b[A")  # Up twice: past the marker run() typed last
    child.expect_exact("remember me")
    out = run(child, "")
    assert "remember me" in out and "1 row" in out
    child.sendcontrol("d")


def test_ctrl_c_stops_a_looping_wasm_function(env):
    child = spawn(env, "--wasm-timeout", "60000")
    spin = '(module (func (export "spin") (loop br 0)))'
    run(child, "select 1;")  # the first input loads the highlighter and completer
    child.send(f"select run_wasm('{spin}', 'spin');\r")
    time.sleep(1.5)
    start = time.monotonic()
    child.sendintr()
    child.expect("(?i)interrupted", timeout=5)
    assert time.monotonic() - start < 2.0
    assert "7" in run(child, "select 3 + 4;")  # the session goes on
    child.sendcontrol("d")


def test_ctrl_c_stops_an_endless_result_whose_rest_is_stepped_in_c(env):
    """Past the table's first rows the rest is stepped in C, holding the connection's mutex: Ctrl-C
    still stops it, and the table shows what came before with the count so far."""
    child = spawn(env)
    run(child, "select 1;")
    child.send("with recursive c(x) as (select 1 union all select x+1 from c) select x, 'r' || x from c;\r")
    time.sleep(1.5)
    start = time.monotonic()
    child.sendintr()
    child.expect("(?i)interrupted", timeout=5)
    assert time.monotonic() - start < 2.0
    shown = plain(child.before)
    assert "rows (40 shown)" in shown and re.search(r"│ +20 │ r20 +│", shown), shown
    assert "7" in run(child, "select 3 + 4;")  # the session goes on
    child.sendcontrol("d")


def test_after_ctrl_c_the_same_module_runs_again(env):
    """Interrupted in spin(), the module's next call starts a fresh instance
    (its start function under a time limit of its own): this died with SIGSEGV."""
    from conftest import wat_path

    child = spawn(env, "--wasm-timeout", "60000")
    run(child, f".loadwasm {wat_path('slow_start')} --temp")
    child.send("select spin();\r")
    time.sleep(1.5)
    child.sendintr()
    child.expect("(?i)interrupted", timeout=5)
    out = run(child, "select ok() + 1 as eight, starts() as starts;")
    assert "│     8 │      1 │" in out, out
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None  # ended by Ctrl-D, not by a crash


def test_ctrl_c_stops_a_long_sql_query_and_keeps_the_data(env, tmp_path):
    db = tmp_path / "keep.db"
    child = spawn(env, str(db))
    run(child, "create table t(x); insert into t values (1), (2), (3);")
    child.send("with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;\r")
    time.sleep(1.5)
    start = time.monotonic()
    child.sendintr()
    child.expect("(?i)interrupted", timeout=5)
    assert time.monotonic() - start < 2.0
    assert "6" in run(child, "select sum(x) from t;")
    child.sendcontrol("d")


def test_ctrl_c_at_the_prompt_clears_the_line(env):
    child = spawn(env)
    child.send("select 'never run'")
    child.sendintr()
    child.expect_exact(PROMPT)
    out = run(child, "select 'ran' as x;")
    # Had the line been kept, the two would run together as one broken statement.
    assert "│ ran │" in out and "error" not in out.lower()
    child.sendcontrol("d")


def test_prompt_command_changes_prompts(env):
    child = spawn(env)
    child.send(".prompt 'db> ' '.. '\r")
    child.expect_exact("db>")
    child.send("select\r")
    child.expect_exact("..")
    child.send("1;\r")
    child.expect_exact("db>")
    child.sendcontrol("d")


def test_eqp_on_shows_sqlite3s_plan_tree_before_the_table(env):
    child = spawn(env)
    run(child, "create table t(a, b); create index ta on t(a); insert into t values (1, 2), (3, 4);")
    run(child, ".eqp on")
    shown = run(child, "select * from t, (select a from t where b > 0 union select 5) order by 1;")
    lines = [line.rstrip() for line in shown.splitlines()]
    tree = [
        "QUERY PLAN",
        "|--CO-ROUTINE (subquery-2)",
        "|  `--MERGE (UNION)",
        "|     |--LEFT",
        "|     |  `--SCAN t USING INDEX ta",
        "|     `--RIGHT",
        "|        `--SCAN CONSTANT ROW",
        "|--SCAN t USING INDEX ta",
        "`--SCAN (subquery-2)",
    ]  # sqlite3 3.54's lines for this plan
    start = lines.index("QUERY PLAN")
    assert lines[start : start + len(tree)] == tree, shown
    header = next(i for i, line in enumerate(lines) if re.fullmatch(r"│ a\s+│ b\s+│ a\s+│", line))
    assert header > start + len(tree) and "6 rows" in shown  # then the result's table
    child.sendcontrol("d")


def test_explain_query_plan_shows_the_tree_instead_of_rows(env):
    child = spawn(env)
    run(child, "create table t(a, b);")
    shown = run(child, "explain query plan select * from t order by b;")
    lines = [line.rstrip() for line in shown.splitlines()]
    start = lines.index("QUERY PLAN")
    assert lines[start : start + 3] == ["QUERY PLAN", "|--SCAN t", "`--USE TEMP B-TREE FOR ORDER BY"]
    assert "│" not in shown and "notused" not in shown and "row" not in shown  # no table
    child.sendcontrol("d")


def test_timer_on_puts_the_time_in_the_tables_footer(env):
    child = spawn(env)
    run(child, "create table t(a); insert into t values (1), (2), (3);")
    run(child, ".timer on")
    shown = run(child, "select * from t;")
    seconds = r"\d+(?:\.\d+)? (?:µs|ms|s)"
    assert re.search(rf"╰─+╯\s*\n3 rows · {seconds}\s*\n", shown), shown
    assert "Run Time" not in shown
    # a statement that draws no table keeps sqlite3's line, in readable units
    shown = run(child, "insert into t values (4);")
    assert re.search(rf"Run Time: real {seconds}  user {seconds}  sys {seconds}", shown), shown
    child.sendcontrol("d")
