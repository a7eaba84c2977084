"""The read path of the status view, the same for every reader: the API, the CLI, the
dashboard and `potrack replay --as-of` (docs/contract.md §6, §8).

- now: the stored view exactly as the status projection wrote it and published it
  (`overdue` included); a PO recorded but not projected yet is rendered from the store,
  with `overdue` from its open alerts;
- as of an instant: the view folded from the events up to it, `overdue` by the deadlines
  missed by then (`projections.overdue.overdue_at`).
"""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from projections.commitments import commitment_of
from projections.deviations import lines_view
from projections.fold import PoState, evolve, fold
from projections.forecast import Scheduled, forecast
from projections.overdue import overdue_at
from projections.sla import SlaPolicy
from projections.status import render, view_as_of
from projections.tables import Database, alerts, commitments, status
from schemas.views import CashForecast, ForecastBucketSize, dump
from services.store.events import EventStore

View = dict[str, Any]


def current_view(store: EventStore, db: Database, po_number: str, sla: SlaPolicy) -> View | None:
    """The view of a PO now (a JSON-ready dict), or None when no event was recorded;
    `sla` judges deviations only for a PO not projected yet."""
    with db.read() as tx:
        view = status.get(tx, po_number)
        if view is not None:
            return view
        overdue = bool(alerts.overdue_pos(tx, [po_number]))
    aggregate = store.get(po_number)
    if aggregate is None:
        return None
    return dump(render(aggregate.state, overdue=overdue, sla=sla))


def po_view_as_of(
    store: EventStore, po_number: str, as_of: datetime, sla: SlaPolicy
) -> View | None:
    """The view of a PO as it stood at `as_of` (event time), or None when it had no event
    by then (or none at all)."""
    view = view_as_of(po_number, store.facts(po_number), as_of, sla)
    return dump(view) if view is not None else None


def states_as_of(store: EventStore, as_of: datetime, *, seen: bool = True) -> dict[str, PoState]:
    """Every PO's folded state from its events with `time` at or before `as_of` (a pass
    over the whole store); `seen=False` leaves out what only the anomaly rules need."""
    states: dict[str, PoState] = {}
    for _, fact in store.iter_facts():
        if fact.time <= as_of:
            state = states.get(fact.subject) or states.setdefault(
                fact.subject, PoState(po_number=fact.subject, seen=[] if seen else None)
            )
            evolve(state, fact)
    return states


def views_as_of(store: EventStore, as_of: datetime, sla: SlaPolicy) -> Iterator[View]:
    """Every PO's view as it stood at `as_of`, in PO-number order, from the store alone."""
    states = states_as_of(store, as_of)
    for po in sorted(states):
        yield dump(render(states[po], overdue=overdue_at(states[po], sla, as_of), sla=sla))


def lines_now(store: EventStore, po_number: str, sla: SlaPolicy) -> View | None:
    """The lines of the PO's current revision with each supplier's answer
    (`projections.deviations.lines_view`), or None when no event was recorded."""
    aggregate = store.get(po_number)
    return dump(lines_view(aggregate.state, sla)) if aggregate is not None else None


def lines_as_of(store: EventStore, po_number: str, as_of: datetime, sla: SlaPolicy) -> View | None:
    """The lines view from the PO's events up to `as_of` (event time), or None when it had
    no event by then."""
    chosen = [f for f in store.facts(po_number) if f.time <= as_of]
    return dump(lines_view(fold(po_number, chosen), sla)) if chosen else None


def commitment_as_of(
    store: EventStore, po_number: str, as_of: datetime, sla: SlaPolicy
) -> View | None:
    """The PO's commitment from its events up to `as_of` (event time), or None before its
    approval by then."""
    chosen = [f for f in store.facts(po_number) if f.time <= as_of]
    found = commitment_of(fold(po_number, chosen), sla) if chosen else None
    return dump(found) if found is not None else None


def forecast_now(
    db: Database,
    *,
    bucket: ForecastBucketSize = "month",
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> CashForecast:
    """The cash forecast from the commitments projection (`projections.forecast`);
    ValueError (one line) for a range that is backwards or too long."""
    with db.read() as tx:
        rows = commitments.listing(tx, currency=currency)
    chosen = (_scheduled(r) for r in rows if r["state"] != "cancelled")
    return forecast(chosen, bucket=bucket, currency=currency, start=start, end=end)


def _scheduled(row: dict[str, Any]) -> Scheduled:
    """What the forecast reads of a stored commitment (written by the projection from a
    validated model), without building the model again."""
    schedule = [
        (
            date.fromisoformat(p["expected_payment_date"]) if p["expected_payment_date"] else None,
            Decimal(p["amount"]),
        )
        for p in row.get("payments", ())
    ]
    return Scheduled(row["po_number"], row["currency"], row["state"], schedule)


def forecast_as_of(
    store: EventStore,
    as_of: datetime,
    sla: SlaPolicy,
    *,
    bucket: ForecastBucketSize = "month",
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> CashForecast:
    """The cash forecast as finance knew it at `as_of`: every PO's commitment from its
    events up to that instant (event time; a pass over the whole store)."""
    states = states_as_of(store, as_of, seen=False)
    found = (commitment_of(states[po], sla) for po in sorted(states))
    chosen = (c for c in found if c is not None)
    return forecast(chosen, bucket=bucket, currency=currency, start=start, end=end, as_of=as_of)
