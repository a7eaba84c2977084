"""Deadlines of one PO from its folded state and the SLA policy (docs/contract.md §5;
pure, no clock).

- delivery: every recipient of revision N, due `delivery window(channel)` after N was
  announced (approval or change order); met by delivered, received or acknowledged.
- acknowledgment: every supplier recipient of N when acknowledgment is required, due
  `acknowledgment window` (the PO's hours, else the recipient's, else the supplier's,
  else the policy's) after N was announced; met by any acknowledgment of N.
- receipt: every recipient of N whose policy has `receipt_minutes` (a functional
  acknowledgment, X12 997/999 or EDIFACT CONTRL, is expected of it), due that long after
  its `sent_at` for N (the first send not voided by a permanent failure, §3); no send, no
  receipt deadline yet. Met by `po.received` or anything stronger for N (received, first
  acknowledgment), not by `po.delivered`.
A deadline ends unmet-but-void when the PO is cancelled or N is superseded.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from projections.fold import PoState, Track
from projections.sla import SlaPolicy
from schemas.status import RecipientKind

DeadlineKind = Literal["delivery", "acknowledgment", "receipt"]


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    po_number: str
    revision: int
    recipient: str
    channel: str
    supplier_id: str
    start: datetime
    due: datetime
    met_at: datetime | None
    void_at: datetime | None

    @property
    def closed_at(self) -> datetime | None:
        """When the deadline stopped mattering: met, or void (cancelled/superseded)."""
        times = [t for t in (self.met_at, self.void_at) if t is not None]
        return min(times) if times else None

    def missed_at(self, at: datetime) -> bool:
        """Due at or before `at` and neither met nor void by then: an open overdue alert."""
        closed = self.closed_at
        return self.due <= at and (closed is None or closed > at)

    def critical_at(self) -> datetime:
        """'Twice overdue': as long again past the due time as the window itself."""
        return self.due + (self.due - self.start)


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def delivered_at(track: Track | None) -> datetime | None:
    """When the recipient first had it: the earliest delivery, receipt or acknowledgment
    (the first acknowledgment, not the one that counts: a later one must not undo it)."""
    if track is None:
        return None
    return _earliest(track.delivered_at, track.received_at, track.first_ack_at)


def receipt_at(track: Track | None) -> datetime | None:
    """When the recipient's receipt was first known (contract §5, `receipt_overdue`): the
    earliest receipt or acknowledgment; a delivery (transport evidence) is not a receipt."""
    if track is None:
        return None
    return _earliest(track.received_at, track.first_ack_at)


def deadlines(state: PoState, sla: SlaPolicy) -> list[Deadline]:
    """Every deadline (contract §5) of every announced revision (older ones are void from
    the next)."""
    if state.approved_at is None:
        return []
    found: list[Deadline] = []
    revisions = sorted(state.plans)
    for index, revision in enumerate(revisions):
        plan_record = state.plans[revision]
        plan = plan_record.data
        announced = plan_record.order[0]
        superseded = (
            state.plans[revisions[index + 1]].order[0] if index + 1 < len(revisions) else None
        )
        void_at = _earliest(state.cancelled_at, superseded)
        for recipient in plan.recipients:
            track = state.track(revision, recipient.id)
            common = dict(
                po_number=state.po_number,
                revision=revision,
                recipient=recipient.id,
                channel=recipient.channel.value,
                supplier_id=plan.supplier.id,
                void_at=void_at,
            )
            found.append(
                Deadline(
                    kind="delivery",
                    start=announced,
                    due=announced + sla.delivery_window(plan.supplier.id, recipient.channel),
                    met_at=delivered_at(track),
                    **common,  # type: ignore[arg-type]
                )
            )
            if recipient.kind is RecipientKind.SUPPLIER and plan.acknowledgment_required:
                window = sla.acknowledgment_window(
                    plan.supplier.id, plan.acknowledgment_due_hours, recipient.id
                )
                found.append(
                    Deadline(
                        kind="acknowledgment",
                        start=announced,
                        due=announced + window,
                        met_at=track.first_ack_at if track else None,
                        **common,  # type: ignore[arg-type]
                    )
                )
            receipt = sla.receipt_window(recipient.id)
            if receipt is not None and track is not None and track.sent_at is not None:
                found.append(
                    Deadline(
                        kind="receipt",
                        start=track.sent_at,
                        due=track.sent_at + receipt,
                        met_at=receipt_at(track),
                        **common,  # type: ignore[arg-type]
                    )
                )
    return found
