"""Shared pieces of the `potrack` command line: the app, settings, one-line errors."""

import sys
from datetime import datetime
from typing import Annotated, NoReturn

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.markup import escape

from projections.sla import SlaPolicy
from projections.views import PROJECTION_NAMES
from schemas.instants import parse_instant
from services.logging import configure
from services.runtime import tune_gc
from services.settings import Settings
from services.store.events import EventStore
from services.store.views import ViewDB

app = typer.Typer(
    help="potrack: purchase order distribution tracking on Kafka.\n\n"
    "Settings come from POTRACK_* environment variables "
    "(POTRACK_KAFKA_BOOTSTRAP_SERVERS, POTRACK_STORE_URL, ...).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Piped output is read by people too (less, CI logs): do not squeeze tables into 80 columns.
out = Console(width=None if sys.stdout.isatty() else 150)
# Errors are one line however narrow or absent the terminal: no wrapping.
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # The message is text, not Rich markup: "[mail]" or "[suppliers.X]" must stay visible.
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    tune_gc()
    s = Settings()
    configure(s.log_level, s.log_format)
    return s


def sla_policy(s: Settings) -> SlaPolicy:
    """The SLA policy of the settings, or exit 2 with one line saying what is wrong."""
    try:
        return s.sla_policy()
    except ValueError as exc:
        fail(str(exc), 2)


def open_store(s: Settings, cache_size: int = 0) -> EventStore:
    try:
        return EventStore(s.store_url, cache_size=cache_size)
    except (PersistenceError, OSError, ValueError) as exc:
        fail(f"cannot open the event store {redact(s.store_url)}: {exc}")


def redact(url: str) -> str:
    """A store URL without its password, for messages."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('@', 1)[1]}"


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 `--as-of` (the API's `as_of` rule), or exit 2 with one line."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        fail(f"--as-of: {exc}", 2)


Names = Annotated[
    list[str] | None,
    typer.Argument(
        help=f"Projections: {', '.join(PROJECTION_NAMES)} (all if none).",
    ),
]


def open_views(s: Settings) -> ViewDB:
    """The views database with every table present, or exit 1 with one line."""
    try:
        db = ViewDB(s.store_url)
        db.ensure_tables()
        return db
    except Exception as exc:
        fail(f"cannot open the views database {redact(s.store_url)}: {exc}")


def check_names(names: list[str] | None) -> list[str] | None:
    unknown = sorted(set(names or ()) - set(PROJECTION_NAMES))
    if unknown:
        fail(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTION_NAMES)}", 2)
    return names or None
