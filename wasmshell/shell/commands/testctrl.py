""".testctrl, sqlite3 3.54's hidden command for SQLite's test controls: the ones its shell
offers without -unsafe-testing, with its words, output and exit statuses.

The calls go through the engine's C part (``native.test_control``): APSW does not offer
sqlite3_test_control(). Where that part is not built, .testctrl says so and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...engine import native
from .args import boolean_value
from .registry import command

if TYPE_CHECKING:
    from ..state import Shell

# SQLite's operation codes (sqlite3.h), by the name .testctrl gives each, with its usage.
_CONTROLS = {
    "byteorder": (22, ""),
    "extra_schema_checks": (29, "BOOLEAN"),
    "fk_no_action": (7, "BOOLEAN"),
    "internal_functions": (17, ""),
    "json_selfcheck": (14, "BOOLEAN"),
    "localtime_fault": (18, "BOOLEAN"),
    "optimizations": (15, "DISABLE-MASK ..."),
    "prng_restore": (6, ""),
    "prng_save": (5, ""),
    "prng_seed": (28, "SEED ?db?"),
    "seek_count": (30, ""),
    "sorter_mmap": (24, "NMAX"),
}
_GETOPT = 16

# SQLite's optimizations by bit, named as the shell names them; Flatten is another name for
# QueryFlattener. Bits 3 and 20 have no name.
_OPTIMIZATIONS = (
    "QueryFlattener", "WindowFunc", "GroupByOrder", None, "DistinctOpt", "CoverIdxScan",
    "OrderByIdxJoin", "Transitive", "OmitNoopJoin", "CountOfView", "CursorHints", "Stat4",
    "PushDown", "SimplifyJoin", "SkipScan", "PropagateConst", "MinMaxOpt", "SeekScan",
    "OmitOrderBy", "BloomFilter", None, "BalancedMerge", "ReleaseReg", "FlttnUnionAll",
    "IndexedEXpr", "Coroutines", "NullUnusedCols", "OnePass", "OrderBySubq", "StarQuery",
    "ExistsToJoin", "UnionLimit",
)  # fmt: skip
_ALL = 0xFFFFFFFF
_BY_NAME = {name.lower(): 1 << bit for bit, name in enumerate(_OPTIMIZATIONS) if name}
_BY_NAME["flatten"] = 1
_BY_NAME["all"] = _ALL
_NAMES = [name for name in _OPTIMIZATIONS if name]
_NAMES.insert(1, "Flatten")
_MOSTLY_OFF = 12  # from this many bits off, the state is written from "-All"


def _listing(shell: Shell) -> int:
    shell.out.write(
        "Available test-controls:\n"
        + "".join(f"  .testctrl {name} {usage}\n" for name, (_op, usage) in _CONTROLS.items())
    )
    return 1


def _find(shell: Shell, word: str) -> tuple[str | None, int]:
    """The control a word names (itself, or the only one it begins) and 0; else None, after the
    message, and the status sqlite3 gives (1 for an ambiguous name, 0 for an unknown one)."""
    name = word.lstrip("-")
    if name in _CONTROLS:
        return name, 0
    found = [control for control in _CONTROLS if control.startswith(name)]
    if len(found) == 1:
        return found[0], 0
    if found:
        shell.error(f'Error: ambiguous test-control: "{word}"\nUse ".testctrl --help" for help')
        return None, 1
    shell.error(f'Error: unknown test-control: {word}\nUse ".testctrl --help" for help')
    return None, 0


@command(
    "testctrl",
    "testctrl CMD ...",
    "Run various sqlite3_test_control() operations",
    safe=True,
    hidden=True,
    prefix=8,  # (sqlite3 takes no abbreviation of it)
    arguments=("words",),
    words=tuple(_CONTROLS),
    details=('                           Run ".testctrl" with no arguments for details',),
)
def _testctrl(shell: Shell, args: list[str]) -> int:
    if len(args) < 2 or args[1].lstrip("-") in ("", "help"):
        return _listing(shell)
    name, status = _find(shell, args[1])
    if name is None:
        return status
    op, usage = _CONTROLS[name]
    connection = shell.session.connection
    values = args[2:]

    def call(value: int = 0) -> int | None:
        return native.test_control(connection, op, value)

    def usage_error() -> int:
        shell.out.write(f"Usage: .testctrl {name} {usage}\n")
        return 1

    if native.test_control(connection, _GETOPT, 0) is None:
        shell.error("Error: .testctrl needs the C part of wasmshell, which is not built")
        return 1
    if name in ("byteorder", "prng_save", "prng_restore"):
        if values:
            return usage_error()
        result = call()
        if name == "byteorder":
            shell.out.write(f"{result}\n")
    elif name in ("fk_no_action", "localtime_fault", "sorter_mmap"):
        if len(values) != 1:
            return usage_error()
        call(_strtol(values[0]) if name == "sorter_mmap" else boolean_value(values[0], lambda _m: None))
    elif name == "extra_schema_checks":  # (sqlite3 3.54 as APSW ships it only ever says how to use it)
        return usage_error()
    elif name == "internal_functions":
        call()
        shell.statement_cache = False  # (a statement prepared before would keep them)
    elif name == "json_selfcheck":
        if values:
            call(boolean_value(values[0], lambda _m: None))
        else:
            shell.out.write(f"{call(-1)}\n")
    elif name == "prng_seed":
        if len(values) not in (1, 2):
            return usage_error()
        call(_strtol(values[0]))
    elif name == "seek_count":
        shell.out.write(f"{call()}\n")
    else:
        return _optimizations(shell, values, call)
    return 0


def _optimizations(shell: Shell, values: list[str], call: Callable[[int], int | None]) -> int:
    """Each argument sets the mask of disabled optimizations (a number, as strtol reads it) or
    turns one on or off (a name, ``-name`` or ``+name``; a bare name turns it on); then the
    state is written, from "+All" with what is off or, when most is, from "-All"."""
    mask = native.test_control(shell.session.connection, _GETOPT, 0) or 0
    for word in values:
        signed = word[:1] in ("+", "-")
        number = word[1:2].isdigit() if signed else word[:1].isdigit()
        name = word[1:] if signed and not number else word
        bit = _BY_NAME.get(name.lower())
        if signed and not number:
            if bit is None:
                return _no_such(shell, name)
            mask = mask | bit if word[0] == "-" else mask & ~bit
        elif bit is not None:
            mask &= ~bit
        elif number or word[-1:].isdigit():
            mask = _strtol(word) & _ALL
        else:
            return _no_such(shell, name)
    call(mask)
    shell.statement_cache = False  # (a statement prepared before keeps its plan)
    mask = native.test_control(shell.session.connection, _GETOPT, 0) or 0
    off = bin(mask).count("1") >= _MOSTLY_OFF
    names = [n for bit, n in enumerate(_OPTIMIZATIONS) if n and bool(mask >> bit & 1) != off]
    shell.out.write(" ".join(["-All" if off else "+All", *(("+" if off else "-") + n for n in names)]) + "\n")
    return 0


def _no_such(shell: Shell, name: str) -> int:
    shell.error(f'Error: no such optimization: "{name}"\nShould be one of: {" ".join(_NAMES)} All')
    return 1


def _strtol(text: str) -> int:
    """C's strtol(text, 0, 0) on a 64-bit machine: a sign, then 0x hex, 0 octal or decimal
    digits, as far as they go (0 if none); clamped to a long."""
    text = text.lstrip(" \t\n\v\f\r")
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in "+-" else text
    if body[:2].lower() == "0x" and body[2:3] and body[2] in "0123456789abcdefABCDEF":
        base, body = 16, body[2:]
    elif body[:1] == "0":
        base = 8
    else:
        base = 10
    digits = "0123456789abcdef"[:base]
    end = 0
    while end < len(body) and body[end].lower() in digits:
        end += 1
    value = sign * int(body[:end], base) if end else 0
    return max(-(1 << 63), min(value, (1 << 63) - 1))
