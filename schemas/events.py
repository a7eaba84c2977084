"""Inbound event models: CloudEvents envelope plus the `data` of each type (docs/contract.md §2)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    field_validator,
)

from schemas.status import Channel, Decision, EventType, LineDecision, RecipientKind

PO_NUMBER_MAX = 64
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

Text = Annotated[str, Field(min_length=1, max_length=512)]
Identifier = Annotated[str, Field(min_length=1, max_length=256)]
Revision = Annotated[StrictInt, Field(ge=1, description="Revision number; the first is 1.")]
Money = Annotated[
    Decimal,
    Field(ge=0, allow_inf_nan=False, description="A decimal number or a decimal string."),
]
Quantity = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")]
LineNumber = Annotated[StrictInt, Field(ge=0)]
MIN_YEAR, MAX_YEAR = 1970, 9000
Day = Annotated[date, Field(ge=date(MIN_YEAR, 1, 1), le=date(MAX_YEAR, 12, 31))]


class Model(BaseModel):
    """Frozen and strict about unknown fields: a typo is an error, not silence."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentFormat(StrEnum):
    """The raw B2B formats the gateway reads (docs/contract.md §2b)."""

    X12 = "x12"
    EDIFACT = "edifact"
    CXML = "cxml"
    EMAIL = "email"


# docs/contract.md §2b: the header `content-type` of a raw document names its format; the
# first of each format is the one potrack writes (`CONTENT_TYPE_OF_FORMAT`).
DOCUMENT_CONTENT_TYPES: dict[str, DocumentFormat] = {
    "application/edi-x12": DocumentFormat.X12,
    "application/edifact": DocumentFormat.EDIFACT,
    "application/xml": DocumentFormat.CXML,
    "text/xml": DocumentFormat.CXML,
    "message/rfc822": DocumentFormat.EMAIL,
}
CONTENT_TYPE_OF_FORMAT: dict[DocumentFormat, str] = {
    fmt: next(t for t, f in DOCUMENT_CONTENT_TYPES.items() if f is fmt) for fmt in DocumentFormat
}


class Document(Model):
    """The raw B2B document an event was translated from (docs/contract.md §2, §2b):
    its format, the SHA-256 of its bytes (hex), its own control numbers (`reference`) and
    where it sits on `po.documents.v1` (`topic`, `partition`, `offset`), so the audit
    trail links to the original."""

    format: DocumentFormat
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    reference: Text | None = None
    topic: Identifier | None = None
    partition: Annotated[StrictInt, Field(ge=0)] | None = None
    offset: Annotated[StrictInt, Field(ge=0)] | None = None


class Inbound(Model):
    """Fields every inbound `data` may carry (docs/contract.md §2)."""

    document: Document | None = None


class Supplier(Model):
    id: Identifier
    name: Text | None = None


class Buyer(Model):
    id: Identifier
    email: Text | None = None


class OrderLine(Model):
    line: LineNumber
    sku: Text | None = None
    description: Text | None = None
    quantity: Quantity
    unit_price: Money
    need_by: Day | None = None


class Recipient(Model):
    id: Identifier
    kind: RecipientKind
    channel: Channel
    address: Text | None = None


class ApprovedData(Inbound):
    revision: Revision
    supplier: Supplier
    buyer: Buyer | None = None
    currency: Currency
    total_amount: Money
    payment_terms_days: Annotated[StrictInt, Field(ge=0, le=3650)] = 30
    lines: list[OrderLine] = Field(default_factory=list)
    recipients: list[Recipient] = Field(min_length=1)
    acknowledgment_required: StrictBool = True
    acknowledgment_due_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None

    @field_validator("recipients")
    @classmethod
    def _unique_recipients(cls, value: list[Recipient]) -> list[Recipient]:
        ids = [r.id for r in value]
        if len(ids) != len(set(ids)):
            raise ValueError("recipient ids must be unique within a revision")
        return value

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, value: list[OrderLine]) -> list[OrderLine]:
        numbers = [ln.line for ln in value]
        if len(numbers) != len(set(numbers)):
            raise ValueError("line numbers must be unique within a revision")
        return value


class RevisedData(ApprovedData):
    reason: Text | None = None


class CancelledData(Inbound):
    revision: Revision | None = None
    reason: Text | None = None


class RecipientFact(Inbound):
    """Fields shared by every event about one recipient of one revision."""

    revision: Revision
    recipient: Identifier


class SentData(RecipientFact):
    channel: Channel
    message_id: Text | None = None
    attempt: Annotated[StrictInt, Field(ge=1)] | None = None


class DeliveredData(RecipientFact):
    channel: Channel | None = None
    message_id: Text | None = None
    evidence: Text | None = None


class DeliveryFailedData(RecipientFact):
    permanent: StrictBool
    code: Text | None = None
    reason: Text | None = None
    message_id: Text | None = None


class ReceivedData(RecipientFact):
    evidence: Text | None = None


class AcknowledgedLine(Model):
    line: LineNumber
    decision: LineDecision
    quantity: Quantity | None = None
    unit_price: Money | None = None
    promised_date: Day | None = None


class AcknowledgedData(RecipientFact):
    decision: Decision
    supplier_reference: Text | None = None
    reason: Text | None = None
    lines: list[AcknowledgedLine] = Field(default_factory=list)


EventData = (
    ApprovedData
    | RevisedData
    | CancelledData
    | SentData
    | DeliveredData
    | DeliveryFailedData
    | ReceivedData
    | AcknowledgedData
)


class Envelope(BaseModel):
    """CloudEvents 1.0 context attributes, with potrack's required `subject` and `time`.

    Extension attributes are allowed (CloudEvents permits them) and ignored.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=256)]
    source: Annotated[str, Field(min_length=1, max_length=1024)]
    subject: Annotated[str, Field(min_length=1, max_length=PO_NUMBER_MAX)] = Field(
        description="The PO number."
    )
    time: AwareDatetime = Field(description="When the fact happened at its source (RFC 3339).")
    datacontenttype: str | None = None
    dataschema: str | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _rfc3339(cls, value: object) -> object:
        # pydantic alone would also take Unix seconds or a bare date; the contract says RFC 3339.
        if not isinstance(value, str) or not RFC3339.match(value):
            raise ValueError("time must be an RFC 3339 timestamp with an offset")
        return value

    @field_validator("time")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # One representation per instant, so views never depend on which offset came first;
        # the year bound keeps every later date arithmetic (deadlines, payment dates) safe.
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"time must be between the years {MIN_YEAR} and {MAX_YEAR}")
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("time is outside the calendar once converted to UTC") from exc


class PoApproved(Envelope):
    type: Literal[EventType.APPROVED]
    data: ApprovedData


class PoRevised(Envelope):
    type: Literal[EventType.REVISED]
    data: RevisedData


class PoCancelled(Envelope):
    type: Literal[EventType.CANCELLED]
    data: CancelledData = Field(default_factory=CancelledData)


class PoSent(Envelope):
    type: Literal[EventType.SENT]
    data: SentData


class PoDelivered(Envelope):
    type: Literal[EventType.DELIVERED]
    data: DeliveredData


class PoDeliveryFailed(Envelope):
    type: Literal[EventType.DELIVERY_FAILED]
    data: DeliveryFailedData


class PoReceived(Envelope):
    type: Literal[EventType.RECEIVED]
    data: ReceivedData


class PoAcknowledged(Envelope):
    type: Literal[EventType.ACKNOWLEDGED]
    data: AcknowledgedData


InboundEvent = Annotated[
    PoApproved
    | PoRevised
    | PoCancelled
    | PoSent
    | PoDelivered
    | PoDeliveryFailed
    | PoReceived
    | PoAcknowledged,
    Field(discriminator="type"),
]

INBOUND_EVENT: TypeAdapter[InboundEvent] = TypeAdapter(InboundEvent)

EVENT_MODELS: dict[EventType, type[Envelope]] = {
    EventType.APPROVED: PoApproved,
    EventType.REVISED: PoRevised,
    EventType.CANCELLED: PoCancelled,
    EventType.SENT: PoSent,
    EventType.DELIVERED: PoDelivered,
    EventType.DELIVERY_FAILED: PoDeliveryFailed,
    EventType.RECEIVED: PoReceived,
    EventType.ACKNOWLEDGED: PoAcknowledged,
}

DATA_MODELS: dict[EventType, type[Model]] = {
    EventType.APPROVED: ApprovedData,
    EventType.REVISED: RevisedData,
    EventType.CANCELLED: CancelledData,
    EventType.SENT: SentData,
    EventType.DELIVERED: DeliveredData,
    EventType.DELIVERY_FAILED: DeliveryFailedData,
    EventType.RECEIVED: ReceivedData,
    EventType.ACKNOWLEDGED: AcknowledgedData,
}
