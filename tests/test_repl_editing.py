"""Editing the input in a real terminal: the config file's interactive settings, vi and emacs keys
(.keys) with vi's mode shown, and the external editor (Ctrl-X Ctrl-E, vi's v, .edit)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

from test_repl_pty import PROMPT, WASMSHELL, plain, run  # noqa: E402


@pytest.fixture
def env(tmp_path):
    (tmp_path / "config" / "wasmshell").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    editor = tmp_path / "editor.sh"
    # A stand-in for a person in an editor: the statement's select made SELECT, * 6 and a semicolon added.
    editor.write_text('#!/bin/sh\nsed -i "s/^select \\([^;]*\\);*$/SELECT \\1 * 6;/" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    environment = dict(
        os.environ,
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        WASMSHELL_HISTORY=str(tmp_path / "history"),
        TERM="xterm-256color",
        PROMPT_TOOLKIT_NO_CPR="1",
        EDITOR=str(editor),
        PAGER="cat",
    )
    environment.pop("VISUAL", None)
    return environment


def shows(child, text: str) -> None:
    """Wait until the terminal shows ``text``, whatever escape sequences prompt_toolkit's
    redrawing puts between its characters (it skips what did not change: so wait for what did)."""
    escapes = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\r)*"
    child.expect(escapes.join(re.escape(ch) for ch in text))


def config(env, text: str) -> None:
    (Path(env["XDG_CONFIG_HOME"]) / "wasmshell" / "config.toml").write_text(text)


def spawn(env, *args: str, prompt: str = PROMPT):
    child = pexpect.spawn(WASMSHELL, list(args), env=env, encoding="utf-8", dimensions=(40, 120), timeout=20)
    child.delaybeforesend = None
    child.expect_exact(prompt)
    return child


def test_the_config_file_shapes_the_interactive_shell(env):
    config(env, 'max_rows = 4\nnull_display = "(nil)"\nprompt = "cfg> "\n')
    child = spawn(env, prompt="cfg>")
    shown = run(child, "select value, null as n from generate_series(1, 10);", prompt="cfg>")
    assert "10 rows (4 shown)" in shown
    assert "(nil)" in shown
    child.sendcontrol("d")


def test_show_says_where_each_setting_came_from(env, tmp_path):
    config(env, "max_rows = 4\ntimer = true\ntimeout_ms = 700\n")
    init = tmp_path / "init"
    init.write_text(".timer off\n")
    child = spawn(env, "-init", str(init), "--wasm-timeout", "900")
    run(child, ".nullvalue NIL")
    shown = run(child, ".show")
    assert "config file: " + str(Path(env["XDG_CONFIG_HOME"]) / "wasmshell" / "config.toml") in shown
    lines = {line.split(":")[0].strip(): line for line in shown.splitlines() if ": " in line}
    assert "(config file, line 1)" in lines["max_rows"] and " 4 " in lines["max_rows"]
    assert "(init file)" in lines["timer"] and "off" in lines["timer"]
    assert "(command line)" in lines["timeout_ms"] and "900" in lines["timeout_ms"]
    assert "(set in this session)" in lines["null_display"] and '"NIL"' in lines["null_display"]
    assert "(default)" in lines["key_mode"]
    assert '"NIL"' in lines["nullvalue"]  # sqlite3's own lines come first, as sqlite3 writes them
    child.sendcontrol("d")


def test_a_broken_config_file_is_one_warning_and_the_defaults(env):
    config(env, 'key_mode = "vi"\nmax_rows = "ten"\n')
    child = spawn(env)
    assert 'line 2, key "max_rows": must be a whole number' in plain(child.before)
    shown = run(child, ".keys")
    assert "emacs" in shown.splitlines()  # the file's good line is not taken either
    child.sendcontrol("d")


def test_vi_keys_from_the_config_file_show_the_mode(env):
    config(env, 'key_mode = "vi"\n')
    child = spawn(env)
    child.send("select 1234")
    child.expect_exact("INSERT")
    child.send("\x1b")  # Escape: normal mode, on the last character
    child.expect_exact("NORMAL")
    child.send("x")  # vi deletes the 4 (emacs keys would have typed an x)
    child.send("A;\r")  # append at the end: "select 123;"
    child.expect_exact("1 row")
    shown = plain(child.before)
    assert "│ 123 │" in shown and "1234 │" not in shown
    child.expect_exact(PROMPT)
    child.send(".keys\r")
    shows(child, "\nvi\n")
    child.sendcontrol("d")


def test_keys_switches_between_emacs_and_vi(env):
    child = spawn(env)
    assert "emacs" in run(child, ".keys").splitlines()
    run(child, ".keys vi")
    child.send("x")
    child.expect_exact("INSERT")
    child.send("\x1b")
    child.expect_exact("NORMAL")
    run(child, "cc.keys emacs")  # vi: change the whole line
    assert "emacs" in run(child, ".keys").splitlines()
    child.send(".keys nano\r")
    child.expect_exact("Usage: .keys [emacs|vi]")
    child.sendcontrol("d")


def test_ctrl_x_ctrl_e_edits_the_input_and_enter_runs_it(env):
    child = spawn(env)
    child.send("select 7")
    child.sendcontrol("x")
    child.sendcontrol("e")
    shows(child, "SELECT")  # back in the input as the editor left it: SELECT 7 * 6;
    shows(child, "*")
    child.send("\r")
    child.expect_exact("42")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")


def test_v_in_vi_normal_mode_opens_the_editor(env):
    config(env, 'key_mode = "vi"\n')
    child = spawn(env)
    child.send("select 5")
    child.send("\x1b")
    child.expect_exact("NORMAL")
    child.send("v")
    shows(child, "SELECT")
    shows(child, "*")
    child.send("\r")
    child.expect_exact("30")
    child.sendcontrol("d")


def test_edit_brings_back_the_last_statement_edited(env):
    child = spawn(env)
    run(child, "select 3;")
    run(child, ".tables")  # a dot-command is not a statement: .edit takes the SQL before it
    child.send(".edit\r")
    shows(child, "SELECT 3 * 6;")  # the next prompt starts with the edited text
    child.send("\r")
    child.expect_exact("18")
    child.expect_exact(PROMPT)
    child.sendcontrol("d")


def test_a_missing_editor_is_a_clear_message(env):
    env["EDITOR"] = "no-such-editor-anywhere"
    child = spawn(env)
    child.send("select 1")
    child.sendcontrol("x")
    child.sendcontrol("e")
    child.expect_exact('cannot start the editor "no-such-editor-anywhere"')
    child.send(";\r")  # the input is as it was
    child.expect_exact("1 row")
    child.send(".edit\r")
    child.expect_exact('Error: cannot start the editor "no-such-editor-anywhere"')
    child.expect_exact(PROMPT)
    child.sendcontrol("d")


def test_edit_is_refused_outside_the_interactive_shell(env):
    import subprocess

    out = subprocess.run([WASMSHELL, ":memory:"], input="select 1;\n.edit\n", capture_output=True, text=True,
                         env=env, timeout=30)  # fmt: skip
    assert out.stdout == "1\n"
    assert ".edit works in the interactive shell only" in out.stderr
