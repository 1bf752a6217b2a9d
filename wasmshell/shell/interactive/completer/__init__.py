"""Context-aware completion for the interactive shell.

Two halves, as in pgcli and litecli: a pure engine that decides what is
expected at the cursor and which names fit (``suggest``), and a thin
prompt_toolkit adapter that offers them (``SqlCompleter``). The engine needs
only the text around the cursor and a ``Metadata`` snapshot, read from the
connection by ``read_metadata``; it is tested without a terminal and imports
without prompt_toolkit, which is why ``SqlCompleter`` is built on first access.
``complete_on_tab`` is the Tab key's action for a prompt that uses it.

What is offered where:

- at the start of a line with no SQL pending: dot-commands, then their
  arguments (modes, on/off, tables, Wasm functions, file paths);
- after FROM, JOIN, INTO, UPDATE, TABLE ...: tables and views;
- in expressions: columns of the tables the statement names, then the
  statement's tables and aliases, then functions (with ``(``), then keywords;
- after ``alias.`` or ``table.``: that table's columns;
- elsewhere: keywords.

Names match case-insensitively; prefix matches rank before substring matches,
which rank before fuzzy (in-order letters) matches. Keywords match by prefix
only, in upper case unless the user is typing lower case.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..highlight import split_input
from .commands import MODES, command_suggestions
from .metadata import Metadata, Relation, dot_commands, metadata_version, read_metadata, session_metadata
from .ranking import FUZZY, PREFIX, SUBSTRING, Suggestion
from .sql import sql_suggestions

if TYPE_CHECKING:
    from ...state import Shell

__all__ = [
    "FUZZY",
    "MODES",
    "PREFIX",
    "SUBSTRING",
    "Metadata",
    "Relation",
    "Suggestion",
    "complete_on_tab",
    "dot_commands",
    "read_metadata",
    "session_metadata",
    "suggest",
]


def suggest(
    text_before_cursor: str,
    metadata: Metadata,
    text_after_cursor: str = "",
    *,
    cwd: str | None = None,
) -> list[Suggestion]:
    """What to offer at the cursor, best first.

    ``text_after_cursor`` lets the rest of the statement count (``SELECT |
    FROM t`` offers the columns of t); ``cwd`` is where relative paths start
    (the process's current directory by default).
    """
    segments = split_input(text_before_cursor)
    if not segments or (segments[-1].kind != "sql" and segments[-1].text.endswith("\n")):
        return sql_suggestions("", text_after_cursor, metadata)
    last = segments[-1]
    if last.kind == "command":
        return command_suggestions(last.text, metadata, cwd)
    if last.kind == "comment":
        return []
    return sql_suggestions(last.text, text_after_cursor, metadata)


# -- the prompt_toolkit adapter -----------------------------------------------


class _Snapshots:
    """The metadata snapshot a completer offers names from, read again when it may be stale.

    ``metadata`` is called for a fresh snapshot when one is needed: at the
    first completion, whenever ``version`` returns something new, and (at most
    once a second) while the last one was partial. A Shell may be given
    instead: its current session is read (``session_metadata``), again
    whenever ``metadata_version`` says it changed.
    """

    def __init__(
        self,
        metadata: Callable[[], Metadata] | Shell,
        *,
        cwd: Callable[[], str] | None = None,
        version: Callable[[], Any] | None = None,
    ) -> None:
        from ...state import Shell  # imported when used: importing completion stays light

        if isinstance(metadata, Shell):
            shell = metadata
            self._source: Callable[[], Metadata] = lambda: session_metadata(shell.session)
            self._version: Callable[[], Any] = lambda: metadata_version(shell.session)
        else:
            self._source = metadata
            self._version = version or (lambda: None)
        self._cwd = cwd
        self._metadata: Metadata | None = None
        self._read_at = 0.0
        self._read_version: Any = None

    @property
    def metadata(self) -> Metadata:
        """The current snapshot, read if needed."""
        md = self._metadata
        version = self._version()
        stale = version != self._read_version
        if md is None or stale or (md.partial and time.monotonic() - self._read_at > 1.0):
            self._read_at, self._read_version = time.monotonic(), version
            try:
                md = self._source()
            except Exception:  # the prompt must survive whatever the database does
                md = Metadata(partial=True)
            self._metadata = md
        return md

    def offered(self, before: str, after: str, requested: bool) -> list[Suggestion]:
        """What to offer with ``before`` and ``after`` the cursor, on Tab if ``requested``."""
        cwd = self._cwd() if self._cwd else None
        suggestions = suggest(before, self.metadata, after, cwd=cwd)
        if not suggestions:
            return []
        if requested:
            if suggestions[0].match == PREFIX:
                suggestions = [s for s in suggestions if s.match == PREFIX]
        elif suggestions[0].start_position == 0 and before[-1:] not in (".", "/"):
            return []  # nothing typed yet: do not pop up on every space or comma
        return suggestions


def _make_sql_completer() -> type:
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document

    class SqlCompleter(_Snapshots, Completer):
        """Offers ``suggest``'s suggestions to prompt_toolkit, from a metadata snapshot (``_Snapshots``).

        It works with ``complete_while_typing``: while typing, nothing pops up
        on a space; on Tab, when some names start with the word, only those
        are offered, so a unique prefix completes at once.
        """

        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
            requested = complete_event.completion_requested
            for s in self.offered(document.text_before_cursor, document.text_after_cursor, requested):
                yield Completion(s.text, s.start_position, display=s.display, display_meta=s.meta)

    return SqlCompleter


def complete_on_tab(buffer: Any) -> None:
    """What Tab should do in a prompt_toolkit Buffer: next entry of an open menu, else complete now.

    prompt_toolkit's own Tab handler loses a Tab that arrives while completions
    started by typing are still being gathered (the menu exists, empty), which
    happens whenever keys come in one burst: a fast typist, a paste, a pty
    test. This asks the buffer's completer directly instead: one completion is
    inserted, several insert their common part and open the menu.
    """
    from prompt_toolkit.completion import CompleteEvent, get_common_complete_suffix

    state = buffer.complete_state
    if state is not None and state.completions:
        buffer.complete_next()
        return
    if buffer.completer is None:
        return
    document = buffer.document
    found = list(buffer.completer.get_completions(document, CompleteEvent(completion_requested=True)))
    if len(found) == 1:
        buffer.apply_completion(found[0])
    elif found:
        common = get_common_complete_suffix(document, found)
        if common:
            buffer.insert_text(common)
        buffer.start_completion()


def __getattr__(name: str) -> Any:
    # ``SqlCompleter`` subclasses prompt_toolkit's Completer; it is made on first access
    # so that importing the engine half does not import prompt_toolkit.
    if name == "SqlCompleter":
        cls = _make_sql_completer()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
