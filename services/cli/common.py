"""Shared pieces of the `potrack` command line: the app, settings, one-line errors."""

import os
import sqlite3
import sys
from datetime import datetime
from typing import Annotated, NoReturn

import psycopg
import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from typer.core import TyperOption

from projections.sla import SlaPolicy
from projections.views import PROJECTION_NAMES
from schemas.instants import parse_instant
from services.logging import configure
from services.runtime import tune_gc
from services.settings import Settings, problems
from services.store import urls
from services.store.events import EventStore
from services.store.views import ViewDB


def _flags_read_as_flags() -> None:
    """Typer 0.29 prints a flag's type in the Rich help (`--json <bool>`), as if it took a
    value; 0.28 and Typer's plain help leave it out. Leave it out again: a flag (an option
    that takes no value) shows no type."""
    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "flags_read_as_flags", False):
        return  # a Typer without the hook (before 0.29, or a later rework): nothing to do

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.flags_read_as_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_flags_read_as_flags()

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
    """The settings of the POTRACK_* environment, logging configured; every command that
    reads them calls this. A bad value: one line per bad variable (its name, the value
    given, what it takes) and exit 2."""
    tune_gc()
    try:
        s = Settings()
    except ValidationError as exc:
        for line in problems(exc):
            err.print(f"[red]error:[/red] {escape(line)}", highlight=False)
        raise typer.Exit(2) from None
    except SettingsError as exc:  # a value pydantic-settings cannot even decode
        fail(f"{exc}".splitlines()[0], 2)
    configure(s.log_level, s.log_format)
    return s


def sla_policy(s: Settings) -> SlaPolicy:
    """The SLA policy of the settings, or exit 2 with one line naming the variable of the
    file that is wrong (POTRACK_PARTNERS_FILE or POTRACK_SLA_FILE) and what is wrong."""
    try:
        s.partners()
    except ValueError as exc:
        fail(f"POTRACK_PARTNERS_FILE: {exc}", 2)
    try:
        return s.sla_policy()
    except ValueError as exc:
        fail(f"POTRACK_SLA_FILE: {exc}", 2)


def require_store(s: Settings) -> None:
    """For the commands that only read: exit 1 with `no store at PATH (POTRACK_STORE_URL=...)`
    when the SQLite file is missing, so that a read creates nothing (a PostgreSQL store is
    checked by opening it: a missing database is said so)."""
    if urls.exists(s.store_url):
        return
    given = os.environ.get("POTRACK_STORE_URL")
    said = (
        f"POTRACK_STORE_URL={given}"
        if given is not None
        else f"POTRACK_STORE_URL is not set: the default {s.store_url}"
    )
    if not s.store_url.startswith("sqlite:////"):
        said += " is relative to this directory"
    fail(f"no store at {urls.locate(s.store_url)} ({said})")


def open_store(s: Settings, cache_size: int = 0, *, create: bool = True) -> EventStore:
    """The event store, or exit 1 with one line (why it cannot be opened, without password).
    `create=False` (the commands that only read): no store is created (`require_store`)."""
    if not create:
        require_store(s)
    try:
        return EventStore(s.store_url, cache_size=cache_size)
    except (PersistenceError, OSError, ValueError, sqlite3.Error, psycopg.Error) as exc:
        fail(f"cannot open the event store {redact(s.store_url)}: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines) or type(exc).__name__


redact = urls.redact


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


def open_views(s: Settings, *, create: bool = True) -> ViewDB:
    """The views database with every table present, or exit 1 with one line. `create=False`
    (the commands that only read): no store is created (`require_store`)."""
    if not create:
        require_store(s)
    try:
        db = ViewDB(s.store_url)
        db.ensure_tables()
        return db
    except Exception as exc:
        fail(f"cannot open the views database {redact(s.store_url)}: {_one_line(exc)}")


def check_names(names: list[str] | None) -> list[str] | None:
    unknown = sorted(set(names or ()) - set(PROJECTION_NAMES))
    if unknown:
        fail(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTION_NAMES)}", 2)
    return names or None
