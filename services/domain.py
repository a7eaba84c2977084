"""The PO aggregate: dedupes on (source, id), records facts, notes anomalies. Pure, no I/O."""

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from projections.status import PoState, evolve
from schemas.recorded import Fact
from schemas.status import EventType, RecipientKind

PO_NAMESPACE = uuid5(NAMESPACE_URL, "urn:potrack:po")
RECIPIENT_TYPES = frozenset(
    {
        EventType.SENT,
        EventType.DELIVERED,
        EventType.DELIVERY_FAILED,
        EventType.RECEIVED,
        EventType.ACKNOWLEDGED,
    }
)


def po_id(po_number: str) -> UUID:
    """The aggregate id of a PO number (stable, so any process finds the same stream)."""
    return uuid5(PO_NAMESPACE, po_number)


def anomalies(state: PoState, fact: Fact) -> list[str]:
    """Valid events that make no business sense given what was recorded before them."""
    found: list[str] = []
    if state.cancelled_at is not None:
        found.append(
            "PO cancelled more than once"
            if fact.type is EventType.CANCELLED
            else f"{fact.type} recorded after the PO was cancelled"
        )
    payload = fact.payload
    if fact.type in (EventType.APPROVED, EventType.REVISED):
        if fact.type is EventType.APPROVED and state.approved_at is not None:
            found.append("PO approved more than once")
        if payload.revision in state.plans:
            found.append(f"revision {payload.revision} announced again; the latest counts")
        planned = {r.id for r in payload.recipients}
        prefix = f"{payload.revision}/"
        orphans = sorted(
            key[len(prefix) :]
            for key in state.tracks
            if key.startswith(prefix) and key[len(prefix) :] not in planned
        )
        found.extend(f"earlier events name {r}, not in the plan of this revision" for r in orphans)
    elif fact.type in RECIPIENT_TYPES:
        plan = state.plan(payload.revision)
        recipient = (
            next((r for r in plan.recipients if r.id == payload.recipient), None) if plan else None
        )
        if plan is not None and recipient is None:
            found.append(
                f"recipient {payload.recipient} is not in the plan of revision {payload.revision}"
            )
        if (
            fact.type is EventType.ACKNOWLEDGED
            and recipient is not None
            and recipient.kind is RecipientKind.INTERNAL
        ):
            found.append(f"internal recipient {recipient.id} acknowledged; none is needed")
        if (
            fact.type is EventType.SENT
            and recipient is not None
            and recipient.channel != payload.channel
        ):
            found.append(f"sent by {payload.channel}, the plan says {recipient.channel}")
    return found


class PurchaseOrder(Aggregate):
    """One PO's stream: every accepted fact, once, in recorded order.

    The first accepted fact creates the aggregate, so its version equals the number
    of accepted facts: the `version` of the status view.
    """

    @staticmethod
    def create_id(po_number: str, fact: Fact) -> UUID:
        return po_id(po_number)

    @event("Started")
    def __init__(self, po_number: str, fact: Fact) -> None:
        self.po_number = po_number
        self.state = PoState(po_number=po_number)
        self.seen: set[tuple[str, str]] = set()
        self._apply(fact)

    @classmethod
    def start(cls, fact: Fact) -> "PurchaseOrder":
        return cls(
            po_number=fact.subject,
            fact=fact.with_anomalies(anomalies(PoState(po_number=fact.subject), fact)),
        )

    def record(self, fact: Fact) -> bool:
        """Record a fact unless its (source, id) was seen; True when it was new."""
        if fact.key in self.seen:
            return False
        self._recorded(fact=fact.with_anomalies(anomalies(self.state, fact)))
        return True

    @event("FactRecorded")
    def _recorded(self, fact: Fact) -> None:
        self._apply(fact)

    def _apply(self, fact: Fact) -> None:
        self.seen.add(fact.key)
        evolve(self.state, fact)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__
