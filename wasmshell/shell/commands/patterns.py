"""SQLite's LIKE and GLOB, in Python, for the shell's own queries.

The shell filters schema names with the patterns a user gives (``.tables
t%``, ``.schema x*``, ``.dump t%``). Asking SQLite would call its ``like`` and
``glob`` functions, which an extension or the application can redefine on the
connection (the ICU extension does, on purpose), and then ``.dump`` could
write an empty backup. These functions give exactly the answers of SQLite's
built-ins (``patternCompare`` in its func.c): ``%``/``*`` any run of
characters, ``_``/``?`` one character, GLOB's ``[...]`` sets with ranges and
``^``, LIKE's ESCAPE character, LIKE ignoring the case of ASCII letters only,
and both stopping at a NUL as C strings do.
"""

from __future__ import annotations

from collections.abc import Sequence

LIKE_PATTERN_LIMIT = 50_000  # SQLITE_LIMIT_LIKE_PATTERN_LENGTH's default, in bytes


class PatternError(ValueError):
    """A pattern SQLite would refuse; the message is SQLite's."""


_STAR = "star"
_ONE = "one"
_NEVER = "never"  # an unterminated [...] or a trailing escape: matches nothing
Token = str | tuple[str, str] | tuple[bool, tuple[tuple[str, str], ...]]


def like(
    pattern: str | None, text: str | None, escape: str | None = None, limit: int = LIKE_PATTERN_LIMIT
) -> bool:
    """``text LIKE pattern [ESCAPE escape]`` as SQLite's built-in answers it."""
    _check(pattern, limit)
    if escape is not None and len(escape) != 1:
        raise PatternError("ESCAPE expression must be a single character")
    if pattern is None or text is None:
        return False
    return _match(_tokens(_c_string(pattern), "%", "_", escape), _c_string(text), nocase=True)


def glob(pattern: str | None, text: str | None, limit: int = LIKE_PATTERN_LIMIT) -> bool:
    """``text GLOB pattern`` as SQLite's built-in answers it."""
    _check(pattern, limit)
    if pattern is None or text is None:
        return False
    return _match(_tokens(_c_string(pattern), "*", "?", None), _c_string(text), nocase=False)


def _tokens(chars: str, many: str, one: str, escape: str | None) -> list[Token]:
    """A pattern as tokens: LIKE's (``%``, ``_`` and an escape) or GLOB's (``*``, ``?`` and sets)."""
    tokens: list[Token] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        i += 1
        if c == escape:  # the escape character wins over % and _
            if i < len(chars):
                tokens.append(("lit", chars[i]))
                i += 1
            else:
                tokens.append(_NEVER)
        elif c == many:
            tokens.append(_STAR)
        elif c == one:
            tokens.append(_ONE)
        elif c == "[" and escape is None and many == "*":
            token, i = _glob_set(chars, i)
            tokens.append(token)
        else:
            tokens.append(("lit", c))
    return tokens


def _check(pattern: str | None, limit: int) -> None:
    if pattern is not None and len(pattern.encode("utf-8", "surrogateescape")) > limit:
        raise PatternError("LIKE or GLOB pattern too complex")


def _c_string(text: str) -> str:
    """What C sees of a string: up to its first NUL."""
    return text.split("\0", 1)[0]


def _glob_set(chars: str, i: int) -> tuple[Token, int]:
    """The set starting after ``[`` at ``i``, read as SQLite reads it; and where the pattern goes on."""
    invert = False
    ranges: list[tuple[str, str]] = []
    c2 = chars[i] if i < len(chars) else ""
    i += 1
    if c2 == "^":
        invert = True
        c2 = chars[i] if i < len(chars) else ""
        i += 1
    if c2 == "]":  # first in the set: a member, not the end
        ranges.append(("]", "]"))
        c2 = chars[i] if i < len(chars) else ""
        i += 1
    prior = ""
    while c2 and c2 != "]":
        following = chars[i] if i < len(chars) else ""
        if c2 == "-" and following not in ("]", "") and prior:
            ranges.append((prior, following))
            i += 1
            prior = ""
        else:
            ranges.append((c2, c2))
            prior = c2
        c2 = chars[i] if i < len(chars) else ""
        i += 1
    if not c2:
        return _NEVER, len(chars)
    return (invert, tuple(ranges)), i


def _matches_one(token: Token, c: str, nocase: bool) -> bool:
    if token == _ONE:
        return True
    if token == _NEVER:
        return False
    kind, value = token  # type: ignore[misc]
    if kind == "lit":
        assert isinstance(value, str)
        return c == value or (nocase and c < "\x80" and value < "\x80" and c.lower() == value.lower())
    assert isinstance(kind, bool) and not isinstance(value, str)
    return any(lo <= c <= hi for lo, hi in value) != kind


def _match(tokens: Sequence[Token], text: str, *, nocase: bool) -> bool:
    """Whole-string wildcard matching; on a mismatch only the last star is retried (linear backtracking)."""
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(tokens) and tokens[p] == _STAR:
            star, mark = p, t
            p += 1
        elif p < len(tokens) and _matches_one(tokens[p], text[t], nocase):
            p += 1
            t += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(tokens) and tokens[p] == _STAR:
        p += 1
    return p == len(tokens)
