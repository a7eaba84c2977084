"""The `potrack` command line (docs/contract.md §7): thin wrappers over the services.

The commands load in `main`, not when this package is imported: Ctrl-C during that
second of imports is then one line and exit 130, not a traceback (issue 11).
"""

import os
import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """The `potrack` entry point."""
    try:
        from services.cli.commands import app
    except KeyboardInterrupt:
        sys.stderr.write("potrack: interrupted while starting\n")
        sys.stderr.flush()
        # Nothing is open yet. A plain exit may still end in the interpreter re-raising
        # SIGINT on itself (seen: a -2 status now and then), so leave with 130 directly.
        os._exit(130)
    app()


def __getattr__(name: str) -> Any:
    """`from services.cli import app`: the app with every command registered."""
    if name == "app":
        from services.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
