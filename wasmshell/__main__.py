"""``python -m wasmshell``."""

from .cli import main

raise SystemExit(main())
