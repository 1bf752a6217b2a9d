"""The config file ($XDG_CONFIG_HOME/wasmshell/config.toml): read, checked, applied in the right
order, reported by .show; and a broken one warned about once, the shell starting with defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wasmshell.shell.config import SETTINGS, Sources, parse_config
from wasmshell.shell.state import Shell

WASMSHELL = str(Path(sys.executable).parent / "wasmshell")
SPIN = "select run_wasm('(module (func (export \"spin\") (loop br 0)))', 'spin');"


def parse(text: str):
    return parse_config("/cfg/config.toml", text.encode())


def test_a_good_file_gives_its_values_and_their_lines():
    found = parse('# mine\nkey_mode = "vi"\n\nmax_rows = 10\npager = "less -S"\ntimeout_ms = 200\n')
    assert found.warning is None
    assert found.values == {"key_mode": "vi", "max_rows": 10, "pager": "less -S", "timeout_ms": 200}
    assert found.lines == {"key_mode": 2, "max_rows": 4, "pager": 5, "timeout_ms": 6}


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ('key_mode = "vi"\nmax_rows = = 3\n', "line 2", "not TOML"),
        ('key_mode = "vi"\n\npagr = true\n', 'line 3, key "pagr"', "unknown setting"),
        ('max_rows = "many"\n', 'line 1, key "max_rows"', "must be a whole number"),
        ("timeout_ms = 0\n", 'line 1, key "timeout_ms"', "must be a whole number from 1"),
        ('key_mode = "ed"\n', 'line 1, key "key_mode"', 'must be "emacs" or "vi"'),
        ("timer = 1\n", 'line 1, key "timer"', "must be true or false"),
        ('theme = "no-such-style"\n', 'line 1, key "theme"', "pygments style"),
        ("[limits]\ntimeout_ms = 5\n", 'line 1, key "limits"', "unknown setting"),
        ('theme = "../../os"\n', 'line 1, key "theme"', "pygments style"),
    ],
)
def test_a_broken_file_is_one_warning_naming_the_line_and_key(text, where, says):
    found = parse(text)
    assert found.values == {}  # the whole file is ignored: the defaults stand
    assert found.warning.startswith(f"warning: config file /cfg/config.toml, {where}: ")
    assert says in found.warning and found.warning.endswith("starting with the defaults")


def test_every_setting_is_accepted_at_its_default():
    lines = []
    for setting in SETTINGS:
        value = setting.default
        shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
        lines.append(f"{setting.name} = {shown}".replace("'", '"'))
    assert parse("\n".join(lines)).warning is None


def test_sources_tell_the_stage_that_set_each_value():
    shell = Shell(":memory:")
    sources = Sources(parse("max_rows = 7\nprompt = 'cfg> '\n"))
    sources.config.apply_interactive(shell)
    sources.record(shell, "config file")
    shell.set_limits(shell.limits._replace(timeout_ms=900))
    sources.record(shell, "command line")  # its limits, set before the init file runs
    shell.settings.null = "init"
    sources.record(shell, "init file")
    shell.flags.timer = 2
    sources.record(shell, "command line")
    shell.key_mode = "vi"
    by_name = {s.name: sources.source(shell, s) for s in SETTINGS}
    assert by_name["max_rows"] == "config file, line 1"
    assert by_name["prompt"] == "config file, line 2"
    assert by_name["null_display"] == "init file"
    assert by_name["timer"] == "command line"
    assert by_name["timeout_ms"] == "command line"
    assert by_name["key_mode"] == "set in this session"
    assert by_name["pager"] == "default"


# -- in a real run --------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path):
    """An environment whose config directory is ours to write."""
    (tmp_path / "config" / "wasmshell").mkdir(parents=True)
    return dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))


def write_config(home, text: str) -> Path:
    path = Path(home["XDG_CONFIG_HOME"]) / "wasmshell" / "config.toml"
    path.write_text(text)
    return path


def run(home, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [WASMSHELL, *args], input=stdin, capture_output=True, text=True, env=home, timeout=60
    )


def test_a_batch_run_takes_the_limits_but_not_the_interactive_settings(home):
    write_config(home, 'null_display = "(none)"\ntimeout_ms = 150\nmemory_mb = 16\n')
    out = run(home, ":memory:", stdin=".wasmlimits\nselect null;\n" + SPIN + "\n")
    assert "timeout 150 ms, memory 16 MiB" in out.stdout
    assert "(none)" not in out.stdout  # a piped script's output stays sqlite3's
    assert "time limit" in out.stderr  # the 150 ms limit stopped the loop


def test_the_command_line_wins_over_the_config_file(home):
    write_config(home, "timeout_ms = 150\n")
    out = run(home, "--wasm-timeout", "300", ":memory:", ".wasmlimits")
    assert "timeout 300 ms" in out.stdout


def test_a_broken_file_warns_once_and_the_defaults_stand(home):
    path = write_config(home, "timeout_ms = 150\nnull_display = 3\n")
    out = run(home, ":memory:", ".wasmlimits", "select 1")
    assert out.returncode == 0
    said = f'warning: config file {path}, line 2, key "null_display": must be a string, not 3; '
    assert out.stderr == said + "starting with the defaults\n"
    assert "timeout 5000 ms" in out.stdout  # the file's good line is not taken either
    assert out.stdout.endswith("1\n")


def test_no_config_file_reads_nothing(home):
    out = run(home, "-noinit", ":memory:", "select 1")
    assert (out.returncode, out.stdout, out.stderr) == (0, "1\n", "")


def test_a_fifo_or_a_huge_file_is_refused_unread(home):
    path = Path(home["XDG_CONFIG_HOME"]) / "wasmshell" / "config.toml"
    os.mkfifo(path)  # opened as a file, it would block the start until someone writes to it
    out = run(home, ":memory:", "select 1")
    assert out.stderr == f"warning: config file {path}: not a regular file; starting with the defaults\n"
    assert out.stdout == "1\n"
    path.unlink()
    path.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    out = run(home, ":memory:", "select 1")
    assert out.stderr == f"warning: config file {path}: larger than 1024 KiB; starting with the defaults\n"
    assert out.stdout == "1\n"
