"""Command line entry point.

For now a minimal batch runner: it reads SQL from stdin (or SQL arguments) and
prints rows in sqlite3's default ``list`` format. The full shell replaces it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run ``wasmshell [FILE [SQL...]]``; return the exit status."""
    import apsw

    from .engine import WasmError, connect

    args = sys.argv[1:] if argv is None else argv
    path = args[0] if args else ":memory:"
    scripts = args[1:] or [sys.stdin.read()]
    status = 0
    with connect(path) as session:
        for sql in scripts:
            try:
                for row in session.execute(sql):
                    print("|".join("" if v is None else str(v) for v in row))
            except (apsw.Error, WasmError) as exc:
                print(f"Error: {exc}", file=sys.stderr)
                status = 1
    return status
