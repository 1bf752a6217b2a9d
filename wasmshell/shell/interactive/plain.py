"""Interactive input without the editor: ``-interactive`` on a pipe, or ``-cmdline-edit off``.

As sqlite3 3.54 reads such input: its banner, then each line read after a
prompt written to stdout (the continuation prompt while a statement is not
complete), nothing echoed, and a newline when the input ends. Errors carry
no line number, as at a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import apsw

from ...sqltext import is_blank
from ..runner import LineReader, process_input
from ..state import Shell


def sqlite3_banner() -> str:
    """The first lines sqlite3 writes in an interactive session."""
    return (
        f"SQLite version {apsw.sqlite_lib_version()} {apsw.sqlite3_sourceid()[:19]}\n"
        'Enter ".help" for usage hints.\n'
    )


def _prompted_lines(shell: Shell, fd: int) -> Iterator[str]:
    """The input's lines, each after its prompt; a newline at the end of the input."""
    pending = ""
    out = shell.stdout
    for line in LineReader(fd):
        out.write(shell.prompts[1] if pending else shell.prompts[0])
        out.flush()
        yield line
        if pending:
            pending += "\n" + line
        elif line[:1] != "." and not is_blank(line):
            pending = line
        if pending and (apsw.complete(pending + "\n") or is_blank(pending)):
            pending = ""
    out.write(shell.prompts[1] if pending else shell.prompts[0])
    out.write("\n")
    out.flush()


def run_plain(shell: Shell, fd: int = 0) -> int:
    """Read and run interactive input from ``fd`` with prompts but no editor; the exit status."""
    shell.flags.interactive = True
    shell.stdout.write(sqlite3_banner())
    errors = process_input(shell, _prompted_lines(shell, fd), prompted=True)
    shell.flush()
    if shell.exit_code is not None:
        return shell.exit_code
    return 1 if errors else 0


def stdin_is_terminal() -> bool:
    """Whether both stdin and stdout are terminals (the editor needs both, as sqlite3's)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
