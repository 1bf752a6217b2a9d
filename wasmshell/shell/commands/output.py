"""Dot-commands about output: modes, headers, separators, where output goes, switches."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable

from ..output import modes, qrf
from ..output.base import OutputSettings
from ..output.values import c_string
from ..state import DEFAULT_PROMPTS, Redirect, Shell, text_stream
from ..watch import EQP_NAMES, stats_setting
from .args import boolean_value, dot_words, integer_value
from .registry import command, usage_error

# The words .mode takes: every mode's name, the interactive table view's, batch and tty.
MODE_NAMES = modes.NAMES
SWITCHES = ("on", "off")
_MORE = 'Use ".help .mode" for more info'
_QUOTES = ("off", "on", "sql", "csv", "html", "tcl", "json", "relaxed")
_TITLES = ("off", "on", "always", "auto", "plain", "sql", "csv", "html", "tcl", "json")
_BLOBS = ("auto", "text", "sql", "hex", "tcl", "json", "size")
_ESCAPES = ("auto", "off", "ascii", "symbol")
_MODE_OPTIONS = (
        "--align STRING", "--blob-quote ARG", "--border on|off", "--charlimit N", "--colsep STRING",
        "--escape ESC", "--fpfmt STRING", "--ifmt STRING", "--linelimit N", "--limits L,C,T",
        "--list", "--multiinsert N", "--null STRING", "--once", "--quote ARG", "--reset",
        "--rowcount BOOLEAN", "--rowsep STRING", "--screenwidth N", "--sw N", "--tablename NAME",
        "--tag NAME", "--textjsonb BOOLEAN", "--titles ARG", "--titlelimit N", "--verbose",
        "--widths LIST", "--wordwrap BOOLEAN", "--wrap N", "--ww",
)  # fmt: skip
_LIMIT_FIELDS = {"charlimit": "char_limit", "linelimit": "line_limit", "titlelimit": "title_limit"}
_LIMITS_HELP = 'Should be "on" or "off" or "L,C,T" where L, C, and T are unsigned integers'
_MAX_WIDTH = 10000  # the widest column or screen .mode takes (sqlite3's QRF_MAX_WIDTH)


def should_be(choices: tuple[str, ...]) -> str:
    """sqlite3's list of the words an option takes: ``should be a, b, or c``."""
    return "should be " + ", ".join(choices[:-1]) + ", or " + choices[-1]


def find_mode(shell: Shell, name: str) -> str | None:
    """The mode (or the name of a saved one, or batch/tty) ``name`` is; the whole name only."""
    if name in modes.BY_NAME or name in modes.DEFAULTS or name in shell.saved_modes:
        return name
    return None


def change_mode(shell: Shell, name: str) -> None:
    """Switch to mode ``name``: a built-in one, batch, tty, or one saved by ``.mode --tag``."""
    saved = shell.saved_modes.get(name)
    if saved is not None:
        before, shell.settings = shell.settings, saved.copy()
        shell.settings.keep_shells(before)
    else:
        modes.change(shell.settings, name)


def mode_description(shell: Shell, verbose: bool = False) -> str:
    """``.mode``'s answer: the mode and each setting that differs from what the mode sets (all
    of them with ``verbose``)."""
    s = shell.settings
    info = modes.BY_NAME.get(s.mode, modes.BY_NAME["list"])
    every = verbose
    parts = ["--once " + s.mode if shell.mode_once is not None else s.mode]
    if every or (s.align and info.layout == 2):
        parts.append(f'--align "{_align_text(s.align)}"')
    if every or (s.border == modes.NO) != info.border_off:
        parts.append(f"--border {'off' if s.border == modes.NO else 'on'}")
    if every or s.blob != "auto":
        parts.append(f"--blob-quote {s.blob}")
    if every or (info.colsep is not None and info.colsep != s.colsep):
        parts.append(f"--colsep {c_string(s.colsep)}")
    if every or s.escape != "auto":
        parts.append(f"--escape {s.escape}")
    if every or s.fpfmt:
        parts.append(f"--fpfmt {s.fpfmt or 'auto'}")
    if every or s.ifmt:
        parts.append(f"--ifmt {s.ifmt or 'auto'}")
    limits = (s.line_limit, s.char_limit, s.title_limit)
    if every or s.char_limit > 0 or (info.layout and (s.line_limit > 0 or s.title_limit > 0)):
        if limits == (0, 0, 0):
            parts.append("--limits off")
        elif limits == modes.LIMITS_ON:
            parts.append("--limits on")
        else:
            parts.append("--limits {},{},{}".format(*limits))
    if every:  # (3.54 means to show it in insert mode too, but tests a field it never sets)
        parts.append(f"--multiinsert {s.multiinsert}")
    parts.extend(_describe_rest(s, info, every))
    return " ".join(parts)


def _describe_rest(s: OutputSettings, info: modes.Mode, every: bool) -> list[str]:
    """The second half of ``mode_description``: --null to --wrap."""
    parts = []
    if every or (info.null is not None and info.null != s.null):
        parts.append(f"--null {c_string(s.null)}")
    if every or (info.text != s.text and (info.text != "plain" or s.text != "plain")):
        parts.append(f"--quote {'off' if s.text == 'plain' else s.text}")
    if every or s.rowcount != info.rowcount:
        parts.append(f"--rowcount {'on' if s.rowcount else 'off'}")
    if every or (info.rowsep is not None and info.rowsep != s.rowsep):
        parts.append(f"--rowsep {c_string(s.rowsep)}")
    if every or (info.layout and (s.screenwidth > 0 or s.auto_width)):
        parts.append("--sw auto" if s.auto_width else f"--sw {s.screenwidth}")
    if every or s.mode == "insert":
        parts.append(f"--tablename {c_string(s.table)}")
    if every or s.textjsonb:
        parts.append(f"--textjsonb {'on' if s.textjsonb == modes.YES else 'off'}")
    parts.extend(_titles_description(s, info, every))
    if s.widths and (every or info.layout == 2):
        parts.append("--widths " + ",".join(str(w) for w in s.widths))
    elif every:
        parts.append('--widths ""')
    if every or (info.layout and s.wordwrap):
        if every:
            parts.append(f"--wordwrap {'on' if s.wordwrap == modes.YES else 'off'}")
        if s.wrap:
            parts.append(f"--wrap {s.wrap}")
        if not every:
            parts.append("--ww")
    return parts


def _align_text(align: str) -> str:
    """--align's letters as .mode shows them: an unknown letter as L."""
    return "".join(ch.upper() if ch.upper() in "LCR" else "L" for ch in align)


def _titles_description(s: OutputSettings, info: modes.Mode, every: bool) -> list[str]:
    """The --titles words of .mode's answer: whether names show and how they are encoded, where
    either differs from the mode's own (sqlite3 3.54's modeTitleDsply, its truth table
    included)."""
    default = info.titles
    if default == modes.TITLES_AUTO:
        return []  # the layout shows no names
    shown = s.titles or default
    table = 0x0133013311220102  # 4 bits per case: encoding differs, on/off differs, off, not -v
    if s.title_text != info.title_text:
        table >>= 32
    if shown != default:
        table >>= 16
    if shown < modes.TITLES_ON:
        table >>= 8
    if not every:
        table >>= 4
    say = table & 3
    if s.titles == modes.TITLES_ALWAYS:
        say = {3: 5, 2: 3}.get(say, say)
    elif say == 3:
        say = 4
    if say == 0:
        return []
    if say <= 3:
        return ["--titles " + ("off", "on", "always")[say - 1]]
    return [f"--titles {s.title_text}"] + (["--titles always"] if say == 5 else [])


@command(
    "mode",
    "mode ?MODE? ?OPTIONS?",
    "Set output mode",
    safe=True,
    options=_MODE_OPTIONS,
    arguments=("words", "table"),
    words=MODE_NAMES,
)
def _mode(shell: Shell, args: list[str]) -> int:
    """sqlite3 3.54's .mode: a mode and options, read left to right; with nothing changed (or
    -v) it says what the mode is."""
    s = shell.settings
    changed = verbose = False
    named = -1
    i = 1
    n = len(args)
    while i < n:
        arg = args[i]
        z = arg[1:] if arg.startswith("--") else arg
        if not z.startswith("-") and named < 0 and find_mode(shell, arg) is not None:
            named = i
            change_mode(shell, arg)
            s = shell.settings
            if i + 1 < n and not args[i + 1].startswith("-"):  # (legacy) the insert mode's table
                i += 1
                s.table = args[i]
            changed = True
        elif z[1:] in _SETTERS:
            if i + 1 >= n:
                return shell.dot_error(i, "missing argument")
            i += 1
            if _SETTERS[z[1:]](shell, args[i], i):
                return 1
            s = shell.settings
            changed = True
        elif z == "-list":
            _list_modes(shell)
            changed = True  # not a change, but nothing more to say
        elif z == "-once":
            shell.mode_once = s.copy()
        elif z == "-noquote":  # (legacy) quoting off
            s.text, s.blob = "plain", "auto"
            changed = True
        elif z == "-quote":
            i = _quote_option(shell, args, i, named)
            if i < 0:
                return 1
            changed = True
        elif z == "-reset":
            before = s.copy()
            s.reset()
            s.keep_shells(before)
            modes.change(s, before.mode)
        elif z == "-ww":
            s.wordwrap = modes.YES
            changed = True
        elif z in ("-v", "-verbose"):
            verbose = True
        elif z.startswith("-"):
            return shell.dot_error(i, "bad option", _MORE)
        else:
            return shell.dot_error(i, "bad argument" if named > 0 else "unknown mode", _MORE)
        i += 1
    if not changed or verbose:
        shell.out.write(f".mode {mode_description(shell, verbose)}\n")
    shell.mode_set = True
    return 0


def _list_modes(shell: Shell) -> None:
    """--list: the modes, saved ones included."""
    saved = "".join(f" {name}" for name in shell.saved_modes)
    listed = " ".join(m.name for m in modes.MODES if m.name != "pretty")
    shell.out.write(f"available modes: {listed}{saved} batch tty\n")


def _quote_option(shell: Shell, args: list[str], i: int, named: int) -> int:
    """--quote at word ``i``, with the encoding that follows it if one does (not an option, nor a
    mode's name before a mode was named); the word it ends at, or -1 when refused."""
    s = shell.settings
    following = args[i + 1] if i + 1 < len(args) else "-"
    k = 1  # (legacy) a bare --quote turns quoting on
    takes_it = named > 0 or following == "off" or find_mode(shell, following) is None
    if not following.startswith("-") and takes_it:
        i += 1
        if following in ("no", "yes", "0", "1"):
            k = ("no", "yes", "0", "1").index(following) & 1
        elif following in _QUOTES:
            k = _QUOTES.index(following)
        else:
            return -shell.dot_error(i, "unknown", should_be(_QUOTES))
    if k == 1:
        s.null = "NULL"
    s.text = "plain" if k == 0 else "sql" if k == 1 else _QUOTES[k]
    return i


# A .mode option that takes a value: its setter, given the shell, the value and the value's
# word number (for messages); it returns True when it refused the value (message written).
Setter = Callable[[Shell, str, int], bool]


def _set_align(shell: Shell, value: str, i: int) -> bool:
    shell.settings.align = value
    if any(ch not in "lLcCrR" for ch in value):
        shell.dot_error(i, "bad alignment string", "Should contain only characters L, C, and R.")
        return True
    return False


def _choice(field: str, choices: tuple[str, ...], as_index: bool = False) -> Setter:
    """A setter that takes one of ``choices`` and ignores anything else (as sqlite3 does)."""

    def setter(shell: Shell, value: str, i: int) -> bool:
        if value in choices:
            setattr(shell.settings, field, choices.index(value) if as_index else value)
        return False

    return setter


def _number(field: str, low: int, high: int) -> Setter:
    def setter(shell: Shell, value: str, i: int) -> bool:
        setattr(shell.settings, field, max(low, min(high, integer_value(value))))
        return False

    return setter


def _text(field: str) -> Setter:
    def setter(shell: Shell, value: str, i: int) -> bool:
        setattr(shell.settings, field, value)
        return False

    return setter


def _switch_setting(field: str) -> Setter:
    """A setter of a three-way switch (modes.YES or NO) from a boolean word."""

    def setter(shell: Shell, value: str, i: int) -> bool:
        setattr(shell.settings, field, modes.YES if boolean_value(value, shell.error) else modes.NO)
        return False

    return setter


def _set_rowcount(shell: Shell, value: str, i: int) -> bool:
    shell.settings.rowcount = boolean_value(value, shell.error)
    return False


def _set_escape(shell: Shell, value: str, i: int) -> bool:
    if value not in _ESCAPES:
        shell.dot_error(i, "unknown escape type", should_be(_ESCAPES))
        return True
    shell.settings.escape = value
    return False


def _format(field: str) -> Setter:
    """--ifmt and --fpfmt: one printf conversion of an INTEGER or a REAL, or auto."""
    real = field == "fpfmt"

    def setter(shell: Shell, value: str, i: int) -> bool:
        if value in ("", "auto"):
            value = ""
        elif not qrf.valid_format(value, real):
            shell.dot_error(i, "not a valid floating-point format" if real else "not a valid integer format")
            return True
        setattr(shell.settings, field, value)
        return False

    return setter


def _set_limits(shell: Shell, value: str, i: int) -> bool:
    s = shell.settings
    limits = _limits(value, s.title_limit)
    if limits is None:
        shell.dot_error(i, "bad argument", _LIMITS_HELP)
        return True
    s.line_limit, s.char_limit, s.title_limit = limits
    return False


def _set_screenwidth(shell: Shell, value: str, i: int) -> bool:
    s = shell.settings
    if value == "off":
        s.auto_width, s.screenwidth = False, 0
    elif value == "auto":
        s.auto_width = True
    else:
        s.auto_width, s.screenwidth = False, max(0, min(_MAX_WIDTH, integer_value(value)))
    return False


def _set_titles(shell: Shell, value: str, i: int) -> bool:
    """--titles: off, on or always say whether names show; auto goes back to the mode's way; an
    encoding says how they are written (and shows them if they were off)."""
    s = shell.settings
    if value not in _TITLES:
        shell.dot_error(i, "bad --titles value", should_be(_TITLES))
        return True
    s.headers_set = False
    k = _TITLES.index(value)
    info = modes.BY_NAME.get(s.mode, modes.BY_NAME["list"])
    if k <= 2:
        s.titles = modes.TITLES_OFF + k
    elif k == 3:
        s.title_text, s.titles = info.title_text, info.titles
    else:
        s.title_text = value
        if s.titles == modes.TITLES_OFF:
            s.titles = modes.TITLES_ALWAYS
    return False


def _set_widths(shell: Shell, value: str, i: int) -> bool:
    widths = _widths(shell, value, i)
    if widths is not None:
        shell.settings.widths = widths
    return widths is None


_MAX_INT = 2**31 - 1
_SETTERS: dict[str, Setter] = {
    "align": _set_align,
    "blob": _choice("blob", _BLOBS),
    "blob-quote": _choice("blob", _BLOBS),
    "border": _choice("border", ("auto", "off", "on"), as_index=True),
    "charlimit": _number("char_limit", 0, _MAX_INT),
    "linelimit": _number("line_limit", 0, _MAX_INT),
    "titlelimit": _number("title_limit", 0, _MAX_INT),
    "multiinsert": _number("multiinsert", 0, _MAX_INT),
    "tablename": _text("table"),
    "rowsep": _text("rowsep"),
    "colsep": _text("colsep"),
    "null": _text("null"),
    "escape": _set_escape,
    "fpfmt": _format("fpfmt"),
    "ifmt": _format("ifmt"),
    "limits": _set_limits,
    "screenwidth": _set_screenwidth,
    "sw": _set_screenwidth,
    "tag": lambda shell, value, i: _tag(shell, value, i),
    "rowcount": _set_rowcount,
    "textjsonb": _switch_setting("textjsonb"),
    "titles": _set_titles,
    "title": _set_titles,
    "widths": _set_widths,
    "width": _set_widths,
    "wrap": _number("wrap", -_MAX_WIDTH, _MAX_WIDTH),
    "wordwrap": _switch_setting("wordwrap"),
}


def _limits(text: str, title: int) -> tuple[int, int, int] | None:
    """--limits: on, off, or L,C or L,C,T (T unchanged when left out); None when malformed."""
    if text == "on":
        return modes.LIMITS_ON
    if text == "off":
        return (0, 0, 0)
    numbers = []
    for part in text.split(",")[:3]:
        digits = part.strip()
        sign = digits[:1] in "+-" and digits[:1] != ""
        body = digits[1:] if sign else digits
        lead = len(body) - len(body.lstrip("0123456789"))
        if lead == 0:
            break
        numbers.append(int(digits[: (1 if sign else 0) + lead]))
        if lead < len(body):
            break
    if len(numbers) < 2 or any(v < 0 for v in numbers):
        return None
    return (numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else title)


def _widths(shell: Shell, text: str, i: int) -> list[int] | None:
    """--widths: integers separated by commas or spaces; None when refused (message written)."""
    widths = []
    k = 0
    text = text.lstrip(" \t\n\v\f\r")
    while k < len(text):
        negative = text[k] == "-" and text[k + 1 : k + 2].isdigit()
        j = k + negative
        value = 0
        digits = 0
        while j < len(text) and text[j] in "0123456789":
            value = value * 10 + int(text[j])
            if value > _MAX_WIDTH:
                shell.dot_error(i + 1, "width too big", f"Maximum column width is {_MAX_WIDTH}")
                return None
            digits += 1
            j += 1
        if digits == 0:
            shell.dot_error(i + 1, "syntax error", "should be a comma-separated list if integers")
            return None
        widths.append(-value if negative else value)
        k = j + (text[j : j + 1] == ",")
        while k < len(text) and text[k] in " \t\n\v\f\r":
            k += 1
    return widths


def _tag(shell: Shell, name: str, i: int) -> bool:
    """--tag NAME: the settings saved as a mode of that name."""
    if find_mode(shell, name) is not None:
        shell.dot_error(i, "mode already exists")
        return True
    if len(shell.saved_modes) > _MAX_SAVED_MODES:
        shell.dot_error(i - 1, "cannot add more modes")
        return True
    shell.saved_modes[name] = shell.settings.copy()
    return False


_MAX_SAVED_MODES = 25


@command(
    "prompt",
    "prompt MAIN CONTINUE",
    "Replace the standard prompts",
    safe=True,
    options=("--hard-reset", "--no-color", "--color", "--reset", "--show", "--"),
    details=(
        "   --hard-reset              Unset SQLITE_PS1/2 and then --reset",
        "   --no-color                Disable color prompts. Use --color to re-enable",
        "   --reset                   Revert to default prompts",
        "   --show                    Show the current prompt strings",
        "   --                        No more options. Subsequent args are prompts",
    ),
)
def _prompt(shell: Shell, args: list[str]) -> int:
    """As sqlite3 3.54: options and prompts from left to right, options acted on as met; the
    first prompt is the main one, the second the continuation. A bare word of lower-case
    letters is taken for a mistyped option and refused. (wasmshell reads no SQLITE_PS1/2 and
    colours no prompt: --hard-reset is --reset, --color and --no-color change nothing.)"""
    words = dot_words(shell.dot_line[1:])  # (whether each argument was quoted)
    quoted = [word.quote != "" for word in words] if len(words) == len(args) else [True] * len(args)
    rc, given, options = 0, 0, True
    for index, text in enumerate(args[1:], start=1):
        if options and text.startswith("-"):
            if text == "--":
                options = False
            elif text in ("--reset", "--hard-reset"):
                shell.prompts = DEFAULT_PROMPTS
            elif text == "--show":
                shell.out.write(f"Main prompt:  '{shell.prompts[0]}'\nContinuation: '{shell.prompts[1]}'\n")
            elif text not in ("--color", "--no-color"):
                rc = shell.dot_error(index, "unknown option")
        elif not quoted[index] and text.isascii() and text.isalpha() and text.islower():
            rc = shell.dot_error(index, "use quotes around the prompt string")
        elif given < 2:
            shell.prompts = (text, shell.prompts[1]) if given == 0 else (shell.prompts[0], text)
            given += 1
        else:
            rc = shell.dot_error(index, "extra argument")
    return rc


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


def _pager_safety(_shell: Shell, args: list[str]) -> str | None:
    """-safe lets .pager be shown or turned on or off, not be given a program to run."""
    if len(args) < 2 or args[1:] in (["on"], ["off"]):
        return None
    return "cannot set a pager command in safe mode"


@command(
    "pager",
    "pager ?on|off|COMMAND?",
    "Page output taller than the terminal (default on: $PAGER, else less -SRFX)",
    safe=_pager_safety,
    arguments=("words",),
    words=SWITCHES,
    details=(
        "    At a terminal, the output of one statement or dot-command that is taller than",
        "    the screen goes through the pager (never in batch mode or with .output/.once).",
        "    COMMAND is a program and its arguments, e.g. .pager less -S; no argument",
        "    shows the setting.",
    ),
)
def _pager(shell: Shell, args: list[str]) -> int:
    from ..output.pager import pager_command

    if len(args) == 1:
        command = pager_command(shell.pager)
        shell.out.write("off\n" if command is None else f"on: {command}\n")
        return 0
    words = args[1:]
    # Quoted again as the words were given: the command is split as shell words when it runs.
    shell.pager = None if words == ["off"] else "" if words == ["on"] else shlex.join(words)
    return 0


WIDE_LAYOUTS = ("pager", "vertical", "fit")


@command(
    "wide",
    "wide ?pager|vertical|fit?",
    "What the table view does with a result wider than the terminal",
    safe=True,
    arguments=("words",),
    words=WIDE_LAYOUTS,
    details=(
        "    pager: every column in full, through the pager (less -S scrolls sideways);",
        "           as fit while the pager is off (the default)",
        '    vertical: one line per column, "column │ value", a rule between rows',
        '    fit: columns left out, a "…" column in their place',
        "    No argument shows the setting.",
    ),
)
def _wide(shell: Shell, args: list[str]) -> int:
    if len(args) == 1:
        shell.out.write(shell.wide + "\n")
        return 0
    if len(args) != 2 or args[1] not in WIDE_LAYOUTS:
        return usage_error(shell, "wide")
    shell.wide = args[1]
    return 0


def _switch(shell: Shell, args: list[str], name: str) -> bool | None:
    if len(args) != 2:
        usage_error(shell, name)
        return None
    return boolean_value(args[1], shell.error)


@command(
    "headers",
    "headers on|off",
    "Turn display of headers on or off",
    safe=True,
    arguments=("words",),
    words=(*SWITCHES, "always"),
)
def _headers(shell: Shell, args: list[str]) -> int:
    s = shell.settings
    if len(args) != 2:
        shell.error("Usage: .headers off|on|always")  # (what it takes; .help says on|off)
        return 1
    if args[1] == "always":
        s.titles = modes.TITLES_ALWAYS
    else:
        s.titles = modes.TITLES_ON if boolean_value(args[1], shell.error) else modes.TITLES_OFF
    s.headers_set = True  # a mode no longer says whether names show
    s.title_text = modes.BY_NAME.get(s.mode, modes.BY_NAME["list"]).title_text
    return 0


@command("nullvalue", "nullvalue STRING", "Use STRING in place of NULL values", safe=True)
def _nullvalue(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "nullvalue")
    shell.settings.null = args[1]
    return 0


@command(
    "separator", "separator COL ?ROW?", "Change the column and row separators", safe=True, hidden=True
)  # (.separator, .show and .width are not in sqlite3 3.54's .help)
def _separator(shell: Shell, args: list[str]) -> int:
    rc = 0
    if not 2 <= len(args) <= 3:
        rc = usage_error(shell, "separator")
    if len(args) >= 2:
        shell.settings.colsep = args[1]
    if len(args) >= 3:
        shell.settings.rowsep = args[2]
    return rc


@command(
    "width",
    "width NUM1 NUM2 ...",
    "Set minimum column widths for columnar output",
    safe=True,
    hidden=True,
    details=("     Negative values right-justify",),
)
def _width(shell: Shell, args: list[str]) -> int:
    shell.settings.widths = [max(-_MAX_WIDTH, min(_MAX_WIDTH, integer_value(arg))) for arg in args[1:]]
    return 0


@command("print", "print STRING...", "Print literal STRING", safe=True)
def _print(shell: Shell, args: list[str]) -> int:
    shell.out.write(" ".join(args[1:]) + "\n")
    return 0


def _flag(name: str, usage: str, help: str, prefix: int = 1) -> None:
    @command(name, usage, help, safe=True, arguments=("words",), words=SWITCHES, prefix=prefix)
    def handler(shell: Shell, args: list[str]) -> int:
        value = _switch(shell, args, name)
        if value is None:
            return 1
        setattr(shell.flags, name, value)
        return 0


_flag("echo", "echo on|off", "Turn command echo on or off")
_flag("bail", "bail on|off", "Stop after hitting an error.  Default OFF")
_flag("changes", "changes on|off", "Show number of rows changed by SQL", prefix=3)  # (.ch: no command)


@command("show", "show", "Show the current values for various settings", safe=True, hidden=True)
def _show(shell: Shell, args: list[str]) -> int:
    if len(args) != 1:
        return usage_error(shell, "show")
    s = shell.settings
    on = {True: "on", False: "off"}
    lines = [
        ("echo", on[shell.flags.echo]),
        ("eqp", EQP_NAMES[shell.watch.eqp]),
        ("explain", "auto" if shell.watch.explain else "off"),
        ("headers", "always" if s.headers_always else on[s.headers]),
        ("mode", s.mode),
        ("nullvalue", c_string(s.null)),
        ("output", shell.redirect_name or "stdout"),
        ("colseparator", c_string(s.colsep)),
        ("rowseparator", c_string(s.rowsep)),
        ("stats", stats_setting(shell.watch.stats)),
        ("width", "".join(f"{w} " for w in s.widths)),
        ("filename", shell.path),
    ]
    shell.out.write("".join(f"{name:>12.12}: {value}\n" for name, value in lines))
    if shell.flags.interactive and shell.config_sources is not None:
        shell.out.write(_interactive_settings(shell))
    return 0


def _interactive_settings(shell: Shell) -> str:
    """What .show adds in the interactive shell: the config file's settings, each with its
    value and where that came from (sqlite3's lines above stay as sqlite3 writes them)."""
    from ..config import SETTINGS, shown_value

    sources = shell.config_sources
    path = sources.config.path
    head = f"\nconfig file: {path}" if path else "\nconfig file: none"
    values = [(s.name, shown_value(s.get(shell)), sources.source(shell, s)) for s in SETTINGS]
    width = max(len(value) for _name, value, _source in values)
    rows = "".join(f"{name:>14}: {value:<{width}}  ({source})\n" for name, value, source in values)
    return head + (f" ({sources.config.warning})" if sources.config.warning else "") + "\n" + rows


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


def redirect(shell: Shell, args: list[str], once: bool, view: str = "") -> int:
    """.output and .once, as sqlite3 3.54 takes them (its options and messages); ``view`` is
    .excel's "x" or .www's "w" (see viewers.py), as -x and -w of .output and .once."""
    target: str | None = None
    bom = keep = plain = False
    command_view = view  # .excel and .www take no -e, -x, -w
    i = 1
    while i < len(args):
        arg = args[i]
        if arg.startswith("-"):
            z = arg[1:] if arg.startswith("--") else arg
            if z == "-bom":
                bom = True
            elif z == "-plain":
                plain = True
            elif not command_view and z in ("-e", "-x", "-w"):
                if keep or view:
                    return shell.dot_error(i, "incompatible with prior options")
                view = z[1]
            elif z == "-show":
                pass  # output captured to "memory", which this shell does not keep
            elif z == "-keep":
                keep = True
            elif z == "-error-prefix":
                if i + 1 >= len(args):
                    return shell.dot_error(i, "missing argument")
                i += 1
                shell.error_prefix = args[i] or None
            else:
                return shell.dot_error(i, "unknown option")
        elif target is None and not view:
            if keep:
                return shell.dot_error(i, "incompatible with prior options")
            if arg == "memory" and once:
                return shell.dot_error(0, 'cannot redirect to "memory"')
            target = "/dev/null" if arg == "off" else arg
            if target.startswith("|"):
                target = " ".join([target, *args[i + 1 :]])
                break
        else:
            return shell.dot_error(i, "surplus argument")
        i += 1
    if keep and target is None and not view:
        return 0
    return _send_output(shell, target or "stdout", once, view, plain, bom)


def _send_output(shell: Shell, target: str, once: bool, view: str, plain: bool, bom: bool) -> int:
    """Where .output or .once sends output from now on: ``target``, or a viewer's file."""
    from .testcase import stop_capture

    stop_capture(shell)  # as sqlite3: a .testcase's capture ends, what it kept dropped
    shell.reset_output()
    shell.out_count = 2 if once else 0
    if view:
        from . import viewers

        try:
            viewers.start(shell, view, plain, bom)
        except OSError as exc:
            shell.error(f"Error: cannot write to temporary file: {exc.strerror or exc}")
            return 1
        return 0
    if target == "stdout":
        shell.redirect_name = "stdout"
        return 0
    if target == "memory":
        target = "/dev/null"  # captured for .output --show, which this shell does not keep
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


@command(
    "output",
    "output ?FILE?",
    "Send output to FILE or stdout if FILE is omitted",
    options=("--bom", "-e", "--keep", "--plain", "-w", "-x"),
    arguments=("path",),
)
def _output(shell: Shell, args: list[str]) -> int:
    return redirect(shell, args, once=False)


@command(
    "once",
    "once ?OPTIONS? ?FILE?",
    "Output for the next SQL command only to FILE",
    options=("--bom", "-e", "--plain", "-w", "-x"),
    arguments=("path",),
)
def _once(shell: Shell, args: list[str]) -> int:
    return redirect(shell, args, once=True)


@command(
    "excel",
    "excel",
    "Display the output of next command in spreadsheet",
    details=("   --bom                   Put a UTF8 byte-order mark on intermediate file",),
)
def _excel(shell: Shell, args: list[str]) -> int:
    return redirect(shell, args, once=True, view="x")  # see viewers.py


@command(
    "www",
    "www",
    "Display output of the next command in web browser",
    details=("    --plain                 Show results as text/plain, not as HTML",),
)
def _www(shell: Shell, args: list[str]) -> int:
    return redirect(shell, args, once=True, view="w")
