"""SQL text: statements, tokens, keywords and parameters, by SQLite's own rules.

``StatementScanner`` follows ``sqlite3_complete`` (``apsw.complete``): it knows
strings, quoted identifiers, comments and trigger bodies, and it can be fed
text a line at a time, so that finding the end of a statement is linear in
its length however many lines it spans. A statement ends at a semicolon
where the text so far is complete.
"""

from __future__ import annotations

import apsw

from .lean import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

# sqlite3_complete's state machine (SQLite's complete.c). States: 0 nothing
# seen yet, 1 at the start (or end) of a statement, 2 inside a statement,
# 3 after EXPLAIN, 4 after CREATE (TEMP), 5 inside CREATE TRIGGER, 6 after its
# ";", 7 after its ";END". Tokens: the columns below.
_SEMI, _OTHER, _EXPLAIN, _CREATE, _TEMP, _TRIGGER, _END = range(7)
_TRANSITIONS = (
    # SEMI OTHER EXPLAIN CREATE TEMP TRIGGER END
    (1, 2, 3, 4, 2, 2, 2),  # 0
    (1, 2, 3, 4, 2, 2, 2),  # 1
    (1, 2, 2, 2, 2, 2, 2),  # 2
    (1, 3, 2, 4, 2, 2, 2),  # 3
    (1, 2, 2, 2, 4, 5, 2),  # 4
    (6, 5, 5, 5, 5, 5, 5),  # 5
    (6, 5, 5, 5, 5, 5, 7),  # 6
    (1, 5, 5, 5, 5, 5, 5),  # 7
)
_KEYWORDS = {
    "explain": _EXPLAIN,
    "create": _CREATE,
    "temp": _TEMP,
    "temporary": _TEMP,
    "trigger": _TRIGGER,
    "end": _END,
}


class LazyPattern:
    """A regular expression compiled when first used: compiling the patterns of the modules a
    start imports costs milliseconds, and most starts use few of them. Its methods are the
    compiled pattern's (``search``, ``match``, ``finditer``, ``sub``, ...). Flags are written
    in the pattern (``(?s)``, ``(?i)``), so that no module needs ``re`` to make one: importing
    ``re`` is itself milliseconds of a start that uses none of them."""

    def __init__(self, pattern: Any) -> None:
        self._source = pattern

    def __getattr__(self, name: str) -> Any:
        import re

        compiled = re.compile(self._source)
        for method in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
            setattr(self, method, getattr(compiled, method))  # found directly from now on
        return getattr(compiled, name)


# SQLite's identifier characters: ASCII letters, digits, _ and $, and any byte >= 0x80,
# written as a negated class (``[^...]``): a class with a range up to U+10FFFF takes
# re.compile some milliseconds each time it appears, and this module is imported at start-up.
_ID = "^\x00-#%-/:-@\\[-^`{-\x7f"
_WHITE = " \t\n\r\f"  # sqlite3_complete's white space (not \v)
_OPENERS = "[;'\"`\\[]|/\\*|--"
# In states 2 and 5 only a semicolon changes the state: skip to it, or to a
# string or comment that could hide one, in one regex search.
_QUIET = LazyPattern(_OPENERS)
# After EXPLAIN, only a semicolon or one of the keywords changes the state.
_AFTER_EXPLAIN = LazyPattern(
    f"(?ia){_OPENERS}|(?<![{_ID}])(?:explain|create|temp|temporary|trigger|end)(?![{_ID}])"
)
_TOKEN = LazyPattern(f"(?s)[{_WHITE}]+|{_OPENERS}|[{_ID}]+|.")
_CLOSERS = {"/*": "*/", "'": "'", '"': '"', "`": "`", "[": "]"}


class StatementScanner:
    """``sqlite3_complete`` fed piece by piece: ``complete`` is what
    ``apsw.complete(text + "\\n")`` says of all the text fed so far.

    The newline makes a ``--`` comment at the very end count as ended, as the
    sqlite3 shell reads it. Pieces are scanned once each, so a statement of
    any number of lines costs time linear in its length.
    """

    __slots__ = ("open", "state")

    def __init__(self) -> None:
        self.state = 0
        self.open = ""  # the opener of a string, quoted name or /* comment still open

    @property
    def complete(self) -> bool:
        """The text so far ends with a complete statement."""
        return self.state == 1 and not self.open

    @property
    def blank(self) -> bool:
        """The text so far is only white space and ended comments."""
        return self.state == 0 and not self.open

    def feed(self, text: str) -> None:
        """Scan ``text``, which continues what was fed before."""
        for _end in self.ends(text):
            pass

    def ends(self, text: str) -> Iterator[int]:
        """Scan ``text``; yield the offset just past each semicolon that ends a statement."""
        state, opened = self.state, self.open
        pos, n = 0, len(text)
        try:
            while pos < n:
                if opened:
                    close = text.find(_CLOSERS[opened], pos)
                    if close < 0:
                        return
                    pos = close + len(_CLOSERS[opened])
                    if opened != "/*":
                        state = _TRANSITIONS[state][_OTHER]  # a string or quoted name is a token
                    opened = ""
                    continue
                if state == 2 or state == 5:
                    match = _QUIET.search(text, pos)
                elif state == 3:
                    match = _AFTER_EXPLAIN.search(text, pos)
                else:
                    match = _TOKEN.match(text, pos)
                if match is None:
                    return
                token = match.group()
                pos = match.end()
                first = token[0]
                if first == ";":
                    state = _TRANSITIONS[state][_SEMI]
                    if state == 1:
                        yield pos
                elif token in _CLOSERS:
                    opened = token
                elif token == "--":
                    close = text.find("\n", pos)
                    pos = n if close < 0 else close + 1
                elif first not in _WHITE:
                    kind = _KEYWORDS.get(token.lower(), _OTHER) if len(token) in (3, 4, 6, 7, 9) else _OTHER
                    state = _TRANSITIONS[state][kind]
        finally:
            self.state, self.open = state, opened

    def copy(self) -> StatementScanner:
        """A scanner in the same state."""
        other = StatementScanner()
        other.state, other.open = self.state, self.open
        return other


def split_statements(sql: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, statement)`` for each statement in ``sql``.

    Leading white space is dropped from each statement; text after the last
    semicolon (an unterminated statement, or only comments) comes last.
    """
    start = 0
    n = len(sql)
    for end in _semicolons(sql) if _only_semicolons_end(sql) else StatementScanner().ends(sql):
        while start < end and sql[start].isspace():
            start += 1
        yield start, sql[start:end]
        start = end
    while start < n and sql[start].isspace():
        start += 1
    if start < n:
        yield start, sql[start:]


def _only_semicolons_end(sql: str) -> bool:
    """Whether every semicolon of a short ``sql`` ends a statement: nothing quotes or comments
    one out, and no CREATE TRIGGER body holds one (sqlite3_complete's machine in states 0 to 4
    goes to 1 at any semicolon). Most statements typed or given on a command line are so, and
    then splitting them needs no regular expression (nor ``re``, at start-up)."""
    if len(sql) > 4096 or "/*" in sql or "--" in sql or "trigger" in sql.lower():
        return False
    return not any(quote in sql for quote in "'\"`[")


def _semicolons(sql: str) -> Iterator[int]:
    """The offset just past each semicolon of ``sql``."""
    at = sql.find(";")
    while at >= 0:
        yield at + 1
        at = sql.find(";", at + 1)


def is_blank(sql: str) -> bool:
    """True if ``sql`` holds only white space and comments, as the sqlite3 shell decides
    whether a line is blank: a ``/*`` comment must be ended, a ``--`` one need not."""
    blank, in_comment = blank_prefix(sql, False)
    return blank and not in_comment


def blank_prefix(text: str, in_comment: bool) -> tuple[bool, bool]:
    """Scan ``text`` (after a line break, inside a ``/*`` comment if ``in_comment``):
    whether it holds only white space and comments, and whether a ``/*`` comment is
    still open at its end. Feeding a statement's lines one by one tells in one pass
    whether it is only comments so far."""
    i, n = 0, len(text)
    if in_comment:
        end = text.find("*/")
        if end < 0:
            return True, True
        i = end + 2
    while i < n:
        ch = text[i]
        if ch in " \t\n\v\f\r":  # C's isspace
            i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return True, True
            i = end + 2
        elif text.startswith("--", i):
            end = text.find("\n", i + 2)
            if end < 0:
                return True, False
            i = end + 1
        else:
            return False, False
    return True, False


# -- tokens ---------------------------------------------------------------------

# SQLite's tokenizer (tokenize.c) as one regex. White space is SQLite's (not \v);
# every byte >= 0x80 is an identifier character; a number runs on over the
# identifier characters after it (``123abc`` is one, illegal, token); a blob
# literal ends at the next quote; a parameter's sigil alone is an op. An unterminated string, quoted name or
# ``/*`` comment runs to the end of the text.
_IDSTART = "^\x00-@\\[-^`{-\x7f"  # identifier characters but digits and $ (negated, as _ID)
_IDCHAR = _ID
_KINDS = (  # in the order they are tried
    ("space", r"[ \t\n\f\r]+"),
    ("blob", r"[xX]'[^']*'?"),
    ("word", rf"[{_IDSTART}][{_IDCHAR}]*"),
    (
        "number",
        r"(?:0[xX][0-9a-fA-F][0-9a-fA-F_]*|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?)"
        rf"[{_IDCHAR}]*",
    ),
    ("string", r"'[^']*(?:''[^']*)*'?"),
    ("name", r'"[^"]*(?:""[^"]*)*"?|`[^`]*(?:``[^`]*)*`?|\[[^\]]*\]?'),
    ("comment", r"--[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?"),
    ("param", rf"\?[0-9]*|[:@$#](?:(?:[{_IDCHAR}]|::)+(?:\([^)\s]*\))?|\([^)\s]*\))"),
    ("op", r"\|\||->>|->|<<|>>|<=|>=|==|!=|<>|."),
)
_LEXEME = LazyPattern("(?s)" + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _KINDS))
# The same tokens less white space and operators, which never hold a parameter:
# skipping them in the regex engine's own search makes parameter_names twice as fast.
_PARAMETER_SCAN = LazyPattern(
    "(?s)" + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _KINDS if kind not in ("space", "op"))
)
# The closing mark of each kind of quote.
QUOTE_CLOSERS = {"'": "'", '"': '"', "`": "`", "[": "]"}


_MAY_BE_OPEN = frozenset(("string", "blob", "name", "comment"))


class Lexeme(Record):
    """A piece of SQL text as SQLite's tokenizer reads it.

    ``kind`` is space, comment, string, blob, name (a quoted name), number,
    param, word or op (operators, punctuation and any other character);
    ``closed`` is False for a string, blob, quoted name or comment that the
    text ends inside.
    """

    kind: str
    text: str
    start: int
    closed: bool = True


def lex(sql: str) -> list[Lexeme]:
    """Every piece of ``sql`` in order, white space and comments included: their texts
    joined give back ``sql``."""
    make = Lexeme._make  # faster than calling the class: this runs per keystroke while typing
    pieces = [make((m.lastgroup, m.group(), m.start(), True)) for m in _LEXEME.finditer(sql)]
    if pieces and pieces[-1].kind in _MAY_BE_OPEN:  # only the last piece can be left open
        last = pieces[-1]
        pieces[-1] = last._replace(closed=_ends_closed(last.kind, last.text))
    return pieces


def _ends_closed(kind: str, text: str) -> bool:
    """Whether a string, blob, quoted name or comment has its closing mark."""
    if kind == "comment":
        return text.startswith("/*") and len(text) >= 4 and text.endswith("*/")
    body = text[2:] if kind == "blob" else text[1:]
    closer = QUOTE_CLOSERS[text[-len(body) - 1]]
    if kind == "blob" or closer == "]":
        return body.endswith(closer)
    return (len(body) - len(body.rstrip(closer))) % 2 == 1


def unquoted(text: str) -> str:
    """The name a quoted name (``"a""b"``, `` `a` ``, ``[a]``) stands for; closed or not."""
    closer = QUOTE_CLOSERS[text[0]]
    body = text[1:]
    if body.endswith(closer) and _ends_closed("name", text):
        body = body[:-1]
    return body if closer == "]" else body.replace(closer * 2, closer)


class Token(Record):
    """A lexical token: kind is word, quoted, string, blob, number, punct or end."""

    kind: str
    text: str
    value: Any = None


_TOKEN_KINDS = {"word": "word", "number": "number", "name": "quoted", "string": "string", "blob": "blob"}


def tokens(sql: str) -> Iterator[Token]:
    """SQL tokens with their values, white space and comments left out, an end token last.

    Raises SyntaxError for an unterminated string or name, or a malformed blob.
    """
    n = len(sql)
    for m in _LEXEME.finditer(sql):  # lex() lazily: the dialect often needs two tokens only
        kind, text = m.lastgroup, m.group()
        if kind in ("space", "comment"):
            continue
        if kind in _MAY_BE_OPEN and m.end() == n and not _ends_closed(kind, text):
            raise SyntaxError(f"unterminated {'name' if kind == 'name' else 'string'}")
        if kind == "string":
            yield Token("string", text, text[1:-1].replace("''", "'"))
        elif kind == "name":
            yield Token("quoted", text, unquoted(text))
        elif kind == "blob":
            try:
                yield Token("blob", text, bytes.fromhex(text[2:-1]))
            except ValueError:
                raise SyntaxError("malformed blob literal X'...'") from None
        else:
            yield Token(_TOKEN_KINDS.get(kind, "punct"), text, text)
    yield Token("end", "", None)


# -- parameters -------------------------------------------------------------------


def parameter_names(statement: str) -> list[str | None]:
    """Each parameter of an SQL statement, in SQLite's numbering: its name, or None for ``?``."""
    names: list[str | None] = []
    index: dict[str, int] = {}
    for match in _PARAMETER_SCAN.finditer(statement):  # lex() without its tuples: this runs per statement
        if match.lastgroup != "param":
            continue
        text = match.group()
        if text == "?":
            names.append(None)
        elif text[0] == "?":
            n = int(text[1:])
            if not 1 <= n <= 250_000:
                return []  # SQLite will refuse the statement; no bindings
            names.extend([None] * (n - len(names)))
            if names[n - 1] is None and text not in index:
                names[n - 1] = text
                index[text] = n
        elif text not in index:
            names.append(text)
            index[text] = len(names)
    return names


# -- keywords ---------------------------------------------------------------------

# SQLite's keywords, from the SQLite that APSW bundles.
KEYWORDS: frozenset[str] = frozenset(k.upper() for k in apsw.keywords)


def is_keyword(word: str) -> bool:
    """True if ``word`` is an SQLite keyword, in any case."""
    return word.upper() in KEYWORDS


# -- quoting ----------------------------------------------------------------------

_PLAIN_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal (sqlite3's ``%Q`` of a non-NULL value)."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A name as sqlite3's quoteChar decides: bare if a plain identifier and no keyword, else quoted."""
    if _PLAIN_NAME.match(name) and not is_keyword(name):
        return name
    return quote_identifier_always(name)


def quote_identifier_always(name: str) -> str:
    """``name`` in double quotes (sqlite3's ``"%w"``)."""
    return '"' + name.replace('"', '""') + '"'
