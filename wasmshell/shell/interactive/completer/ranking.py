"""How completions are matched and ordered: prefix before substring before fuzzy matches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    pass


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PREFIX, SUBSTRING, FUZZY = 0, 1, 2  # how a suggestion matches the word at the cursor


class Suggestion(NamedTuple):
    """One completion: ``text`` replaces the ``-start_position`` characters before the cursor.

    ``kind`` is what it is (keyword, table, view, column, alias, function,
    command, argument, option, path, ...); ``match`` is PREFIX, SUBSTRING or FUZZY.
    """

    text: str
    start_position: int
    display: str
    meta: str
    kind: str
    match: int


def match_quality(word: str, name: str, loosest: int = FUZZY) -> int | None:
    """How ``name`` matches what was typed (in any case), or None; no looser than ``loosest``."""
    w, n = word.lower(), name.lower()
    if n.startswith(w):
        return PREFIX
    if loosest < SUBSTRING:
        return None
    if w in n:
        return SUBSTRING
    if loosest < FUZZY:
        return None
    pos = 0
    for ch in w:
        pos = n.find(ch, pos) + 1
        if not pos:
            return None
    return FUZZY


class Candidate(NamedTuple):
    """Something that could be offered: ``name`` is matched and shown, ``text`` inserted."""

    name: str
    kind: str
    meta: str
    text: str
    loosest: int = FUZZY  # keywords match by prefix only
    order: int = 0  # a tie-break within a group, before the name
    match: int | None = None  # already known (file names are matched on their last part)


def ranked(word: str, start: int, groups: Iterable[Iterable[Candidate]]) -> list[Suggestion]:
    """Suggestions from candidate groups: by match quality, then group, then name; no duplicates."""
    keyed = []
    for rank, group in enumerate(groups):
        for c in group:
            how = c.match if c.match is not None else match_quality(word, c.name, c.loosest)
            if how is not None:
                s = Suggestion(c.text, start, c.name, c.meta, c.kind, how)
                keyed.append(((how, rank, c.order, c.name.lower(), c.name), s))
    keyed.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    out = []
    for _, s in keyed:
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out
