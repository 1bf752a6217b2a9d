"""sqlite3 3.54's own test harness, in the shell: .testcase NAME keeps what stdout and
stderr get until .check compares it with a pattern (exactly, ignoring the newlines around
it, or as a GLOB where ``#`` is an integer). At the end of a run with .check commands,
sqlite3 counts them and the exit status says whether one failed (``test_summary``).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from .args import option_match
from .registry import command
from .tools import tools

if TYPE_CHECKING:
    from ..state import Shell


def start_capture(shell: Shell) -> None:
    """From now on, what the shell writes to stdout and stderr is kept for .check."""
    state = tools(shell)
    stop_capture(shell)
    state.capture = io.StringIO()
    state.uncaptured = (shell.stdout, shell.stderr)
    shell.stdout = shell.stderr = state.capture


def stop_capture(shell: Shell) -> None:
    """Write to the real stdout and stderr again; what was kept is dropped."""
    state = tools(shell)
    if state.uncaptured is not None:
        shell.stdout, shell.stderr = state.uncaptured
    state.capture = state.uncaptured = None


def release_capture(shell: Shell) -> None:
    """Before the shell ends at once (sqlite3's cli_exit): what a .testcase kept goes to stdout."""
    state = tools(shell)
    kept = state.capture.getvalue() if state.capture is not None else ""
    stop_capture(shell)
    shell.stdout.write(kept)


def _source(shell: Shell) -> str:
    """The input's name as sqlite3 gives it here: ``<cmdline>`` for a command-line argument."""
    prefix = shell.error_prefix or ""
    return "<cmdline>" if prefix.startswith("argv[") else shell.input_source


def check_glob(pattern: str, text: str) -> bool:
    """Whether ``text`` matches a .check --glob pattern: ``*``, ``?``, ``[...]`` (``^`` to
    negate, ranges), ``#`` for an integer, and white space for any run of white space; white
    space may end the text. (As in sqlite3, the character after a star is matched as itself.)"""
    return _tglob(pattern, 0, text, 0)


def _tglob(pattern: str, p: int, text: str, t: int) -> bool:
    spaces = " \t\n\v\f\r"
    while p < len(pattern):
        c = pattern[p]
        p += 1
        if c in spaces:
            if t >= len(text) or text[t] not in spaces:
                return False
            while p < len(pattern) and pattern[p] in spaces:
                p += 1
            while t < len(text) and text[t] in spaces:
                t += 1
        elif c == "*":
            while p < len(pattern) and pattern[p] in "*?":
                if pattern[p] == "?":
                    if t >= len(text):
                        return False
                    t += 1
                p += 1
            if p >= len(pattern):
                return True
            if pattern[p] == "[":
                return any(_tglob(pattern, p, text, start) for start in range(t, len(text)))
            # Any other character after a star stands for itself, even "#" and white space.
            literal = pattern[p]
            return any(
                _tglob(pattern, p + 1, text, start + 1)
                for start in range(t, len(text))
                if text[start] == literal
            )
        elif c == "?":
            if t >= len(text):
                return False
            t += 1
        elif c == "[":
            if t >= len(text):
                return False
            end, matched = _tglob_set(pattern, p, text[t])
            if end < 0 or not matched:
                return False
            p, t = end, t + 1
        elif c == "#":
            if t + 1 < len(text) and text[t] in "+-" and text[t + 1].isdigit():
                t += 1
            if t >= len(text) or not text[t].isdigit():
                return False
            while t < len(text) and text[t].isdigit() and text[t].isascii():
                t += 1
        else:
            if t >= len(text) or text[t] != c:
                return False
            t += 1
    return text[t:].strip(spaces) == ""


def _tglob_set(pattern: str, p: int, c: str) -> tuple[int, bool]:
    """Match ``c`` against the set that starts at ``pattern[p]`` (after its ``[``): where the
    pattern goes on after the set (-1: the set is not closed), and whether ``c`` is in it."""
    invert = pattern[p : p + 1] == "^"
    p += invert
    seen = False
    if pattern[p : p + 1] == "]":
        seen = c == "]"
        p += 1
    prior = ""
    while p < len(pattern) and pattern[p] != "]":
        here = pattern[p]
        if here == "-" and prior and p + 1 < len(pattern) and pattern[p + 1] != "]":
            seen = seen or prior <= c <= pattern[p + 1]
            prior = ""
            p += 2
            continue
        seen = seen or c == here
        prior = here
        p += 1
    if p >= len(pattern):
        return -1, False
    return p + 1, seen != invert


@command(
    "testcase",
    "testcase NAME",
    "Begin a test case.",
    safe=True,
    prefix=8,
    manual=(
        "USAGE: .testcase [OPTIONS] NAME\n\n"
        "Start a new test case identified by NAME.  All output\n"
        'through the next ".check" command is captured for comparison. See the\n'
        '".check" command for additional informatioon.\n\n'
        "Options:\n"
        "  --error-prefix TEXT       Change error message prefix text to TEXT\n"
    ),
    options=("--error-prefix TEXT",),
)
def _testcase(shell: Shell, args: list[str]) -> int:
    name: str | None = None
    i = 1
    while i < len(args):
        word = args[i][1:] if args[i][:2] == "--" and args[i][2:] else args[i]
        if option_match(word, "error-prefix"):
            if i + 1 >= len(args):
                return shell.dot_error(i, "missing argument")
            i += 1
            shell.error_prefix = args[i] or None
        elif name is not None:
            return shell.dot_error(i, "unknown option")
        else:
            name = args[i]
        i += 1
    shell.reset_output()
    start_capture(shell)
    tools(shell).testcase = name if name is not None else f"{_source(shell)}:{shell.lineno}"
    return 0


_CHECK_MANUAL = """USAGE: .check [OPTIONS] PATTERN

Verify results of commands since the most recent .testcase command.
Restore output to the console, unless --keep is used.

If PATTERN starts with "<<ENDMARK" then the actual pattern is taken from
subsequent lines of text up to the first line that begins with ENDMARK.
All pattern lines and the ENDMARK are discarded.

Options:
  --exact                Do an exact comparison including leading and
                         trailing whitespace.
  --glob                 Treat PATTERN as a GLOB
  --keep                 Do not reset the testcase.  More .check commands
                         will follow.
  --notglob              Output should not match PATTERN
  --show                 Write testcase output to the screen, for debugging.
"""


def _check_pattern(shell: Shell, given: str) -> str:
    """The pattern: the argument, or the lines up to the end mark of ``<<MARK``."""
    if not (given.startswith("<<") and given[2:]):
        return given
    mark = given[2:]
    lines = []
    while (line := shell.next_input_line()) is not None:
        if line.startswith(mark):
            break
        lines.append(line + "\n")
    return "".join(lines)


def _check_passes(kind: str, pattern: str, got: str) -> bool:
    if kind == "glob":
        return check_glob(f"*{pattern}*", got)
    if kind == "notglob":
        return not check_glob(f"*{pattern}*", got)
    if kind == "exact":
        return got == pattern
    return pattern.strip("\r\n") == got.strip("\r\n")


@command(
    "check",
    "check OPTIONS ...",
    "Verify the results of a .testcase",
    safe=True,
    prefix=3,
    manual=_CHECK_MANUAL,
    options=("--exact", "--glob", "--keep", "--notglob", "--show"),
)
def _check(shell: Shell, args: list[str]) -> int:
    state = tools(shell)
    line = shell.lineno
    if not state.testcase:
        return shell.dot_error(0, "no .testcase is active")
    keep = False
    kind = ""
    given: str | None = None
    for i, arg in enumerate(args[1:], 1):
        word = arg[1:] if arg[:2] == "--" and arg[2:] else arg
        if word == "-keep":
            keep = True
        elif word == "-show":
            if state.capture is not None and state.uncaptured is not None:
                state.uncaptured[0].write(state.capture.getvalue())
            keep = True
        elif word in ("-glob", "-notglob", "-exact"):
            if kind and kind != word[1:]:
                return shell.dot_error(i, "incompatible with prior options")
            kind = word[1:]
        elif given is not None:
            return shell.dot_error(i, "unknown option")
        else:
            given = arg
    if given is None:
        return shell.dot_error(0, "no PATTERN specified")
    got = state.capture.getvalue() if state.capture is not None else ""
    state.tests_run += 1
    pattern = _check_pattern(shell, given)
    if not _check_passes(kind, pattern, got):
        state.tests_failed += 1
        stderr = state.uncaptured[1] if state.uncaptured is not None else shell.stderr
        shell.out.flush()
        stderr.write(
            f"{_source(shell)}:{line}: .check failed for testcase {state.testcase}\n"
            f"Expected: [{pattern}]\nGot:      [{got}]\n"
        )
        stderr.flush()
    if not keep:
        shell.reset_output()
        stop_capture(shell)
        state.testcase = ""
    return 0


def test_summary(shell: Shell, status: int) -> int:
    """At the end of a run with .check commands: sqlite3's count of them on stdout, and the
    exit status it gives then (1 if one failed, else 0); ``status`` otherwise."""
    state = shell.tools
    if state is None:
        return status
    stop_capture(shell)  # (what a .testcase kept and no .check saw is lost, as in sqlite3)
    if not state.tests_run:
        return status
    run, failed = state.tests_run, state.tests_failed
    shell.stdout.write(
        f"{run} test{'' if run == 1 else 's'} run with {failed} error{'' if failed == 1 else 's'}\n"
    )
    shell.stdout.flush()
    return int(failed > 0)
