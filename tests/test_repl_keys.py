"""The interactive key bindings, driven through prompt_toolkit's pipe input (no terminal)."""

from __future__ import annotations

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from wasmshell.shell.interactive.repl import input_is_complete, make_session
from wasmshell.shell.state import Shell


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMSHELL_HISTORY", str(tmp_path / "history"))
    return Shell(":memory:")


def prompt_with(shell: Shell, keys: str) -> str:
    """What one prompt returns after ``keys`` were typed."""
    with create_pipe_input() as pipe:
        session = make_session(shell, input=pipe, output=DummyOutput())
        pipe.send_text(keys)
        return session.prompt("wasmshell> ")


def test_enter_runs_a_complete_statement(shell):
    assert prompt_with(shell, "select 1;\r") == "select 1;"


def test_enter_in_an_incomplete_statement_opens_a_new_line(shell):
    assert prompt_with(shell, "select\r1;\r") == "select\n1;"


def test_enter_inside_a_string_or_trigger_body_continues(shell):
    text = "create trigger t after insert on x begin\rselect 'a;\rb';\rend;\r"
    assert prompt_with(shell, text) == "create trigger t after insert on x begin\nselect 'a;\nb';\nend;"


def test_a_dot_command_runs_on_enter(shell):
    assert prompt_with(shell, ".tables\r") == ".tables"


def test_alt_enter_runs_what_is_there(shell):
    assert prompt_with(shell, "select 1\x1b\r") == "select 1"


def test_tab_completes_a_table_name(shell):
    shell.session.execute("create table measurements(x)")
    assert prompt_with(shell, "select * from meas\t;\r") == "select * from measurements;"


def test_history_is_written_to_the_history_file(shell, tmp_path):
    prompt_with(shell, "select 'kept';\r")
    assert "select 'kept';" in (tmp_path / "history").read_text()


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("", True),
        ("   ", True),
        (".mode csv", True),
        ("select 1;", True),
        ("select 1", False),
        ("select 1; -- done", True),
        ("select ';'", False),
        ("select 1;\nselect 2", False),
        ("select 1;\n.tables", True),  # pasted: the dot-command ends it
        (".tables\nselect 1", False),
        ("-- a comment", True),
    ],
)
def test_input_is_complete(text, complete):
    assert input_is_complete(text) is complete


def test_history_size_keeps_the_last_entries(shell, tmp_path):
    from wasmshell.shell.interactive.repl import trim_history

    for n in range(5):
        prompt_with(shell, f"select {n};\r")
    path = str(tmp_path / "history")
    trim_history(path, 2)
    kept = (tmp_path / "history").read_text()
    assert "select 3;" in kept and "select 4;" in kept and "select 2;" not in kept
    shell.history_size = 1
    prompt_with(shell, "select 5;\r")  # a new session trims the file first, then adds its own
    kept = (tmp_path / "history").read_text()
    assert "select 4;" in kept and "select 5;" in kept and "select 3;" not in kept


@pytest.mark.parametrize("theme", ["default", "plain", "monokai", "solarized-light"])
def test_a_theme_colours_keywords_or_not(theme):
    from prompt_toolkit.styles import Attrs

    from wasmshell.shell.interactive.highlight import style

    attrs: Attrs = style(theme).get_attrs_for_style_str("class:pygments.keyword")
    coloured = bool(attrs.color) or bool(attrs.bold)
    assert coloured == (theme != "plain")


def test_the_shells_theme_is_the_sessions_style(shell):
    """The config file's theme reaches the prompt: the session is made with that style."""
    from prompt_toolkit.input import create_pipe_input

    keyword = "class:pygments.keyword"
    with create_pipe_input() as pipe:
        shell.theme = "plain"
        plain = make_session(shell, input=pipe, output=DummyOutput()).style.get_attrs_for_style_str(keyword)
        shell.theme = "default"
        own = make_session(shell, input=pipe, output=DummyOutput()).style.get_attrs_for_style_str(keyword)
    assert (plain.color, plain.bold) == ("", False)
    assert own.color == "ansiblue" and own.bold
