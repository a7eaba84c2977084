"""`potrack status`, `audit` and `replay`: reading the store and the views."""

import json
import sys
from typing import Annotated

import typer
from eventsourcing.persistence import PersistenceError

from projections.status import render, view_of
from schemas.views import dump
from services.cli.common import (
    Names,
    app,
    check_names,
    err,
    fail,
    open_store,
    open_views,
    out,
    parse_time,
    redact,
    settings,
)
from services.render import print_audit, print_view
from services.settings import Settings
from services.store import EventStore


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
