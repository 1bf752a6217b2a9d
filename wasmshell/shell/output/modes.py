"""The one table of output modes: for each its name, its renderer, what ``.mode``
and its command-line switch set, and whether ``.mode``'s error message lists it.

Everything that names modes is made from this table: the renderers
(render.py), ``.mode`` (commands/output.py), the ``-csv``, ``-box`` ...
switches and their ``-help`` lines (cli.py), and what completion offers after
``.mode``. The table imports no renderer (they load when first used), so the
command line reads it without paying for the output code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import OutputSettings

# A pair of separators (column, row); None leaves that one as it is.
Separators = tuple[str | None, str | None]
KEEP: Separators = (None, None)


class Mode:
    """One word ``.mode`` takes (and completion offers) and what it does.

    A plain class, not a NamedTuple or a dataclass: making those costs start-up time.
    """

    __slots__ = (
        "becomes", "columnar", "headers", "lazy", "listed", "matches", "name", "null",
        "preset", "renderer", "separators", "switch", "switch_help",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        renderer: str = "",  # "module:Class" in this package; "" when the word chooses another mode
        *,
        becomes: str = "",  # the mode it sets, when not its own name ("tabs" is list mode with tabs)
        matches: str | None = "",  # what .mode matches a prefix of ("" its name; None: the whole name only)
        separators: Separators = KEEP,  # what .mode sets
        switch: Separators | None = None,  # what the -NAME switch sets; None: no switch
        switch_help: str = "",  # the switch's line in -help, when not "set output mode to 'NAME'"
        columnar: bool = False,  # sized from every row; takes --wrap, --wordwrap, --quote
        headers: bool = False,  # .mode turns headers on, unless .headers was used
        listed: bool = True,  # named in .mode's error message (sqlite3's list)
        preset: tuple[int, bool, bool] | None = None,  # the (wrap, wordwrap, quote) it stands for
        lazy: bool = False,  # its renderer is loaded when first used, not with the others
        null: str = "",  # what .mode sets .nullvalue to (sqlite3 3.54 resets it with each mode)
    ) -> None:
        self.name, self.renderer, self.becomes, self.matches = name, renderer, becomes, matches
        self.separators, self.switch, self.switch_help = separators, switch, switch_help
        self.columnar, self.headers, self.listed = columnar, headers, listed
        self.preset, self.lazy, self.null = preset, lazy, null

    def __repr__(self) -> str:
        return f"Mode({self.name!r})"

    @property
    def mode(self) -> str:
        """The value of ``OutputSettings.mode`` the word sets."""
        return self.becomes or self.name

    @property
    def help(self) -> str:
        """The ``-help`` line of the mode's command-line switch."""
        return self.switch_help or f"set output mode to '{self.name}'"


_COLUMNAR = "columnar:ColumnarRenderer"

# In the order sqlite3's .mode tries them for a prefix: ".mode l" is line mode.
MODES: tuple[Mode, ...] = (
    Mode("line", "streams:LineRenderer", matches="lines", separators=(": ", "\n"), switch=(": ", "\n")),
    Mode("column", _COLUMNAR, matches="columns", separators=(None, "\n"), switch=KEEP,
         columnar=True, headers=True),
    Mode("list", "streams:ListRenderer", separators=("|", "\n"), switch=KEEP),
    Mode("html", "streams:HtmlRenderer", switch=KEEP, switch_help="set output mode to HTML", headers=True),
    Mode("tcl", "streams:TclRenderer", separators=(" ", "\n"), null='""'),
    Mode("csv", "streams:CsvRenderer", separators=(",", "\r\n"), switch=(",", "\r\n")),
    Mode("tabs", "streams:CsvRenderer", separators=("\t", "\n"), switch=("\t", "\n")),
    Mode("insert", "streams:InsertRenderer", null="NULL"),
    Mode("quote", "streams:QuoteRenderer", separators=(",", "\n"), switch=(",", "\n"), null="NULL"),
    Mode("ascii", "streams:ListRenderer", separators=("\x1f", "\x1e"), switch=("\x1f", "\x1e")),
    Mode("markdown", _COLUMNAR, switch=KEEP, columnar=True, headers=True),
    Mode("table", _COLUMNAR, switch=KEEP, columnar=True, headers=True),
    Mode("box", _COLUMNAR, switch=KEEP, columnar=True, headers=True),
    Mode("count", "streams:CountRenderer", listed=False),
    Mode("off", "streams:OffRenderer", listed=False),
    Mode("json", "streams:JsonRenderer", switch=KEEP, null="null"),
    # The interactive default: rich tables (rich is imported when it is used).
    Mode("pretty", "pretty:PrettyRenderer", listed=False, lazy=True),
    # box with values quoted as SQL; only the whole word.
    Mode("qbox", becomes="box", matches=None, columnar=True, headers=True, preset=(0, True, True),
         null="NULL"),
)  # fmt: skip

BY_NAME: dict[str, Mode] = {mode.name: mode for mode in MODES}
NAMES: tuple[str, ...] = tuple(sorted(BY_NAME))
SWITCHES: tuple[str, ...] = tuple(mode.name for mode in MODES if mode.switch is not None)
COLUMNAR: frozenset[str] = frozenset(mode.mode for mode in MODES if mode.columnar)
MODE_ERROR = "Error: mode should be one of: " + " ".join(name for name in NAMES if BY_NAME[name].listed)


def matching(word: str) -> Mode | None:
    """The mode ``.mode word`` chooses: the first whose spelling ``word`` begins, as in sqlite3."""
    if not word:
        return None
    for mode in MODES:
        if mode.matches is None:
            continue
        if (mode.matches or mode.name).startswith(word):
            return mode
    return None


def set_separators(settings: OutputSettings, separators: Separators) -> None:
    """Set the column and row separators a mode names, keeping the others."""
    colsep, rowsep = separators
    if colsep is not None:
        settings.colsep = colsep
    if rowsep is not None:
        settings.rowsep = rowsep


def apply_switch(settings: OutputSettings, name: str) -> None:
    """What the command-line switch ``-name`` sets: a little less than ``.mode`` (as in sqlite3)."""
    mode = BY_NAME[name]
    assert mode.switch is not None, name
    settings.mode = mode.mode
    set_separators(settings, mode.switch)
    if mode.columnar:
        settings.wrap = 0  # unlike .mode, the switches set no wrapping
    if not settings.headers_set:
        settings.headers = mode.headers
    settings.null = mode.null
