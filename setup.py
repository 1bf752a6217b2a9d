"""The optional C parts of wasmshell; everything else is in pyproject.toml.

``wasmshell.engine._runwasm`` lets ``run_wasm`` cache its module per
statement and calls functions of numbers without ctypes; it needs SQLite's
``sqlite3ext.h`` (Debian: libsqlite3-dev). ``wasmshell.shell.output._rows`` is the
hot loop of list and csv output. Both need a C compiler. Without one (or
the header) the build goes on and wasmshell uses its pure-Python paths.
"""

import os

from setuptools import Extension, setup

# The wasmshell command. pip's launcher for an entry point begins with "import re", a
# third of what a batch run's own code costs to start; so outside Windows (where pip must
# make an .exe) the command is the plain script bin/wasmshell, whose "#!python" pip points
# at the environment's Python.
if os.name == "nt":
    command = {"entry_points": {"console_scripts": ["wasmshell = wasmshell.cli:main"]}}
else:
    command = {"scripts": ["bin/wasmshell"]}

setup(
    **command,
    ext_modules=[
        Extension(
            "wasmshell.engine._runwasm",
            sources=[
                "wasmshell/engine/_runwasm.c",
                "wasmshell/engine/_wasmcall.c",
                "wasmshell/engine/_wasmtable.c",
                "wasmshell/engine/_rawrows.c",
                "wasmshell/engine/_bulkinsert.c",
                "wasmshell/engine/_stmtinfo.c",
                "wasmshell/engine/_scan.c",
            ],
            depends=["wasmshell/engine/_runwasm.h"],
            optional=True,
        ),
        Extension("wasmshell.shell.output._rows", sources=["wasmshell/shell/output/_rows.c"], optional=True),
    ],
)
