"""How batch input is cut into statements and commands, compared byte for byte (stdout,
stderr, exit status) with the reference sqlite3 shell: comments before, inside and
after statements and dot-commands, and inputs that read inputs (.read nesting).

Inputs stay clear of what wasmshell does as sqlite3 3.40 did and 3.54 no longer
does ("go" and "/" lines ending a statement, the wording of runtime errors).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_shell import needs_reference, run_both

from wasmshell.sqltext import StatementScanner, is_blank, split_statements

pytestmark = needs_reference

# -- comments -----------------------------------------------------------------------

COMMENT_CASES = {
    "comment-of-two-lines-before-a-statement": "/*\nx */ select 1;\n",
    "comment-opened-on-a-line-of-its-own": "/*\n comment\n*/\nselect 2;\n",
    "comment-closed-before-a-dot-command": "/*\n*/\n.print hi\n",
    "comment-lines-before-a-dot-command": "-- a\n/* b */ -- c\n/* d\n e */ -- f\n.print hi\nselect 3;\n",
    "comment-inside-pending-sql": "select 4 /* x\n;\n*/ ;\n",
    "comment-after-a-statement-then-a-dot-command": "select 5; /* a\nb */\n.print hi\n",
    "comment-after-a-statement-then-a-statement": "select 6; /* a\n*/\nselect 7;\n",
    "dash-comment-after-a-statement": "select 8; -- c\n.print hi\n",
    "dash-comment-before-the-semicolon": "select 9 -- c\n;\n",
    "block-in-dash-and-dash-in-block": "select 10 -- /* not a comment\n;\n/* -- still one\n*/ select 11;\n",
    "comment-never-ends": "select 12;\n/* never\nends\n",
    "comment-never-ends-on-one-line": "select 13;\n/* never ends",
    "comment-never-ends-after-pending-sql": "select 14\n/* never ends\n",
    "dot-command-inside-a-comment": "/*\n.print no\n*/\n.print yes\n",
    "dot-command-after-comment-on-its-line": "/* c */ .print hi\n",
    "semicolon-in-a-comment-does-not-end": "select 15 /* ; */\n, 16;\n",
    "string-holding-comment-marks": "select '/* not', '-- a comment';\n",
    "comment-then-parse-error": "/*\n*/ selec 17;\nselect 18;\n",
    "blank-and-comment-lines-with-echo": "\n   \n/* a */\n-- b\n\t\nselect 19;\n",
    "lone-semicolons": ";\n  ;\nselect 20;;\n",
    "lone-semicolon-then-a-parse-error": ";\n*/;\nselect 23;\n",
    "vertical-tab-after-a-comment": "/*\n*/ \v\nselect 21;\n",
    "crlf-line-ends": "/*\r\nx */ select 22;\r\n-- c\r\n.print hi\r\n",
}


@pytest.mark.parametrize("echo", [False, True], ids=["plain", "echo"])
@pytest.mark.parametrize("text", COMMENT_CASES.values(), ids=COMMENT_CASES.keys())
def test_comments_as_sqlite3(text, echo, tmp_path):
    reference, ours = run_both(text, tmp_path, ("-echo",) if echo else ())
    assert ours == reference


LINE_PIECES = [
    "select 1;",
    "select 2",
    ";",
    "/*",
    "*/",
    "x */ select 3;",
    "*/ select 4",
    "-- c",
    "/* a */",
    "/* a */ -- b",
    ".print hi",
    "",
    "   ",
    "select '/*';",
    "select 5 -- ;",
    "/* ; */",
    "select 6; /* x",
    "select 7 /* y */ ;",
    "create table if not exists t(x);",
    "create trigger if not exists r after insert on t begin",
    "select 8; end;",
    "insert into t values (9);",
    "'",
    "select 10 /*",
    "*/;",
    "selec 11;",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINE_PIECES), min_size=1, max_size=12), st.booleans(), st.booleans())
def test_any_mix_of_comment_lines_as_sqlite3(lines, echo, final_newline):
    text = "\n".join(lines) + ("\n" if final_newline else "")
    with tempfile.TemporaryDirectory() as where:
        reference, ours = run_both(text, Path(where), ("-echo",) if echo else ())
    assert ours == reference  # some mixes fail at run time ("end;" alone)


# The pieces the shell scans line by line are SQLite's own completeness test.
SQL_PIECES = [
    "select", " ", "\n", ";", "'", '"', "`", "[", "]", "/*", "*/", "--", "-", "/", "*", "x",
    "end", "END", "create", "Create", "temp", "temporary", "trigger", "TRIGGER", "explain",
    "begin", "(", ")", "\t", "\v", "\f", "\r", "1", "$", "\u00e9", "_", ".", "a;b",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(SQL_PIECES), max_size=40))
def test_scanner_fed_line_by_line_agrees_with_sqlite3_complete(parts):
    text = "".join(parts)
    lines = text.split("\n")
    scanner = StatementScanner()
    for number, line in enumerate(lines):
        scanner.feed(line if number == 0 else "\n" + line)
        so_far = "\n".join(lines[: number + 1])
        assert scanner.complete == apsw.complete(so_far + "\n"), so_far
    # Each statement split off is complete, and only white space is left between them.
    statements = list(split_statements(text))
    position = 0
    for index, (offset, statement) in enumerate(statements):
        assert text[offset : offset + len(statement)] == statement
        assert text[position:offset].isspace() or position == offset
        assert apsw.complete(statement) or index == len(statements) - 1
        position = offset + len(statement)
    assert text[position:].isspace() or position == len(text)


@pytest.mark.parametrize(
    ("line", "blank"),
    [
        ("", True),
        (" \t\v\f\r", True),
        ("/* a */ -- b", True),
        ("-- never ends", True),
        ("/* never ends", False),
        (";", False),
        ("/* a */ x", False),
        ("\u00a0", False),  # not C's isspace
    ],
)
def test_a_blank_line_is_what_sqlite3_skips(line, blank):
    assert is_blank(line) is blank


# -- inputs that read inputs ------------------------------------------------------------

NESTING_FILES = {
    "self.sql": "select 1;\n.read self.sql\nselect 2;\n",
    "a.sql": "select 'a';\n.read b.sql\nselect 'a2';\n",
    "b.sql": "select 'b';\n.read a.sql\nselect 'b2';\n",
    "pipe.sql": "select 1;\n.read '|cat pipe.sql'\nselect 2;\n",
}
NESTING_CASES = {
    "file-reads-itself": ((), ".read self.sql\nselect 3;\n"),
    "two-files-read-each-other": ((), "select 0;\n.read a.sql\nselect 3;\n"),
    "from-an-argument": ((":memory:", ".read a.sql", "select 9"), ""),
    "from-the-init-file": (("-init", "a.sql", ":memory:", "select 9"), ""),
    "through-a-pipe": ((), ".read pipe.sql\nselect 3;\n"),
    "with-bail": (("-bail",), ".read self.sql\nselect 3;\n"),
    "a-directory": ((), ".read .\nselect 3;\n"),
}


@pytest.mark.parametrize(("args", "stdin"), NESTING_CASES.values(), ids=NESTING_CASES.keys())
def test_input_nesting_limit_as_sqlite3(args, stdin, tmp_path):
    for name, text in NESTING_FILES.items():
        (tmp_path / name).write_text(text)
    reference, ours = run_both(stdin, tmp_path, args)
    assert ours == reference
    if stdin.startswith(".read self") or args[:1] == ("-init",):
        assert b"Input nesting limit (25) reached at line 2. Check recursion.\n" in ours.stderr
        assert b"Traceback" not in ours.stderr and b"RecursionError" not in ours.stderr
