"""The benchmarks' native anchor: native_functions.c built with ``cc`` and loaded into a connection.

anchor = NativeAnchor.build()      # None, with the reason in NativeAnchor.why_not, without cc
anchor.load(session)               # c_add1, c_reverse_text, c_fib, c_isum on its connection
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "native_functions.c"
ENTRY = "sqlite3_nativefunctions_init"


class NativeAnchor:
    """The samples' functions compiled as a C SQLite extension."""

    why_not = ""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def build(cls) -> NativeAnchor | None:
        """Compile the extension into a temporary directory; None (``why_not`` says why) if it cannot be."""
        compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if compiler is None:
            cls.why_not = "no C compiler (cc)"
            return None
        suffix = ".dylib" if sys.platform == "darwin" else ".so"
        out = Path(tempfile.mkdtemp(prefix="wasmshell-bench-")) / f"native_functions{suffix}"
        command = [compiler, "-O2", "-shared", "-fPIC", str(SOURCE), "-o", str(out)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            cls.why_not = f"cc failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}"
            return None
        return cls(out)

    @staticmethod
    def wasm_fib() -> bytes | None:
        """fib.c compiled to a Wasm module exporting ``cfib`` (clang -O2, as the anchor's own fib is
        compiled with cc -O2), or None without clang and wasm-ld."""
        clang = shutil.which("clang")
        if clang is None:
            return None
        out = Path(tempfile.mkdtemp(prefix="wasmshell-bench-")) / "fib.wasm"
        command = [clang, "--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--export=cfib"]
        done = subprocess.run([*command, "-o", str(out), str(SOURCE.parent / "fib.c")], capture_output=True)
        return out.read_bytes() if done.returncode == 0 and out.exists() else None

    def load(self, session: object) -> None:
        """Load the extension into a wasmshell session's connection (as the shell's .load does)."""
        from wasmshell.engine import native

        native.load_extension(session.connection, str(self.path), ENTRY)  # type: ignore[attr-defined]
