"""The PO fold: one PO's state from the set of its accepted facts (docs/contract.md §3).

Every field of `PoState` merges commutatively (earliest time, latest by (time, id),
highest revision, a set of seen facts), so the state, and everything derived from it
(status view, anomalies, deadlines, alerts, commitments), is a function of the SET of
facts whatever their arrival order. Duplicates are removed before the fold (the aggregate
does). Pure: no I/O, no clock.
"""

from bisect import insort
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, Field

from schemas.events import AcknowledgedLine, RevisedData
from schemas.recorded import Fact
from schemas.status import Decision, EventType
from schemas.views import Failure

Order = tuple[datetime, str, str]


class Plan(BaseModel):
    """The announcement (approval or change order) of one revision."""

    order: Order
    data: RevisedData


class Ack(BaseModel):
    order: Order
    decision: Decision
    supplier_reference: str | None = None
    reason: str | None = None
    lines: list[AcknowledgedLine] = Field(default_factory=list)


class LastFailure(BaseModel):
    """The failure a recipient shows: the latest permanent one, else the latest transient."""

    order: Order
    failure: Failure


class Track(BaseModel):
    """What is known of one recipient in one revision."""

    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    received_at: datetime | None = None
    failed_at: datetime | None = Field(None, description="Earliest permanent failure.")
    last_failure: LastFailure | None = None
    ack: Ack | None = Field(None, description="The acknowledgment that counts: the latest.")
    first_ack_at: datetime | None = Field(None, description="Earliest acknowledgment time.")


class Seen(NamedTuple):
    """One distinct fact as the anomaly rules need it: identity, type, time and, for a
    recipient fact, its revision, recipient and (po.sent) channel. A tuple: cheap to make
    and stored as a JSON array in the state."""

    time: datetime
    id: str
    source: str
    type: EventType
    revision: int | None = None
    recipient: str | None = None
    channel: str | None = None

    @property
    def order(self) -> Order:
        return (self.time, self.id, self.source)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)


class PoState(BaseModel):
    po_number: str
    events: int = 0
    last_time: datetime | None = None
    approved_at: datetime | None = None
    cancelled_at: datetime | None = None
    plans: dict[int, Plan] = Field(default_factory=dict)
    tracks: dict[str, Track] = Field(default_factory=dict)
    seen: list[Seen] | None = Field(
        None,
        description="Every fact by (time, id, source), for the anomaly rules; None when the "
        "state's keeper needs no anomalies (it then saves their size).",
    )

    def track(self, revision: int, recipient: str) -> Track | None:
        return self.tracks.get(track_key(revision, recipient))

    @property
    def revision(self) -> int | None:
        return max(self.plans) if self.plans else None

    def plan(self, revision: int | None = None) -> RevisedData | None:
        rev = self.revision if revision is None else revision
        found = self.plans.get(rev) if rev is not None else None
        return found.data if found else None


def track_key(revision: int, recipient: str) -> str:
    return f"{revision}/{recipient}"


def _earliest(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new < current else current


def seen_of(fact: Fact) -> Seen:
    """What the anomaly rules keep of a fact."""
    payload = fact.payload
    return Seen(
        fact.time,
        fact.id,
        fact.source,
        fact.type,
        getattr(payload, "revision", None),
        getattr(payload, "recipient", None),
        payload.channel.value if fact.type is EventType.SENT else None,
    )


def plan_of(fact: Fact) -> Plan:
    """The plan an approval or change order (`fact`) announces."""
    payload = fact.payload
    data = (
        payload
        if isinstance(payload, RevisedData)
        else RevisedData.model_construct(**dict(payload), reason=None)
    )
    return Plan(order=fact.order, data=data)


def evolve(state: PoState, fact: Fact) -> PoState:
    """Fold one (non-duplicate) fact into the state; returns the same, updated, state."""
    state.events += 1
    state.last_time = fact.time if state.last_time is None else max(state.last_time, fact.time)
    if state.seen is not None:
        insort(state.seen, seen_of(fact))  # by (time, id, source): a set, not an arrival
    payload = fact.payload
    if fact.type in (EventType.APPROVED, EventType.REVISED):
        if fact.type is EventType.APPROVED:
            state.approved_at = _earliest(state.approved_at, fact.time)
        known = state.plans.get(payload.revision)
        if known is None or known.order < fact.order:
            state.plans[payload.revision] = plan_of(fact)
        return state
    if fact.type is EventType.CANCELLED:
        state.cancelled_at = _earliest(state.cancelled_at, fact.time)
        return state
    key = track_key(payload.revision, payload.recipient)
    track = state.tracks.get(key) or state.tracks.setdefault(key, Track())
    if fact.type is EventType.SENT:
        track.sent_at = _earliest(track.sent_at, fact.time)
    elif fact.type is EventType.DELIVERED:
        track.delivered_at = _earliest(track.delivered_at, fact.time)
    elif fact.type is EventType.RECEIVED:
        track.received_at = _earliest(track.received_at, fact.time)
    elif fact.type is EventType.DELIVERY_FAILED:
        if payload.permanent:
            track.failed_at = _earliest(track.failed_at, fact.time)
        # The failure shown is the latest permanent one, else the latest transient one: a
        # retry that fails transiently must not hide why the recipient is `failed`.
        shown = track.last_failure
        if shown is None or (shown.failure.permanent, shown.order) < (
            payload.permanent,
            fact.order,
        ):
            failure = Failure(
                permanent=payload.permanent,
                at=fact.time,
                code=payload.code,
                reason=payload.reason,
                message_id=payload.message_id,
            )
            track.last_failure = LastFailure(order=fact.order, failure=failure)
    elif fact.type is EventType.ACKNOWLEDGED:
        track.first_ack_at = _earliest(track.first_ack_at, fact.time)
        if track.ack is None or track.ack.order < fact.order:
            track.ack = Ack(
                order=fact.order,
                decision=payload.decision,
                supplier_reference=payload.supplier_reference,
                reason=payload.reason,
                lines=list(payload.lines),
            )
    return state


def fold(po_number: str, facts: list[Fact]) -> PoState:
    """The state of a PO from its distinct facts (any order gives the same state), with
    what the anomaly rules need."""
    state = PoState(po_number=po_number, seen=[])
    for fact in facts:
        evolve(state, fact)
    return state
