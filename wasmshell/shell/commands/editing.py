"""The interactive editor's commands: ``.keys`` (emacs or vi) and ``.edit`` (the last statement
in an external editor, back at the next prompt)."""

from __future__ import annotations

from ...lean import TYPE_CHECKING
from .registry import command, usage_error

if TYPE_CHECKING:
    from ..state import Shell

KEY_MODES = ("emacs", "vi")


@command(
    "keys", "keys [emacs|vi]", "Edit the input with emacs keys (the default) or vi keys",
    safe=True, arguments=("words",), words=KEY_MODES,
    details=("With no argument, show which keys are in use.", "The config file's key_mode sets it at start."),
)  # fmt: skip
def _keys(shell: Shell, args: list[str]) -> int:
    if len(args) == 1:
        shell.out.write(f"{shell.key_mode}\n")
        return 0
    if len(args) != 2 or args[1] not in KEY_MODES:
        return usage_error(shell, "keys")
    shell.key_mode = args[1]
    return 0


@command(
    "edit", "edit", "Open the last statement in $VISUAL or $EDITOR; it comes back at the prompt",
    details=(
        "The edited text is the next prompt's input, ready to run with Enter.",
        "Ctrl-X Ctrl-E (v in vi's normal mode) does the same with the input being typed.",
    ),
)  # fmt: skip
def _edit(shell: Shell, args: list[str]) -> int:
    if len(args) != 1:
        return usage_error(shell, "edit")
    if not shell.flags.interactive:
        shell.error("Error: .edit works in the interactive shell only")
        return 1
    from ..interactive.editor import EditorError, edit_text

    try:
        shell.next_input = edit_text(shell.last_input)
    except EditorError as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0
