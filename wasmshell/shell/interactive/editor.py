"""An external editor for the input: Ctrl-X Ctrl-E (``v`` in vi's normal mode) at the prompt, and
``.edit`` for the last statement run, as pgcli's ``\\e``.

The editor is ``$VISUAL``, else ``$EDITOR``, else the first of ``editor``, ``nano`` and ``vi``
found on the PATH; it edits a temporary ``.sql`` file, and what it leaves there comes back
as the input. An editor that cannot start or fails leaves the input as it was, with one line
that says why.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile

FALLBACKS = ("editor", "nano", "vi")


class EditorError(Exception):
    """The editor could not be started or failed; the message is for the user."""


def editor_command() -> list[str]:
    """The editor to run, as words (``$VISUAL`` and ``$EDITOR`` may hold options)."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError as exc:
                raise EditorError(f"cannot read ${variable} ({value!r}): {exc}") from None
    for name in FALLBACKS:
        if shutil.which(name):
            return [name]
    raise EditorError("no editor to open: set $VISUAL or $EDITOR")


def edit_text(text: str) -> str:
    """``text`` as the user leaves it in the editor (its final line break dropped)."""
    command = editor_command()
    fd, path = tempfile.mkstemp(prefix="wasmshell-", suffix=".sql")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text + "\n" if text else "")
        try:
            status = subprocess.call([*command, path])
        except OSError as exc:
            raise EditorError(f'cannot start the editor "{command[0]}": {exc.strerror}') from None
        if status != 0:
            raise EditorError(f'the editor "{command[0]}" ended with status {status}: the input is as it was')
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            edited = handle.read()
    finally:
        os.unlink(path)
    return edited[:-1] if edited.endswith("\n") else edited
