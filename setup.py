"""The optional C part of wasmshell; everything else is in pyproject.toml.

``wasmshell.engine._runwasm`` lets ``run_wasm`` cache its module per
statement (see the C file). It needs a C compiler and SQLite's
``sqlite3ext.h`` (Debian: libsqlite3-dev). Without them the build goes on
and wasmshell uses its pure-Python ``run_wasm``.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "wasmshell.engine._runwasm",
            sources=["wasmshell/engine/_runwasm.c"],
            optional=True,
        )
    ]
)
