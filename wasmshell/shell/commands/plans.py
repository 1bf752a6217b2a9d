"""Dot-commands about how statements run, as sqlite3 3.54 has them: .eqp, .explain, .expert,
.stats, .scanstats and .timer.

The settings live in the shell (``Shell.watch``, ``Shell.flags.timer``,
``Shell.expert``); what they show around each statement is shell/watch.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile

from .. import watch
from ..state import Shell
from ..watch import EQP_FULL, EQP_TRIGGER, show_stats
from .args import boolean_value, integer_value
from .registry import command


def _changed(shell: Shell) -> int:
    shell.watch_changed()
    return 0


@command(
    "eqp",
    "eqp on|off|full|...",
    "Enable or disable automatic EXPLAIN QUERY PLAN",
    details=("   Other Modes:", '      trigger               Like "full" but also show trigger bytecode'),
    safe=True,
    arguments=("words",),
    words=("on", "off", "full", "trigger"),
)
def _eqp(shell: Shell, args: list[str]) -> int:
    """The plan of each statement before its rows; full: its bytecode too."""
    if len(args) != 2:
        shell.error("Usage: .eqp off|on|trace|trigger|full")
        return 1
    value = args[1]
    if value == "full":
        shell.watch.eqp = EQP_FULL
    elif value == "trigger":
        shell.watch.eqp = EQP_TRIGGER
    else:  # "trace" needs a debugging build of SQLite: like any other word, a boolean
        shell.watch.eqp = int(boolean_value(value, shell.error))
    return _changed(shell)


@command(
    "explain",
    "explain ?on|off|auto?",
    "Change the EXPLAIN formatting mode.  Default: auto",
    safe=True,
    arguments=("words",),
    words=("on", "off", "auto"),
)
def _explain(shell: Shell, args: list[str]) -> int:
    """off: EXPLAIN's rows in the current mode, like any query's; on and auto: its own layout."""
    if len(args) >= 2:
        shell.watch.explain = args[1] == "auto" or boolean_value(args[1], shell.error)
    return 0


# .stats's words (sqlite3 3.54's dotCmdStats): the bits each adds
_STATS_WORDS = {
    "stmt": watch.STMT | watch.VMSTEP,
    "xstmt": watch.STMT | watch.XSTMT | watch.VMSTEP,
    "vmstep": watch.VMSTEP,
    "mem": watch.MEM,
    "xmem": watch.XMEM | watch.MEM,
    "io": watch.IO,
    "all": watch.STATS_ALL,
    "reset": watch.RESET,
}


@command(
    "stats",
    "stats ?ARG?",
    "Show stats or turn stats on or off",
    safe=True,
    arguments=("words",),
    repeated=True,
    words=("on", "off", "stmt", "vmstep", "xstmt", "mem", "xmem", "io", "all", "reset", "--once"),
    details=(
        "   off                      Turn off automatic stat display",
        "   on                       Turn on automatic stat display",
        "   stmt                     Show statement stats",
        "   vmstep                   Show the virtual machine step count only",
    ),
)
def _stats(shell: Shell, args: list[str]) -> int:
    """Which statistics follow each statement; alone, all of them now (as ``.stats all --once``)."""
    if len(args) == 1:
        show_stats(shell, watch.STATS_ALL, None)
        return 0
    bits, once = 0, False
    for i, arg in enumerate(args[1:], 1):
        word = arg
        if word.startswith("-"):  # -once, --once, and -on or --on alike
            word = word[1:]
            if word.startswith("-") and len(word) > 1:
                word = word[1:]
        if word in _STATS_WORDS:
            bits |= _STATS_WORDS[word]
        elif word == "once":
            once = True
        elif word[:1].isdigit():
            bits = bits | watch.STATS_ON if boolean_value(word, shell.error) else 0
        elif word in ("on", "yes", "ON", "YES"):
            bits |= watch.STATS_ON
        elif word in ("off", "no", "OFF", "NO"):
            bits = 0
        else:
            return shell.dot_error(i, "unknown argument")
    if once:
        show_stats(shell, bits, None)
    else:
        shell.watch.stats = bits
    return _changed(shell)


@command(
    "scanstats",
    "scanstats on|off|est",
    "Turn sqlite3_stmt_scanstatus() metrics on or off",
    aliases=("scanstatus",),
    safe=True,
    arguments=("words",),
    words=("on", "off", "est", "vm"),
)
def _scanstats(shell: Shell, args: list[str]) -> int:
    """Scan counters after each statement: not in the SQLite that APSW ships, nor in its
    sqlite3, which warns here and then fails each statement; so does this."""
    if len(args) != 2:
        shell.error("Usage: .scanstats on|off|est")
        return 1
    value = args[1]
    if value == "vm":
        shell.watch.scanstats = watch.SCANSTATS_VM
    elif value == "est":
        shell.watch.scanstats = 2
    else:
        shell.watch.scanstats = int(boolean_value(value, shell.error))
    shell.error("Warning: .scanstats not available in this build.")
    return _changed(shell)


@command(
    "timer",
    "timer on|off|once",
    "Turn SQL timer on or off.",
    safe=True,
    arguments=("words",),
    words=("on", "off", "once"),
)
def _timer(shell: Shell, args: list[str]) -> int:
    """The time each SQL text takes, after its results; once: for the next SQL text only."""
    if len(args) != 2:
        shell.error("Usage: .timer on|off|once")
        return 1
    shell.flags.timer = 1 if args[1] == "once" else 2 * boolean_value(args[1], shell.error)
    return 0


@command(
    "expert",
    "expert",
    "EXPERIMENTAL. Suggest indexes for queries",
    safe=True,  # refused under -safe by the command itself, with sqlite3's message
    options=("--verbose", "--sample PCT"),
)
def _expert(shell: Shell, args: list[str]) -> int:
    """The next SQL text is not run: the indexes that would help it are suggested, with the plan."""
    if shell.safe is not None:
        shell.error(f'Cannot run experimental commands such as "{args[0]}" in safe mode')
        return 1
    verbose, sample = False, 0
    i = 1
    while i < len(args):
        option = args[i][1:] if args[i].startswith("--") else args[i]
        if len(option) >= 2 and "-verbose".startswith(option):
            verbose = True
        elif len(option) >= 2 and "-sample".startswith(option):
            if i == len(args) - 1:
                shell.error(f"option requires an argument: {option}")
                return 0  # sqlite3 reports, and .expert ends without an error status
            i += 1
            sample = integer_value(args[i])
            if not 0 <= sample <= 100:
                shell.error(f"value out of range: {args[i]}")
                return 0
        else:
            shell.error(f"unknown option: {option}")
            return 0
        i += 1

    def advise(shell: Shell, sql: str, startline: int | None) -> int:
        shell.expert = None
        shell.watch_changed()
        return _advise(shell, sql, startline, verbose, sample)

    shell.expert = advise
    return _changed(shell)


# sqlite3_expert (the program) draws its headings two dashes longer than the shell's .expert
_EXPERT_HEADINGS = re.compile(r"^(-- (?:Candidates|Query \d+) -+)--$", re.MULTILINE)


def _advise(shell: Shell, sql: str, startline: int | None, verbose: bool, sample: int) -> int:
    """Run SQLite's index advisor on ``sql`` and write its report as sqlite3's .expert does.

    SQLite's sqlite3expert is not in APSW's SQLite library; APSW ships it as the
    program sqlite3_expert, run here on the database file (a copy of an
    in-memory or uncommitted one). Being a separate process, it knows
    SQLite's own functions but not the Wasm functions of this session.
    """
    try:
        from apsw import sqlite_extra

        program = sqlite_extra.path("sqlite3_expert")
    except Exception:
        shell.error("Error: .expert needs the sqlite3_expert program that APSW ships (apsw.sqlite_extra)")
        return 1
    conn = shell.session.connection
    path = conn.filename
    with tempfile.TemporaryDirectory(prefix="wasmshell-expert-") as where:
        if not path or not os.path.isfile(path) or conn.in_transaction:
            path = os.path.join(where, "copy.db")  # an in-memory or uncommitted database: a copy
            with open(path, "wb") as f:
                f.write(conn.serialize("main") or b"")
        script = os.path.join(where, "queries.sql")  # a file: SQL of any size (argv has a limit)
        with open(script, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(sql)
        command = [program, "-verbose", str(int(verbose)), "-sample", str(sample), "-file", script, path]
        try:
            done = subprocess.run(command, capture_output=True, check=False)
        except OSError as exc:
            shell.error(f"Error: cannot run sqlite3_expert: {exc.strerror or exc}")
            return 1
    report = _EXPERT_HEADINGS.sub(r"\1", done.stdout.decode("utf-8", "surrogateescape"))
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().removeprefix("Error: ")
        message = message or f"sqlite3_expert ended with status {done.returncode}"
        shell.report_sql_error(Exception(message), True, sql, sql, startline)
        return 1
    if shell.settings.mode == "pretty":
        from ..output.insight import write_expert

        write_expert(shell.out, report)
    else:
        shell.out.write(report)
    return 0
