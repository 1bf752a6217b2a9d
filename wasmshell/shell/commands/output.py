"""Dot-commands about output: modes, headers, separators, where output goes, switches."""

from __future__ import annotations

import subprocess

from ..output import modes
from ..output.modes import COLUMNAR
from ..output.values import c_string
from ..state import Redirect, Shell, text_stream
from .args import boolean_value, integer_value, option_match
from .registry import command, usage_error

# The words .mode takes: every mode's name, the interactive table views' included.
MODE_NAMES = modes.NAMES
SWITCHES = ("on", "off")
_MODE_OPTIONS_HELP = "options:\n  --noquote\n  --quote\n  --wordwrap on/off\n  --wrap N\n  --ww"


def mode_description(shell: Shell) -> str:
    """The mode as .mode and .show describe it."""
    s = shell.settings
    if s.mode in COLUMNAR:
        wordwrap = "on" if s.wordwrap else "off"
        return f"{s.mode} --wrap {s.wrap} --wordwrap {wordwrap} --{'' if s.quote else 'no'}quote"
    return s.mode


def set_mode(
    shell: Shell, name: str, table: str | None = None, columnar: tuple[int, bool, bool] = (60, False, False)
) -> bool:
    """Switch to the mode ``name`` (a prefix will do), with sqlite3's side effects.

    ``columnar`` is (wrap, wordwrap, quote) for the columnar modes.
    """
    s = shell.settings
    chosen = modes.matching(name)
    if chosen is None:
        return False
    s.mode = chosen.mode
    modes.set_separators(s, chosen.separators)
    if not s.headers_set:  # each mode has its own default until .headers is used (sqlite3 3.54)
        s.headers = chosen.headers
    s.null = chosen.null  # and its own NULL text, whatever .nullvalue said before
    if s.mode == "insert":
        s.table = table or "tab"
    if s.mode in COLUMNAR:
        s.wrap, s.wordwrap, s.quote = columnar
    return True


@command(
    "mode",
    "mode MODE ?OPTIONS? ?TABLE?",
    "Set output mode (options: --wrap N --wordwrap on|off --quote)",
    safe=True,
    options=("--wrap N", "--wordwrap on|off", "--quote", "--noquote", "--ww"),
    arguments=("words", "table"),
    words=MODE_NAMES,
)
def _mode(shell: Shell, args: list[str]) -> int:
    name = None
    table = None
    wrap, quote, wordwrap = 0, False, True  # sqlite3 3.54: no wrapping, words kept whole
    i = 1
    while i < len(args):
        arg = args[i]
        if option_match(arg, "wrap") and i + 1 < len(args):
            i += 1
            wrap = integer_value(args[i])
        elif option_match(arg, "ww"):
            wordwrap = True
        elif option_match(arg, "wordwrap") and i + 1 < len(args):
            i += 1
            wordwrap = boolean_value(args[i], shell.error)
        elif option_match(arg, "quote"):
            quote = True
        elif option_match(arg, "noquote"):
            quote = False
        elif name is None:
            name = arg
            preset = modes.BY_NAME.get(arg)
            if preset is not None and preset.preset is not None:  # qbox: box, quoted
                name, (wrap, wordwrap, quote) = preset.mode, preset.preset
        elif table is None:
            table = arg
        elif arg.startswith("-"):
            shell.error(f"unknown option: {arg}\n{_MODE_OPTIONS_HELP}")
            return 1
        else:
            shell.error(f'extra argument: "{arg}"')
            return 1
        i += 1
    if name is None:
        shell.out.write(f"current output mode: {mode_description(shell)}\n")
        name = mode_description(shell).split()[0]  # sqlite3 applies the current mode again
    if not set_mode(shell, name, table, (wrap, wordwrap, quote)):
        shell.error(modes.MODE_ERROR)
        return 1
    shell.mode_set = True
    return 0


@command("prompt", "prompt MAIN CONTINUE", "Replace the standard prompts", safe=True)
def _prompt(shell: Shell, args: list[str]) -> int:
    if len(args) < 2:
        return 0  # sqlite3 changes nothing, and says nothing
    main = args[1]
    cont = args[2] if len(args) > 2 else shell.prompts[1]
    shell.prompts = (main, cont)
    return 0


@command(
    "maxrows",
    "maxrows N",
    "Show at most N rows of a result in the interactive view (first and last)",
    safe=True,
)
def _maxrows(shell: Shell, args: list[str]) -> int:
    rows = integer_value(args[1]) if len(args) == 2 else 0
    if rows <= 0:
        return usage_error(shell, "maxrows")
    shell.settings.maxrows = rows
    return 0


def _switch(shell: Shell, args: list[str], name: str) -> bool | None:
    if len(args) != 2:
        usage_error(shell, name)
        return None
    return boolean_value(args[1], shell.error)


@command(
    "headers",
    "headers off|on|always",
    "Turn display of headers on or off (always: also for a result without rows)",
    safe=True,
    arguments=("words",),
    words=(*SWITCHES, "always"),
)
def _headers(shell: Shell, args: list[str]) -> int:
    if len(args) == 2 and args[1].lower() == "always":
        value: bool | None = True
    else:
        value = _switch(shell, args, "headers")
    if value is None:
        return 1
    shell.settings.headers = value
    shell.settings.headers_set = True
    # "always": names for a result without rows too, as the modes that show names do by default
    shell.settings.headers_always = len(args) == 2 and args[1].lower() == "always"
    return 0


@command("nullvalue", "nullvalue STRING", "Use STRING in place of NULL values", safe=True)
def _nullvalue(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "nullvalue")
    shell.settings.null = args[1]
    return 0


@command("separator", "separator COL ?ROW?", "Change the column and row separators", safe=True)
def _separator(shell: Shell, args: list[str]) -> int:
    rc = 0
    if not 2 <= len(args) <= 3:
        rc = usage_error(shell, "separator")
    if len(args) >= 2:
        shell.settings.colsep = args[1]
    if len(args) >= 3:
        shell.settings.rowsep = args[2]
    return rc


@command("width", "width NUM1 NUM2 ...", "Set minimum column widths for columnar output", safe=True)
def _width(shell: Shell, args: list[str]) -> int:
    shell.settings.widths = [integer_value(arg) for arg in args[1:]]
    return 0


@command("print", "print STRING...", "Print literal STRING", safe=True)
def _print(shell: Shell, args: list[str]) -> int:
    shell.out.write(" ".join(args[1:]) + "\n")
    return 0


def _flag(name: str, usage: str, help: str) -> None:
    @command(name, usage, help, safe=True, arguments=("words",), words=SWITCHES)
    def handler(shell: Shell, args: list[str]) -> int:
        value = _switch(shell, args, name)
        if value is None:
            return 1
        setattr(shell.flags, name, value)
        return 0


_flag("echo", "echo on|off", "Turn command echo on or off")
_flag("bail", "bail on|off", "Stop after hitting an error.  Default OFF")
_flag("timer", "timer on|off", "Turn SQL timer on or off")
_flag("changes", "changes on|off", "Show number of rows changed by SQL")


@command("show", "show", "Show the current values for various settings", safe=True)
def _show(shell: Shell, args: list[str]) -> int:
    if len(args) != 1:
        return usage_error(shell, "show")
    s = shell.settings
    on = {True: "on", False: "off"}
    lines = [
        ("echo", on[shell.flags.echo]),
        ("eqp", "off"),
        ("explain", "auto"),
        ("headers", on[s.headers]),
        ("mode", mode_description(shell)),
        ("nullvalue", c_string(s.null)),
        ("output", shell.redirect_name or "stdout"),
        ("colseparator", c_string(s.colsep)),
        ("rowseparator", c_string(s.rowsep)),
        ("stats", "off"),
        ("width", "".join(f"{w} " for w in s.widths)),
        ("filename", shell.path),
    ]
    shell.out.write("".join(f"{name:>12.12}: {value}\n" for name, value in lines))
    return 0


def open_output(shell: Shell, target: str) -> None:
    """Send output to a file, to ``|command``'s input, or to stderr (raises OSError)."""
    if target.startswith("|"):
        proc = subprocess.Popen(target[1:], shell=True, stdin=subprocess.PIPE)
        stream = text_stream(proc.stdin)

        def close() -> None:
            stream.close()
            proc.wait()

        shell.redirect = Redirect(stream, close)
    elif target == "stderr":
        shell.redirect = Redirect(shell.stderr, shell.stderr.flush)
    else:
        stream = text_stream(open(target, "wb"))  # noqa: SIM115 - closed by reset_output
        shell.redirect = Redirect(stream, stream.close)


def _redirect(shell: Shell, args: list[str], once: bool) -> int:
    """.output and .once, as sqlite3 3.40 does them (including its error messages)."""
    name = "once" if once else "output"
    target = None
    bom = False
    i = 1
    while i < len(args):
        arg = args[i]
        if arg.startswith("-"):
            if arg in ("-bom", "--bom"):
                bom = True
            else:
                shell.out.write(f'ERROR: unknown option: "{arg}".  Usage:\n{_usage(name)}\n')
                return 1
        elif target is None:
            target = arg
            if target.startswith("|"):
                target = " ".join([target, *args[i + 1 :]])
                break
        else:
            shell.out.write(f'ERROR: extra parameter: "{arg}".  Usage:\n{_usage(name)}\n')
            return 1
        i += 1
    target = target or "stdout"
    shell.reset_output()
    shell.out_count = 2 if once else 0
    if target == "stdout":
        shell.redirect_name = "stdout"
        return 0
    if target == "off":
        return 1  # sqlite3 3.40: output stays on stdout, and the command fails
    try:
        open_output(shell, target)
    except OSError:
        if target.startswith("|"):
            shell.error(f'Error: cannot open pipe "{target[1:]}"')
        else:
            shell.error(f'Error: cannot open "{target}"')
            shell.error(f'Error: cannot write to "{target}"')
        return 1
    if bom:
        shell.out.write("\ufeff")
    shell.redirect_name = target
    return 0


def _usage(name: str) -> str:
    from .registry import REGISTRY

    cmd = REGISTRY[name]
    return f".{cmd.usage:<22} {cmd.help}"


@command("output", "output ?FILE?", "Send output to FILE or stdout if FILE is omitted", arguments=("path",))
def _output(shell: Shell, args: list[str]) -> int:
    return _redirect(shell, args, once=False)


@command("once", "once ?FILE?", "Output for the next SQL command only to FILE", arguments=("path",))
def _once(shell: Shell, args: list[str]) -> int:
    return _redirect(shell, args, once=True)
