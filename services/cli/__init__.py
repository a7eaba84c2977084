"""The `potrack` command line (docs/contract.md §7): thin wrappers over the services."""

from services.cli import b2b, finance, read, serve, tools  # noqa: F401 - importing registers the commands
from services.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
