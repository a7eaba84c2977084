"""Every `potrack` command registered on one Typer app (docs/contract.md §7)."""

from services.cli import (  # noqa: F401 - importing registers the commands
    b2b,
    finance,
    portal,
    read,
    serve,
    tools,
)
from services.cli.common import app

__all__ = ["app"]
