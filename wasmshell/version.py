"""The version line that ``--version``, ``.version`` and the interactive banner show."""

from __future__ import annotations


def version_text() -> str:
    """wasmshell, SQLite and wasmtime versions, one line."""
    from importlib import metadata

    import apsw

    from . import __version__

    try:
        wasmtime_version = metadata.version("wasmtime")
    except metadata.PackageNotFoundError:  # pragma: no cover
        wasmtime_version = "unknown"
    return (
        f"wasmshell {__version__} (SQLite {apsw.sqlite_lib_version()}, "
        f"APSW {apsw.apsw_version()}, wasmtime {wasmtime_version})"
    )
