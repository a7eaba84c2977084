"""The `potrack` command line (CONTRACT §7): thin wrappers over the services."""

import asyncio
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from aiokafka.errors import KafkaError
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from projections.status import render, view_of
from schemas.views import dump
from services.logging import configure
from services.render import print_audit, print_view
from services.settings import Settings
from services.store import EventStore

if TYPE_CHECKING:
    from projections.db import ViewDB

app = typer.Typer(
    help="potrack: purchase order distribution tracking on Kafka.\n\n"
    "Settings come from POTRACK_* environment variables "
    "(POTRACK_KAFKA_BOOTSTRAP_SERVERS, POTRACK_STORE_URL, ...).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Piped output is read by people too (less, CI logs): do not squeeze tables into 80 columns.
out = Console(width=None if sys.stdout.isatty() else 150)
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


Names = Annotated[
    list[str] | None,
    typer.Argument(
        help="Projections: status, audit, alerts, performance, commitments (all if none)."
    ),
]


def open_views(s: Settings) -> "ViewDB":
    from projections.db import ViewDB

    try:
        return ViewDB(s.store_url)
    except Exception as exc:
        fail(f"cannot open the views database {redact(s.store_url)}: {exc}")


def check_names(names: list[str] | None) -> list[str] | None:
    from services.wiring import PROJECTION_NAMES

    unknown = sorted(set(names or ()) - set(PROJECTION_NAMES))
    if unknown:
        fail(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTION_NAMES)}", 2)
    return names or None


@app.command()
def project(names: Names = None) -> None:
    """Run projection workers (all, or the named ones) and publish their outbound topics.

    Example: potrack project status alerts
    """
    from services.process import Projections
    from services.runtime import run_until_signalled

    s = settings()
    chosen = check_names(names)
    store, db = open_store(s), open_views(s)
    try:
        asyncio.run(run_until_signalled(Projections(s, store, db, chosen).run))
    finally:
        store.close()
        db.close()


@app.command()
def api() -> None:
    """Serve the read API and the live dashboard (POTRACK_API_HOST:POTRACK_API_PORT).

    Example: POTRACK_API_PORT=8080 potrack api
    """
    from services.process import Api
    from services.runtime import run_until_signalled

    s = settings()
    store, db = open_store(s), open_views(s)
    try:
        asyncio.run(run_until_signalled(Api(s, store, db).run))
    finally:
        store.close()
        db.close()


@app.command()
def run() -> None:
    """Everything in one process: ingest, all projections, the alert clock and the API.

    Example: potrack run   (then open http://127.0.0.1:8080/)
    """
    from services.ingest import Ingest
    from services.process import Api, Projections
    from services.runtime import run_until_signalled

    s = settings()
    store, db = open_store(s, cache_size=50_000), open_views(s)
    services = [Ingest(s, store).run, Projections(s, store, db, None).run, Api(s, store, db).run]
    err.print(f"potrack: dashboard on http://{s.api_host}:{s.api_port}/", highlight=False)
    try:
        asyncio.run(run_until_signalled(*services))
    finally:
        store.close()
        db.close()


@app.command()
def replay(
    names: Names = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="RFC 3339 event time: print views as they stood then (no rebuild)."),
    ] = None,
    po: Annotated[str | None, typer.Option(help="With --as-of: only this PO.")] = None,
) -> None:
    """Rebuild projections from the first event, or (--as-of) compute past views.

    Examples: potrack replay | potrack replay status | potrack replay --as-of 2026-11-24T00:00:00Z
    """
    from services.replay import rebuild, views_as_of

    s = settings()
    when = parse_time(as_of)
    store = open_store(s)
    try:
        if when is not None:
            count = 0
            for view in views_as_of(store, when, po):
                sys.stdout.write(json.dumps(dump(view), separators=(",", ":")) + "\n")
                count += 1
            if po is not None and count == 0:
                fail(f"PO {po!r} had no event at or before {as_of}")
            err.print(f"{count} view(s) as of {when.isoformat()}", highlight=False)
            return
        _rebuild_all(s, store, check_names(names), rebuild)
    except PersistenceError as exc:
        fail(f"cannot read the event store {redact(s.store_url)}: {exc}")
    finally:
        store.close()


def _rebuild_all(s: Settings, store: EventStore, names: list[str] | None, rebuild) -> None:
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from services.process import runners

    db = open_views(s)
    try:
        for runner in runners(s, store, db, names):
            started = time.perf_counter()
            with Progress(
                f"[bold]{runner.name:<12}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
            ) as bar:
                task = bar.add_task(runner.name, total=store.max_notification_id() or 1)
                applied = rebuild(
                    runner,
                    lambda pos, head, t=task, b=bar: b.update(t, completed=pos, total=head or 1),
                )
            seconds = time.perf_counter() - started
            rate = applied / seconds if seconds > 0 else 0.0
            out.print(f"{runner.name}: {applied} events in {seconds:.2f} s ({rate:,.0f} events/s)")
    finally:
        db.close()


@app.command()
def audit(
    po_number: Annotated[str, typer.Argument(help="The PO number.")],
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Check the hash chain; exit 1 at the first broken link."),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, json, jsonl or csv.")] = "table",
) -> None:
    """Print the audit trail of a PO (every accepted event and anomaly, hash-chained).

    Examples: potrack audit PO-2026-000123 --verify | potrack audit PO-2026-000123 --format csv
    """
    from projections.audit_view import audit_entries, to_csv, to_jsonl
    from projections.audit_view import verify as check_chain

    if fmt not in ("table", "json", "jsonl", "csv"):
        fail(f"unknown format {fmt!r}: use table, json, jsonl or csv", 2)
    s = settings()
    db = open_views(s)
    try:
        with db.read() as tx:
            entries = audit_entries(tx, po_number)
    except Exception as exc:
        fail(f"cannot read the audit trail from {redact(s.store_url)}: {exc}")
    finally:
        db.close()
    if not entries:
        fail(f"no audit trail for PO {po_number!r} (unknown PO, or the audit projection is behind)")
    if verify:
        broken = check_chain(entries)
        if broken is not None:
            fail(f"audit chain of {po_number} is BROKEN at entry {broken}")
        err.print(
            f"audit chain of {po_number} verified: {len(entries)} linked entries", highlight=False
        )
    if fmt == "csv":
        sys.stdout.write(to_csv(entries))
    elif fmt == "jsonl":
        sys.stdout.write(to_jsonl(entries))
    elif fmt == "json":
        sys.stdout.write(json.dumps(entries, indent=2) + "\n")
    elif not verify:
        print_audit(entries, out)


@app.command()
def simulate(
    count: Annotated[int, typer.Option(min=1, help="How many events to publish.")] = 20_000,
    rate: Annotated[
        float, typer.Option(min=0, help="Events per second; 0 publishes as fast as possible.")
    ] = 50.0,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: a new one each run).")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="live (event times now) or historical (spread over --days).")
    ] = "live",
    days: Annotated[float, typer.Option(min=0.1, help="History length in historical mode.")] = 30.0,
    bad_fraction: Annotated[
        float, typer.Option(min=0, max=1, help="Share of broken messages.")
    ] = 0.005,
) -> None:
    """Publish realistic traffic: many suppliers, bounces, retries, change orders, stale acks.

    Examples: potrack simulate --rate 100
    | potrack simulate --mode historical --count 50000 --rate 0
    """
    import random
    from datetime import UTC

    from services.kafka import ensure_topics, with_broker_retry
    from services.simulate import generate, publish

    if mode not in ("live", "historical"):
        fail(f"unknown mode {mode!r}: use live or historical", 2)
    s = settings()
    chosen = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    stream = generate(
        chosen,
        count,
        datetime.now(UTC),
        time_mode=mode,  # type: ignore[arg-type]
        days=days,
        live_rate=rate or 50.0,
        bad_fraction=bad_fraction,
    )
    err.print(
        f"simulate: {count} events, seed {chosen}, {mode}, to {s.kafka_bootstrap_servers}",
        highlight=False,
    )

    async def send() -> dict[str, int]:
        # Topics first, with potrack's settings, rather than auto-created with the broker's.
        await with_broker_retry("create topics", lambda: ensure_topics(s), attempts=3)
        return await publish(
            stream,
            s.kafka_bootstrap_servers,
            rate=rate or None,
            topic_prefix=s.topic_prefix,
            follow_event_time=mode == "live",
        )

    try:
        counts = asyncio.run(send())
    except (KafkaError, OSError) as exc:
        fail(f"cannot reach Kafka at {s.kafka_bootstrap_servers}: {exc}")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    out.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="Only report stale files (exit 1).")
    ] = False,
) -> None:
    """Write the JSON Schemas, the AsyncAPI and the OpenAPI documents into schemas/.

    Example: potrack schemas --check
    """
    from schemas.generate import main as generate_main
    from services.api.openapi import DEFAULT_PATH, render_openapi

    code = generate_main(["--check"] if check else [])
    openapi = render_openapi()
    if check:
        if not DEFAULT_PATH.is_file() or DEFAULT_PATH.read_text(encoding="utf-8") != openapi:
            err.print("stale: schemas/openapi.json (regenerate with: potrack schemas)")
            code = 1
    elif not DEFAULT_PATH.is_file() or DEFAULT_PATH.read_text(encoding="utf-8") != openapi:
        DEFAULT_PATH.write_text(openapi, encoding="utf-8")
        out.print("wrote schemas/openapi.json")
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
