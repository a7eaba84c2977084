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


LineOutcome = Literal["accepted", "changed", "backordered", "rejected", "missing", "unknown"]
# What can be outside tolerance on one line (`LineDeviation.outside`).
Check = Literal["quantity", "unit_price", "date", "rejected", "missing", "unknown", "no_date"]


class LineDeviation(View):
    """One acknowledged line compared with the PO line of the revision it answers
    (`projections.deviations`). Quantities and prices are exact decimals; `*_pct` are
    percentages of the PO's value; `days` = promised date - need-by date (negative: early).
    `decision` is the line's decision, `missing` for a PO line the acknowledgment leaves
    out, `unknown` for an acknowledged line the PO does not have."""

    line: int
    sku: str | None = None
    decision: LineOutcome
    ordered_quantity: Decimal | None = None
    confirmed_quantity: Decimal | None = Field(
        None, description="What the supplier will supply: 0 when rejected, None when missing."
    )
    backordered_quantity: Decimal | None = None
    quantity_change: Decimal | None = None
    quantity_change_pct: Decimal | None = None
    ordered_unit_price: Decimal | None = None
    confirmed_unit_price: Decimal | None = None
    unit_price_change: Decimal | None = None
    unit_price_change_pct: Decimal | None = None
    need_by: date | None = None
    promised_date: date | None = None
    days: int | None = None
    within_tolerance: bool
    outside: list[Check] = Field(
        default_factory=list, description="What is outside tolerance (empty when within)."
    )


class LineAnswer(View):
    """One supplier recipient's answer to one PO line: the line compared, with the
    acknowledgment it comes from."""

    recipient: str
    revision: int = Field(description="The revision the acknowledgment answers.")
    acknowledged_at: datetime
    decision: Decision = Field(description="The acknowledgment's own decision.")
    deviation: LineDeviation


class PoLine(View):
    """A line of the current revision with every supplier recipient's answer to it."""

    line: int
    sku: str | None = None
    description: str | None = None
    quantity: Decimal
    unit_price: Decimal
    need_by: date | None = None
    answers: list[LineAnswer] = Field(default_factory=list)


class LinesView(View):
    """`GET /pos/{po}/lines`: the lines of the current revision and what each supplier
    recipient answered (its counting acknowledgment of that revision), with the
    acknowledged lines the PO does not have under `unknown_lines`."""

    po_number: str
    revision: int | None
    currency: str | None = None
    supplier_id: str | None = None
    lines: list[PoLine] = Field(default_factory=list)
    unknown_lines: list[LineAnswer] = Field(default_factory=list)


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
    deviations: list[LineDeviation] = Field(
        default_factory=list,
        description="The lines of the counting acknowledgment that differ from the PO.",
    )
    within_tolerance: bool | None = Field(
        None,
        description="Every deviation within the supplier's tolerance; null without an "
        "acknowledgment that accepts.",
    )


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


class Payment(View):
    """Part of a commitment expected to be paid on one day (None: no date known)."""

    expected_payment_date: date | None
    amount: Decimal
    lines: list[int] = Field(
        default_factory=list, description="PO lines in this payment; empty for the rest."
    )


class Commitment(View):
    po_number: str
    revision: int
    supplier_id: str
    currency: str
    amount: Decimal
    state: CommitmentState
    confirmed_at: datetime | None = None
    expected_payment_date: date | None = None
    proposed_amount: Decimal | None = Field(
        None, description="While disputed by proposed changes: the value the supplier proposed."
    )
    payments: list[Payment] = Field(
        default_factory=list,
        description="`amount` by expected payment date (ascending, undated last); the "
        "amounts add up to `amount` exactly.",
    )


ForecastBucketSize = Literal["week", "month"]


class Amounts(View):
    """Expected payments split by commitment state (exact decimals, shown with at least the
    currency's ISO 4217 minor units, never rounded); `commitments`: how many contribute."""

    confirmed: Decimal = Decimal(0)
    open: Decimal = Decimal(0)
    disputed: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    commitments: int = 0


class ForecastBucket(Amounts):
    start: date = Field(description="First day of the bucket (a Monday, or the 1st).")
    end: date = Field(description="Last day of the bucket, inclusive.")


class CurrencyForecast(View):
    currency: str
    minor_units: int | None = Field(
        description="ISO 4217 minor units (JPY 0, USD 2, KWD 3); null when ISO has none."
    )
    buckets: list[ForecastBucket]
    earlier: Amounts = Field(description="Expected before the first bucket (past due).")
    later: Amounts = Field(description="Expected after the last bucket.")
    undated: Amounts = Field(description="No promised or need-by date to expect it on.")
    totals: Amounts = Field(description="All of the above: every open commitment.")


class CashForecast(View):
    """Expected payments per bucket and currency, split by commitment state (contract §6)."""

    as_of: datetime | None = None
    bucket: ForecastBucketSize
    start: date | None = Field(None, description="First day of the first bucket.")
    end: date | None = Field(None, description="Last day of the last bucket.")
    currencies: list[CurrencyForecast] = Field(default_factory=list)


class PortalLink(View):
    """A supplier recipient's link to the portal (docs/contract.md §6): its page answers
    `revision` of the PO as `recipient`, without a login, until `expires_at`."""

    recipient: str
    revision: int
    url: str = Field(description="`{public_url}/portal/{token}`, the token signed by potrack.")
    expires_at: datetime


class PortalLinks(View):
    """`GET /pos/{po}/portal-links`: a link for every supplier recipient of the current
    revision (none before approval)."""

    po_number: str
    revision: int | None = Field(description="The current revision; null before approval.")
    links: list[PortalLink] = Field(default_factory=list)


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of an outbound model (decimals as strings, times in RFC 3339)."""
    return model.model_dump(mode="json")
