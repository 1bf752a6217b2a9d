"""The engine's settings and compiled-code cache, and a large module compiled in a child process.

``engine_config`` is shared by the shell's engine and the child's, so that
code compiled by either is valid in both (wasmtime keys its code cache on the
settings too).

Compiling runs no Wasm, so neither the time limit nor Ctrl-C reaches it, and
a hostile module can make Cranelift work for minutes (one 2 MB function took
35 s here). A module above ``IN_PROCESS_BYTES`` is therefore compiled by
``python -m wasmshell.engine.compiler``: it reads the binary on stdin, compiles
it with the same engine settings (and the same on-disk code cache) as the
shell, and writes wasmtime's serialized module to stdout. The shell waits
for it, stops it at the compile time limit or on Ctrl-C, and loads the result.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime

from .errors import wasmtime_message

IN_PROCESS_BYTES = 256 * 1024
POLL_SECONDS = 0.05
CODE_CACHE_ENV = "WASMSHELL_CODE_CACHE"  # a directory, or "off"


def engine_config() -> tuple[wasmtime.Config, Path | None]:
    """The engine's settings (shared with compiler.py's child) and the code cache it uses."""
    config = wasmtime.Config()
    config.epoch_interruption = True
    # Linear memory never moves, so a view of it stays valid until it grows.
    config.memory_may_move = False
    return config, _use_code_cache(config, code_cache_dir())


def code_cache_dir() -> Path | None:
    """Where compiled code is kept between runs, or None when the cache is off.

    ``$WASMSHELL_CODE_CACHE`` names a directory or turns the cache ``off``;
    the default is the user's cache directory (``$XDG_CACHE_HOME/wasmshell``).
    """
    setting = os.environ.get(CODE_CACHE_ENV)
    if setting is not None:
        return None if setting.strip().lower() in ("", "off", "no", "0") else Path(setting)
    import platformdirs

    return Path(platformdirs.user_cache_dir("wasmshell")) / "compiled"


def _use_code_cache(config: wasmtime.Config, directory: Path | None) -> Path | None:
    """Turn on wasmtime's own code cache in ``directory``; None if it cannot be used.

    wasmtime keys each entry on the module's bytes, its own version and the
    engine's configuration, so a changed engine never reads old code. The
    cache is an optimisation: any failure leaves compiling as it was.
    """
    if directory is None:
        return None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        settings = directory / "wasmtime-cache.toml"
        # A JSON string is a valid TOML basic string.
        text = f"[cache]\ndirectory = {json.dumps(str(directory / 'code'))}\n"
        if not settings.exists() or settings.read_text() != text:
            settings.write_text(text)
        config.cache = str(settings)
    except (OSError, wasmtime.WasmtimeError):
        return None
    return directory


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
    # Only a large module needs these: the first call of a small one does not wait for them.
    import subprocess
    import tempfile

    # The directory holding the wasmshell package (this file is wasmshell/engine/compiler.py).
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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
    binary = sys.stdin.buffer.read()
    config, _cache = engine_config()
    try:
        module = wasmtime.Module(wasmtime.Engine(config), binary)
    except wasmtime.WasmtimeError as exc:
        sys.stderr.write(wasmtime_message(str(exc)) + "\n")
        return 1
    sys.stdout.buffer.write(bytes(module.serialize()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
