"""The one table of output modes: for each, what ``.mode NAME`` sets and which renderer lays it out.

sqlite3 3.54 describes each mode by what it sets in its result formatter: the
separators, the NULL text, how TEXT, BLOBs and the column names are encoded,
whether names are shown, and the layout ("style") the formatter draws. This
table holds the same facts for wasmshell's modes, plus its own interactive
table view ("pretty"). Everything that names modes is made from it: the
renderers (render.py), ``.mode`` and ``.show`` (commands/output.py), the
``-csv``, ``-box`` ... switches and their ``-help`` lines (cli.py), and what
completion offers after ``.mode``. The table imports no renderer (they load
when first used), so the command line reads it without paying for the output
code.
"""

from __future__ import annotations

from ...lean import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import OutputSettings

# OutputSettings.titles: whether column names are shown (sqlite3's bTitles)
TITLES_AUTO, TITLES_OFF, TITLES_ON, TITLES_ALWAYS = 0, 1, 2, 3
# OutputSettings.border, .wordwrap, .textjsonb: a three-way switch
AUTO, NO, YES = 0, 1, 2


class Mode:
    """One word ``.mode`` takes (and completion offers) and what it does.

    A plain class, not a NamedTuple or a dataclass: making those costs start-up time.
    """

    __slots__ = (
        "blob", "border_off", "colsep", "layout", "lazy", "literal_reals", "name", "null", "renderer",
        "rowcount", "rowsep", "split", "style", "switch", "switch_help", "text", "title_text", "titles",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        style: str,  # the layout: list, line, json, jobject, html, insert, count, off, or a columnar one
        *,
        colsep: str | None = None,  # what .mode sets; None: leaves it as it is
        rowsep: str | None = None,
        null: str | None = "",
        text: str = "plain",  # how TEXT is encoded (qrf.py)
        title_text: str | None = None,  # how the names are (None: as TEXT)
        blob: str = "auto",
        titles: int = TITLES_OFF,  # shown by default? (TITLES_AUTO: never, the layout has no names)
        layout: int = 0,  # 1: line mode, 2: columnar (takes --wrap, --widths, --align ...)
        border_off: bool = False,
        split: bool = False,  # a single column is split into several to fill the screen
        rowcount: bool = False,  # "(N rows)" after the table
        switch: bool = False,  # has a -NAME command-line switch
        switch_help: str | None = None,  # the switch's -help line, when not "set '.mode NAME'";
        # "": a switch -help does not list
        lazy: bool = False,  # its renderer is loaded when first used, not with the others
    ) -> None:
        self.name, self.style, self.colsep, self.rowsep, self.null = name, style, colsep, rowsep, null
        self.text, self.title_text, self.blob, self.titles = text, title_text or text, blob, titles
        self.layout, self.border_off, self.split, self.rowcount = layout, border_off, split, rowcount
        self.switch, self.switch_help, self.lazy = switch, switch_help, lazy
        self.renderer = _RENDERERS[style]
        self.literal_reals = style in ("json", "jobject", "insert")  # REALs as SQL literals (1e+300)

    def __repr__(self) -> str:
        return f"Mode({self.name!r})"

    @property
    def help(self) -> str:
        """The ``-help`` line of the mode's command-line switch."""
        return self.switch_help if self.switch_help is not None else f"set '.mode {self.name}'"


_COLUMNAR = "columnar:ColumnarRenderer"
_RENDERERS = {
    "list": "streams:ListRenderer",
    "line": "streams:LineRenderer",
    "json": "streams:JsonRenderer",
    "jobject": "streams:JsonRenderer",
    "html": "streams:HtmlRenderer",
    "insert": "streams:InsertRenderer",
    "count": "streams:CountRenderer",
    "off": "streams:OffRenderer",
    "box": _COLUMNAR,
    "column": _COLUMNAR,
    "table": _COLUMNAR,
    "markdown": _COLUMNAR,
    "pretty": "pretty:PrettyRenderer",
}
_ALWAYS = TITLES_ALWAYS

# In sqlite3 3.54's order, which ".mode --list" follows.
MODES: tuple[Mode, ...] = (
    Mode("ascii", "list", colsep="\x1f", rowsep="\x1e", switch=True),
    Mode("box", "box", titles=_ALWAYS, layout=2, switch=True),
    Mode("c", "list", colsep=",", rowsep="\n", null="NULL", text="tcl", blob="tcl"),
    Mode("column", "column", titles=_ALWAYS, layout=2, switch=True),
    Mode("count", "count", null=None, titles=TITLES_AUTO),
    Mode("csv", "list", colsep=",", rowsep="\r\n", text="csv", switch=True,
         switch_help="set '.mode csv -limits off'"),
    Mode("html", "html", text="html", titles=_ALWAYS, switch=True),
    Mode("insert", "insert", null="NULL", text="sql"),
    Mode("jatom", "list", colsep=",", rowsep="\n", null="null", text="json"),
    Mode("jobject", "jobject", rowsep="\n", null="null", text="json", titles=TITLES_AUTO),
    Mode("json", "json", null="null", text="json", titles=TITLES_AUTO, switch=True),
    Mode("line", "line", colsep=": ", rowsep="\n", titles=TITLES_AUTO, layout=1, switch=True),
    Mode("list", "list", colsep="|", rowsep="\n", switch=True),
    Mode("markdown", "markdown", titles=_ALWAYS, layout=2, switch=True),
    Mode("off", "off", null=None, titles=TITLES_AUTO),
    Mode("psql", "table", titles=_ALWAYS, layout=2, border_off=True, rowcount=True, switch=True,
         switch_help=""),
    Mode("qbox", "box", null="NULL", text="sql", title_text="plain", titles=_ALWAYS, layout=2),
    Mode("quote", "list", colsep=",", rowsep="\n", null="NULL", text="sql", switch=True),
    Mode("split", "column", layout=2, split=True),
    Mode("table", "table", titles=_ALWAYS, layout=2, switch=True),
    Mode("tabs", "list", colsep="\t", rowsep="\n", text="csv", switch=True),
    Mode("tcl", "list", colsep=" ", rowsep="\n", null='""', text="tcl", blob="tcl"),
    # The interactive default: rich tables (rich is imported when it is used).
    Mode("pretty", "pretty", lazy=True),
)  # fmt: skip

BY_NAME: dict[str, Mode] = {mode.name: mode for mode in MODES}
# What .mode takes besides the modes themselves: sqlite3 3.54's defaults for a pipe and a terminal.
DEFAULTS = ("batch", "tty")
NAMES: tuple[str, ...] = tuple(sorted((*BY_NAME, *DEFAULTS)))
SWITCHES: tuple[str, ...] = tuple(mode.name for mode in MODES if mode.switch)
COLUMNAR: frozenset[str] = frozenset(mode.name for mode in MODES if mode.layout == 2)
# The layouts that show the names of a result without rows (--titles always) ...
TITLED = frozenset({"list", "html", "box", "column", "table", "markdown"})
# ... and that end with a row count (--rowcount), so a result without rows shows
COUNTED = TITLED | {"line", "insert"}

# sqlite3 3.54's default limits (.mode --limits on): lines per value, characters, title width
LIMITS_ON = (5, 300, 20)
MULTI_INSERT = 3000  # bytes per INSERT of the "tty" mode


def change(settings: OutputSettings, name: str) -> None:
    """What ``.mode NAME`` (or its switch) sets: the mode's separators, NULL text, encodings,
    whether names show (unless ``.headers`` was used), border and row count; the rest stays."""
    if name == "batch":
        headers_set = settings.headers_set
        settings.reset()
        change(settings, "list")
        settings.line_limit = settings.char_limit = settings.title_limit = 0
        settings.headers_set = headers_set
        return
    if name == "tty":
        headers_set = settings.headers_set
        settings.reset()
        change(settings, "qbox")
        settings.auto_width = True
        settings.text = "relaxed"
        settings.line_limit, settings.char_limit, settings.title_limit = LIMITS_ON
        settings.textjsonb = YES
        settings.multiinsert = MULTI_INSERT
        settings.headers_set = headers_set
        return
    mode = BY_NAME[name]
    settings.mode = name
    if mode.colsep is not None:
        settings.colsep = mode.colsep
    if mode.rowsep is not None:
        settings.rowsep = mode.rowsep
    if mode.null is not None:
        settings.null = mode.null
    settings.text, settings.blob = mode.text, mode.blob
    if not settings.headers_set:
        settings.titles = mode.titles
    settings.title_text = mode.title_text
    settings.border = NO if mode.border_off else AUTO
    settings.split = mode.split
    if mode.split:
        settings.auto_width = True
    settings.rowcount = mode.rowcount
