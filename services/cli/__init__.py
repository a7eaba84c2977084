"""The `potrack` command line (docs/contract.md §7): thin wrappers over the services."""

from services.cli import (  # noqa: F401 - importing registers the commands
    b2b,
    finance,
    portal,
    read,
    serve,
    tools,
)
from services.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
