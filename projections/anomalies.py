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

from datetime import datetime
from typing import NamedTuple

from projections.fold import Order, Plan, PoState, Seen, plan_of, seen_of
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
    """One anomaly: the event it is about (source, id, type, time) and the note."""

    source: str
    id: str
    type: str
    time: datetime
    note: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)


def anomalies(state: PoState) -> list[Found]:
    """Every anomaly of the PO's facts, ordered by event time, id, source and note."""
    return _judge(state.seen, state.plans)


def anomalies_with(state: PoState, fact: Fact) -> list[Found]:
    """The anomalies of the PO's facts plus `fact` (not folded into `state`)."""
    seen = sorted([*state.seen, seen_of(fact)], key=lambda s: s.order)
    plans = state.plans
    plan = plan_of(fact)
    if plan is not None:
        revision = plan.data.revision
        known = plans.get(revision)
        if known is None or known.order < plan.order:
            plans = {**plans, revision: plan}
    return _judge(seen, plans)


def _first(seen: list[Seen], *types: EventType) -> Order | None:
    orders = [s.order for s in seen if s.type in types]
    return min(orders) if orders else None


def _judge(seen: list[Seen], plans: dict[int, Plan]) -> list[Found]:
    cancelled = _first(seen, EventType.CANCELLED)
    approved = _first(seen, EventType.APPROVED)
    announced: dict[int, Order] = {}
    for s in seen:
        if s.type in ANNOUNCEMENTS and s.revision is not None:
            announced[s.revision] = min(announced.get(s.revision, s.order), s.order)
    found: list[Found] = []

    def note(s: Seen, text: str) -> None:
        found.append(Found(s.source, s.id, s.type.value, s.time, text))

    for s in seen:
        if s.type is EventType.CANCELLED:
            if s.order != cancelled:
                note(s, "PO cancelled more than once")
            continue
        if cancelled is not None and s.time > cancelled[0]:
            note(s, f"{s.type} dated after the PO was cancelled")
        if s.type is EventType.APPROVED and s.order != approved:
            note(s, "PO approved more than once")
        if s.type in ANNOUNCEMENTS and s.revision is not None:
            if s.order != announced[s.revision]:
                note(s, f"revision {s.revision} announced again; the latest counts")
            continue
        if s.type not in RECIPIENT_TYPES or s.revision not in plans:
            continue
        plan = plans[s.revision].data
        recipient = next((r for r in plan.recipients if r.id == s.recipient), None)
        if recipient is None:
            note(s, f"recipient {s.recipient} is not in the plan of revision {s.revision}")
        elif s.type is EventType.ACKNOWLEDGED and recipient.kind is RecipientKind.INTERNAL:
            note(s, f"internal recipient {recipient.id} acknowledged; none is needed")
        elif s.type is EventType.SENT and s.channel != recipient.channel.value:
            note(s, f"sent by {s.channel}, the plan says {recipient.channel.value}")
    return sorted(found, key=lambda a: (a.time, a.id, a.source, a.note))


def notes_for(before: list[Found], after: list[Found], fact: Fact) -> list[str]:
    """The notes recorded with `fact`: the anomalies it brings about, on itself or on
    earlier-recorded events (named), given the anomalies `before` and `after` it."""
    old = set(before)
    notes = []
    for found in after:
        if found in old:
            continue
        if found.key == fact.key:
            notes.append(found.note)
        else:
            notes.append(f"{found.note}: {found.type} {found.id} from {found.source}")
    return notes
