"""Splitting SQL text into statements, by SQLite's own rules.

``apsw.complete`` is SQLite's ``sqlite3_complete``: it knows strings, quoted
identifiers, comments and trigger bodies. A statement ends at a semicolon
where the text so far is complete.
"""

from __future__ import annotations

from collections.abc import Iterator

import apsw


def split_statements(sql: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, statement)`` for each statement in ``sql``.

    Leading white space is dropped from each statement; text after the last
    semicolon (an unterminated statement, or only comments) comes last.
    """
    start = 0
    n = len(sql)
    while start < n:
        while start < n and sql[start].isspace():
            start += 1
        if start >= n:
            return
        end = sql.find(";", start)
        while end != -1 and not apsw.complete(sql[start : end + 1]):
            end = sql.find(";", end + 1)
        if end == -1:
            yield start, sql[start:]
            return
        yield start, sql[start : end + 1]
        start = end + 1
