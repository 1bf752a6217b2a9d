"""The shell's LIKE and GLOB (wasmshell/shell/commands/patterns.py) answer exactly as SQLite's built-ins.

The shell filters schema names in Python so that no redefined ``like`` or
``glob`` on the connection can change what .tables, .schema or .dump show;
these tests compare both with SQLite itself, on patterns made to hit every
rule (sets, ranges, escapes, case, NUL, non-ASCII).
"""

from __future__ import annotations

import apsw
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wasmshell.shell.commands.patterns import PatternError, glob, like

SQLITE = apsw.Connection(":memory:")

# Characters that mean something in a pattern, letters in both cases, and a few beyond ASCII.
ALPHABET = "%_*?[]^-\\aAbBzZ_.é\u00c9\u212ak\0 "
texts = st.text(alphabet=ALPHABET, max_size=8)


def sqlite_like(pattern: str, text: str, escape: str | None) -> bool:
    if escape is None:
        return bool(SQLITE.execute("SELECT ?2 LIKE ?1", (pattern, text)).fetchall()[0][0])
    return bool(SQLITE.execute("SELECT ?2 LIKE ?1 ESCAPE ?3", (pattern, text, escape)).fetchall()[0][0])


def sqlite_glob(pattern: str, text: str) -> bool:
    return bool(SQLITE.execute("SELECT ?2 GLOB ?1", (pattern, text)).fetchall()[0][0])


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(texts, texts, st.sampled_from([None, "\\", "%", "_", "a", "é"]))
@example("a\\%b", "a%b", "\\")
@example("%\\", "x\\", "\\")
@example("A%", "a\0b", None)
@example("\u212a", "k", None)
@example("É", "é", None)
def test_like_is_sqlites(pattern, text, escape):
    assert like(pattern, text, escape) == sqlite_like(pattern, text, escape)


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(texts, texts)
@example("[]]", "]")
@example("[^]]", "a")
@example("[a-]", "-")
@example("[-a]", "-")
@example("[z-a]", "m")
@example("[a-c-e]", "-")
@example("*[ab", "xa")
@example("[é-ë]", "ê")
@example("a*?*b", "axxb")
def test_glob_is_sqlites(pattern, text):
    assert glob(pattern, text) == sqlite_glob(pattern, text)


@pytest.mark.parametrize("function", [like, glob])
def test_nulls_never_match(function):
    assert function(None, "x") is False and function("x", None) is False


def test_a_pattern_over_the_limit_is_sqlites_error():
    with pytest.raises(apsw.SQLError, match="LIKE or GLOB pattern too complex"):
        SQLITE.execute("SELECT 'a' LIKE ?", ("%" * 50_001,)).fetchall()
    with pytest.raises(PatternError, match="LIKE or GLOB pattern too complex"):
        like("%" * 50_001, "a")
    assert glob("*" * 50_000, "a")


def test_many_stars_on_a_long_name_finish_at_once():
    """Backtracking stays linear in the stars: no exponential search, no recursion limit."""
    assert not like("%a" * 2000 + "%b", "a" * 5000)
    assert glob("*a" * 2000, "a" * 5000)
