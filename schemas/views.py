"""Outbound shapes: the status view (docs/contract.md §6), alerts and commitments (§5)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.status import Channel, Decision, POStatus, RecipientKind, RecipientStatus


class View(BaseModel):
    """Outbound models: unknown fields are dropped on read so consumers can evolve."""

    model_config = ConfigDict(extra="ignore")


class Failure(View):
    permanent: bool
    at: datetime
    code: str | None = None
    reason: str | None = None
    message_id: str | None = None


class RecipientView(View):
    id: str
    kind: RecipientKind
    channel: Channel
    status: RecipientStatus
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    received_at: datetime | None = None
    acknowledged_at: datetime | None = None
    decision: Decision | None = None
    failure: Failure | None = None
    address: str | None = None
    supplier_reference: str | None = None


class StaleAcknowledgment(View):
    recipient: str
    revision: int


class Anomaly(View):
    """A valid event that makes no business sense, judged on event time over the set of
    the PO's events (docs/contract.md §4): the event it is about and why."""

    source: str
    id: str
    type: str
    time: datetime
    note: str


class StatusView(View):
    po_number: str
    revision: int | None = Field(description="The current revision; null before approval.")
    status: POStatus
    supplier_id: str | None = None
    supplier_name: str | None = None
    buyer_id: str | None = None
    currency: str | None = None
    total_amount: Decimal | None = None
    acknowledgment_required: bool | None = None
    overdue: bool = False
    stale_acknowledgments: list[StaleAcknowledgment] = Field(default_factory=list)
    version: int = Field(description="Accepted events of this PO; rises by one per event.")
    updated_at: datetime | None = Field(description="Event time of the latest accepted event.")
    recipients: list[RecipientView] = Field(default_factory=list)
    cancelled_at: datetime | None = None
    approved_at: datetime | None = None
    anomalies: list[Anomaly] = Field(
        default_factory=list, description="Anomalous events of the PO, in event-time order."
    )


# The alert kinds of docs/contract.md §5; `receipt_overdue`: a functional acknowledgment
# (X12 997/999, EDIFACT CONTRL) the trading partner is expected to send has not come.
AlertKind = Literal[
    "delivery_overdue",
    "delivery_failed",
    "acknowledgment_overdue",
    "acknowledgment_rejected",
    "changes_proposed",
    "stale_acknowledgment",
    "receipt_overdue",
]
Severity = Literal["warning", "critical"]


class Alert(View):
    alert_id: str
    po_number: str
    revision: int
    recipient: str | None = None
    kind: AlertKind = Field(
        description="What the alert is about (docs/contract.md §5); `receipt_overdue`: a "
        "functional acknowledgment (997/999, CONTRL) the trading partner is expected to "
        "send has not come."
    )
    severity: Severity
    due_at: datetime | None = None
    raised_at: datetime
    resolved_at: datetime | None = None
    escalation_level: int = 0
    supplier_id: str | None = None
    detail: str | None = None


CommitmentState = Literal["open", "confirmed", "disputed", "cancelled"]


class Commitment(View):
    po_number: str
    revision: int
    supplier_id: str
    currency: str
    amount: Decimal
    state: CommitmentState
    confirmed_at: datetime | None = None
    expected_payment_date: date | None = None


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of an outbound model (decimals as strings, times in RFC 3339)."""
    return model.model_dump(mode="json")
