"""`potrack status`, `audit` and `replay`: reading the store and the views."""

import json
import sys
import time
from typing import Annotated

import typer
from eventsourcing.persistence import PersistenceError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

from projections.audit import to_csv, to_jsonl
from projections.audit import verify as check_chain
from projections.tables import audit as audit_table
from projections.tables import positions
from schemas.views import StatusView
from services import reads
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
    sla_policy,
)
from services.cli.render import print_audit, print_view
from services.settings import Settings
from services.store.events import EventStore


@app.command()
def status(
    po_number: Annotated[str, typer.Argument(help="The PO number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the view as JSON.")] = False,
    as_of: Annotated[str | None, typer.Option(help="RFC 3339 event time to look back to.")] = None,
) -> None:
    """Print the status view of one PO: the same view as GET /pos/{po} (and its ?as_of).

    Example: potrack status PO-2026-000123 --json
    """
    s = settings()
    when = parse_time(as_of)
    sla = sla_policy(s)
    store = open_store(s, create=False)
    db = open_views(s, create=False)
    try:
        if when is None:
            found = reads.current_view(store, db, po_number, sla)
        else:
            found = reads.po_view_as_of(store, po_number, when, sla)
    except PersistenceError as exc:
        fail(f"cannot read the event store {redact(s.store_url)}: {exc}")
    finally:
        store.close()
        db.close()
    if found is None:
        fail(
            f"unknown PO {po_number!r}: no event recorded for it"
            + (f" at or before {as_of}" if when else "")
        )
    if as_json:
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
    else:
        print_view(StatusView.model_validate(found), out)


@app.command()
def replay(
    names: Names = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="RFC 3339 event time: print views as they stood then (no rebuild)."),
    ] = None,
    po: Annotated[str | None, typer.Option(help="With --as-of: only this PO.")] = None,
) -> None:
    """Rebuild projections from the first event, or (--as-of) print past views as JSON lines.

    Examples: potrack replay | potrack replay status | potrack replay --as-of 2026-11-24T00:00:00Z
    """
    if po is not None and as_of is None:
        fail("--po goes with --as-of (a rebuild is of whole projections)", 2)
    if names and as_of is not None:
        fail("--as-of prints status views; it takes no projection names", 2)
    s = settings()
    when = parse_time(as_of)
    sla = sla_policy(s)
    store = open_store(s, create=False)
    try:
        if when is not None:
            count = 0
            views = (
                reads.views_as_of(store, when, sla)
                if po is None
                else filter(None, [reads.po_view_as_of(store, po, when, sla)])
            )
            for view in views:
                sys.stdout.write(json.dumps(view, separators=(",", ":")) + "\n")
                count += 1
            if po is not None and count == 0:
                fail(f"PO {po!r} had no event at or before {as_of}")
            err.print(f"{count} view(s) as of {when.isoformat()}", highlight=False)
            return
        _rebuild_all(s, store, check_names(names))
    except PersistenceError as exc:
        fail(f"cannot read the event store {redact(s.store_url)}: {exc}")
    finally:
        store.close()


def _rebuild_all(s: Settings, store: EventStore, names: list[str] | None) -> None:
    """Rebuild each named projection with a progress bar on stderr and a line of figures
    on stdout. Running workers of a projection (`potrack run`, `potrack project`) may
    apply some of the batches meanwhile (`projections.runner.Runner`): said in the line."""
    from projections.runner import Runner
    from services.wiring import build_projections  # here: the others need not load services

    db = open_views(s, create=False)
    try:
        chosen = build_projections(s, names)
        with db.read() as tx:
            for projection in chosen:
                noted = positions.noted(tx, f"{projection.name}:policy")
                policy = getattr(projection, "policy", None)
                if policy is not None and noted not in (None, policy):
                    fail(
                        f"{projection.name}: its rows were made under another SLA policy than "
                        f"this one (POTRACK_SLA_FILE={s.sla_file or 'unset'}, "
                        f"POTRACK_PARTNERS_FILE={s.partners_file or 'unset'}): replay with the "
                        "service's files (make run's: .cache/simulated-sla.toml and "
                        ".cache/simulated-partners.toml); a service started with new ones "
                        "rebuilds by itself",
                        2,
                    )
        for projection in chosen:
            runner = Runner(projection, store, db, batch=s.projection_batch_size)
            started = time.perf_counter()
            with Progress(
                f"[bold]{runner.name:<12}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
            ) as bar:
                task = bar.add_task(runner.name, total=store.max_notification_id() or 1)

                def progress(position: int, head: int, task: TaskID = task) -> None:
                    bar.update(task, completed=position, total=head or 1)

                applied = runner.rebuild(progress)
            seconds = time.perf_counter() - started
            total = runner.position()
            rate = total / seconds if seconds > 0 else 0.0
            restored = runner.restored
            shared = f"; {restored} from its checkpoint" if restored else ""
            if total > applied + restored:
                shared += f"; {total - applied - restored} of them applied by a running worker"
            out.print(
                f"{runner.name}: {total} events in {seconds:.2f} s ({rate:,.0f} events/s{shared})",
                highlight=False,
            )
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
    if fmt not in ("table", "json", "jsonl", "csv"):
        fail(f"unknown format {fmt!r}: use table, json, jsonl or csv", 2)
    s = settings()
    db = open_views(s, create=False)
    try:
        with db.read() as tx:
            entries = audit_table.entries(tx, po_number)
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
