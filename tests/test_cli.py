"""The installed ``wasmshell`` command, run as a user runs it: options, dot-commands
owned by the shell core, init files, exit statuses and errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WASMSHELL = shutil.which("wasmshell") or str(Path(sys.executable).parent / "wasmshell")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(*args: str, stdin: str = "", cwd: Path | None = None, env: dict | None = None):
    """Run wasmshell with ``args`` and ``stdin``; return (stdout, stderr, status)."""
    proc = subprocess.run(
        [WASMSHELL, *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    return proc.stdout.decode(), proc.stderr.decode(), proc.returncode


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home and config directory, so no real init file is read."""
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    (tmp_path / "home").mkdir()
    return env


def test_select_from_argument(home):
    assert run(":memory:", "select 1+1", env=home) == ("2\n", "", 0)


def test_version_names_wasmshell_sqlite_and_wasmtime(home):
    out, _err, status = run("-version", env=home)
    assert status == 0
    assert "wasmshell" in out and "SQLite 3." in out and "wasmtime" in out
    assert run("--version", env=home)[0] == out


def test_help_lists_options(home):
    _, out, status = run("-help", env=home)
    assert status == 0
    for option in ("-bail", "-cmd", "-init", "-readonly", "-csv", "--wasm-timeout"):
        assert option in out


HELP_TEXT = """\
Usage: wasmshell [OPTIONS] [FILENAME [SQL...]]
FILENAME is the name of an SQLite database. A new database is created
if the file does not previously exist. Defaults to :memory:.
Each SQL argument (SQL or a dot-command) runs in order, then wasmshell exits.
OPTIONS include:
   --                   treat no subsequent arguments as options
   -append              append the database to the end of the file
   -ascii               set '.mode ascii'
   -bail                stop after hitting an error
   -batch               force batch I/O
   -box                 set '.mode box'
   -cmd COMMAND         run "COMMAND" before reading stdin
   -cmdline-edit BOOL   enable or disable command-line editing
   -column              set '.mode column'
   -csv                 set '.mode csv -limits off'
   -deserialize         open the database using sqlite3_deserialize()
   -echo                print inputs before execution
   -escape T            ctrl-char escape; T is one of: symbol, ascii, off
   -init FILENAME       read/process named file
   -[no]header          turn headers on or off
   -help                show this message
   -html                set '.mode html'
   -ifexists            only open if database already exists
   -interactive         force interactive I/O
   -json                set '.mode json'
   -line                set '.mode line'
   -list                set '.mode list'
   -lookaside SIZE N    use N entries of SZ bytes for lookaside memory
   -markdown            set '.mode markdown'
   -maxsize N           maximum size for a --deserialize database
   -memtrace            trace all memory allocations and deallocations
   -mmap N              default mmap size set to N
   -newline SEP         set output row separator. Default: '\\n'
   -nofollow            refuse to open symbolic links to database files
   -noinit              Do not read the ~/.sqliterc file at startup
   -nonce STRING        set the safe-mode escape nonce
   -no-rowid-in-view    Disable rowid-in-view using sqlite3_config()
   -nullvalue TEXT      set text string for NULL values. Default ''
   -pagecache SIZE N    use N slots of SZ bytes each for page cache memory
   -pcachetrace         trace all page cache operations
   -quote               set '.mode quote'
   -readonly            open the database read-only
   -safe                enable safe-mode: refuse what touches files or runs programs
   -screenwidth N       use N as the default screenwidth\x20
   -separator SEP       set output column separator. Default: '|'
   -stats               print memory stats before each finalize
   -table               set '.mode table'
   -tabs                set '.mode tabs'
   -unsafe-testing      allow unsafe commands and modes for testing
   -version             show wasmshell, SQLite and wasmtime versions
   -vfs NAME            use NAME as the default VFS
   -vfstrace            enable tracing of all VFS calls
   --wasm-timeout MS    time limit of one Wasm call (default 5000)
   --wasm-memory MB     memory limit of one Wasm instance (default 64)
"""


def test_help_text_is_as_it_was(home):
    """-help is made from the table of options; its text stays as sqlite3 users know it."""
    assert run("-help", env=home) == ("", HELP_TEXT, 0)  # on stderr, as sqlite3 3.54
    assert run("--help", env=home)[1] == HELP_TEXT


def test_every_option_is_taken_with_one_dash_or_two(home):
    from wasmshell.cli import BY_NAME, FLAG_OPTIONS, OPTIONS, VALUE_OPTIONS, parse_args

    assert set(FLAG_OPTIONS) | set(VALUE_OPTIONS) == {name for option in OPTIONS for name in option.names}
    for name in VALUE_OPTIONS:
        for dashes in ("-", "--"):
            opts = parse_args([f"{dashes}{name}", *["5"] * BY_NAME[name].values])
            assert not any(action == "unknown" for action, _, _ in opts.actions)
    for name in FLAG_OPTIONS:
        if name in ("-", "test-argv"):  # the end of the options; a test option that exits
            continue
        for dashes in ("-", "--"):
            opts = parse_args([f"{dashes}{name}"])
            assert not any(action == "unknown" for action, _, _ in opts.actions)


def test_every_mode_switch_is_an_option():
    from wasmshell.cli import OPTIONS
    from wasmshell.shell.output import modes

    switches = {option.name for option in OPTIONS if option.name in modes.BY_NAME}
    assert switches == set(modes.SWITCHES)


def test_unknown_option_is_an_error(home):
    out, err, status = run("-frobnicate", env=home)
    assert (out, status) == ("", 1)
    assert "unknown option: -frobnicate" in err


def test_missing_option_value_is_an_error(home):
    _, err, status = run("-cmd", env=home)
    assert status == 1 and "missing argument to -cmd" in err


def test_database_file_is_created_and_reopened(tmp_path, home):
    db = tmp_path / "new.db"
    assert run(str(db), "create table t(x); insert into t values(42)", env=home)[2] == 0
    assert db.exists()
    assert run(str(db), "select x from t", env=home) == ("42\n", "", 0)


def test_readonly_refuses_writes_and_keeps_data(tmp_path, home):
    db = tmp_path / "ro.db"
    run(str(db), "create table t(x); insert into t values(1)", env=home)
    _out, err, status = run("-readonly", str(db), stdin="insert into t values(2);\n", env=home)
    assert status == 1
    assert "readonly" in err
    assert run(str(db), "select count(*) from t", env=home)[0] == "1\n"


def test_init_file_option_runs_first(tmp_path, home):
    init = tmp_path / "init.sql"
    init.write_text(".mode csv\ncreate table t(a, b);\ninsert into t values(1, 'x y');\n")
    out, err, status = run("-init", str(init), ":memory:", stdin="select * from t;\n", env=home)
    assert (out, err, status) == ('1,"x y"\r\n', "", 0)


def test_missing_init_file_is_reported_and_the_rest_runs(tmp_path, home):
    out, err, status = run("-init", str(tmp_path / "nope"), ":memory:", "select 3", env=home)
    assert out == "3\n" and "cannot open" in err and status == 0


def test_default_init_file_in_xdg_config_home(tmp_path, home):
    config = Path(home["XDG_CONFIG_HOME"]) / "wasmshell"
    config.mkdir(parents=True)
    (config / "wasmshellrc").write_text(".headers on\n")
    assert run(":memory:", "select 1 as one", env=home)[0] == "one\n1\n"


def test_default_init_file_in_home(tmp_path, home):
    Path(home["HOME"], ".wasmshellrc").write_text(".nullvalue NIL\n")
    assert run(":memory:", "select null", env=home)[0] == "NIL\n"


def test_command_line_options_override_the_init_file(tmp_path, home):
    Path(home["HOME"], ".wasmshellrc").write_text(".mode csv\n.nullvalue x\n")
    # As in sqlite3 3.54, -list sets what .mode list sets (its separators), then -nullvalue.
    assert run("-list", "-nullvalue", "-", ":memory:", "select 1, null", env=home)[0] == "1|-\n"


def test_wasm_timeout_option_stops_a_loop(home):
    spin = '(module (func (export "spin") (loop br 0)))'
    _out, err, status = run(
        "--wasm-timeout", "100", ":memory:", f"select run_wasm('{spin}', 'spin')", env=home
    )
    assert status == 1
    assert "wasm trap in spin: time limit of 100 ms exceeded" in err


def test_wasm_memory_option_caps_memory(home):
    grow = (
        # memory not exported, so the i32 result is an INTEGER, not a pointer
        '(module (memory 1) (func (export "grow") (result i32) (memory.grow (i32.const 100))))'
    )
    out, _, status = run("--wasm-memory", "2", ":memory:", f"select run_wasm('{grow}', 'grow')", env=home)
    assert (out, status) == ("-1\n", 0)


def test_bad_wasm_limit_is_an_error(home):
    _, err, status = run("--wasm-timeout", "soon", ":memory:", "select 1", env=home)
    assert status == 1 and "--wasm-timeout" in err
    # out of range: a clear message, not a traceback
    _, err, status = run("--wasm-memory", "5000", ":memory:", "select 1", env=home)
    assert (err, status) == (
        "wasmshell: Error: --wasm-memory takes a whole number from 1 to 4096, not '5000'\n",
        1,
    )
    _, err, status = run("--wasm-timeout", "99999999999", ":memory:", "select 1", env=home)
    assert (
        status == 1
        and err.startswith("wasmshell: Error: --wasm-timeout takes a whole number")
        and err[-1] == "\n"
    )


def test_run_wasm_with_a_sample_from_a_script(home):
    fib = (SAMPLES / "fib.wat").read_text()
    script = "select run_wasm(readfile_placeholder, 'fib', 20);\n".replace(
        "readfile_placeholder", "'" + fib.replace("'", "''") + "'"
    )
    assert run(stdin=script, env=home) == ("6765\n", "", 0)


def test_wasm_trap_is_a_runtime_error_and_the_script_goes_on(home):
    div = (SAMPLES / "divide.wat").read_text().replace("'", "''")
    script = f"select run_wasm('{div}', 'divide', 1, 0);\nselect 'after';\n"
    out, err, status = run(stdin=script, env=home)
    assert out == "after\n"
    assert err == "Error near line 1: wasm trap in divide: integer divide by zero\n"
    assert status == 1


def test_open_switches_database(tmp_path, home):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    run(str(a), "create table ta(x)", env=home)
    run(str(b), "create table tb(x)", env=home)
    script = f".open {b}\nselect name from sqlite_schema;\n.open {a}\nselect name from sqlite_schema;\n"
    assert run(":memory:", stdin=script, env=home)[0] == "tb\nta\n"


def test_open_new_empties_the_file(tmp_path, home):
    db = tmp_path / "x.db"
    run(str(db), "create table t(x)", env=home)
    out, _, _ = run(stdin=f".open --new {db}\nselect count(*) from sqlite_schema;\n", env=home)
    assert out == "0\n"


def test_open_readonly_missing_file_is_an_error(tmp_path, home):
    """As sqlite3 3.54: the error, then an in-memory database in its place (.open's status
    is 0); the file is not made."""
    missing = tmp_path / "none.db"
    out, err, status = run(stdin=f".open --readonly {missing}\nselect 1;\n", env=home)
    assert (out, status) == ("1\n", 0)
    assert err == (
        f'Error: unable to open database "{missing}": unable to open database file\n'
        f'Notice: using substitute in-memory database instead of "{missing}"\n'
    )
    assert not missing.exists()


def test_read_runs_a_file_and_nested_reads(tmp_path, home):
    (tmp_path / "inner.sql").write_text("select 'inner';\n.quit\nselect 'not reached';\n")
    (tmp_path / "outer.sql").write_text(f"select 'outer';\n.read {tmp_path / 'inner.sql'}\nselect 'back';\n")
    out, err, status = run(stdin=f".read {tmp_path / 'outer.sql'}\nselect 'end';\n", env=home)
    assert (out, err, status) == ("outer\ninner\nback\nend\n", "", 0)


def test_read_missing_file(tmp_path, home):
    _, err, status = run(stdin=f".read {tmp_path / 'missing.sql'}\n", env=home)
    assert status == 1 and "cannot open" in err


def test_cd_changes_directory_for_relative_paths(tmp_path, home):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.sql").write_text("select 'from sub';\n")
    assert run(stdin=".cd sub\n.read s.sql\n", cwd=tmp_path, env=home)[0] == "from sub\n"
    _, err, status = run(stdin=".cd nowhere\n", cwd=tmp_path, env=home)
    assert status == 1 and "nowhere" in err


def test_shell_and_system_run_commands_in_order(home):
    out, _, _ = run(stdin="select 1;\n.shell echo two\n.system echo three\nselect 4;\n", env=home)
    assert out == "1\ntwo\nthree\n4\n"


def test_exit_with_code(home):
    out, _, status = run(stdin="select 1;\n.exit 3\nselect 2;\n", env=home)
    assert (out, status) == ("1\n", 3)


def test_exit_from_a_read_file_ends_everything(tmp_path, home):
    (tmp_path / "x.sql").write_text(".exit 4\n")
    out, _, status = run(stdin=f".read {tmp_path / 'x.sql'}\nselect 'no';\n", env=home)
    assert (out, status) == ("", 4)


def test_unique_prefix_runs_a_command_and_unknown_is_an_error(home):
    assert run(stdin=".hea on\nselect 1 as x;\n", env=home)[0] == "x\n1\n"
    _, err, status = run(stdin=".frob\n", env=home)
    assert status == 1
    assert err == 'Error: unknown command or invalid arguments:  "frob". Enter ".help" for help\n'


def test_help_lists_every_command_with_help_text(home):
    from wasmshell.shell.runner import load_commands

    out, _, status = run(stdin=".help\n", env=home)
    assert status == 0
    commands = load_commands()
    assert len(commands) > 20
    for cmd in commands:
        assert cmd.help.strip(), f".{cmd.name} has no help text"
        # sqlite3's undocumented commands (.binary) run but are not listed
        assert (f"\n.{cmd.usage}" in "\n" + out) != cmd.hidden


def test_help_with_pattern(home):
    out, _, _ = run(stdin=".help mode\n", env=home)
    assert ".mode" in out and ".tables" not in out


def test_timeout_sets_the_busy_timeout(home):
    assert run(stdin=".timeout 1234\npragma busy_timeout;\n", env=home) == ("1234\n", "", 0)


def test_version_command_names_the_parts(home):
    out, _err, status = run(stdin=".version\n", env=home)
    assert status == 0 and "wasmshell" in out and "SQLite" in out and "wasmtime" in out


def test_output_to_full_disk_is_an_error(home):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [WASMSHELL, ":memory:"], input=b"select 1;\n", stdout=full, stderr=subprocess.PIPE, env=home
        )
    assert proc.returncode == 1
    assert b"No space left on device" in proc.stderr


def test_closed_pipe_ends_quietly(tmp_path, home):
    db = tmp_path / "big.db"
    run(
        str(db),
        "create table t(x); with recursive c(i) as (select 1 union all select i+1 from c limit 200000)"
        " insert into t select i from c",
        env=home,
    )
    proc = subprocess.run(
        f"'{WASMSHELL}' '{db}' 'select * from t' | head -1", shell=True, capture_output=True, env=home
    )
    assert proc.stdout == b"1\n"
    assert proc.stderr == b""


def test_text_after_the_last_semicolon_still_runs(home):
    assert run(stdin="select 1;\nselect 2", env=home)[0] == "1\n2\n"


def test_large_script_streams_in_constant_memory(tmp_path, home):
    # 200,000 statements through a pipe; the result proves every line ran.
    lines = "".join(f"insert into t values({i});\n" for i in range(200_000))
    script = "create table t(x);\nbegin;\n" + lines + "commit;\nselect count(*), sum(x) from t;\n"
    out, err, status = run(stdin=script, env=home)
    assert (out, err, status) == (f"200000|{sum(range(200_000))}\n", "", 0)


def test_python_dash_m_runs_the_shell(home):
    proc = subprocess.run(
        [sys.executable, "-m", "wasmshell", ":memory:", "select 'm'"], capture_output=True, env=home
    )
    assert proc.stdout == b"m\n"


def test_what_a_wasi_function_prints_is_shown_after_its_result(home):
    hello = (Path(__file__).resolve().parent / "fixtures" / "wasi_hello.wat").read_text().replace("'", "''")
    script = f"select run_wasm('{hello}', 'hello');\nselect 'next';\n"
    out, err, status = run(stdin=script, env=home)
    assert (out, err, status) == ("16\nhello from wasm\nnext\n", "", 0)  # 16: bytes written
    assert run(":memory:", f"select run_wasm('{hello}', 'hello')", env=home)[0] == "16\nhello from wasm\n"


@pytest.mark.parametrize("config", [None, "", "/somewhere/config"])
def test_default_init_file_is_where_platformdirs_puts_config(tmp_path, monkeypatch, config):
    """The init file's directory is platformdirs' XDG config directory."""
    from platformdirs.unix import Unix

    from wasmshell.cli import default_init_file

    monkeypatch.setenv("HOME", str(tmp_path))
    if config is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", config)
    directory = Path(Unix("wasmshell").user_config_dir)
    if not str(directory).startswith(str(tmp_path)):
        directory = tmp_path / "elsewhere" / "wasmshell"
        monkeypatch.setenv("XDG_CONFIG_HOME", str(directory.parent))
    directory.mkdir(parents=True)
    (directory / "wasmshellrc").write_text("")
    assert default_init_file() == str(directory / "wasmshellrc")


def test_a_relative_xdg_config_home_is_taken_as_it_is(tmp_path, monkeypatch):
    """platformdirs would ignore it; wasmshell always read the init file there."""
    from wasmshell.cli import default_init_file

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", "config")
    (tmp_path / "config" / "wasmshell").mkdir(parents=True)
    (tmp_path / "config" / "wasmshell" / "wasmshellrc").write_text("")
    assert default_init_file() == os.path.join("config", "wasmshell", "wasmshellrc")


@pytest.mark.parametrize(
    ("state", "home", "expected"),
    [
        (None, "/home/u", "/home/u/.local/state/wasmshell/history"),
        ("", "/home/u", "/home/u/.local/state/wasmshell/history"),
        ("/xdg/state", "/home/u", "/xdg/state/wasmshell/history"),
        ("/xdg/state/", "/home/u", "/xdg/state/wasmshell/history"),
        # platformdirs would ignore these; wasmshell keeps taking them as they are
        ("state", "/home/u", "state/wasmshell/history"),
        (None, "home", "home/.local/state/wasmshell/history"),
    ],
)
def test_history_path(monkeypatch, state, home, expected):
    from wasmshell.shell.interactive.repl import history_path

    monkeypatch.delenv("WASMSHELL_HISTORY", raising=False)
    monkeypatch.setenv("HOME", home)
    if state is None:
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_STATE_HOME", state)
    assert history_path() == expected
    monkeypatch.setenv("WASMSHELL_HISTORY", "/my/history")
    assert history_path() == "/my/history"


# --- sqlite3 3.54's command-line options, where the differential corpus cannot go ---------------


def test_nofollow_refuses_a_symbolic_link_and_leaves_the_file(tmp_path, home):
    db = tmp_path / "real.db"
    run(str(db), "create table t(a); insert into t values (1)", env=home)
    before = db.read_bytes()
    (tmp_path / "link.db").symlink_to(db)
    out, err, status = run("-nofollow", str(tmp_path / "link.db"), "delete from t", env=home)
    assert (out, status) == ("", 1)
    assert err == f'Error: unable to open database "{tmp_path / "link.db"}": unable to open database file\n'
    assert db.read_bytes() == before
    assert run("-nofollow", str(db), "select a from t", env=home) == ("1\n", "", 0)


def test_interactive_on_a_pipe_has_sqlite3s_banner_and_prompts(home):
    """No editor on a pipe: the banner, a prompt before each line (the continuation prompt
    inside a statement), nothing echoed, no warning about the terminal."""
    import apsw

    out, err, status = run("-interactive", stdin="select 1;\nselect\n2;\n.print hi\n", env=home)
    banner = f"SQLite version {apsw.sqlite_lib_version()} {apsw.sqlite3_sourceid()[:19]}\n"
    main, more = "wasmshell> ", "   ...> "
    assert out == f'{banner}Enter ".help" for usage hints.\n{main}1\n{main}{more}2\n{main}hi\n{main}\n'
    assert (err, status) == ("", 0)


def test_test_argv_prints_the_arguments(home):
    out, err, status = run("-test-argv", "a b", "-x", env=home)
    assert (err, status) == ("", 0)
    assert out.splitlines()[1:] == ['argv[1] = "-test-argv"', 'argv[2] = "a b"', 'argv[3] = "-x"']


OPENER = """#!/bin/sh
n=$(ls "$OPENED" | wc -l)
cp "$1" "$OPENED/$n-$(basename "$1" | sed 's/.*\\.//')"
"""


def test_excel_www_and_editor_hand_a_temp_file_to_xdg_open_as_sqlite3(tmp_path):
    """.excel, .output -w and .once -e write a temporary file, give it to xdg-open (a fake one
    here) and delete it after 10 seconds, waiting for that at the end: as the reference shell
    does. (.www's pages differ: sqlite3 puts each result in a table of its own.)"""
    from reference_shell import REFERENCE, quiet_env, run_shell

    if REFERENCE is None:
        pytest.skip("APSW ships no sqlite3 shell here")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").write_text(OPENER)
    (bin_dir / "xdg-open").chmod(0o755)
    script = (
        b".excel\nselect 1 as a, 'x,y' as b;\n"
        b".once -e\nselect 'text';\n.output -w --plain\nselect 'plain page';\n.output\n"
        b".headers on\n.once -x\nselect 2 as n;\n.print done\n"
    )
    results = {}
    for name, program in (("sqlite3", REFERENCE), ("wasmshell", WASMSHELL)):
        opened = tmp_path / f"opened-{name}"
        opened.mkdir()
        env = dict(quiet_env(tmp_path), PATH=f"{bin_dir}:{os.environ['PATH']}", OPENED=str(opened))
        result = run_shell(program, [], script, tmp_path, env, timeout=60)
        copies = {p.name: p.read_bytes() for p in sorted(opened.iterdir())}
        results[name] = (result, copies)
    (want, want_files), (got, got_files) = results["sqlite3"], results["wasmshell"]
    assert len(want_files) == 4 and got_files == want_files
    waiting = rb"Waiting about \d\.\d seconds to delete temp file\(s\)\n"
    import re

    assert re.fullmatch(rb"done\n" + waiting, got.stdout), got.stdout
    assert re.fullmatch(rb"done\n" + waiting, want.stdout), want.stdout
    assert (got.stderr, got.status) == (want.stderr, want.status) == (b"", 0)
    home = Path(os.path.expanduser("~"))
    assert not [p for p in home.glob("temp-*") if p.stat().st_mtime > tmp_path.stat().st_mtime]


def test_a_failing_opener_is_reported_and_its_file_deleted(tmp_path, home):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").write_text("#!/bin/sh\nexit 3\n")
    (bin_dir / "xdg-open").chmod(0o755)
    env = dict(home, PATH=f"{bin_dir}:{os.environ['PATH']}")
    out, err, status = run(stdin=".excel\nselect 1;\n.print after\n", env=env)
    assert (out, status) == ("after\n", 0)
    match = re.fullmatch(r"Failed: \[xdg-open (\S+/temp-[0-9a-z]{31}\.csv) 2>/dev/null\]\n", err)
    assert match, err
    assert not Path(match.group(1)).exists()
