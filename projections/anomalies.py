"""Anomalies of one PO: valid events that make no business sense (docs/contract.md §4).

Judged on event time over the SET of the PO's facts, like the status, so an
acknowledgment dated after the cancellation is an anomaly whether it was recorded before
or after the cancellation. The rules, each noted on the event it is about:

- every event dated after the earliest cancellation: "<type> dated after the PO was
  cancelled"; every cancellation but the earliest: "PO cancelled more than once";
- every approval but the earliest: "PO approved more than once";
- every announcement of a revision but the earliest: "revision N announced again; the
  latest counts";
- a recipient event of a revision whose plan is known and lacks that recipient:
  "recipient R is not in the plan of revision N";
- an acknowledgment from an internal recipient: "internal recipient R acknowledged; none
  is needed";
- a send by another channel than the plan's: "sent by X, the plan says Y".

An event for a revision not announced yet is no anomaly: it counts once the revision is.
Pure: no I/O, no clock.
"""

from bisect import insort
from datetime import datetime
from typing import NamedTuple

from projections.fold import Order, PoState, Seen, seen_of
from schemas.events import Recipient
from schemas.recorded import Fact
from schemas.status import EventType, RecipientKind

RECIPIENT_TYPES = frozenset(
    {
        EventType.SENT,
        EventType.DELIVERED,
        EventType.DELIVERY_FAILED,
        EventType.RECEIVED,
        EventType.ACKNOWLEDGED,
    }
)
ANNOUNCEMENTS = (EventType.APPROVED, EventType.REVISED)


class Found(NamedTuple):
    """One anomaly: the event it is about (time, id, source, type) and the note; tuples
    order by event time, then id, source and note."""

    time: datetime
    id: str
    source: str
    type: str
    note: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)


Plans = dict[int, tuple[Order, list[Recipient]]]  # the counting plan of each revision


def _plans(state: PoState) -> Plans:
    return {rev: (plan.order, plan.data.recipients) for rev, plan in state.plans.items()}


def _seen(state: PoState) -> list[Seen]:
    if state.seen is None:
        raise ValueError(f"the state of {state.po_number} keeps no facts for the anomaly rules")
    return state.seen


def anomalies(state: PoState) -> list[Found]:
    """Every anomaly of the PO's facts, ordered by event time, id, source and note;
    ValueError for a state made without `seen` (see `PoState.seen`)."""
    return _judge(_seen(state), _plans(state))


def anomalies_with(state: PoState, fact: Fact) -> list[Found]:
    """The anomalies of the PO's facts plus `fact` (not folded into `state`)."""
    seen = list(_seen(state))
    insort(seen, seen_of(fact))
    plans = _plans(state)
    if fact.type in ANNOUNCEMENTS:
        revision, recipients = fact.payload.revision, fact.payload.recipients
        if revision not in plans or plans[revision][0] < fact.order:
            plans[revision] = (fact.order, recipients)
    return _judge(seen, plans)


class Change(NamedTuple):
    """What adding one fact does to the PO's anomalies."""

    added: list[Found]
    withdrawn: list[Found]


def change(state: PoState, fact: Fact) -> Change:
    """The anomalies that adding `fact` brings about (on itself or on earlier facts) and
    the ones it withdraws (a re-announced plan that now names a recipient): the difference
    of `anomalies_with(state, fact)` and `anomalies(state)`. A recipient event is judged
    on its own: it cannot change another event's anomalies (the hot path of ingest)."""
    if not _seen(state):
        return Change([], [])  # a fact alone is never anomalous
    if fact.type in RECIPIENT_TYPES:
        plan = state.plans.get(fact.payload.revision)
        plans = {plan.data.revision: (plan.order, plan.data.recipients)} if plan else {}
        # Only the time of the earliest cancellation matters to a recipient event.
        cancelled = (state.cancelled_at, "", "") if state.cancelled_at is not None else None
        found: list[Found] = []
        _about(seen_of(fact), cancelled, None, None, plans, found)
        return Change(sorted(found), [])
    before, after = anomalies(state), anomalies_with(state, fact)
    old, new = set(before), set(after)
    return Change([a for a in after if a not in old], [a for a in before if a not in new])


def _first(seen: list[Seen], *types: EventType) -> Order | None:
    return next((s.order for s in seen if s.type in types), None)  # `seen` is sorted


def _judge(seen: list[Seen], plans: Plans) -> list[Found]:
    cancelled = _first(seen, EventType.CANCELLED)
    approved = _first(seen, EventType.APPROVED)
    announced: dict[int, Order] = {}
    for s in seen:
        if s.type in ANNOUNCEMENTS and s.revision is not None:
            announced.setdefault(s.revision, s.order)  # the earliest: `seen` is sorted
    found: list[Found] = []
    for s in seen:
        _about(s, cancelled, approved, announced, plans, found)
    return sorted(found)


def _about(
    s: Seen,
    cancelled: Order | None,
    approved: Order | None,
    announced: dict[int, Order] | None,
    plans: Plans,
    found: list[Found],
) -> None:
    """The anomalies of one fact, given the earliest cancellation, approval and
    announcement of each revision (the last two are not needed for recipient facts)."""

    def note(text: str) -> None:
        found.append(Found(s.time, s.id, s.source, s.type.value, text))

    if s.type is EventType.CANCELLED:
        if s.order != cancelled:
            note("PO cancelled more than once")
        return
    if cancelled is not None and s.time > cancelled[0]:
        note(f"{s.type} dated after the PO was cancelled")
    if s.type in ANNOUNCEMENTS:
        if s.type is EventType.APPROVED and s.order != approved:
            note("PO approved more than once")
        if announced is not None and s.revision is not None and s.order != announced[s.revision]:
            note(f"revision {s.revision} announced again; the latest counts")
        return
    if s.revision not in plans:
        return
    recipient = next((r for r in plans[s.revision][1] if r.id == s.recipient), None)
    if recipient is None:
        note(f"recipient {s.recipient} is not in the plan of revision {s.revision}")
    elif s.type is EventType.ACKNOWLEDGED and recipient.kind is RecipientKind.INTERNAL:
        note(f"internal recipient {recipient.id} acknowledged; none is needed")
    elif s.type is EventType.SENT and s.channel != recipient.channel.value:
        note(f"sent by {s.channel}, the plan says {recipient.channel.value}")


WITHDRAWN = "no longer an anomaly: "


def notes_for(found: Change, fact: Fact) -> list[str]:
    """The notes recorded with `fact`: each anomaly it brings about, as it is when about
    `fact` itself, naming the event otherwise; then each it withdraws, named, after
    `WITHDRAWN`. Read in recorded order, a PO's notes add up to `anomalies` of its facts."""
    added = [
        a.note if a.key == fact.key else f"{a.note}: {a.type} {a.id} from {a.source}"
        for a in found.added
    ]
    withdrawn = [f"{WITHDRAWN}{a.note}: {a.type} {a.id} from {a.source}" for a in found.withdrawn]
    return added + withdrawn
