"""Compiling a large module in a child process that can be stopped.

Compiling runs no Wasm, so neither the time limit nor Ctrl-C reaches it, and
a hostile module can make Cranelift work for minutes (one 2 MB function took
35 s here). A module above ``IN_PROCESS_BYTES`` is therefore compiled by
``python -m wasmshell.engine.compiler``: it reads the binary on stdin, compiles
it with the same engine settings (and the same on-disk code cache) as the
shell, and writes wasmtime's serialized module to stdout. The shell waits
for it, stops it at the compile time limit or on Ctrl-C, and loads the result.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

IN_PROCESS_BYTES = 256 * 1024
POLL_SECONDS = 0.05


class CompileStopped(Exception):
    """The child was stopped: ``reason`` is ``"time"``, ``"interrupted"`` or what it said."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def compile_in_child(binary: bytes, limit_ms: int, interrupted: Callable[[], bool]) -> bytes:
    """Wasmtime's serialized module for ``binary``, compiled in a child process.

    Raises CompileStopped at the time limit, on ``interrupted()``, or when the
    child fails (with its message).
    """
    import wasmshell

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(wasmshell.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    env["WASMSHELL_COMPILE_CPU_SECONDS"] = str(_cpu_seconds(limit_ms))
    # The module goes in through a file: a pipe would need writing while
    # waiting (communicate() cannot be resumed with input left to send).
    with tempfile.TemporaryFile() as source:
        source.write(binary)
        source.seek(0)
        # A session of its own: Ctrl-C at the terminal reaches the shell, which stops the child.
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "wasmshell.engine.compiler"],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + limit_ms / 1000
    try:
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if interrupted():
                    raise CompileStopped("interrupted") from None
                if time.monotonic() >= deadline:
                    raise CompileStopped("time") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise CompileStopped(message[-1] if message else f"the compiler stopped (status {proc.returncode})")
    return out


def _cpu_seconds(limit_ms: int) -> int:
    # Compiling runs on every core; the child stops itself if the shell is gone.
    return int(limit_ms / 1000 * (os.cpu_count() or 1)) + 5


def main() -> int:
    """The child: binary module on stdin, serialized module on stdout, a message on stderr."""
    try:
        import resource

        seconds = int(os.environ.get("WASMSHELL_COMPILE_CPU_SECONDS", "0"))
        if seconds > 0:
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    except (ImportError, ValueError, OSError):
        pass
    import wasmtime

    from .runtime import engine_config

    binary = sys.stdin.buffer.read()
    config, _cache = engine_config()
    try:
        module = wasmtime.Module(wasmtime.Engine(config), binary)
    except wasmtime.WasmtimeError as exc:
        from .runtime import _short

        sys.stderr.write(_short(str(exc)) + "\n")
        return 1
    sys.stdout.buffer.write(bytes(module.serialize()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
