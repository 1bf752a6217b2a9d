"""The config file: ``$XDG_CONFIG_HOME/wasmshell/config.toml`` (else ``~/.config/wasmshell``).

A flat TOML table of the settings in ``SETTINGS``, for instance::

    key_mode = "vi"
    pager = "less -S"
    max_rows = 100
    timeout_ms = 20000

The Wasm limits apply to every run; the rest shape the interactive shell only, so
that a piped script's output stays sqlite3's whatever the file says. The init file
and the command line come after it, so their values win. A file that cannot be used
(bad TOML, an unknown key, a value of the wrong type) is ignored whole, with one
warning naming the file, the line and the key: the shell starts with the defaults.

``Sources`` remembers what each setting was after each stage of the start (the
defaults, this file, the init file, the command line), which is how ``.show`` says
where a setting's value came from.
"""

from __future__ import annotations

import os
import stat

from ..engine.limits import LARGEST, Limits
from ..lean import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .state import Shell

FILE_NAME = "config.toml"
MAX_BYTES = 1 << 20  # a config file is a few lines: anything larger is refused unread
LIMIT_KEYS = tuple(Limits._fields)  # timeout_ms, memory_mb, ... as Limits names them
THEMES_WITHOUT_PYGMENTS = ("default", "plain")  # wasmshell's own colours, and none


class Setting:
    """One key of the config file: its type, default, and how it is read from and set on a shell.

    A plain class, not a NamedTuple or a dataclass: making those costs start-up time.
    """

    __slots__ = ("check", "default", "get", "help", "name", "put")

    def __init__(
        self,
        name: str,
        default: Any,
        help: str,
        check: Callable[[Any], str | None],
        get: Callable[[Shell], Any],
        put: Callable[[Shell, Any], None],
    ) -> None:
        self.name, self.default, self.help = name, default, help
        self.check, self.get, self.put = check, get, put


def _is_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _is_text(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _whole(least: int, most: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and least <= value <= most:
            return None
        return f"a whole number from {least:,} to {most:,}"

    return check


def _one_of(*words: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in words else " or ".join(f'"{w}"' for w in words)

    return check


def _pager_value(value: Any) -> str | None:
    if isinstance(value, bool) or (isinstance(value, str) and value.strip()):
        return None
    return "true, false or a command"


THEME_WORDS = '"default", "plain" or the name of a pygments style (monokai, solarized-light, ...)'


def _theme_value(value: Any) -> str | None:
    if not isinstance(value, str):
        return "a string"
    if value in THEMES_WITHOUT_PYGMENTS:
        return None
    if not value.replace("-", "").replace("_", "").isalnum() or not value.isascii():
        return THEME_WORDS  # (a style is found by importing a module of its name)
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:
        get_style_by_name(value)
    except ClassNotFound:
        return THEME_WORDS
    return None


def _set_prompt(shell: Shell, prompt: str) -> None:
    shell.prompts = (prompt, shell.prompts[1])


def _set_timer(shell: Shell, on: bool) -> None:
    shell.flags.timer = 2 if on else 0


def _set_pager(shell: Shell, value: bool | str) -> None:
    # shell.pager: None off, "" $PAGER (else less -SRFX), or the command to run
    shell.pager = ("" if value else None) if isinstance(value, bool) else value


def _get_pager(shell: Shell) -> bool | str:
    pager = shell.pager
    return pager if pager else pager is not None


def _attribute(name: str) -> tuple[Callable[[Shell], Any], Callable[[Shell, Any], None]]:
    return (lambda shell: getattr(shell, name)), (lambda shell, value: setattr(shell, name, value))


def _limit(key: str) -> Setting:
    return Setting(
        key, getattr(Limits(), key), "Wasm limit (.wasmlimits)", _whole(1, LARGEST[key]),
        lambda shell: getattr(shell.limits, key),
        lambda shell, value: shell.set_limits(shell.limits._replace(**{key: value})),
    )  # fmt: skip


SETTINGS: tuple[Setting, ...] = (
    Setting("key_mode", "emacs", "editing keys: emacs or vi", _one_of("emacs", "vi"),
            *_attribute("key_mode")),
    Setting(
        "pager", True, "page output taller than the screen: true, false or a command", _pager_value,
        _get_pager, _set_pager,
    ),
    Setting(
        "wide", "pager", "a table wider than the screen: pager, vertical or fit",
        _one_of("pager", "vertical", "fit"), *_attribute("wide"),
    ),
    Setting("theme", "default", "input colours: default, plain or a pygments style", _theme_value,
            *_attribute("theme")),
    Setting(
        "max_rows", 40, "rows the table view shows (0: all)", _whole(0, 1 << 31),
        lambda shell: shell.settings.maxrows, lambda shell, n: setattr(shell.settings, "maxrows", n),
    ),
    Setting(
        "null_display", "", "how NULL is shown (.nullvalue)", _is_text,
        lambda shell: shell.settings.null, lambda shell, text: setattr(shell.settings, "null", text),
    ),
    Setting("history_size", 10000, "entries kept in the history file", _whole(0, 10_000_000),
            *_attribute("history_size")),
    Setting("prompt", "wasmshell> ", "the main prompt (.prompt)", _is_text,
            lambda shell: shell.prompts[0], _set_prompt),
    Setting("timer", False, "show each statement's time (.timer)", _is_bool,
            lambda shell: shell.flags.timer == 2, _set_timer),
    *(_limit(key) for key in LIMIT_KEYS),
)  # fmt: skip
BY_NAME = {setting.name: setting for setting in SETTINGS}


class Config:
    """What the config file says: ``values`` by key, the ``line`` each is on, and the
    ``warning`` that made the whole file be ignored (then ``values`` is empty)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}
        self.warning: str | None = None

    def limits(self, base: Limits) -> Limits:
        """``base`` with the limits the file sets."""
        return base._replace(**{key: self.values[key] for key in LIMIT_KEYS if key in self.values})

    def apply_interactive(self, shell: Shell) -> None:
        """Set the interactive settings the file gives (the limits are set by ``limits``)."""
        for key, value in self.values.items():
            if key not in LIMIT_KEYS:
                BY_NAME[key].put(shell, value)


def read_config(path: str) -> Config:
    """The config file at ``path`` (cli.config_directory's FILE_NAME); an empty Config if there is
    none. Only a regular file of at most MAX_BYTES is read: a FIFO there would block the start, a
    device or a huge file would not end."""
    found = Config(path)
    try:
        with open(path, "rb", opener=_open_without_blocking) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                found.warning = _warning(path, None, None, "not a regular file")
                return found
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        found.warning = f"cannot read config file {path}: {exc.strerror}; starting with the defaults"
        return found
    if len(data) > MAX_BYTES:
        found.warning = _warning(path, None, None, f"larger than {MAX_BYTES // 1024} KiB")
        return found
    return parse_config(path, data)


def _open_without_blocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def parse_config(path: str, data: bytes) -> Config:
    """The settings in ``data``, the text of the config file ``path``."""
    import tomllib

    found = Config(path)
    try:
        text = data.decode("utf-8")
        table = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        found.warning = _warning(path, line, None, "not UTF-8 text")
        return found
    except tomllib.TOMLDecodeError as exc:
        message, _, where = str(exc).partition(" (at line ")
        line = int(where.split(",")[0]) if where[:1].isdigit() else None
        found.warning = _warning(path, line, None, f"not TOML: {message}")
        return found
    lines = _key_lines(text)
    for key, value in table.items():
        setting = BY_NAME.get(key)
        problem = "unknown setting" if setting is None else setting.check(value)
        if problem is not None:
            if setting is not None:
                problem = f"must be {problem}, not {value!r}"
            found.warning = _warning(path, lines.get(key), key, problem)
            return found
    found.values, found.lines = table, {key: lines[key] for key in table if key in lines}
    return found


def _key_lines(text: str) -> dict[str, int]:
    """The line each top-level key (or table, ``[name]``) is first written on: tomllib keeps
    no positions. A dotted or quoted key is found by its first part."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            key = stripped.strip("[] ").split(".")[0]
        elif "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].split(".")[0]
        else:
            continue
        lines.setdefault(key.strip().strip("\"'"), number)
    return lines


def _warning(path: str, line: int | None, key: str | None, problem: str) -> str:
    where = path + (f", line {line}" if line else "") + (f', key "{key}"' if key else "")
    return f"warning: config file {where}: {problem}; starting with the defaults"


# -- where each setting came from ------------------------------------------------------


class Sources:
    """The settings' values after each stage of the start (the config file, the command line's
    limits, the init file, the other options), to tell where each value came from."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stages: list[tuple[str, dict[str, Any]]] = [("default", {s.name: s.default for s in SETTINGS})]

    def record(self, shell: Shell, stage: str) -> None:
        """Keep the values now, as what ``stage`` left."""
        self.stages.append((stage, {s.name: s.get(shell) for s in SETTINGS}))

    def source(self, shell: Shell, setting: Setting) -> str:
        """Where ``setting``'s value now comes from: the last stage that changed it."""
        name = setting.name
        if setting.get(shell) != self.stages[-1][1][name]:
            return "set in this session"
        said = "default"
        for (_, before), (stage, after) in zip(self.stages, self.stages[1:], strict=False):
            if after[name] != before[name]:
                said = stage
        if said == "config file" and name in self.config.lines:
            said += f", line {self.config.lines[name]}"
        return said


def shown_value(value: Any) -> str:
    """A setting's value as ``.show`` writes it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
