"""Completion inside SQL: what is expected at the cursor, from the statement's tokens."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ....sqltext import KEYWORDS, QUOTE_CLOSERS, lex, quote_identifier, unquoted

if TYPE_CHECKING:
    pass


from .metadata import ALL_COLUMNS_LIMIT, SQLITE_TABLE_FUNCTIONS, Metadata, Relation
from .ranking import PREFIX, Candidate, Suggestion, ranked, words

_STARTERS = words(
    """ALTER ANALYZE ATTACH BEGIN COMMIT CREATE DELETE DETACH DROP END EXPLAIN INSERT PRAGMA
    REINDEX RELEASE REPLACE ROLLBACK SAVEPOINT SELECT UPDATE VACUUM VALUES WITH"""
)
_TYPE_NAMES = ("INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "ANY")
_COLLATIONS = ("BINARY", "NOCASE", "RTRIM")
# Keywords after which an expression (column, function, literal) is expected.
_EXPRESSION_KEYWORDS = frozenset(
    words(
        """SELECT WHERE SET BY HAVING AND OR NOT WHEN THEN ELSE CASE IN LIKE GLOB MATCH REGEXP
        BETWEEN IS DISTINCT ALL RETURNING VALUES USING LIMIT OFFSET CHECK DEFAULT ESCAPE FILTER ON"""
    )
)
# Keywords that can follow a complete operand (a value, a column, a table name) in a
# query or DML statement; offering only these makes Tab after "FROM t wh" complete WHERE.
_AFTER_OPERAND = KEYWORDS & set(
    words(
        """AND AS ASC BETWEEN COLLATE CROSS DEFAULT DESC DO ELSE END ESCAPE EXCEPT FILTER FIRST
        FROM FULL GLOB GROUP HAVING IN INDEXED INNER INTERSECT IS ISNULL JOIN LAST LEFT LIKE LIMIT
        MATCH NATURAL NOT NOTNULL NULLS OFFSET ON OR ORDER OUTER OVER REGEXP RETURNING RIGHT
        SELECT SET THEN UNION USING VALUES WHEN WHERE WINDOW"""
    )
)
# Keywords that can start an expression (columns and functions are offered besides).
_EXPRESSION_STARTERS = words(
    "ALL CASE CAST CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DISTINCT EXISTS NOT NULL RAISE SELECT VALUES"
)
_NEGATED = words("IN LIKE GLOB BETWEEN MATCH REGEXP NULL")  # x NOT ...
_CONFLICT = words("ROLLBACK ABORT REPLACE FAIL IGNORE")  # INSERT OR ...
_ENDS_OPERAND = frozenset(words("NULL CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP END ASC DESC"))
_CASE_ONLY = frozenset({"WHEN", "THEN", "ELSE", "END"})
_QUERY_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "VALUES", "EXPLAIN"})
# Keywords that only a few words can follow.
_NEXT: dict[str, tuple[str, ...]] = {
    "GROUP": ("BY",),
    "ORDER": ("BY",),
    "PARTITION": ("BY",),
    "LEFT": ("JOIN", "OUTER"),
    "RIGHT": ("JOIN", "OUTER"),
    "FULL": ("JOIN", "OUTER"),
    "INNER": ("JOIN",),
    "CROSS": ("JOIN",),
    "OUTER": ("JOIN",),
    "NATURAL": ("JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS"),
    "PRIMARY": ("KEY",),
    "FOREIGN": ("KEY",),
    "NULLS": ("FIRST", "LAST"),
    "UNION": ("ALL", "SELECT", "VALUES"),
    "INTERSECT": ("SELECT", "VALUES"),
    "EXCEPT": ("SELECT", "VALUES"),
    "INSERT": ("INTO", "OR"),
    "REPLACE": ("INTO",),
    "DELETE": ("FROM",),
    "ALTER": ("TABLE",),
    "CREATE": words("TABLE VIEW INDEX UNIQUE TRIGGER TEMP TEMPORARY VIRTUAL FUNCTION"),
    "DROP": ("TABLE", "VIEW", "INDEX", "TRIGGER", "FUNCTION"),
    "TEMP": ("TABLE", "VIEW", "TRIGGER"),
    "TEMPORARY": ("TABLE", "VIEW", "TRIGGER"),
    "VIRTUAL": ("TABLE",),
    "WITHOUT": ("ROWID",),
    "DO": ("UPDATE", "NOTHING"),
    "BEGIN": ("DEFERRED", "IMMEDIATE", "EXCLUSIVE", "TRANSACTION"),
}
_OBJECT_KEYWORDS = frozenset({"TABLE", "VIEW", "INDEX", "TRIGGER"})
# PRAGMA name(arg): which names the argument is.
_PRAGMA_ARGUMENTS = {
    "table_info": "table",
    "table_xinfo": "table",
    "table_list": "table",
    "foreign_key_list": "table",
    "index_list": "table",
    "index_info": "index",
    "index_xinfo": "index",
}


class _Tok(NamedTuple):
    kind: str  # word, name (quoted), string, number, param, op, open (unterminated)
    text: str
    value: str  # words upper-cased, quoted names unquoted
    end: int


_IDENTIFIER = re.compile(r"[^\W\d][\w$]*\Z")
_OPEN_KINDS = {"comment": "comment", "name": "name", "string": "string", "blob": "string"}


def _tokens(sql: str) -> list[_Tok]:
    """Tokens of SQL, comments and space left out; an unterminated string, name or comment is "open"."""
    out = []
    make = _Tok._make  # this runs per keystroke, over the whole statement
    for kind, text, start, closed in lex(sql):
        if kind == "space":
            continue
        if not closed:  # a -- comment the text ends in is open too: the next word would be in it
            out.append(make(("open", text, _OPEN_KINDS[kind], start + len(text))))
        elif kind == "word":
            out.append(make((kind, text, text.upper(), start + len(text))))
        elif kind == "name":
            out.append(make((kind, text, unquoted(text), start + len(text))))
        elif kind != "comment":
            out.append(make(("string" if kind == "blob" else kind, text, text, start + len(text))))
    return out


def _is_kw(tok: _Tok, *words: str) -> bool:
    return tok.kind == "word" and tok.value in KEYWORDS and (not words or tok.value in words)


def _is_name(tok: _Tok) -> bool:
    return tok.kind == "name" or (tok.kind == "word" and tok.value not in KEYWORDS)


def _is_op(tok: _Tok, *ops: str) -> bool:
    return tok.kind == "op" and tok.text in ops


def _name_of(tok: _Tok) -> str:
    """The name a word or quoted name stands for."""
    return tok.value if tok.kind == "name" else tok.text


class _Ref(NamedTuple):
    """A table named in a statement, with its alias."""

    schema: str | None
    name: str
    alias: str | None


def _skip_parens(toks: Sequence[_Tok], i: int) -> int:
    """The index after the parenthesis group starting at ``toks[i]``."""
    depth = 0
    while i < len(toks):
        if _is_op(toks[i], "("):
            depth += 1
        elif _is_op(toks[i], ")"):
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _table_refs(toks: Sequence[_Tok]) -> list[_Ref]:
    """Tables a statement reads or writes: after FROM, JOIN, INTO, UPDATE, and commas in FROM."""
    refs = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        i += 1
        if not _is_kw(tok, "FROM", "JOIN", "INTO", "UPDATE"):
            continue
        if tok.value == "UPDATE" and i + 1 < n and _is_kw(toks[i], "OR"):
            i += 2  # UPDATE OR REPLACE t
        while i < n:
            schema = None
            if _is_op(toks[i], "("):  # a subquery: its columns are not known
                i = _skip_parens(toks, i)
                name = None
            elif toks[i].kind in ("word", "name"):
                name = _name_of(toks[i])
                i += 1
                if i + 1 < n and _is_op(toks[i], ".") and toks[i + 1].kind in ("word", "name"):
                    schema, name = name, _name_of(toks[i + 1])
                    i += 2
                if i < n and _is_op(toks[i], "("):  # a table-valued function
                    i = _skip_parens(toks, i)
                    name = None
            else:
                break
            alias = None
            if i < n and _is_kw(toks[i], "AS"):
                i += 1
            if i < n and _is_name(toks[i]):
                alias = _name_of(toks[i])
                i += 1
            if name is not None:
                refs.append(_Ref(schema, name, alias))
            if tok.value == "FROM" and i < n and _is_op(toks[i], ","):
                i += 1
                continue
            break
    return refs


def _ctes(toks: Sequence[_Tok]) -> dict[str, tuple[str, ...]]:
    """Common table expressions of a WITH statement, with the columns they declare."""
    if not toks or not _is_kw(toks[0], "WITH"):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    i, n = (2 if len(toks) > 1 and _is_kw(toks[1], "RECURSIVE") else 1), len(toks)
    while i < n and toks[i].kind in ("word", "name"):
        name, i = _name_of(toks[i]), i + 1
        columns: tuple[str, ...] = ()
        if i < n and _is_op(toks[i], "("):
            end = _skip_parens(toks, i)
            columns = tuple(_name_of(t) for t in toks[i + 1 : end - 1] if t.kind in ("word", "name"))
            i = end
        while i < n and _is_kw(toks[i], "AS", "NOT", "MATERIALIZED"):
            i += 1
        if i < n and _is_op(toks[i], "("):
            i = _skip_parens(toks, i)
        out[name] = columns
        if not (i < n and _is_op(toks[i], ",")):
            break
        i += 1
    return out


def _keyword_case(word: str, toks: Sequence[_Tok]) -> Callable[[str], str]:
    """Upper case, unless the user is typing lower case (the word, else the last keyword)."""
    sample = word if any(c.isalpha() for c in word) else ""
    if not sample:
        sample = next((t.text for t in reversed(toks) if _is_kw(t)), "")
    return str.lower if sample and sample == sample.lower() else str.upper


def _governor(prev: Sequence[_Tok], keywords: bool = True) -> int | None:
    """Index of the keyword that rules the cursor's position: the last one at the cursor's
    parenthesis depth, or the unmatched "(" (whichever comes later). Without ``keywords``,
    only the unmatched "(" the cursor is inside."""
    depth = 0
    for i in range(len(prev) - 1, -1, -1):
        tok = prev[i]
        if _is_op(tok, ")"):
            depth += 1
        elif _is_op(tok, "("):
            if not depth:
                return i
            depth -= 1
        elif keywords and not depth and _is_kw(tok):
            return i
    return None


def _wants_operand(prev: Sequence[_Tok]) -> bool:
    """True if a name or value is expected next, False if an operator or keyword is."""
    last = prev[-1]
    if last.kind in ("word", "name", "string", "number", "param"):
        return _is_kw(last) and last.value not in _ENDS_OPERAND
    if _is_op(last, ")"):
        return False
    if _is_op(last, "*"):  # SELECT *, t.*: a complete operand; a * b: an operator
        return not (
            len(prev) == 1 or _is_kw(prev[-2], "SELECT", "DISTINCT", "ALL") or _is_op(prev[-2], ",", ".", "(")
        )
    return True


def _quote_name(name: str, quote: str) -> str:
    """``name`` as SQL: in the quote the user opened, else quoted only if it must be."""
    if not quote:
        return quote_identifier(name)
    closer = QUOTE_CLOSERS[quote]
    return quote + (name if closer == "]" else name.replace(closer, closer * 2)) + closer


class _SqlContext:
    """What a statement expects at the cursor, as groups of candidates, best group first."""

    def __init__(self, md: Metadata, prev: list[_Tok], rest: list[_Tok], word: str, quote: str, after: str):
        self.md = md
        self.prev = prev
        self.refs = _table_refs(prev + rest)
        self.ctes = _ctes(prev + rest)
        self.quote = quote  # the quote the user opened a name with, if any
        self.paren = "" if after.lstrip()[:1] == "(" else "("
        self.case = _keyword_case(word, prev)
        first = next((t for t in prev if t.kind == "word"), None)
        self.verb = first.value if first is not None else ""

    # -- candidate groups

    def names(
        self, names: Iterable[str], kind: str, meta: Callable[[str], str] | None = None
    ) -> list[Candidate]:
        return [Candidate(n, kind, meta(n) if meta else kind, _quote_name(n, self.quote)) for n in names]

    def keywords(self, words: Iterable[str] = KEYWORDS, meta: str = "keyword") -> list[Candidate]:
        if self.quote:
            return []
        return [Candidate(self.case(w), "keyword", meta, self.case(w), loosest=PREFIX) for w in words]

    def relations(
        self, kinds: tuple[str, ...] = ("table", "view"), schema: str | None = None
    ) -> list[Candidate]:
        ctes = self.names(self.ctes, "cte") if "view" in kinds and schema is None else []
        out = [c._replace(order=-1) for c in ctes]  # the statement's own come first
        for kind in kinds:
            names = dict.fromkeys(
                r.name
                for r in self.md.relations
                if r.kind == kind and (schema is None or r.schema.lower() == schema.lower())
            )
            out += self.names(names, kind)
        return out

    def databases(self) -> list[Candidate]:
        return self.names([d for d in self.md.databases if d not in ("main", "temp")], "database")

    def columns(self, refs: Sequence[_Ref] | None = None) -> list[Candidate]:
        """Columns of the given tables, else of the statement's (else of every table)."""
        chosen = self.refs if refs is None else refs
        known = [r for ref in chosen if (r := self.relation(ref)) is not None]
        if refs is None and not known and self.md.column_count <= ALL_COLUMNS_LIMIT:
            known = list(self.md.relations)  # no table named yet, and not too many to offer
        owner: dict[str, str] = {}
        for r in known:
            for c in r.columns:
                owner.setdefault(c, r.name)
        return self.names(owner, "column", lambda c: f"column of {owner[c]}")

    def relation(self, ref: _Ref) -> Relation | None:
        """A table named in the statement: a CTE of this statement, else one in the schema."""
        if ref.schema is None:
            for name, columns in self.ctes.items():
                if name.lower() == ref.name.lower():
                    return Relation(name, "cte", "", columns)
        return self.md.relation(ref.name, ref.schema)

    def statement_tables(self) -> list[Candidate]:
        names = {ref.alias or ref.name: "alias" if ref.alias else "table" for ref in reversed(self.refs)}
        return self.names(names, "alias", names.__getitem__)

    def functions(self) -> list[Candidate]:
        if self.quote:
            return []
        out = []
        for name, kind in self.md.functions.items():
            if _IDENTIFIER.match(name):
                if name.upper().startswith("CURRENT_"):
                    continue  # CURRENT_DATE() is a syntax error; the keywords are offered
                text = name  # replace(, like(, glob( and if( are calls although keywords
            elif kind == "wasm function":
                text = quote_identifier(name)
            else:
                continue  # the -> and ->> operators
            out.append(Candidate(name, "function", kind, text + self.paren))
        return out

    def table_functions(self) -> list[Candidate]:
        """Table-valued functions, after FROM or JOIN: ``json_each(``, a Wasm one."""
        if self.quote:
            return []
        return [
            Candidate(
                n,
                "function",
                "table function" if n in SQLITE_TABLE_FUNCTIONS else "wasm table function",
                quote_identifier(n) + self.paren,
            )
            for n in self.md.table_functions
        ]

    def expression(self) -> list[list[Candidate]]:
        starters = self.keywords(_EXPRESSION_STARTERS)
        return [self.columns(), self.statement_tables(), self.functions(), starters]

    # -- deciding

    def groups(self) -> list[list[Candidate]]:
        prev = self.prev
        n = len(prev)
        if n >= 2 and _is_op(prev[-1], ".") and prev[-2].kind in ("word", "name"):
            schema = _name_of(prev[-4]) if n >= 4 and _is_op(prev[-3], ".") else None
            return self.qualified(_name_of(prev[-2]), schema)
        if all(_is_kw(t, "EXPLAIN", "QUERY", "PLAN") for t in prev) or (n > 1 and _is_kw(prev[-1], "BEGIN")):
            return [self.keywords(_STARTERS), self.keywords()]
        if len(prev) >= 2 and prev[1].text.upper() == "FUNCTION" and self.verb in ("CREATE", "DROP"):
            return self.function_statement()
        g = _governor(prev)
        operand = _wants_operand(prev)
        if g is not None and _is_op(prev[g], "("):
            return self.in_parens(g, operand)
        if not operand:
            return self.after_operand()
        return self.after_keyword(g)

    def after_operand(self) -> list[list[Candidate]]:
        """After a value, a name or ")": the keywords that can come next."""
        if self.verb in ("CREATE", "ALTER"):
            return [self.keywords(), self.keywords(_TYPE_NAMES, "type")]
        if self.verb not in _QUERY_VERBS:
            return [self.keywords()]
        cases = sum(1 for t in self.prev if _is_kw(t, "CASE")) - sum(1 for t in self.prev if _is_kw(t, "END"))
        return [self.keywords(_AFTER_OPERAND if cases > 0 else _AFTER_OPERAND - _CASE_ONLY)]

    def qualified(self, qualifier: str, schema: str | None) -> list[list[Candidate]]:
        """After ``x.``: columns of alias or table x, or tables of database x."""
        q = qualifier.lower()
        for ref in self.refs:
            if (ref.alias or "").lower() == q or (ref.name.lower() == q and self.relation(ref)):
                return [self.columns([ref])]
        if schema is None and q in (d.lower() for d in self.md.databases):
            return [self.relations(schema=qualifier)]
        return [self.columns([_Ref(schema, qualifier, None)])]

    def in_parens(self, g: int, operand: bool) -> list[list[Candidate]]:
        """Inside "(" with no keyword since: a column list, a call, a subquery ..."""
        prev = self.prev
        before = prev[g - 1] if g else None
        if before is not None and _is_name(before):
            j = g - 2
            if j >= 1 and _is_op(prev[j], "."):
                j -= 2  # schema.table (
            ruler = prev[j] if j >= 0 else None
            if ruler is not None and _is_kw(ruler, "PRAGMA"):  # PRAGMA table_info(t)
                kind = _PRAGMA_ARGUMENTS.get(before.text.lower())
                if kind == "index":
                    return [self.names(self.md.indexes, "index")]
                return [self.relations(("table",))] if kind == "table" else []
            if ruler is not None and (
                _is_kw(ruler, "INTO", "REFERENCES") or (_is_kw(ruler, "ON") and self.verb == "CREATE")
            ):  # INSERT INTO t (a, b), REFERENCES t (x), CREATE INDEX i ON t (x)
                return [self.columns([_Ref(None, _name_of(before), None)])] if operand else [self.keywords()]
            if ruler is not None and _is_kw(ruler, "TABLE") and self.verb == "CREATE":
                # column definitions: a new name, then its type and constraints
                return [self.keywords()] if operand else [self.keywords(_TYPE_NAMES, "type"), self.keywords()]
        if not operand:
            return self.after_operand()
        if before is not None and _is_kw(before, "FROM", "JOIN"):
            return [self.keywords(("SELECT", "VALUES", "WITH")), self.relations(), self.table_functions()]
        if before is not None and _is_kw(before, "USING"):
            return [self.columns()]
        return self.expression()

    def after_keyword(self, g: int | None) -> list[list[Candidate]]:
        """Right after a keyword, or after a comma or operator that the keyword ``prev[g]`` rules."""
        prev = self.prev
        kw = prev[g].value if g is not None else ""
        if kw in ("FROM", "JOIN"):
            if self.verb == "DELETE":
                return [self.relations(("table",)), self.databases()]
            return [
                self.relations(),
                self.table_functions(),
                self.databases(),
                self.keywords(("SELECT", "VALUES", "WITH")),
            ]
        if kw in ("INTO", "UPDATE", "REFERENCES") or (kw == "ON" and self.verb == "CREATE"):
            return [self.relations(("table",)), self.databases()]
        if g is not None and kw == "EXISTS" and g >= 2 and _is_kw(prev[g - 1], "IF"):
            if _is_kw(prev[g - 2], "NOT"):
                return []  # CREATE ... IF NOT EXISTS: a new name
            kw = prev[g - 2].value  # DROP TABLE IF EXISTS
        if kw in _OBJECT_KEYWORDS:
            return self.object_names(kw)
        if kw == "PRAGMA":
            return [self.names(self.md.pragmas, "pragma"), self.databases()]
        if g is not None and kw == "BY" and g >= 1 and _is_kw(prev[g - 1], "INDEXED"):
            return [self.names(self.md.indexes, "index")]
        if kw == "COLLATE":
            return [self.keywords(_COLLATIONS, "collation")]
        if kw == "AS":
            paren = _governor(prev, keywords=False)
            if paren and prev[paren - 1].text.upper() == "CAST":
                return [self.keywords(_TYPE_NAMES, "type")]
            if self.verb in ("CREATE", "WITH"):
                return [self.keywords(("SELECT", "VALUES", "WITH"))]
            return []  # an alias: a new name
        if kw in _NEXT and g == len(prev) - 1:
            return [self.keywords(_NEXT[kw])]
        if kw == "NOT" and self.verb in ("CREATE", "ALTER"):
            return [self.keywords(("NULL", "EXISTS", "DEFERRABLE"))]
        if kw == "NOT" and g is not None and g >= 1 and not _wants_operand(prev[:g]):
            return [self.keywords(_NEGATED)]
        if kw == "OR" and g == 1 and self.verb in ("INSERT", "UPDATE"):
            return [self.keywords(_CONFLICT)]
        if not kw or kw in _EXPRESSION_KEYWORDS:
            return self.expression()
        return [self.keywords()]

    def function_statement(self) -> list[list[Candidate]]:
        """libSQL's CREATE FUNCTION f LANGUAGE wasm AS '...' and DROP FUNCTION [IF EXISTS] f."""
        words = [t.text.upper() for t in self.prev[2:]]
        if self.verb == "DROP":
            if words in ([], ["IF", "EXISTS"]):
                return [
                    self.names(self.md.wasm_functions, "wasm function"),
                    [] if words else self.keywords(("IF",)),
                ]
            if words == ["IF"]:
                return [self.keywords(("EXISTS",))]
            return []
        if words[-1:] == ["LANGUAGE"]:
            return [[Candidate("wasm", "keyword", "language", "wasm", loosest=PREFIX)]]
        if len(words) >= 2 and words[-2] == "LANGUAGE":
            return [self.keywords(("AS",))]
        if words in ([], ["IF"], ["IF", "NOT"]):
            return [self.keywords(("IF", "NOT", "EXISTS"))]
        return [self.keywords(("LANGUAGE",))] if len(words) <= 4 and "AS" not in words else []

    def object_names(self, kw: str) -> list[list[Candidate]]:
        """After TABLE, VIEW, INDEX or TRIGGER: existing ones, unless one is being created."""
        if self.verb == "CREATE":
            return [self.keywords(("IF", "NOT", "EXISTS"))]
        if self.verb not in ("DROP", "ALTER", "REINDEX"):
            return [self.keywords()]
        existing = {
            "TABLE": lambda: self.relations(("table",)),
            "VIEW": lambda: self.relations(("view",)),
            "INDEX": lambda: self.names(self.md.indexes, "index"),
            "TRIGGER": lambda: self.names(self.md.triggers, "trigger"),
        }[kw]()
        return [existing, self.keywords(("IF",))]


def sql_suggestions(before: str, after: str, md: Metadata) -> list[Suggestion]:
    toks = _tokens(before)
    word, quote, start = "", "", 0
    if toks and toks[-1].end == len(before) and toks[-1].kind != "op":
        last = toks.pop()
        if last.kind == "word":
            word, start = last.text, -len(last.text)
        elif last.kind == "open" and last.value == "name":
            quote, start, word = last.text[0], -len(last.text), unquoted(last.text)
        else:
            return []  # inside a string or comment, or typing a number or parameter
    cut = max((i for i, t in enumerate(toks) if _is_op(t, ";")), default=-1)
    prev = toks[cut + 1 :]
    rest = []
    for tok in _tokens(after):
        if _is_op(tok, ";") or tok.kind == "open":
            break
        rest.append(tok)
    context = _SqlContext(md, prev, rest, word, quote, after)
    return ranked(word, start, context.groups())
