"""The interactive shell: prompt_toolkit editing over the same input processing as batch mode.

Enter runs the input when SQLite says it is a complete statement, or when it
is a dot-command, and otherwise starts a new line; a paste of several
statements runs them all. Ctrl-C at the prompt clears the line; during a
statement it stops the statement (see interrupt.py); a statement or an .import
that runs longer than a second shows its progress (progress.py). Ctrl-D on an
empty line leaves. History lives in ``$XDG_STATE_HOME/wasmshell/history``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..interrupt import InterruptWatcher
from ..runner import process_input
from ..state import Shell


def history_path() -> str:
    """Where history is kept: $WASMSHELL_HISTORY, else the XDG state directory
    ($XDG_STATE_HOME/wasmshell, else ~/.local/state/wasmshell, on every system)."""
    override = os.environ.get("WASMSHELL_HISTORY")
    if override:
        return override
    state = os.environ.get("XDG_STATE_HOME")
    home = os.environ.get("HOME")
    # Where platformdirs would differ from what wasmshell always did, the old
    # answer stands: it ignores a relative $XDG_STATE_HOME (as the XDG spec
    # says) and a relative HOME, which wasmshell took as they were.
    if state and not os.path.isabs(state):
        return os.path.join(state, "wasmshell", "history")
    if not state and home is not None and not os.path.isabs(home):
        return os.path.join(os.path.expanduser("~"), ".local", "state", "wasmshell", "history")
    # platformdirs' Unix rules, also on macOS, where its default would be ~/Library.
    from platformdirs.unix import Unix

    return os.path.join(Unix("wasmshell").user_state_dir, "history")


def input_is_complete(text: str) -> bool:
    """Whether Enter should run ``text`` rather than open a new line: its last part,
    read as the shell reads input, is a dot-command, a comment or complete SQL."""
    from ...sqltext import is_blank
    from ..runner import sql_is_complete
    from .highlight import split_input

    last = split_input(text)[-1] if text.strip() else None
    return last is None or last.kind != "sql" or is_blank(last.text) or sql_is_complete(last.text)


def banner(shell: Shell) -> str:
    """What the shell says when it starts."""
    from ...version import version_text

    where = (
        "Connected to a transient in-memory database.\n"
        'Use ".open FILENAME" to reopen on a persistent database.'
        if shell.path in ("", ":memory:")
        else f"Connected to {shell.path}."
    )
    return f'{version_text()}\nEnter ".help" for usage hints, ".funcs" for Wasm functions.\n{where}\n'


def _key_bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)  # Enter takes a chosen completion
            return
        buffer.cancel_completion()
        if buffer.document.is_cursor_at_the_end and input_is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("tab")
    def _tab(event: Any) -> None:
        # prompt_toolkit's own Tab finds an empty menu when it comes in the same burst as
        # the typed text (completions are computed while typing); this asks the completer.
        from .completer import complete_on_tab

        complete_on_tab(event.current_buffer)

    @bindings.add("escape", "enter")
    def _run_now(event: Any) -> None:
        event.current_buffer.validate_and_handle()  # Alt-Enter runs whatever is there

    from prompt_toolkit.filters import vi_navigation_mode

    @bindings.add("c-x", "c-e")
    @bindings.add("v", filter=vi_navigation_mode)
    def _open_in_editor(event: Any) -> None:
        event.app.create_background_task(_edit_buffer(event.current_buffer))

    return bindings


async def _edit_buffer(buffer: Any) -> None:
    """The input in the external editor (editor.py); the edited text replaces it, ready to run."""
    from prompt_toolkit.application.run_in_terminal import run_in_terminal

    from .editor import EditorError, edit_text

    edited: list[str] = []

    def edit() -> None:
        try:
            edited.append(edit_text(buffer.text))
        except EditorError as exc:
            sys.stderr.write(f"{exc}\n")

    await run_in_terminal(edit, in_executor=False)
    if edited:
        buffer.text = edited[0]
        buffer.cursor_position = len(buffer.text)


def _vi_mode_shown(session: Any) -> Any:
    """The right prompt: vi's mode (as vim shows it), nothing with emacs keys."""
    from prompt_toolkit.enums import EditingMode
    from prompt_toolkit.key_binding.vi_state import InputMode

    names = {
        InputMode.INSERT: "-- INSERT --",
        InputMode.NAVIGATION: "-- NORMAL --",
        InputMode.REPLACE: "-- REPLACE --",
        InputMode.REPLACE_SINGLE: "-- REPLACE --",
        InputMode.INSERT_MULTIPLE: "-- INSERT --",
    }

    def shown() -> Any:
        app = session.app
        if app.editing_mode != EditingMode.VI:
            return ""
        return [("class:vi-mode", names.get(app.vi_state.input_mode, ""))]

    return shown


def trim_history(path: str, keep: int) -> None:
    """Keep the last ``keep`` entries of prompt_toolkit's history file (each begins with a
    "# time" line); a file that cannot be read or written is left alone."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
    except OSError:
        return
    starts = [0] if text.startswith("# ") else []
    at = text.find("\n# ")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n# ", at + 1)
    if len(starts) <= keep:
        return
    kept = text[starts[-keep] :] if keep else ""
    try:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(kept)
    except OSError:
        pass


def make_session(shell: Shell, **overrides: Any) -> Any:
    """The prompt_toolkit PromptSession of an interactive shell (``overrides`` for tests)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    from .completer import SqlCompleter
    from .highlight import lexer_for_prompt, style

    path = history_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        trim_history(path, shell.history_size)
        history: Any = FileHistory(path)
    except OSError:
        history = InMemoryHistory()
    options: dict[str, Any] = {
        "multiline": True,
        "key_bindings": _key_bindings(),
        "history": history,
        "auto_suggest": AutoSuggestFromHistory(),
        "enable_history_search": False,
        "prompt_continuation": lambda width, line_number, wrap_count: shell.prompts[1],
        "complete_while_typing": True,
    }
    shell.completer = SqlCompleter(shell)
    options.update(completer=shell.completer, lexer=lexer_for_prompt(), style=style(shell.theme))
    options.update(overrides)
    session = PromptSession(**options)
    if "rprompt" not in overrides:
        session.rprompt = _vi_mode_shown(session)
    return session


def _pager_runs(shell: Shell) -> bool:
    """Whether a pager has the terminal (then Ctrl-C is the pager's, not the statement's)."""
    paging = shell.paging
    return paging is not None and paging.pager_runs()


def _follow_key_mode(shell: Shell, session: Any) -> None:
    """emacs or vi keys, as .keys (or the config file's key_mode) last said."""
    from prompt_toolkit.enums import EditingMode

    session.editing_mode = EditingMode.VI if shell.key_mode == "vi" else EditingMode.EMACS


def run_interactive(shell: Shell, session: Any = None) -> int:
    """Read and run input from the terminal until Ctrl-D or .quit; return the exit status."""
    shell.flags.interactive = True
    if shell.settings.mode == "list" and not shell.mode_set:
        shell.settings.mode = "pretty"
    if session is None:
        session = make_session(shell)
    if shell.progress is None:
        from .progress import Progress

        shell.progress = Progress.for_terminal(shell)  # long statements and .import show progress
    sys.stdout.write(banner(shell))
    sys.stdout.flush()
    errors = 0
    watcher = InterruptWatcher(shell.interrupt, elsewhere=lambda: _pager_runs(shell))
    try:
        while shell.exit_code is None:
            _follow_key_mode(shell, session)
            start, shell.next_input = shell.next_input or "", None  # .edit's text, if it ran
            try:
                text = session.prompt(shell.prompts[0], default=start)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line
            except EOFError:
                break
            if text.strip() and not text.lstrip().startswith("."):
                shell.last_input = text  # the last SQL, for .edit
            with watcher:
                try:
                    errors += process_input(shell, text.split("\n"), prompted=True)
                except KeyboardInterrupt:
                    shell.error("Interrupted")
            if shell.quit is not None:
                break
    finally:
        watcher.close()
        shell.flush()
    if shell.exit_code is not None:
        return shell.exit_code
    return 1 if errors else 0
