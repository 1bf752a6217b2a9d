"""Compiled code kept on disk between runs (wasmtime's own cache).

The runtime is process-wide, so each scenario runs in fresh interpreters."""

from __future__ import annotations

from pathlib import Path

from conftest import run_python, wat_path

FIB = f"""
import wasmshell
s = wasmshell.connect()
s.register_module(open({str(wat_path("fib"))!r}).read())
print(s.execute("select fib(20)").fetchall()[0][0], s.runtime.code_cache)
"""


def run_fib(cache: str) -> tuple[str, str]:
    proc = run_python(FIB, env_extra={"WASMSHELL_CODE_CACHE": cache})
    assert proc.returncode == 0, proc.stderr.decode()
    value, where = proc.stdout.decode().split()
    return value, where


def compiled_files(directory: Path) -> list[Path]:
    return [p for p in (directory / "code" / "modules").glob("wasmtime-*/*") if p.suffix != ".stats"]


def test_compiled_code_is_kept_for_the_next_run(tmp_path):
    assert run_fib(str(tmp_path)) == ("6765", str(tmp_path))
    kept = compiled_files(tmp_path)
    # One entry, in a directory named for wasmtime's version: a new wasmtime
    # or engine configuration never reads it.
    assert len(kept) == 1 and kept[0].stat().st_size > 0
    assert run_fib(str(tmp_path)) == ("6765", str(tmp_path))
    assert compiled_files(tmp_path) == kept


def test_a_damaged_cache_entry_is_compiled_again(tmp_path):
    run_fib(str(tmp_path))
    entries = compiled_files(tmp_path)
    assert entries
    damage = b"\0asm not really compiled code" * 10
    for entry in entries:
        entry.write_bytes(damage)
    assert run_fib(str(tmp_path))[0] == "6765"
    # and the damaged entry was replaced by good code
    assert all(entry.read_bytes() != damage for entry in compiled_files(tmp_path))


def test_the_cache_can_be_turned_off(tmp_path):
    assert run_fib("off") == ("6765", "None")


def test_an_unusable_cache_directory_leaves_compiling_as_it_was(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert run_fib(str(blocker / "cache")) == ("6765", "None")


def test_the_default_is_the_users_cache_directory(tmp_path):
    proc = run_python(
        "import os; os.environ.pop('WASMSHELL_CODE_CACHE', None)\n"
        "from wasmshell.engine.compiler import code_cache_dir\n"
        "print(code_cache_dir())",
        env_extra={"XDG_CACHE_HOME": str(tmp_path)},
    )
    assert proc.stdout.decode().strip() == str(tmp_path / "wasmshell" / "compiled")
