"""The PO fold: one PO's state from the set of its accepted facts (docs/contract.md §3).

Every field of `PoState` merges commutatively (earliest time, latest by (time, id),
highest revision, a set of seen facts, the transport times above the latest permanent
failure), so the state, and everything derived from it (status view, anomalies,
deadlines, alerts, commitments), is a function of the SET of facts whatever their
arrival order. Duplicates are removed before the fold (the aggregate does). Pure: no
I/O, no clock.

Voiding (contract v1.1 §3): a permanent failure voids the transport evidence (`po.sent`,
`po.delivered`) of its revision and recipient dated before it; received and acknowledged
evidence is never voided. A `Track` keeps the time of the latest permanent failure
(`voided_until`) and, sorted, the distinct times of the transport evidence dated after
it: a failure folded later drops the times it voids, evidence folded after a failure is
kept only when dated after it, so either order leaves the same lists.

**Equal times: the failure wins.** A `po.sent` or `po.delivered` dated exactly at the
latest permanent failure is void. §3 defines `failed` as "no po.sent or po.delivered
later than the latest permanent failure": evidence at the same instant is not later, so
the recipient is `failed`; voiding it too keeps the row coherent (a `failed` recipient
never shows a `sent_at`/`delivered_at`). It is also what happens: a failure answers a
sending or a delivery, so it cannot precede it; sources often carry whole seconds or
minutes (X12 997/999 and EDIFACT CONTRL times are HHMM), which collapses a send and its
rejection onto one instant, while a retry reacts to the failure and comes later. The
rule compares instants only (no ids), so it stays a function of the event set.
"""

from bisect import bisect_right, insort
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
    """What is known of one recipient in one revision (docs/contract.md §3).

    `sent_at` and `delivered_at` are those of the transport evidence not voided by a
    permanent failure: the earliest `po.sent` / `po.delivered` dated after the latest
    permanent failure (see the module docstring for equal times).
    """

    sent: list[datetime] = Field(
        default_factory=list,
        description="Distinct times of the po.sent not voided (after `voided_until`), sorted.",
    )
    delivered: list[datetime] = Field(
        default_factory=list,
        description="Distinct times of the po.delivered not voided (after `voided_until`), sorted.",
    )
    received_at: datetime | None = None
    failed_at: datetime | None = Field(None, description="Earliest permanent failure.")
    voided_until: datetime | None = Field(
        None,
        description="Latest permanent failure: po.sent and po.delivered at or before it are void.",
    )
    last_failure: LastFailure | None = None
    ack: Ack | None = Field(None, description="The acknowledgment that counts: the latest.")
    first_ack_at: datetime | None = Field(None, description="Earliest acknowledgment time.")

    @property
    def sent_at(self) -> datetime | None:
        """The earliest `po.sent` not voided (docs/contract.md §3), else None."""
        return self.sent[0] if self.sent else None

    @property
    def delivered_at(self) -> datetime | None:
        """The earliest `po.delivered` not voided (docs/contract.md §3), else None."""
        return self.delivered[0] if self.delivered else None

    @property
    def failed(self) -> bool:
        """§3 `failed`: a permanent failure, no receipt or acknowledgment, and no `po.sent`
        or `po.delivered` later than the latest permanent failure (none left unvoided)."""
        return (
            self.failed_at is not None
            and self.received_at is None
            and self.ack is None
            and not self.sent
            and not self.delivered
        )


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
    last_recorded_at: datetime | None = Field(
        None, description="When potrack recorded the latest-recorded of the facts."
    )
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


def _transport(times: list[datetime], voided_until: datetime | None, at: datetime) -> None:
    """Keep the time of a `po.sent`/`po.delivered` unless a permanent failure voids it
    (dated at or before the latest one, docs/contract.md §3); `times` stays sorted, distinct."""
    if voided_until is not None and at <= voided_until:
        return
    if not times or at > times[-1]:
        times.append(at)  # the usual case: one send, one delivery, in time order
    elif at not in times:
        insort(times, at)


def _void(track: Track, at: datetime) -> None:
    """A permanent failure at `at` voids the transport evidence dated at or before it
    (docs/contract.md §3); only the latest failure matters, so an earlier one is a no-op."""
    if track.voided_until is not None and at <= track.voided_until:
        return
    track.voided_until = at
    if track.sent:
        del track.sent[: bisect_right(track.sent, at)]
    if track.delivered:
        del track.delivered[: bisect_right(track.delivered, at)]


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
    """Fold one (non-duplicate) fact into the state; returns the same, updated, state.

    Commutative: folding a set of facts in any order gives the same state. A permanent
    failure voids the earlier (and equal-time) transport evidence of its revision and
    recipient (docs/contract.md §3, v1.1)."""
    state.events += 1
    state.last_time = fact.time if state.last_time is None else max(state.last_time, fact.time)
    recorded = state.last_recorded_at
    state.last_recorded_at = (
        fact.recorded_at if recorded is None else max(recorded, fact.recorded_at)
    )
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
        _transport(track.sent, track.voided_until, fact.time)
    elif fact.type is EventType.DELIVERED:
        _transport(track.delivered, track.voided_until, fact.time)
    elif fact.type is EventType.RECEIVED:
        track.received_at = _earliest(track.received_at, fact.time)
    elif fact.type is EventType.DELIVERY_FAILED:
        if payload.permanent:
            track.failed_at = _earliest(track.failed_at, fact.time)
            _void(track, fact.time)
        # Transient failures (`permanent: false`) void nothing and change no status.
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
