"""The pager and wide results, in a real pseudo-terminal: a stub pager records what it is given,
and real less is quit early."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time

import pytest
from test_repl_pty import PROMPT, WASMSHELL, pexpect, plain, pty_env, run, spawn

TALL = "select value from generate_series(1, 100);"  # 100 lines on a 40-line terminal
TALL_LINES = "".join(f"{n}\n" for n in range(1, 101))
# Ten columns whose names (which the table view does not cut) take 210 cells of the 120 there are.
WIDE = "select " + ", ".join(f"'{c}-value-{c * 6}' as column_{c}_long_name" for c in "abcdefghij")


@pytest.fixture
def pager_env(tmp_path):
    """The shell's environment with $PAGER a stub that appends what it reads to pager.log."""
    env = pty_env(tmp_path)
    stub = tmp_path / "stub_pager.py"
    stub.write_text(
        "import sys\n"
        "data = sys.stdin.buffer.read()\n"
        "with open(sys.argv[1], 'ab') as log:\n"
        "    log.write(data)\n"
    )
    log = tmp_path / "pager.log"
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(stub))} {shlex.quote(str(log))}"
    return dict(env, PAGER=command), log


def recorded(log) -> str:
    """What the stub pager was given, escape sequences dropped ("" if it never ran)."""
    return plain(log.read_text()) if log.exists() else ""


def test_a_tall_result_goes_through_the_pager_and_a_short_one_does_not(pager_env):
    env, log = pager_env
    child = spawn(env)
    run(child, ".mode list")
    assert "short" in run(child, "select 'short';")
    assert not log.exists()
    shown = run(child, TALL)
    assert recorded(log) == TALL_LINES  # all of it, in order, and nothing else
    assert "57" not in shown  # not also written to the terminal
    child.sendcontrol("d")


def test_long_lines_count_as_the_screen_lines_they_wrap_to(pager_env):
    env, log = pager_env
    child = spawn(env)
    run(child, ".mode list")
    run(child, "select printf('%.250c', 'x') from generate_series(1, 10);")  # 10 lines, 30 on screen
    assert not log.exists()
    run(child, "select printf('%.250c', 'y') from generate_series(1, 14);")  # 42 on a 40-line screen
    assert recorded(log) == ("y" * 250 + "\n") * 14
    child.sendcontrol("d")


def test_an_error_comes_after_the_output_before_it(pager_env):
    env, log = pager_env
    child = spawn(env)
    run(child, ".mode list")
    shown = run(child, "select 'first'; select nosuchcolumn;")
    assert shown.index("first\n") < shown.index("no such column"), shown
    run(child, "select value from generate_series(1, 60) union all select abs(-9223372036854775807 - 1);")
    assert recorded(log).endswith("59\n60\nError: integer overflow\n")  # into the pager, last
    child.sendcontrol("d")


def test_the_summarised_table_view_is_not_paged_for_its_height(pager_env):
    env, log = pager_env
    child = spawn(env)
    out = run(child, TALL)  # the table view: 40 rows of 100, taller than nothing it needs to be
    assert "100 rows (40 shown)" in out
    assert not log.exists()
    child.sendcontrol("d")


def test_a_tall_dot_command_output_is_paged_as_a_whole(pager_env, tmp_path):
    env, log = pager_env
    script = tmp_path / "many.sql"
    script.write_text(".mode list\n" + "".join(f"select {n};\n" for n in range(1, 61)))
    child = spawn(env)
    run(child, f".read {script}")
    assert recorded(log) == "".join(f"{n}\n" for n in range(1, 61))  # one pager for the whole .read
    child.sendcontrol("d")


def test_a_pager_command_keeps_its_quoted_words(pager_env, tmp_path):
    """.pager's words are a command line: a quoted one with spaces stays one word."""
    env, _log = pager_env
    spaced = tmp_path / "my pager.py"
    spaced.write_text((tmp_path / "stub_pager.py").read_text())
    log = tmp_path / "spaced.log"
    child = spawn(env)
    run(child, f'.pager "{sys.executable}" "{spaced}" "{log}"')
    run(child, ".mode list")
    run(child, TALL)
    assert recorded(log) == TALL_LINES
    child.sendcontrol("d")


def test_a_pager_that_fails_is_said(pager_env):
    """A pager that ends with an error (here at once, reading nothing) says so: the output it was
    given is lost, and the user must know why."""
    env, _log = pager_env
    child = spawn(env)
    run(child, ".mode list")
    run(child, f'.pager "{sys.executable}" -c "raise SystemExit(3)"')
    shown = run(child, TALL)
    assert "ended with status 3" in shown
    assert "7" in run(child, "select 3 + 4;")  # a short result is never paged: the shell goes on
    child.sendcontrol("d")


def test_pager_off_and_the_setting_shown(pager_env):
    env, log = pager_env
    child = spawn(env)
    assert "on: " in run(child, ".pager") and "stub_pager.py" in run(child, ".pager")
    run(child, ".pager off")
    assert "off" in run(child, ".pager")
    run(child, ".mode list")
    shown = run(child, TALL)
    assert "\n100\n" in shown and "\n99\n" in shown
    assert not log.exists()
    run(child, ".pager on")
    run(child, TALL)
    assert recorded(log) == TALL_LINES
    child.sendcontrol("d")


def test_output_to_a_file_is_never_paged(pager_env, tmp_path):
    env, log = pager_env
    target, once = tmp_path / "out.txt", tmp_path / "once.txt"
    child = spawn(env)
    run(child, ".mode list")
    run(child, f".output {target}")
    run(child, TALL)
    run(child, ".output")
    child.send(f".once {once}\r")  # (run() would send its marker to the file)
    run(child, "select value from generate_series(101, 200);")
    assert TALL_LINES in target.read_text()  # (between the markers run() printed)
    assert once.read_text() == "".join(f"{n}\n" for n in range(101, 201))
    assert not log.exists()
    child.sendcontrol("d")


def test_batch_runs_never_page(pager_env, tmp_path):
    env, log = pager_env
    script = ".mode list\n" + TALL + "\n.help\n"
    options = dict(env=env, capture_output=True, text=True, timeout=60)
    piped = subprocess.run([WASMSHELL], input=script, **options)
    argued = subprocess.run([WASMSHELL, ":memory:", TALL], **options)
    assert piped.stdout.startswith(TALL_LINES) and argued.stdout == TALL_LINES
    assert not log.exists()


def test_a_pager_that_cannot_start_is_said_once_and_output_is_shown(pager_env):
    env, _log = pager_env
    child = spawn(env)
    run(child, ".mode list")
    run(child, ".pager no-such-pager-here --really")
    shown = run(child, TALL)
    assert shown.count('pager "no-such-pager-here --really" cannot be started') == 1, shown
    assert "\n100\n" in shown and "Traceback" not in shown
    child.sendcontrol("d")


@pytest.mark.skipif(shutil.which("less") is None, reason="needs less")
def test_quitting_less_stops_an_endless_statement_quietly(tmp_path):
    env = {k: v for k, v in pty_env(tmp_path).items() if k not in ("PAGER", "LESS")}  # less -SRFX
    child = spawn(env)
    run(child, "select 1;")  # the first input loads the highlighter and completer
    run(child, ".mode list")
    child.send("with recursive c(x) as (select 1 union all select x+1 from c) select 'row ' || x from c;\r")
    child.expect_exact("row 39")  # the first screen, in less
    time.sleep(0.5)
    for _ in range(4):  # Ctrl-C belongs to less: more than the three that would end the shell
        child.sendintr()
        time.sleep(0.1)
    child.send("q")
    child.expect_exact(PROMPT, timeout=10)
    after = plain(child.before)
    assert "Broken pipe" not in after and "Traceback" not in after and "rror" not in after, after
    assert "7" in run(child, "select 3 + 4;")  # the session goes on
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_after_quitting_the_pager_stops_a_statement_that_writes_nothing(tmp_path):
    """Ctrl-C is the pager's only while the pager runs: once it is quit, a later statement of the
    same input that writes nothing (so the closed pipe is never noticed) stops at Ctrl-C."""
    env = {k: v for k, v in pty_env(tmp_path).items() if k not in ("PAGER", "LESS")}  # less -SRFX
    child = spawn(env)
    run(child, "select 1;")
    run(child, ".mode list")
    endless = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;"
    child.send(f"{TALL} {endless}\r")
    child.expect_exact("39")  # the first screen, in less
    time.sleep(0.5)
    child.send("q")
    time.sleep(1)  # the endless count runs, writing nothing
    child.sendintr()
    child.expect_exact("interrupted", timeout=10)
    child.expect_exact(PROMPT)
    assert "7" in run(child, "select 3 + 4;")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def test_a_wide_table_goes_whole_through_the_pager(pager_env):
    env, log = pager_env
    child = spawn(env)
    run(child, WIDE + ";")
    paged = recorded(log)
    assert "column_a_long_name" in paged and "column_j_long_name" in paged  # every column, in full
    assert "j-value-jjjjjj" in paged
    assert "…" not in paged and "1 row" in paged
    child.sendcontrol("d")


def test_wide_fit_hides_columns_and_pages_nothing(pager_env):
    env, log = pager_env
    child = spawn(env)
    assert "pager" in run(child, ".wide")
    run(child, ".wide fit")
    table = run(child, WIDE + ";").split("╭", 1)[1]  # (what was typed before it names every column)
    assert "│ … │" in table and "column_a_long_name" in table and "column_e_long_name" not in table
    assert "10 columns (" in table
    assert not log.exists()
    child.sendcontrol("d")


def test_wide_vertical_shows_records_summarised(pager_env):
    env, log = pager_env
    child = spawn(env)
    run(child, ".wide vertical")
    out = run(child, WIDE + ";")  # one record: 11 lines, no pager
    assert "-[ RECORD 1 ]" in out and "column_a_long_name │ a-value-aaaaaa" in out
    assert "column_j_long_name │ j-value-jjjjjj" in out
    assert "1 row" in out and not log.exists()
    run(child, WIDE.replace("select ", "select value as n, ") + " from generate_series(1, 100);")
    paged = recorded(log)  # 40 records are taller than the screen: paged as text
    assert paged.count("-[ RECORD") == 40 and "-[ RECORD 100 ]" in paged and "-[ RECORD 50 ]" not in paged
    assert "n" + " " * 17 + " │ 100" in paged  # names padded to the longest
    assert "60 rows not shown" in paged and "100 rows (40 shown)" in paged
    child.sendcontrol("d")
