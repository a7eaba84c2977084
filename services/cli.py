"""The `potrack` command line (CONTRACT §7): thin wrappers over the services."""

import asyncio
import json
import sys
from datetime import datetime
from typing import Annotated, NoReturn

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from projections.status import render, view_of
from schemas.views import dump
from services.logging import configure
from services.render import print_view
from services.settings import Settings
from services.store import EventStore

app = typer.Typer(
    help="potrack: purchase order distribution tracking on Kafka.\n\n"
    "Settings come from POTRACK_* environment variables "
    "(POTRACK_KAFKA_BOOTSTRAP_SERVERS, POTRACK_STORE_URL, ...).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)



def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    s = Settings()
    configure(s.log_level, s.log_format)
    return s


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
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"not an RFC 3339 time: {value!r}", 2)
    if parsed.tzinfo is None:
        fail(f"the time needs an offset (e.g. Z or +01:00): {value!r}", 2)
    return parsed


@app.command()
def ingest() -> None:
    """Consume the inbound topics into the event store (exactly once), until SIGTERM.

    Example: POTRACK_STORE_URL=postgresql://potrack:pw@db/potrack potrack ingest
    """
    from services.ingest import Ingest
    from services.runtime import run_until_signalled

    s = settings()
    store = open_store(s, cache_size=50_000)
    try:
        asyncio.run(run_until_signalled(Ingest(s, store).run))
    finally:
        store.close()


@app.command()
def status(
    po_number: Annotated[str, typer.Argument(help="The PO number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the view as JSON.")] = False,
    as_of: Annotated[str | None, typer.Option(help="RFC 3339 event time to look back to.")] = None,
) -> None:
    """Print the status view of one PO.

    Example: potrack status PO-2026-000123 --json
    """
    s = settings()
    when = parse_time(as_of)
    store = open_store(s)
    try:
        if when is None:
            aggregate = store.get(po_number)
            view = render(aggregate.state) if aggregate else None
        else:
            facts = store.facts(po_number)
            view = view_of(po_number, facts, as_of=when) if facts else None
    except PersistenceError as exc:
        fail(f"cannot read the event store {redact(s.store_url)}: {exc}")
    finally:
        store.close()
    if view is None or view.version == 0:
        fail(f"unknown PO {po_number!r}: no event recorded for it")
    if as_json:
        sys.stdout.write(json.dumps(dump(view), indent=2) + "\n")
    else:
        print_view(view, out)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
