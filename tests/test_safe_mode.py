"""``-safe``, as sqlite3 has it: whatever touches files or runs programs is refused.

The refusals of the commands both shells have are compared with the reference
sqlite3 (3.54, the one APSW ships): the same input in two copies of one
directory gives the same stdout, stderr, exit status and files. wasmshell's own
commands (.loadwasm, .wat) are tested on their own, and so is what stays
allowed: Wasm functions, stored ones included, which run sandboxed.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import apsw
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
WASMSHELL = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")


def _reference() -> str | None:
    """sqlite3 of the SQLite inside APSW, if this APSW ships it."""
    try:
        import apsw.sqlite_extra

        return str(apsw.sqlite_extra.path("sqlite3_shell"))
    except Exception:
        return None


SQLITE3 = _reference()
needs_reference = pytest.mark.skipif(SQLITE3 is None, reason="APSW ships no sqlite3 shell here")


def environment(home: Path) -> dict[str, str]:
    """A HOME of its own: neither ~/.sqliterc nor ~/.wasmshellrc is read."""
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), LANG="C.UTF-8")


def files_in(directory: Path) -> list[str]:
    """Every file and directory under ``directory``, as relative names."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


# --------------------------------------------------------------------------
# The same input through sqlite3 -safe and wasmshell -safe


@dataclass(frozen=True)
class Case:
    """One run of both shells, each in its own copy of the same directory."""

    id: str
    stdin: str = ""
    args: tuple[str, ...] = ("-safe",)
    files: dict[str, str] = field(default_factory=dict)
    db: str | None = None  # SQL that makes test.db first
    refused: bool = True  # sqlite3 refuses something (so the case tests a refusal)


@dataclass(frozen=True)
class Run:
    stdout: bytes
    stderr: bytes
    status: int
    files: list[str]


def run_in(program: str, case: Case, cwd: Path) -> Run:
    cwd.mkdir()
    for name, text in case.files.items():
        (cwd / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / name).write_text(text)
    if case.db is not None:
        db = apsw.Connection(str(cwd / "test.db"))
        db.execute(case.db)
        db.close()
    proc = subprocess.run(
        [program, *case.args],
        input=case.stdin.encode(),
        capture_output=True,
        cwd=cwd,
        env=environment(cwd),
        timeout=60,
    )
    return Run(proc.stdout, proc.stderr, proc.returncode, files_in(cwd))


def piped(*lines: str) -> str:
    """Input with ``lines`` between two SELECTs: what comes before runs, what comes after must not."""
    return "".join(f"{line}\n" for line in ("select 1;", *lines, "select 2;"))


SCRIPT = ".shell touch made\nselect 'script ran';\n"

CASES = [
    # Dot-commands that run programs or touch files, typed as a script would.
    Case("shell", piped(".shell touch made")),
    Case("system", piped(".system touch made")),
    Case("shell-prefix", piped(".she touch made")),
    Case("read-prefix", piped(".rea script.sql"), files={"script.sql": SCRIPT}),
    Case("import-prefix", piped(".imp data.csv t"), files={"data.csv": "a\n1\n"}),
    Case("shell-no-args", piped(".shell")),
    Case("output-file", piped(".output made", "select 3;")),
    Case("output-pipe", piped(".output |cat > made")),
    Case("output-stdout", piped(".output stdout")),
    Case("output-bare", piped(".output")),
    Case("once-file", piped(".once made")),
    Case("once-pipe", piped(".once |cat > made")),
    Case("read", piped(".read script.sql"), files={"script.sql": SCRIPT}),
    Case("read-pipe", piped(".read |cat script.sql"), files={"script.sql": SCRIPT}),
    Case("import", piped(".import data.csv t", "select * from t;"), files={"data.csv": "a\n1\n"}),
    Case("open-file", piped(".open made")),
    Case("open-new", piped(".open --new made")),
    Case("open-empty-name", piped(".open ''")),
    Case("open-uri", piped(".open file:made?mode=rwc")),
    Case("cd", piped(".cd sub", ".shell touch made"), files={"sub/keep": ""}),
    Case("backup", piped(".backup made")),
    Case("backup-db", piped(".backup main made")),
    Case("save", piped(".save made")),
    Case(
        "refused-after-a-transaction-began",
        "begin;\ncreate table t(a);\n.shell touch made\n",
        ("-safe", "t.db"),
    ),
    # .open without a file, or of :memory:, is allowed; a mistake is reported as usual.
    Case("open-memory", piped(".open :memory:", "select 3;"), refused=False),
    Case("open-bare", piped(".open", "select 3;"), refused=False),
    Case("open-extra-argument", piped(".open a b", "select 3;"), refused=False),
    Case("open-unknown-option", piped(".open --bogus", "select 3;"), refused=False),
    # SQL that touches files: ATTACH, VACUUM INTO, load_extension().
    Case("attach", piped("attach 'made' as m;")),
    Case("attach-memory", piped("attach ':memory:' as m;")),
    Case("vacuum-into", piped("vacuum into 'made';")),
    Case("load-extension", piped("select load_extension('made');")),
    Case("load-extension-upper-case", piped("select LOAD_EXTENSION('made');")),
    Case("load-extension-never-called", piped("select load_extension('made') where 0;")),
    Case("attach-multi-line", "select 1;\nselect 2\n;\n\nattach\n'made'\nas x;\nselect 3;\n"),
    Case("attach-mid-line", "select 1;\nselect 2; attach 'made' as x; select 3;\nselect 4;\n"),
    Case(
        "load-extension-ends-line-4",
        "select 1;\nselect 2;\nselect load_extension(1)\n;select 3;\nselect 4;\n",
    ),
    Case(
        "load-extension-in-a-trigger",
        "create table t(a);\ncreate trigger tr after insert on t begin select load_extension(1); end;\n"
        "select 5;\ninsert into t values(1);\nselect 6;\n",
        ("-safe", "t.db"),
    ),
    Case(
        "load-extension-in-a-view-of-the-file",
        "select 1;\nselect * from v;\nselect 2;\n",
        ("-safe", "test.db"),
        db="create view v as select load_extension('made')",
        refused=False,  # SQLite itself refuses load_extension() in a view of the schema
    ),
    Case("attach-after-open-memory", piped(".open :memory:", "attach 'made' as m;")),
    Case("parameter-set-load-extension", piped(".parameter set @x load_extension('made')")),
    # Command-line arguments: dot-commands are "argv[N]", SQL is "line 0" (and
    # "<cmdline>:0" after a dot-command argument, as sqlite3 says).
    Case("argv-dot-command", "", ("-safe", ":memory:", "select 1", ".cd sub", "select 2"), {"sub/keep": ""}),
    Case("argv-safe-after-the-sql", "", (":memory:", "select 1", "--safe", ".shell touch made", "select 2")),
    Case("argv-open", "", ("--safe", ":memory:", ".open made")),
    Case("argv-sql-attach", "", ("--safe", ":memory:", "select 1; attach 'made' as y")),
    Case("argv-sql-after-a-dot-command", "", ("--safe", ":memory:", ".print hi", "attach 'made' as y")),
    Case("cmd-dot-command", "", ("-safe", "-cmd", ".cd sub"), {"sub/keep": ""}),
    Case("cmd-sql", "", ("-safe", "-cmd", "select 1", "-cmd", "attach 'made' as b", ":memory:", "select 2")),
    Case(
        "cmd-before-safe-runs",
        "",
        ("-cmd", ".shell touch made", "-safe", ":memory:", "select 2"),
        refused=False,
    ),
    # The init file runs before -safe applies, in both; its lines are not the input's.
    Case(
        "init-runs-unrestricted",
        "select 2;\n",
        ("-safe", "-init", "init.sql"),
        {"init.sql": SCRIPT},
        refused=False,
    ),
    Case(
        "init-then-input", ".cd sub\n", ("-init", "init.sql", "-safe"), {"init.sql": "select 1;\nselect 2;\n"}
    ),
    Case(
        "init-then-argv",
        "",
        ("-init", "init.sql", "-safe", ":memory:", "attach 'made' as y"),
        {"init.sql": "select 1;\n"},
    ),
]


@needs_reference
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refusals_as_sqlite3(case: Case, tmp_path: Path) -> None:
    expected = run_in(SQLITE3, case, tmp_path / "sqlite3")
    actual = run_in(WASMSHELL, case, tmp_path / "wasmshell")
    assert (b"in safe mode" in expected.stderr) == case.refused, expected.stderr
    assert actual.stderr.decode() == expected.stderr.decode()
    assert actual.stdout.decode() == expected.stdout.decode()
    assert actual.status == expected.status
    # Files a refused command would have made are not there (nor anything else new).
    assert actual.files == expected.files
    if case.refused:
        assert expected.status == 1 and "made" not in actual.files


# --------------------------------------------------------------------------
# wasmshell's own commands, and what stays allowed


def wasmshell(cwd: Path, *args: str, stdin: str = "") -> tuple[str, str, int]:
    proc = subprocess.run(
        [WASMSHELL, *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=cwd,
        env=environment(cwd),
        timeout=60,
    )
    return proc.stdout.decode(), proc.stderr.decode(), proc.returncode


def stored_functions(path: Path) -> list[str]:
    db = apsw.Connection(str(path))
    try:
        tables = [row[0] for row in db.execute("select name from sqlite_schema where type = 'table'")]
        if "libsql_wasm_func_table" not in tables:
            return []
        return sorted(row[0] for row in db.execute("select name from libsql_wasm_func_table"))
    finally:
        db.close()


def test_loadwasm_is_refused(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "fib.wat", tmp_path)
    script = "select 1;\n.loadwasm fib.wat\nselect fib(10);\n"
    out, err, status = wasmshell(tmp_path, "-safe", "test.db", stdin=script)
    assert (out, err, status) == ("1\n", "line 2: cannot run .loadwasm in safe mode\n", 1)
    assert stored_functions(tmp_path / "test.db") == []
    # --temp reads the file too
    out, err, status = wasmshell(tmp_path, "-safe", ":memory:", ".loadwasm fib.wat --temp")
    assert (out, err, status) == ("", "argv[3]: cannot run .loadwasm in safe mode\n", 1)


def test_wat_of_a_file_is_refused_and_of_a_function_allowed(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "fib.wat", tmp_path)
    shutil.copy(SAMPLES / "add1.wat", tmp_path)
    assert wasmshell(tmp_path, "test.db", ".loadwasm fib.wat")[2] == 0
    out, err, status = wasmshell(tmp_path, "-safe", "test.db", stdin=".wat fib\n.wat add1.wat\nselect 2;\n")
    assert out == (SAMPLES / "fib.wat").read_text()
    assert err == "line 2: cannot run .wat FILE in safe mode (no Wasm function is named add1.wat)\n"
    assert status == 1


def test_wasm_functions_stay_available(tmp_path: Path) -> None:
    """run_wasm, CREATE FUNCTION, functions stored in the file, .funcs and .wat NAME."""
    shutil.copy(SAMPLES / "fib.wat", tmp_path)
    assert wasmshell(tmp_path, "test.db", ".loadwasm fib.wat")[2] == 0
    add1 = '(module (func (export "add1") (param i64) (result i64) local.get 0 i64.const 1 i64.add))'
    gcd = wat_without_comments("gcd")
    script = (
        "select fib(20);\n"
        f"select run_wasm('{add1}', 'add1', 41);\n"
        f"create function gcd language wasm as '{gcd}';\n"
        "select gcd(1071, 462);\n"
        ".mode list\n.funcs\n.wat fib\n"
    )
    out, err, status = wasmshell(tmp_path, "-safe", "test.db", stdin=script)
    assert (err, status) == ("", 0)
    lines = out.splitlines()
    assert lines[:3] == ["6765", "42", "21"]
    listed = [line.split()[0] for line in lines[3:] if re.match(r"(fib|gcd)\s+scalar\s+\1\(", line)]
    assert listed == ["fib", "gcd"]
    assert out.endswith((SAMPLES / "fib.wat").read_text())
    assert stored_functions(tmp_path / "test.db") == ["fib", "gcd"]


def wat_without_comments(name: str) -> str:
    # Without the samples' comments, whose words the libSQL dialect detection misreads
    # today (issue 10, finding 14).
    text = (SAMPLES / f"{name}.wat").read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(";;"))


DUMP = """\
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE t(a);
.shell touch X
INSERT INTO t VALUES(1);
COMMIT;
"""


def test_a_dump_holding_a_shell_line_runs_nothing(tmp_path: Path) -> None:
    """A dump of a malformed schema can hold a dot-command line (here as sqlite3
    and wasmshell's .dump write a table whose SQL ends in a newline and one):
    under -safe it runs nothing, and the database is as it was."""
    out, err, status = wasmshell(tmp_path, "-safe", "restored.db", stdin=DUMP)
    assert (out, err, status) == ("", "line 4: cannot run .shell in safe mode\n", 1)
    assert not (tmp_path / "X").exists()
    db = apsw.Connection(str(tmp_path / "restored.db"))
    assert db.execute("select count(*) from sqlite_schema").fetchall() == [(0,)]
    db.close()
    # The same dump without -safe runs the command: the check above can see it.
    assert wasmshell(tmp_path, "restored.db", stdin=DUMP)[2] == 0
    assert (tmp_path / "X").exists()


def test_interactive_refusal_ends_the_shell(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = dict(environment(tmp_path), WASMSHELL_HISTORY=str(tmp_path / "history"), TERM="xterm-256color")
    child = pexpect.spawn(WASMSHELL, ["-safe"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=20)
    child.expect_exact("wasmshell>")
    for line in ("select 1;", "select 2;"):
        child.send(line + "\r")
        child.expect_exact("wasmshell>")  # the accepted line, redrawn
        child.expect_exact("wasmshell>")  # the next prompt
    child.send(".shell touch made\r")
    child.expect(pexpect.EOF)
    child.close()
    # Lines count on across inputs, as in sqlite3.
    assert "line 3: cannot run .shell in safe mode" in child.before
    assert child.exitstatus == 1
    assert not (tmp_path / "made").exists()


# --------------------------------------------------------------------------
# In the process: the registry's default, and authorizers set by others


def in_memory_shell():
    from wasmshell.shell.state import Shell

    return Shell(":memory:", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_new_command_is_refused_until_it_says_it_is_safe() -> None:
    from wasmshell.shell.commands import registry as commands
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.safe import SafeModeRefusal, enter_safe_mode

    ran = []
    commands.command("zzfiles", "zzfiles FILE", "a command that forgot to say")(
        lambda s, a: ran.append(a) or 0
    )
    commands.command("zzharmless", "zzharmless", "a harmless command", safe=True)(
        lambda s, a: ran.append(a) or 0
    )
    try:
        shell = in_memory_shell()
        assert run_command(shell, ".zzfiles x") == 0  # not in safe mode
        enter_safe_mode(shell)
        assert run_command(shell, ".zzharmless") == 0
        with pytest.raises(SafeModeRefusal) as refused:
            run_command(shell, ".zzfiles y")
        assert refused.value.code == 1
        assert ran == [["zzfiles", "x"], ["zzharmless"]]
        assert shell.stderr.getvalue() == "line 0: cannot run .zzfiles in safe mode\n"
    finally:
        del commands.REGISTRY["zzfiles"], commands.REGISTRY["zzharmless"]


def test_refused_commands_are_named_in_the_readme() -> None:
    from wasmshell.shell.runner import load_commands

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Safe mode", 1)[1].split("\n## ", 1)[0]
    refused = [cmd.name for cmd in load_commands() if cmd.safe is not True]
    assert {"shell", "read", "import", "open", "loadwasm", "wat"} <= set(refused)
    for name in refused:
        assert f"`.{name}" in section, f".{name} is refused under -safe but the README does not say so"


def test_an_authorizer_already_there_is_still_asked() -> None:
    from wasmshell.shell.safe import SafeModeRefusal, enter_safe_mode

    shell = in_memory_shell()
    connection = shell.session.connection
    connection.execute("create table secret(x); create table open(x)")
    asked = []

    def deny_secret(op, arg1, arg2, db, trigger):
        asked.append(op)
        return apsw.SQLITE_DENY if op == apsw.SQLITE_READ and arg1 == "secret" else apsw.SQLITE_OK

    connection.authorizer = deny_secret
    enter_safe_mode(shell)
    assert connection.execute("select * from open").fetchall() == []
    with pytest.raises(apsw.AuthError):
        connection.execute("select * from secret").fetchall()
    assert apsw.SQLITE_READ in asked
    with pytest.raises(SafeModeRefusal):
        connection.execute("attach ':memory:' as m")


def test_files_stay_out_of_reach_below_the_authorizer(tmp_path: Path) -> None:
    """Should something replace the authorizer, load_extension() still loads nothing
    and ATTACH and VACUUM INTO still open no file."""
    from wasmshell.shell.safe import enter_safe_mode

    shell = in_memory_shell()
    connection = shell.session.connection
    connection.enable_load_extension(True)
    enter_safe_mode(shell)
    connection.authorizer = None
    with pytest.raises(apsw.SQLError, match="not authorized"):
        connection.execute("select load_extension('no-such-library')")
    for sql in (f"attach '{tmp_path / 'made'}' as m", f"vacuum into '{tmp_path / 'made'}'"):
        with pytest.raises(apsw.SQLError, match="too many attached databases"):
            connection.execute(sql)
    assert files_in(tmp_path) == []
