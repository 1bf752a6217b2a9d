"""The table of output modes: .mode, the command-line switches, completion and the
renderers are all made from it, and they behave as sqlite3's do."""

from __future__ import annotations

import io
import subprocess

import pytest

from wasmshell.cli import HELP, MODE_SWITCHES
from wasmshell.shell.commands.output import find_mode
from wasmshell.shell.interactive.completer import MODES as COMPLETED_MODES
from wasmshell.shell.output import modes
from wasmshell.shell.output.base import OutputSettings
from wasmshell.shell.output.render import renderer_class, renderer_for


def _reference_modes() -> list[str]:
    """The modes sqlite3 3.54's ``.mode --list`` names."""
    from reference_shell import REFERENCE

    if REFERENCE is None:
        pytest.skip("APSW ships no sqlite3 shell here")
    out = subprocess.run([REFERENCE], input=b".mode --list\n", capture_output=True, check=True).stdout
    return out.decode().split(":", 1)[1].split()


def test_every_mode_of_sqlite3_is_a_mode_here():
    """.mode takes every word sqlite3 3.54 lists, and lists them in the same order."""
    listed = _reference_modes()
    assert [m for m in listed if m not in modes.DEFAULTS] == [
        m.name for m in modes.MODES if m.name != "pretty"
    ]
    assert set(listed) <= set(modes.NAMES)


def test_completion_offers_every_mode():
    assert set(COMPLETED_MODES) == {m.name for m in modes.MODES} | {"batch", "tty"}


@pytest.mark.parametrize("word", ["l", "li", "lis", "cs", "tab", "lines", "columns", "qb", "", "x"])
def test_mode_takes_whole_names_only(word):
    """sqlite3 3.54 no longer takes a prefix: ``.mode l`` is an unknown mode."""
    shell = type("FakeShell", (), {"saved_modes": {}})()
    assert find_mode(shell, word) is None  # type: ignore[arg-type]


def test_every_mode_has_a_renderer():
    """No word of .mode and no switch leaves a mode without a renderer."""
    for name in (*modes.BY_NAME, *modes.DEFAULTS):
        settings = OutputSettings()
        modes.change(settings, name)
        assert renderer_class(settings.mode) is not None


def test_tabs_is_csv_text_with_tabs_and_line_ends():
    """sqlite3 3.54's tabs mode: CSV quoting with TAB between fields (3.40's was list mode)."""
    settings = OutputSettings(rowsep="X")
    modes.change(settings, "tabs")
    assert (settings.mode, settings.colsep, settings.rowsep, settings.text) == ("tabs", "\t", "\n", "csv")


def test_a_mode_sets_its_own_settings_and_keeps_the_rest():
    """As sqlite3 3.54's modeChange: separators, NULL text and encodings of the mode; wrapping,
    widths and the insert table stay."""
    settings = OutputSettings(rowsep="X", wrap=60, null="N", widths=[3], table="t")
    modes.change(settings, "csv")
    assert (settings.colsep, settings.rowsep, settings.null) == (",", "\r\n", "")
    assert (settings.wrap, settings.widths, settings.table) == (60, [3], "t")
    modes.change(settings, "quote")
    assert (settings.null, settings.text) == ("NULL", "sql")
    modes.change(settings, "html")
    assert (settings.colsep, settings.rowsep, settings.null) == (",", "\n", "")  # html: no separators


def test_headers_decide_until_a_mode_no_longer_does():
    settings = OutputSettings()
    modes.change(settings, "box")
    assert settings.headers_always
    settings.titles, settings.headers_set = modes.TITLES_OFF, True  # .headers off
    modes.change(settings, "table")
    assert not settings.headers


def test_every_switch_has_its_help_line():
    for name in MODE_SWITCHES:
        if modes.BY_NAME[name].help:  # -psql is taken but not listed, as in sqlite3
            assert f"   -{name:<20}{modes.BY_NAME[name].help}\n" in HELP


@pytest.mark.parametrize("mode", modes.MODES, ids=lambda mode: mode.name)
def test_every_renderer_named_by_the_table_loads(mode):
    assert renderer_class(mode.name).__name__ == mode.renderer.split(":")[1]
    renderer = renderer_for(io.StringIO(), OutputSettings(mode=mode.name))
    assert type(renderer).__name__ == mode.renderer.split(":")[1]


def test_the_shells_own_settings_outlive_a_mode_reset_and_a_saved_mode():
    """.maxrows and .wide are the shell's, not a mode's: .mode --reset and switching to a mode
    saved before keep what they are now."""
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    shell = Shell(":memory:")
    run_command(shell, ".mode box --tag saved")
    run_command(shell, ".maxrows 7")
    run_command(shell, ".wide vertical")
    run_command(shell, ".mode csv --reset")
    assert (shell.settings.mode, shell.settings.maxrows, shell.wide) == ("csv", 7, "vertical")
    run_command(shell, ".maxrows 3")
    run_command(shell, ".mode saved")
    assert (shell.settings.mode, shell.settings.maxrows, shell.wide) == ("box", 3, "vertical")
