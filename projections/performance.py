"""Supplier performance: one record per revision and supplier recipient, summarized over a window.

Pure: the window end ("now") is a parameter. Definitions (all windows are inclusive):
- acknowledgments_due: records whose acknowledgment deadline falls in the window and is
  not void; void = the revision was superseded or the PO cancelled before the deadline
  fell due and before any acknowledgment (an acknowledgment given before that still counts).
- acknowledged: of those, acknowledged (first acknowledgment) by the window end;
  on_time: acknowledged at or before the deadline.
- hours to acknowledge: first acknowledgment minus the start (first delivery or receipt,
  else the send), for records (not void) acknowledged in the window; median, and p90 by
  nearest rank.
- deliveries_sent: records with evidence of transmission (sent, delivered or failed) whose
  start (else the revision's announcement) is in the window; delivery_failures: of those,
  the ones with a permanent failure (even if a later resend got through).
Rates are null, not 0, when their denominator is 0.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from projections.deadlines import Deadline, deadlines
from projections.fold import PoState, Track
from projections.sla import SlaPolicy
from schemas.status import RecipientKind


class PerfRecord(BaseModel):
    """How one supplier recipient fared with one revision."""

    model_config = ConfigDict(frozen=True)

    po_number: str
    revision: int
    recipient: str
    channel: str
    supplier_id: str
    announced_at: datetime
    due_at: datetime | None
    start: datetime | None
    acknowledged_at: datetime | None
    delivered: bool
    failed: bool
    sent: bool
    void: bool

    @property
    def dispatched_at(self) -> datetime:
        """When the record counts as a delivery attempt: its start, else the announcement."""
        return self.start or self.announced_at


def _start(track: Track | None) -> datetime | None:
    if track is None:
        return None
    arrived = [t for t in (track.delivered_at, track.received_at) if t is not None]
    return min(arrived) if arrived else track.sent_at


def _void(deadline: Deadline, acknowledged_at: datetime | None) -> bool:
    void_at = deadline.void_at
    if void_at is None or (acknowledged_at is not None and acknowledged_at <= void_at):
        return False
    return deadline.kind == "delivery" or void_at < deadline.due


def records(state: PoState, sla: SlaPolicy) -> list[PerfRecord]:
    """One record per (revision, supplier recipient) of every announced revision."""
    by_key = {(d.revision, d.recipient, d.kind): d for d in deadlines(state, sla)}
    found = []
    for revision in sorted(state.plans):
        for recipient in state.plans[revision].data.recipients:
            delivery = by_key.get((revision, recipient.id, "delivery"))
            if recipient.kind is not RecipientKind.SUPPLIER or delivery is None:
                continue
            ack = by_key.get((revision, recipient.id, "acknowledgment"))
            track = state.track(revision, recipient.id)
            acknowledged_at = track.first_ack_at if track else None
            start = _start(track)
            failed = track is not None and track.failed_at is not None
            found.append(
                PerfRecord(
                    po_number=state.po_number,
                    revision=revision,
                    recipient=recipient.id,
                    channel=delivery.channel,
                    supplier_id=delivery.supplier_id,
                    announced_at=delivery.start,
                    due_at=ack.due if ack else None,
                    start=start,
                    acknowledged_at=acknowledged_at,
                    delivered=delivery.met_at is not None,
                    failed=failed,
                    sent=start is not None or failed or delivery.met_at is not None,
                    void=_void(ack or delivery, acknowledged_at),
                )
            )
    return found


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


def figures(records: Iterable[PerfRecord], start: datetime, end: datetime) -> dict[str, Any]:
    """The performance figures of some records over [start, end]."""
    chosen = list(records)

    def within(t: datetime | None) -> bool:
        return t is not None and start <= t <= end

    due = [r for r in chosen if within(r.due_at) and not r.void]
    acked = [r for r in due if r.acknowledged_at is not None and r.acknowledged_at <= end]
    on_time = [r for r in acked if r.due_at and r.acknowledged_at and r.acknowledged_at <= r.due_at]
    hours = [
        max(0.0, (r.acknowledged_at - r.start).total_seconds() / 3600)
        for r in chosen
        if r.start and r.acknowledged_at and within(r.acknowledged_at) and not r.void
    ]
    sent = [r for r in chosen if r.sent and within(r.dispatched_at)]
    failures = [r for r in sent if r.failed]
    return {
        "acknowledgments_due": len(due),
        "acknowledged": len(acked),
        "acknowledgment_rate": _rate(len(acked), len(due)),
        "on_time": len(on_time),
        "on_time_acknowledgment_rate": _rate(len(on_time), len(due)),
        "median_hours_to_acknowledge": round(statistics.median(hours), 2) if hours else None,
        "p90_hours_to_acknowledge": round(_p90(hours), 2) if hours else None,
        "deliveries_sent": len(sent),
        "delivery_failures": len(failures),
        "delivery_failure_rate": _rate(len(failures), len(sent)),
    }


def summarize(
    records: Sequence[PerfRecord],
    window_start: datetime,
    window_end: datetime,
    supplier_id: str | None = None,
) -> dict[str, Any]:
    """One supplier's figures over the window, overall and `by_channel`."""
    channels: dict[str, list[PerfRecord]] = defaultdict(list)
    for record in records:
        channels[record.channel].append(record)
    days = (window_end - window_start).total_seconds() / 86400
    return {
        "supplier_id": supplier_id or (records[0].supplier_id if records else None),
        "window": {
            "start": window_start.isoformat(),
            "end": window_end.isoformat(),
            "days": int(days) if days.is_integer() else round(days, 3),
        },
        **figures(records, window_start, window_end),
        "by_channel": {
            channel: figures(chosen, window_start, window_end)
            for channel, chosen in sorted(channels.items())
        },
    }
