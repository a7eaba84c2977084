"""The status view of one PO (docs/contract.md §3, §6) rendered from its folded state.

Pure: no I/O, no clock. `overdue` is not decided here: live it comes from the alerts
(`projections.overdue.is_overdue`), as of an instant from the deadlines (`view_as_of`).
"""

from datetime import datetime

from projections.anomalies import anomalies
from projections.deviations import judged
from projections.fold import PoState, Track, fold
from projections.overdue import overdue_at
from projections.sla import SlaPolicy
from schemas.events import RevisedData
from schemas.recorded import Fact
from schemas.status import (
    DECISION_STATUS,
    STRENGTH,
    Decision,
    POStatus,
    RecipientKind,
    RecipientStatus,
)
from schemas.views import Anomaly, RecipientView, StaleAcknowledgment, StatusView


def recipient_status(track: Track | None, counted: Decision | None = None) -> RecipientStatus:
    """The status of one recipient in one revision (docs/contract.md §3, v1.1).

    The strongest evidence not voided wins: acknowledgment (its decision), received,
    delivered, sent. A permanent failure voids the `po.sent`/`po.delivered` dated at or
    before it (`projections.fold`), never receipts or acknowledgments; so `failed` is a
    permanent failure with no receipt or acknowledgment and no transport evidence later
    than the latest permanent failure (`Track.failed`). A retry sent after the failure is
    `sent` again. Transient failures change no status. `counted`: the acknowledgment's
    decision as it counts (`projections.deviations.Judgement.counted`), else its own."""
    if track is None:
        return RecipientStatus.PENDING
    if track.ack is not None:
        return DECISION_STATUS[counted or track.ack.decision]
    if track.received_at is not None:
        return RecipientStatus.RECEIVED
    if track.delivered:
        return RecipientStatus.DELIVERED
    if track.sent:
        return RecipientStatus.SENT  # after the latest permanent failure, if any
    if track.failed:
        return RecipientStatus.FAILED
    return RecipientStatus.PENDING


def _recipient_views(
    state: PoState, revision: int, plan: RevisedData, sla: SlaPolicy
) -> list[RecipientView]:
    views = []
    for recipient in plan.recipients:
        track = state.track(revision, recipient.id)
        judgement = (
            judged(state, revision, track, sla)
            if recipient.kind is RecipientKind.SUPPLIER
            else None
        )
        views.append(
            RecipientView(
                id=recipient.id,
                kind=recipient.kind,
                channel=recipient.channel,
                address=recipient.address,
                status=recipient_status(track, judgement.counted if judgement else None),
                sent_at=track.sent_at if track else None,
                delivered_at=track.delivered_at if track else None,
                received_at=track.received_at if track else None,
                acknowledged_at=track.ack.order[0] if track and track.ack else None,
                decision=track.ack.decision if track and track.ack else None,
                supplier_reference=track.ack.supplier_reference if track and track.ack else None,
                failure=track.last_failure.failure if track and track.last_failure else None,
                deviations=judgement.deviations if judgement else [],
                within_tolerance=judgement.within if judgement else None,
            )
        )
    return views


def po_status(state: PoState, plan: RevisedData | None, rows: list[RecipientView]) -> POStatus:
    """docs/contract.md §3 precedence, first match wins; `delivery_failed` when a recipient
    of the current revision is `failed` (after voiding, see `recipient_status`)."""
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


DEFAULT_POLICY = SlaPolicy()


def render(state: PoState, *, overdue: bool = False, sla: SlaPolicy = DEFAULT_POLICY) -> StatusView:
    """The §6 status view of one PO; `overdue` as decided by `projections.overdue`; the
    supplier recipients' deviations judged by the tolerances of `sla`."""
    revision = state.revision
    plan = state.plan()
    rows = _recipient_views(state, revision, plan, sla) if revision and plan else []
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
        anomalies=[Anomaly(**found._asdict()) for found in anomalies(state)],
    )


def view_as_of(
    po_number: str, facts: list[Fact], as_of: datetime, sla: SlaPolicy
) -> StatusView | None:
    """The view from the distinct facts whose event time is at or before `as_of`, with
    `overdue` as of that instant (docs/contract.md §6); None when there is none."""
    chosen = [f for f in facts if f.time <= as_of]
    if not chosen:
        return None
    state = fold(po_number, chosen)
    return render(state, overdue=overdue_at(state, sla, as_of), sla=sla)
