""".eqp, .stats, .scanstats, .timer and .expert where sqlite3 3.54 prints numbers of its own
machine (memory, timings, I/O), and their look in the interactive table view.

The deterministic bytes are compared in test_differential.py (plan_command_cases);
here both shells run the same input and their output is compared with every number
replaced by N, so a line sqlite3 writes and wasmshell does not (or in another
order, or with another label) fails.
"""

from __future__ import annotations

import io
import re

import pytest
from reference_shell import REFERENCE, WASMSHELL, interrupt, needs_reference, run_both

SETUP = (
    "create table t(a integer primary key, b text, c);\ncreate index tb on t(b);\n"
    "insert into t values (1, 'x', 2), (2, 'y', 3), (3, 'z', 4);\nselect count(*) from t;\n"
)
QUERIES = (
    "select * from t where b = 'x';\nselect * from t t1 join t t2 on t1.c = t2.c order by t1.b;\n"
    "select a, b, 1 + 1 as two from t;\nselect abs(-9223372036854775808) from t;\nselect * from nosuch;\n"
    "insert into t values (7, 'w', 8);\nexplain query plan select 1;\n"
)
NUMBER = re.compile(rb"\d+")


def shape(data: bytes) -> bytes:
    """Output with every number replaced by N: what must be alike when the numbers cannot."""
    return NUMBER.sub(b"N", data)


@needs_reference
@pytest.mark.parametrize(
    "setting",
    ["on", "stmt", "xstmt", "mem", "xmem", "io", "all", "reset mem", "stmt io xmem", "vmstep mem"],
)
def test_stats_after_each_statement_has_sqlite3s_lines(setting, tmp_path):
    script = SETUP + f".stats {setting}\n" + QUERIES + ".show\n"
    reference, ours = run_both(script, tmp_path)
    assert shape(ours.stdout) == shape(reference.stdout)
    assert ours.stderr == reference.stderr and ours.status == reference.status
    # the counters that do not depend on the machine are the same numbers
    for label in (b"Fullscan Steps", b"Sort Operations", b"Autoindex Inserts", b"Number of times run"):
        want = re.findall(rb"(?m)^" + label + rb":\s+(\d+)", reference.stdout)
        assert re.findall(rb"(?m)^" + label + rb":\s+(\d+)", ours.stdout) == want
    if "stmt" in setting or setting in ("on", "all"):
        assert b"Memory used by prepared stmt:" in ours.stdout


@needs_reference
@pytest.mark.parametrize("words", ["", "--once on", "--once xmem io", "all --once", "-once mem reset"])
def test_stats_shown_once_as_sqlite3(words, tmp_path):
    reference, ours = run_both(SETUP + f".stats {words}\nselect 1;\n.show\n", tmp_path)
    assert shape(ours.stdout) == shape(reference.stdout)
    assert ours.stderr == reference.stderr and ours.status == reference.status
    assert b"Memory Used:" in ours.stdout or words == ""


@needs_reference
def test_stats_switch_shows_memory_after_each_statement(tmp_path):
    reference, ours = run_both(SETUP + "select 2;\n", tmp_path, args=("-stats",))
    assert shape(ours.stdout) == shape(reference.stdout)
    assert ours.stdout.count(b"Memory Used:") == 5  # one per statement of SETUP and the last


@needs_reference
def test_stats_after_thousands_of_statements_as_sqlite3(tmp_path):
    # every statement its own VM-steps line, however many run; the same numbers as sqlite3
    # (not after DDL: APSW's SQLite, built with the pre-update hook, takes a step more there)
    script = "create table u(v);\n.stats vmstep\n" + "".join(
        f"select {n}, 'x' || {n};\n" for n in range(5000)
    )
    script += "".join(f"insert into u values ({n});\n" for n in range(3000))
    reference, ours = run_both(script + "select count(*), sum(v) from u;\n", tmp_path)
    assert ours == reference
    assert ours.stdout.count(b"VM-steps: ") == 8001


TIMER = rb"Run Time: real \d+\.\d{6} user \d+\.\d{6} sys \d+\.\d{6}\n"


@needs_reference
def test_timer_lines_as_sqlite3(tmp_path):
    script = (
        ".timer on\nselect 1;\nselect 2; select 3;\n.print between\nselect * from nosuch;\n"
        ".timer once\nselect 4;\nselect 5;\n.timer on\n.timer off\nselect 6;\n"
        ".timer once\n.print x\nselect 7;\n"
    )
    reference, ours = run_both(script, tmp_path)
    for result in (reference, ours):
        assert len(re.findall(TIMER, result.stdout)) == 5
    timer = re.compile(TIMER)
    assert timer.sub(b"T\n", ours.stdout) == timer.sub(b"T\n", reference.stdout)
    assert ours.stderr == reference.stderr and ours.status == reference.status


@needs_reference
def test_timer_on_an_interrupted_statement_as_sqlite3(tmp_path):
    long_sql = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c;"
    script = dict(first=f".timer on\nselect 1;\n{long_sql}\n", marker=b"1\n", then="select 2;\n")
    reference = interrupt([REFERENCE], tmp_path, **script).result
    ours = interrupt([WASMSHELL], tmp_path, **script).result
    timer = re.compile(TIMER)
    assert len(timer.findall(ours.stdout)) == 2  # the interrupted statement is timed too
    assert timer.sub(b"T\n", ours.stdout) == timer.sub(b"T\n", reference.stdout)
    assert ours.stderr == reference.stderr == b"Error near line 3: interrupted\nProgram interrupted.\n"
    assert ours.status == reference.status


@needs_reference
def test_eqp_and_timer_together_in_batch_as_sqlite3(tmp_path):
    """Batch output keeps sqlite3's plan lines and Run Time lines, whatever the table view does."""
    script = SETUP + ".eqp on\n.timer on\n" + QUERIES + ".mode box\nselect * from t where a < 3;\n"
    reference, ours = run_both(script, tmp_path)
    timer = re.compile(TIMER)
    assert len(timer.findall(ours.stdout)) == len(timer.findall(reference.stdout)) == 8
    assert timer.sub(b"T\n", ours.stdout) == timer.sub(b"T\n", reference.stdout)
    assert b"QUERY PLAN\n`--SEARCH t USING INTEGER PRIMARY KEY (rowid<?)\n" in ours.stdout
    assert ours.stderr == reference.stderr and ours.status == reference.status


@needs_reference
def test_eqp_before_a_trapping_wasm_function_then_the_error(tmp_path):
    divide = '(module (func (export "d") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s))'
    script = f".eqp on\n.stats vmstep\nselect run_wasm('{divide}', 'd', a, a - 1) from t;\nselect 9;\n"
    from reference_shell import run_shell  # wasmshell alone: sqlite3 has no run_wasm

    ours = run_shell(WASMSHELL, [], (SETUP + script).encode(), tmp_path, {"HOME": str(tmp_path)})
    assert re.search(
        rb"\nQUERY PLAN\n`--SCAN t USING COVERING INDEX tb\nVM-steps: \d+\n"
        rb"QUERY PLAN\n`--SCAN CONSTANT ROW\n9\nVM-steps: 5\n$",
        ours.stdout,
    )
    assert ours.stderr == b"Error near line 7: wasm trap in d: integer divide by zero\n"
    assert ours.status == 1


# -- the table view -----------------------------------------------------------------------------


def pretty_shell(width: int = 80):
    """A shell in the table view, its output in memory, drawn without colour."""
    from wasmshell.shell.output.base import OutputSettings
    from wasmshell.shell.state import Shell

    out, err = io.StringIO(), io.StringIO()
    shell = Shell(stdout=out, stderr=err)
    shell.settings = OutputSettings("pretty")
    return shell, out, err


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")


def test_pretty_eqp_draws_sqlite3s_plan_tree_before_the_table(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    shell.run_sql(SETUP, 1)
    run_command(shell, ".eqp on")
    out.seek(0), out.truncate()
    shell.run_sql("select * from t t1 join t t2 on t1.c = t2.c where t1.b = 'x' order by t2.b, t1.c;", 1)
    text = out.getvalue()
    tree = text[: text.index("╭")]  # then the result's table
    assert tree.splitlines() == [  # sqlite3 3.54's lines for this plan
        "QUERY PLAN",
        "|--SCAN t2 USING INDEX tb",
        "|--SEARCH t1 USING INDEX tb (b=?)",
        "`--USE TEMP B-TREE FOR LAST TERM OF ORDER BY",
    ]
    assert "1 row" in text[text.index("╭") :]


def test_pretty_explain_query_plan_is_sqlite3s_tree_not_a_table(narrow):
    shell, out, _ = pretty_shell()
    shell.run_sql("create table u(x); create table v(y);", 1)
    shell.run_sql("explain query plan select * from u where x in (select y from v);", 1)
    assert out.getvalue() == (
        "QUERY PLAN\n|--SCAN u\n`--LIST SUBQUERY 1\n   |--SCAN v\n   `--CREATE BLOOM FILTER\n"
    )


def test_pretty_plan_tree_is_the_batch_tree_dimly_coloured():
    """The table view's tree has sqlite3's text and shape; only its colours are its own."""
    from wasmshell.shell.output.explain import EqpRenderer
    from wasmshell.shell.output.insight import write_plan_tree

    rows = [
        (2, 0, 0, "CO-ROUTINE (subquery-2)"), (5, 2, 0, "MERGE (UNION)"), (6, 5, 0, "LEFT"),
        (9, 6, 0, "SCAN t USING INDEX ta"), (20, 5, 0, "RIGHT"), (23, 20, 0, "SCAN CONSTANT ROW"),
        (40, 0, 0, "SCAN t USING INDEX ta"), (50, 0, 0, "SCAN (subquery-2)"), (60, 99, 0, "NOT DRAWN"),
    ]  # fmt: skip
    batch = io.StringIO()
    renderer = EqpRenderer(batch, None)
    renderer.start(["id", "parent", "notused", "detail"])
    for row in rows:
        renderer.row(row)
    renderer.finish()
    assert batch.getvalue() == (
        "QUERY PLAN\n|--CO-ROUTINE (subquery-2)\n|  `--MERGE (UNION)\n|     |--LEFT\n"
        "|     |  `--SCAN t USING INDEX ta\n|     `--RIGHT\n|        `--SCAN CONSTANT ROW\n"
        "|--SCAN t USING INDEX ta\n`--SCAN (subquery-2)\n"
    )
    plain, coloured = io.StringIO(), io.StringIO()
    write_plan_tree(plain, rows)
    write_plan_tree(coloured, rows, color=True)
    assert plain.getvalue() == batch.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == batch.getvalue()
    assert "\x1b[2m|     |  `--\x1b[0m" in coloured.getvalue()  # the guides are dim
    write_plan_tree(plain, [])
    assert plain.getvalue() == batch.getvalue()  # no plan, nothing drawn


def test_pretty_plan_lines_are_not_wrapped_by_the_view(narrow):
    """A step wider than the terminal is written whole, as sqlite3 writes it (the terminal wraps
    it), not cut or broken into lines that would lose the tree's guides."""
    from wasmshell.shell.output.insight import write_plan_tree

    out = io.StringIO()
    detail = "SEARCH t USING INDEX " + "i" * 100 + " (a=? AND b=?)"
    write_plan_tree(out, [(2, 0, 0, detail)])
    assert out.getvalue() == "QUERY PLAN\n`--" + detail + "\n"


def test_pretty_stats_are_a_small_table(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    shell.run_sql(SETUP, 1)
    run_command(shell, ".stats stmt")
    out.seek(0), out.truncate()
    shell.run_sql("select * from t order by c desc;", 1)
    text = out.getvalue()
    stats = text[text.index("rows") :]  # after the result's table and its footer
    assert re.search(r"│ VM-steps\s+│\s+\d+ │", stats)
    assert re.search(r"│ Sort Operations\s+│\s+1 │", stats)
    assert re.search(r"│ Number of times run\s+│\s+1 │", stats)
    assert "Memory used by prepared stmt" in stats and stats.count("╭") == 1


FOOTER_TIME = r"\d+(?:\.\d+)? (?:µs|ms|s)"
RUN_TIME = rf"Run Time: real {FOOTER_TIME}  user {FOOTER_TIME}  sys {FOOTER_TIME}"


def test_pretty_timer_goes_in_the_tables_footer(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    shell.run_sql(SETUP, 1)
    run_command(shell, ".timer on")
    out.seek(0), out.truncate()
    shell.run_sql("select * from t;", 1)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(rf"3 rows · {FOOTER_TIME}", lines[-1]), lines
    assert lines[-2].startswith("╰") and "Run Time" not in out.getvalue()
    out.seek(0), out.truncate()
    shell.run_sql("select * from t where a > 5;", 1)  # no rows: still a table, still timed
    assert re.fullmatch(rf"0 rows · {FOOTER_TIME}", out.getvalue().splitlines()[-1])


def test_pretty_timer_is_a_line_after_a_statement_without_a_table(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    run_command(shell, ".timer on")
    shell.run_sql("create table u(x);", 1)
    assert re.fullmatch(RUN_TIME + "\n", out.getvalue())
    out.seek(0), out.truncate()
    # a text with a table and a statement without: the table's footer and the text's line
    shell.run_sql("select 1 as one; insert into u values (2);", 1)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(rf"1 row · {FOOTER_TIME}", lines[-2]) and re.fullmatch(RUN_TIME, lines[-1])
    out.seek(0), out.truncate()
    shell.run_sql("explain query plan select * from u;", 1)  # a tree, not a table
    assert re.fullmatch("QUERY PLAN\n`--SCAN u\n" + RUN_TIME + "\n", out.getvalue())


def test_pretty_timer_once_times_the_next_sql_only(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    run_command(shell, ".timer once")
    shell.run_sql("select 1;", 1)
    shell.run_sql("select 2;", 1)
    shell.run_sql("create table u(x);", 1)
    footers = [line for line in out.getvalue().splitlines() if line.startswith("1 row")]
    assert re.fullmatch(rf"1 row · {FOOTER_TIME}", footers[0]) and footers[1] == "1 row"
    assert "Run Time" not in out.getvalue()


def test_pretty_eqp_full_keeps_the_bytecode_listing(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    run_command(shell, ".eqp full")
    shell.run_sql("select 1;", 1)
    text = out.getvalue()
    assert text.startswith("QUERY PLAN\n`--SCAN CONSTANT ROW\naddr  opcode ")
    assert "1     Explain        1     0     0     SCAN CONSTANT ROW 0   \n" in text


def test_pretty_expert_report(narrow):
    from wasmshell.shell.runner import run_command

    shell, out, _ = pretty_shell()
    shell.run_sql(SETUP, 1)
    run_command(shell, ".expert")
    out.seek(0), out.truncate()
    assert shell.run_sql("select * from t where c = 3;", 1) == 0
    text = out.getvalue()
    assert "CREATE INDEX t_idx_00000063 ON t(c);" in text
    assert "SEARCH t USING INDEX t_idx_00000063 (c=?)" in text
    assert shell.run_sql("select count(*) from t;", 1) == 0  # .expert took one SQL text only
    assert "4 rows" not in out.getvalue() and "1 row" in out.getvalue()


# -- a real terminal -------------------------------------------------------------------------


def test_eqp_and_stats_in_a_real_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    from test_repl_pty import PROMPT, plain, run

    env = {"HOME": str(tmp_path), "TERM": "xterm-256color", "WASMSHELL_HISTORY": str(tmp_path / "h")}
    child = pexpect.spawn(WASMSHELL, [], env=env, encoding="utf-8", dimensions=(40, 100), timeout=20)
    child.expect_exact(PROMPT)
    run(child, "create table t(a integer primary key, b); insert into t values (1, 2), (3, 4);")
    run(child, ".eqp on")
    run(child, ".stats vmstep")
    shown = plain(run(child, "select b from t where a = 3;"))
    assert re.search(r"QUERY PLAN\s*\n`--SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)", shown)
    assert re.search(r"│\s+4 │", shown) and re.search(r"│ VM-steps\s+│\s+\d+ │", shown)
    assert shown.index("QUERY PLAN") < shown.index("│ VM-steps")
    child.sendline(".quit")
    child.expect(pexpect.EOF)
