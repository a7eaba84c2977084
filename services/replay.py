"""Replay: rebuild projections from the first event, and point-in-time views from the store."""

from collections.abc import Callable, Iterator
from datetime import datetime

from projections.runner import Runner
from projections.status import PoState, evolve, render, view_of
from schemas.views import StatusView
from services.store import EventStore

Progress = Callable[[int, int], None]


def rebuild(runner: Runner, progress: Progress | None = None) -> int:
    """Reset a projection and apply every notification again; returns events applied.

    Status and commitments records are not published again (the live run published the
    same content); the alerts projection decides itself through its publication ledger.
    """
    runner.reset()
    publish = bool(getattr(runner.projection, "publishes_on_replay", False))
    applied = 0
    while True:
        step = runner.step(publish=publish, replaying=True)
        applied += step.applied
        if progress:
            progress(step.position, step.head)
        if step.applied == 0 or step.lag == 0:
            return applied


def views_as_of(
    store: EventStore, as_of: datetime, po_number: str | None = None
) -> Iterator[StatusView]:
    """Views as they stood at `as_of` (event time), computed from the event store alone."""
    if po_number is not None:
        facts = store.facts(po_number)
        view = view_of(po_number, facts, as_of=as_of) if facts else None
        if view is not None and view.version > 0:
            yield view
        return
    states: dict[str, PoState] = {}
    for _, fact in store.iter_facts():
        if fact.time <= as_of:
            state = states.get(fact.subject) or states.setdefault(
                fact.subject, PoState(po_number=fact.subject)
            )
            evolve(state, fact)
    for po in sorted(states):
        yield render(states[po])
