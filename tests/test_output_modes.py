"""The table of output modes: .mode, the command-line switches, completion and the
renderers are all made from it, and they behave as sqlite3's do."""

from __future__ import annotations

import io

import pytest

from wasmshell.cli import HELP, MODE_SWITCHES
from wasmshell.shell.commands.output import set_mode
from wasmshell.shell.interactive.completer import MODES as COMPLETED_MODES
from wasmshell.shell.output import modes
from wasmshell.shell.output.base import OutputSettings
from wasmshell.shell.output.render import RENDERERS, renderer_for


class FakeShell:
    def __init__(self) -> None:
        self.settings = OutputSettings()


def test_mode_error_lists_sqlite3s_modes():
    assert modes.MODE_ERROR == (
        "Error: mode should be one of: ascii box column csv html insert json line list markdown "
        "qbox quote table tabs tcl"
    )


def test_completion_offers_every_mode():
    assert set(COMPLETED_MODES) == {
        *("ascii", "box", "column", "count", "csv", "html", "insert", "json", "line", "list"),
        *("markdown", "off", "quote", "table", "tabs", "tcl", "pretty", "qbox"),
    }


@pytest.mark.parametrize(
    ("word", "mode"),
    [
        ("l", "line"), ("li", "line"), ("lis", "list"), ("c", "column"), ("cs", "csv"), ("h", "html"),
        ("t", "tcl"), ("ta", "tabs"), ("tab", "tabs"), ("tabl", "table"), ("i", "insert"), ("q", "quote"),
        ("a", "ascii"), ("m", "markdown"), ("b", "box"), ("co", "column"), ("cou", "count"), ("o", "off"),
        ("j", "json"), ("p", "pretty"), ("lines", "line"), ("columns", "column"),
    ],
)  # fmt: skip
def test_mode_prefixes_in_sqlite3s_order(word, mode):
    chosen = modes.matching(word)
    assert chosen is not None and chosen.name == mode


@pytest.mark.parametrize("word", ["", "qb", "qbox", "x", "lists", "tabss"])
def test_words_that_match_no_mode(word):
    assert modes.matching(word) is None


def test_settings_mode_is_always_a_rendered_mode():
    """No word of .mode and no switch leaves a mode without a renderer ("tabs" is list mode)."""
    for mode in modes.MODES:
        if mode.matches is not None:
            shell = FakeShell()
            assert set_mode(shell, mode.name)  # type: ignore[arg-type]
            assert shell.settings.mode in RENDERERS or modes.BY_NAME[shell.settings.mode].lazy
    for name in MODE_SWITCHES:
        settings = OutputSettings()
        modes.apply_switch(settings, name)
        assert settings.mode in RENDERERS


def test_tabs_is_a_mode_of_its_own_with_tabs_and_line_ends():
    """sqlite3 3.54's tabs mode: CSV quoting with TAB between fields (3.40's was list mode)."""
    shell = FakeShell()
    shell.settings.rowsep = "X"
    assert set_mode(shell, "tabs")  # type: ignore[arg-type]
    assert (shell.settings.mode, shell.settings.colsep, shell.settings.rowsep) == ("tabs", "\t", "\n")
    settings = OutputSettings(rowsep="X")
    modes.apply_switch(settings, "tabs")
    assert (settings.mode, settings.colsep, settings.rowsep) == ("tabs", "\t", "\n")


def test_switches_set_what_dot_mode_sets():
    """sqlite3 3.54's -csv sets CRLF rows as .mode csv does (3.40's kept the row separator)."""
    settings = OutputSettings(rowsep="X", wrap=60, null="N")
    modes.apply_switch(settings, "csv")
    assert (settings.mode, settings.colsep, settings.rowsep, settings.null) == ("csv", ",", "\r\n", "")
    modes.apply_switch(settings, "box")
    assert (settings.mode, settings.wrap) == ("box", 0)
    shell = FakeShell()
    shell.settings.null = "N"
    assert set_mode(shell, "csv")  # type: ignore[arg-type]
    assert (shell.settings.colsep, shell.settings.rowsep, shell.settings.null) == (",", "\r\n", "")
    assert set_mode(shell, "quote")  # type: ignore[arg-type]
    assert shell.settings.null == "NULL"  # each mode its own NULL text


def test_every_switch_has_its_help_line():
    for name in MODE_SWITCHES:
        assert f"   -{name:<20}{modes.BY_NAME[name].help}\n" in HELP


@pytest.mark.parametrize("mode", [mode for mode in modes.MODES if mode.renderer], ids=lambda mode: mode.name)
def test_every_renderer_named_by_the_table_loads(mode):
    assert mode.lazy or mode.name in RENDERERS
    renderer = renderer_for(io.StringIO(), OutputSettings(mode=mode.name))
    assert type(renderer).__name__ == mode.renderer.split(":")[1]
