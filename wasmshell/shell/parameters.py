"""Values bound to statements' parameters (:x, @x, $x, ?NNN, ?), as sqlite3 keeps them.

``.parameter set`` stores them in ``temp.sqlite_parameters``; every statement
the shell runs takes its values from there. The command lives with the other
data commands (commands/data.py); reading the table is here, below both the
shell's state and the commands, so that running SQL needs no dot-command code.
"""

from __future__ import annotations

from typing import Any

import apsw

from ..sqltext import parameter_names


def stored_parameters(conn: apsw.Connection) -> dict[str, Any]:
    """The parameters in ``temp.sqlite_parameters`` by name (with its $ : @ or ?), or {}."""
    try:
        conn.column_metadata("temp", "sqlite_parameters", "key")
    except apsw.Error:
        return {}
    return {str(k): v for k, v in conn.execute("SELECT key, value FROM temp.sqlite_parameters")}


def statement_bindings(conn: apsw.Connection, statement: str) -> list[Any] | None:
    """The values for a statement's parameters from ``temp.sqlite_parameters``, NULL for the rest."""
    if not any(c in statement for c in "?:@$#"):
        return None
    names = parameter_names(statement)
    if not names:
        return None
    params = stored_parameters(conn)
    return [params.get(name if name is not None else f"?{i}") for i, name in enumerate(names, 1)]
