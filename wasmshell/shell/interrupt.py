"""SIGINT (Ctrl-C) while a statement runs: stop it, SQL or Wasm, within a fraction of a second.

A Python signal handler runs only between bytecodes of the main thread, and
the main thread spends a long statement inside SQLite or inside Wasm code, in
C -- or blocked writing output nobody reads. So the signal is also written to
a wakeup file descriptor (``signal.set_wakeup_fd``), and a watcher thread
that waits on it calls the session's ``interrupt()``: SQLite's
``sqlite3_interrupt`` stops SQL, and the Wasm runtime's epoch callback sees
the flag within one tick. As in sqlite3, the third SIGINT while the watcher
is active ends the process at once, with status 1: a way out of anything
that does not stop.
"""

from __future__ import annotations

import _signal  # signal without its enums: importing signal brings enum, milliseconds at start-up
import _thread  # threading's own layer: importing threading costs start-up time too
import os

from ..lean import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

EXIT_AFTER = 3  # sqlite3's interrupt_handler exits on the third SIGINT
EXIT_MESSAGE = b"Program interrupted.\n"


class InterruptWatcher:
    """While active, SIGINT calls ``on_interrupt`` (from a thread) instead of raising.

    ``count`` is the number of SIGINTs since the watcher was last entered.
    """

    def __init__(self, on_interrupt: Callable[[], None], elsewhere: Callable[[], bool] | None = None) -> None:
        """``elsewhere()`` says whether a SIGINT now is another program's (the pager's, which has
        the terminal): then it neither interrupts nor counts."""
        self.on_interrupt = on_interrupt
        self.elsewhere = elsewhere or (lambda: False)
        self.count = 0
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        _thread.start_new_thread(self._watch, ())  # a daemon: it never holds the process open
        self._active = False
        self._previous_handler: object = None
        self._previous_fd = -1

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._read_fd, 64)
            except OSError:
                return
            if not data:
                return
            # The C-level handler writes one byte per signal: each SIGINT counts.
            for _ in range(data.count(_signal.SIGINT) if self._active and not self.elsewhere() else 0):
                self._fire()

    def _fire(self) -> None:
        self.count += 1
        if self.count >= EXIT_AFTER:
            # The main thread may be stuck (in C, or writing to a pipe nobody
            # reads): leave from here, without flushing what it holds.
            try:  # noqa: SIM105  # contextlib costs start-up time
                os.write(2, EXIT_MESSAGE)
            except OSError:
                pass
            os._exit(1)
        try:  # noqa: SIM105  # contextlib costs start-up time
            self.on_interrupt()
        except Exception:  # an interrupt must never take the shell down
            pass

    def _handler(self, _signum: int, _frame: object) -> None:
        # Counted by the watcher thread through the wakeup fd; this handler
        # only keeps Python from raising KeyboardInterrupt.
        pass

    def __enter__(self) -> InterruptWatcher:
        self.count = 0
        self._previous_handler = _signal.signal(_signal.SIGINT, self._handler)
        self._previous_fd = _signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        self._active = True
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._active = False
        _signal.set_wakeup_fd(self._previous_fd)
        _signal.signal(_signal.SIGINT, self._previous_handler)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop the watcher thread."""
        os.close(self._write_fd)
        os.close(self._read_fd)
