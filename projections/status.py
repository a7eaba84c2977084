"""CONTRACT §3 as a fold over facts, and the §6 status view rendered from it.

Every field of `PoState` merges commutatively (earliest time, latest by (time, id),
max revision), so the state, and so the view, is a function of the SET of facts
whatever their order. Duplicates are removed before the fold (the aggregate does).
"""

from datetime import datetime

from pydantic import BaseModel, Field

from schemas.events import AcknowledgedLine, RevisedData
from schemas.recorded import Fact
from schemas.status import (
    DECISION_STATUS,
    STRENGTH,
    Decision,
    EventType,
    POStatus,
    RecipientKind,
    RecipientStatus,
)
from schemas.views import Failure, RecipientView, StaleAcknowledgment, StatusView

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


class PoState(BaseModel):
    po_number: str
    events: int = 0
    last_time: datetime | None = None
    approved_at: datetime | None = None
    cancelled_at: datetime | None = None
    plans: dict[int, Plan] = Field(default_factory=dict)
    tracks: dict[str, Track] = Field(default_factory=dict)

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


def evolve(state: PoState, fact: Fact) -> PoState:
    """Fold one (non-duplicate) fact into the state; returns the same, updated, state."""
    state.events += 1
    state.last_time = fact.time if state.last_time is None else max(state.last_time, fact.time)
    payload = fact.payload
    if fact.type in (EventType.APPROVED, EventType.REVISED):
        if fact.type is EventType.APPROVED:
            state.approved_at = _earliest(state.approved_at, fact.time)
        known = state.plans.get(payload.revision)
        if known is None or known.order < fact.order:
            plan = (
                payload
                if isinstance(payload, RevisedData)
                else RevisedData.model_construct(**dict(payload), reason=None)
            )
            state.plans[payload.revision] = Plan(order=fact.order, data=plan)
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
    state = PoState(po_number=po_number)
    for fact in facts:
        evolve(state, fact)
    return state


def recipient_status(track: Track | None) -> RecipientStatus:
    """The strongest evidence wins; `failed` only without evidence of arrival."""
    if track is None:
        return RecipientStatus.PENDING
    if track.ack is not None:
        return DECISION_STATUS[track.ack.decision]
    if track.received_at is not None:
        return RecipientStatus.RECEIVED
    if track.delivered_at is not None:
        return RecipientStatus.DELIVERED
    if track.failed_at is not None:
        return RecipientStatus.FAILED
    if track.sent_at is not None:
        return RecipientStatus.SENT
    return RecipientStatus.PENDING


def _recipient_views(state: PoState, revision: int, plan: RevisedData) -> list[RecipientView]:
    views = []
    for recipient in plan.recipients:
        track = state.track(revision, recipient.id)
        views.append(
            RecipientView(
                id=recipient.id,
                kind=recipient.kind,
                channel=recipient.channel,
                address=recipient.address,
                status=recipient_status(track),
                sent_at=track.sent_at if track else None,
                delivered_at=track.delivered_at if track else None,
                received_at=track.received_at if track else None,
                acknowledged_at=track.ack.order[0] if track and track.ack else None,
                decision=track.ack.decision if track and track.ack else None,
                supplier_reference=track.ack.supplier_reference if track and track.ack else None,
                failure=track.last_failure.failure if track and track.last_failure else None,
            )
        )
    return views


def po_status(state: PoState, plan: RevisedData | None, rows: list[RecipientView]) -> POStatus:
    """CONTRACT §3 precedence, first match wins."""
    if state.cancelled_at is not None:
        return POStatus.CANCELLED
    if state.approved_at is None or plan is None:
        return POStatus.UNKNOWN
    suppliers = [r.status for r in rows if r.kind is RecipientKind.SUPPLIER]
    if RecipientStatus.REJECTED in suppliers:
        return POStatus.REJECTED
    if RecipientStatus.CHANGES_PROPOSED in suppliers:
        return POStatus.CHANGES_PROPOSED
    if any(r.status is RecipientStatus.FAILED for r in rows):
        return POStatus.DELIVERY_FAILED
    required = plan.acknowledgment_required
    if required and suppliers and all(s is RecipientStatus.ACKNOWLEDGED for s in suppliers):
        return POStatus.ACKNOWLEDGED
    delivered = all(STRENGTH[r.status] >= STRENGTH[RecipientStatus.DELIVERED] for r in rows)
    if delivered and not required:
        return POStatus.DISTRIBUTED
    if delivered:
        return POStatus.AWAITING_ACKNOWLEDGMENT
    return POStatus.DISTRIBUTING


def stale_acknowledgments(
    state: PoState, revision: int, plan: RevisedData
) -> list[StaleAcknowledgment]:
    """Supplier recipients of `revision` whose newest acknowledgment is of an older revision."""
    stale = []
    for recipient in plan.recipients:
        if recipient.kind is not RecipientKind.SUPPLIER:
            continue
        current = state.track(revision, recipient.id)
        if current is not None and current.ack is not None:
            continue
        older = [
            rev
            for rev in range(revision - 1, 0, -1)
            if (t := state.track(rev, recipient.id)) is not None and t.ack is not None
        ]
        if older:
            stale.append(StaleAcknowledgment(recipient=recipient.id, revision=older[0]))
    return stale


def render(state: PoState, *, overdue: bool = False) -> StatusView:
    """The §6 status view of one PO."""
    revision = state.revision
    plan = state.plan()
    rows = _recipient_views(state, revision, plan) if revision and plan else []
    return StatusView(
        po_number=state.po_number,
        revision=revision,
        status=po_status(state, plan, rows),
        supplier_id=plan.supplier.id if plan else None,
        supplier_name=plan.supplier.name if plan else None,
        buyer_id=plan.buyer.id if plan and plan.buyer else None,
        currency=plan.currency if plan else None,
        total_amount=plan.total_amount if plan else None,
        acknowledgment_required=plan.acknowledgment_required if plan else None,
        overdue=overdue,
        stale_acknowledgments=stale_acknowledgments(state, revision, plan)
        if revision and plan
        else [],
        version=state.events,
        updated_at=state.last_time,
        recipients=rows,
        cancelled_at=state.cancelled_at,
        approved_at=state.approved_at,
    )


def view_of(po_number: str, facts: list[Fact], *, as_of: datetime | None = None) -> StatusView:
    """The view from a list of distinct facts, optionally only those with time <= as_of."""
    chosen = [f for f in facts if as_of is None or f.time <= as_of]
    return render(fold(po_number, chosen))
