"""The read path of the status view, the same for every reader: the API, the CLI, the
dashboard and `potrack replay --as-of` (docs/contract.md §6, §8).

- now: the stored view exactly as the status projection wrote it and published it
  (`overdue` included); a PO recorded but not projected yet is rendered from the store,
  with `overdue` from its open alerts;
- as of an instant: the view folded from the events up to it, `overdue` by the deadlines
  missed by then (`projections.overdue.overdue_at`).
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from projections.fold import PoState, evolve
from projections.overdue import overdue_at
from projections.sla import SlaPolicy
from projections.status import render, view_as_of
from projections.tables import Database, alerts, status
from schemas.views import dump
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


def views_as_of(store: EventStore, as_of: datetime, sla: SlaPolicy) -> Iterator[View]:
    """Every PO's view as it stood at `as_of`, in PO-number order, from the store alone."""
    states: dict[str, PoState] = {}
    for _, fact in store.iter_facts():
        if fact.time <= as_of:
            state = states.get(fact.subject) or states.setdefault(
                fact.subject, PoState(po_number=fact.subject, seen=[])
            )
            evolve(state, fact)
    for po in sorted(states):
        yield dump(render(states[po], overdue=overdue_at(states[po], sla, as_of), sla=sla))
