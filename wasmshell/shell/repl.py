"""The interactive shell (prompt_toolkit). A plain line loop until it is built."""

from __future__ import annotations

import sys

from .batch import process_input
from .state import Shell


def _prompted_lines(shell: Shell):  # type: ignore[no-untyped-def]
    prompt = "wasmshell> "
    while True:
        try:
            sys.stdout.write(prompt)
            sys.stdout.flush()
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            continue
        if not line:
            sys.stdout.write("\n")
            return
        yield line


def run_interactive(shell: Shell) -> int:
    """Read statements from the terminal until end of input."""
    errors = process_input(shell, _prompted_lines(shell), prompted=True)
    if shell.exit_code is not None:
        return shell.exit_code
    return 1 if errors else 0
