"""SQLite's keywords, from the SQLite that APSW bundles."""

from __future__ import annotations

import apsw

KEYWORDS: frozenset[str] = frozenset(k.upper() for k in apsw.keywords)


def is_keyword(word: str) -> bool:
    """True if ``word`` is an SQLite keyword, in any case."""
    return word.upper() in KEYWORDS
