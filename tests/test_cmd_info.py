"""The connection dot-commands (.vfslist, .diskused, .progress, .trace, .filectrl, .clone,
.restore, .connection, .testcase, .help) where the differential corpus cannot say it: values
that are the machine's (struct sizes, timings, temporary names), what the reference binary
lacks (dbstat), files left untouched, and the pieces behind the commands.

Where both shells can run the script, the reference (sqlite3 3.54.1 as APSW ships it) runs
it too and the test compares what is not the machine's: the shape, with the varying numbers
taken out.
"""

from __future__ import annotations

import re
from pathlib import Path

import apsw
import pytest
from reference_shell import REFERENCE, WASMSHELL, needs_reference, quiet_env, run_both, run_shell

from wasmshell.shell.commands.registry import REGISTRY, find, help_lines
from wasmshell.shell.commands.testcase import check_glob
from wasmshell.shell.runner import load_commands

load_commands()  # the registry, complete


def wasmshell(tmp_path: Path, script: str, *args: str) -> tuple[str, str, int]:
    """Run wasmshell on ``script`` in ``tmp_path``: its stdout, stderr and exit status."""
    done = run_shell(WASMSHELL, list(args), script.encode(), tmp_path, quiet_env(tmp_path))
    return done.stdout.decode(), done.stderr.decode(), done.status


def _without_sizes(text: bytes) -> bytes:
    """A VFS listing with the struct sizes, which are the build's, taken out."""
    return re.sub(rb"(vfs\.szOsFile   = )\d+", rb"\1N", text)


@needs_reference
@pytest.mark.parametrize("database", [":memory:", "test.db"])
def test_vfslist_and_vfsinfo_name_the_references_vfses(tmp_path: Path, database: str) -> None:
    script = "SELECT 1;\n.vfslist\n.vfsinfo\n.vfsinfo temp\n.vfsname\n"
    expected, actual = run_both(script, tmp_path, (database,))
    assert _without_sizes(actual.stdout) == _without_sizes(expected.stdout)
    assert (actual.stderr, actual.status) == (expected.stderr, expected.status)
    listing = actual.stdout.decode()
    # the append VFS sqlite3 always has is there too, and the database's VFS is marked
    assert 'vfs.zName      = "apndvfs"' in listing
    assert listing.count("  <--- CURRENT") == 1
    assert int(re.search(r"vfs\.szOsFile   = (\d+)", listing).group(1)) > 0


def test_diskused_reports_each_table(tmp_path: Path) -> None:
    """The reference is built without the dbstat table, so its .diskused says nothing: this
    is wasmshell's report alone (SQLite's diskused extension, in batch mode)."""
    script = (
        "CREATE TABLE wide(a, b);\n"
        "INSERT INTO wide SELECT value, randomblob(300) FROM generate_series(1, 200);\n"
        "CREATE INDEX wide_a ON wide(a);\n.diskused\n.diskused main\n.diskused nosuch\n"
    )
    out, err, status = wasmshell(tmp_path, script, "t.db")
    assert (err, status) == ("", 0)
    report = out.split("/** Database storage utilization report")
    assert len(report) == 3  # main twice; a database that is not there: nothing
    assert re.search(r"Page size in bytes\.+ 4096\n", out)
    assert re.search(r"\nWIDE\.+ \d+ +\d+\.\d%\n", out) and "WIDE_A" in out
    assert (tmp_path / "t.db").stat().st_size > 200 * 300


@needs_reference
def test_diskused_arguments_as_the_reference(tmp_path: Path) -> None:
    expected, actual = run_both(".diskused -x\n.diskused a b\n", tmp_path)
    assert actual == expected


@needs_reference
def test_progress_timeout_stops_a_statement(tmp_path: Path) -> None:
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;\n"
    script = f".progress --timeout 0.05\n{endless}SELECT 'next';\n.progress --timeout 0\n"
    expected, actual = run_both(script, tmp_path)
    shape = rb"Progress timeout after 0\.\d{6} seconds\nnext\n"
    assert re.fullmatch(shape, expected.stdout) and re.fullmatch(shape, actual.stdout)
    assert (
        (actual.stderr, actual.status)
        == (expected.stderr, expected.status)
        == (
            b"Error near line 2: interrupted\n",
            1,
        )
    )


@needs_reference
def test_trace_profile_gives_each_statements_time(tmp_path: Path) -> None:
    script = ".trace stdout --profile\nCREATE TABLE t(a);\nINSERT INTO t VALUES(1);\nSELECT a FROM t;\n"
    expected, actual = run_both(script, tmp_path)
    shape = (
        rb"CREATE TABLE t\(a\); -- \d+ ns\nINSERT INTO t VALUES\(1\); -- \d+ ns\n"
        rb"1\nSELECT a FROM t; -- \d+ ns\n"
    )
    assert re.fullmatch(shape, expected.stdout) and re.fullmatch(shape, actual.stdout)
    assert (actual.stderr, actual.status) == (expected.stderr, expected.status)


@needs_reference
def test_filectrl_values_that_are_the_machines(tmp_path: Path) -> None:
    """A temporary file's name is random; data_version of a database without a file is
    whatever sqlite3's variable held (wasmshell: 0). The rest is the same."""
    script = "CREATE TABLE t(a);\n.filectrl tempfilename\n.filectrl data_version\n"
    expected, actual = run_both(script, tmp_path, ("t.db",))
    shape = rb"/\S+\n\d+\n"
    assert re.fullmatch(shape, expected.stdout) and re.fullmatch(shape, actual.stdout)
    expected, actual = run_both(".filectrl data_version\n.filectrl tempfilename\n", tmp_path)
    assert re.fullmatch(rb"-?\d+\n", expected.stdout) and re.fullmatch(rb"-?\d+\n", actual.stdout)
    assert (actual.stderr, actual.status) == (expected.stderr, expected.status)


def test_clone_never_writes_over_a_file(tmp_path: Path) -> None:
    existing = tmp_path / "existing.db"
    conn = apsw.Connection(str(existing))
    conn.execute("CREATE TABLE precious(x); INSERT INTO precious VALUES('keep me');")
    conn.close()
    before = existing.read_bytes()
    (tmp_path / "link.db").symlink_to(existing)
    script = (
        "CREATE TABLE a(x);\nINSERT INTO a VALUES(1);\n.clone existing.db\n.clone link.db\n.clone new.db\n"
    )
    out, err, status = wasmshell(tmp_path, script)
    assert err == 'File "existing.db" already exists.\nFile "link.db" already exists.\n'
    assert (out, status) == ("a... done\n", 0)
    assert existing.read_bytes() == before
    copy = apsw.Connection(str(tmp_path / "new.db"))
    assert copy.execute("SELECT x FROM a").fetchall() == [(1,)]


def _function_file(path: Path, body: str) -> None:
    conn = apsw.Connection(str(path))
    conn.execute(
        "CREATE TABLE libsql_wasm_func_table (name text PRIMARY KEY, body text) WITHOUT ROWID;"
        "INSERT INTO libsql_wasm_func_table VALUES('seven', ?);"
        "CREATE TABLE data(v); INSERT INTO data VALUES(1);",
        (body,),
    )
    conn.close()


def test_restore_registers_the_stored_functions_it_brings(tmp_path: Path) -> None:
    module = '(module (func (export "seven") (result i64) i64.const 7))'
    _function_file(tmp_path / "f.db", module)
    out, err, status = wasmshell(tmp_path, ".restore f.db\nSELECT seven(), v FROM data;\n")
    assert (out, err, status) == ("7|1\n", "", 0)


def test_restore_of_a_hostile_file_keeps_the_shell_running(tmp_path: Path) -> None:
    """A stored function that is not Wasm is skipped, as at .open; a file that is not a
    database leaves the database as it was."""
    _function_file(tmp_path / "bad.db", "(module (this is not wasm")
    (tmp_path / "junk.db").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    script = (
        "CREATE TABLE mine(k);\nINSERT INTO mine VALUES('kept');\n.restore junk.db\nSELECT * FROM mine;\n"
        ".restore bad.db\nSELECT v FROM data;\nSELECT seven();\nSELECT 'alive';\n"
    )
    out, err, status = wasmshell(tmp_path, script)
    assert out.splitlines() == ["kept", "1", "alive"]
    assert err.splitlines()[0] in ("Error: file is not a database", "Error: database disk image is malformed")
    assert "seven" in err and status == 1


def test_connection_uses_every_place_and_closes_them(tmp_path: Path) -> None:
    script = "".join(f".connection {i}\nCREATE TABLE t{i}(x);\n" for i in range(5))
    script += ".connection\n.connection 9\n.connection 2\n.tables\n"
    script += "".join(f".connection close {i}\n" for i in range(5)) + ".connection\n.connection 1\n.tables\n"
    out, err, status = wasmshell(tmp_path, script)
    listing = (
        "       0: :memory:\n"
        + "".join(f"       {i}: (memory)\n" for i in (1, 2, 3))
        + "ACTIVE 4: (memory)\n"
    )
    assert out == listing + "t2\nACTIVE 2: (memory)\n"
    assert (err, status) == ("cannot close the active database connection\n", 1)


def test_check_glob() -> None:
    assert check_glob("a#b", "a-123b") and check_glob("a#b", "a+7b")
    assert not check_glob("a#b", "ab") and not check_glob("a#b", "a-b")
    assert check_glob("x  y", "x \t\n y") and not check_glob("x y", "xy")
    assert check_glob("*[0-9]", "abc7") and not check_glob("*[^0-9]", "abc7")
    assert check_glob("[]x]", "]") and check_glob("?b*", "abcdef")
    assert check_glob("abc", "abc \n")  # white space may end the text
    # after a star, sqlite3 takes the next character as itself, even "#"
    assert not check_glob("*#*", "12") and check_glob("*#*", "a#b")
    assert not check_glob("[ab", "a")  # an unclosed set matches nothing


@needs_reference
def test_help_lists_the_new_commands_as_the_reference(tmp_path: Path) -> None:
    expected, _ = run_both(".help\n", tmp_path)
    ours = set(help_lines())
    names = ("auth", "check", "clone", "connection", "crlf", "dbconfig", "dbtotxt", "diskused", "filectrl")
    names += ("limit", "lint", "log", "nonce", "progress", "restore", "sha3sum", "shell", "system")
    names += ("testcase", "trace", "vfsinfo", "vfslist", "vfsname")
    theirs = [line for line in expected.stdout.decode().splitlines() if line.split()[0][1:] in names]
    assert len(theirs) == len(names)
    assert set(theirs) <= ours


def test_hidden_commands_run_but_are_not_listed() -> None:
    assert find("binary") is REGISTRY["binary"] and find("bin") is REGISTRY["binary"]
    assert find("bi") is None  # sqlite3 wants three letters of .binary
    assert not any(line.startswith(".binary") for line in help_lines())
    assert help_lines("binary") == []


def test_abbreviations_need_as_many_letters_as_sqlite3() -> None:
    assert find("crl") is None and find("crlf") is find("crnl") is REGISTRY["crlf"]
    assert find("diskuse") is None and find("diskused") is REGISTRY["diskused"]
    assert find("testcas") is None and find("nonc") is None
    assert find("limi") is None and find("limit") is find("limits") is REGISTRY["limit"]
    assert find("sha") is None and find("sha3") is REGISTRY["sha3sum"] and find("sh") is REGISTRY["shell"]


@pytest.mark.skipif(REFERENCE is None, reason="APSW ships no sqlite3 shell here")
def test_limit_on_input_the_shell_reads(tmp_path: Path) -> None:
    """.limit sql_length also bounds the input the shell will hold, as sqlite3's does."""
    script = ".limit sql_length 100\nSELECT '" + "x" * 200 + "';\nSELECT 'short';\n"
    expected, actual = run_both(script, tmp_path)
    assert actual == expected
