"""What a B2B document says, before correlation: the readers' common output (§2b).

Each format reader (``services/gateway/formats/<format>.py``) turns the document's bytes
into one `Reading`: who sent it, its own control numbers and the statements it makes. It
does no I/O, reads no clock and knows nothing of potrack's stored state; `translate.py`
then finds the trading partner, correlates each statement with what was sent and builds
the §2 CloudEvents. Keeping the readers this narrow lets every format be tested on its
own, on document bytes alone.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from schemas.events import AcknowledgedLine, DocumentFormat
from schemas.status import Decision


class DocumentError(ValueError):
    """The document cannot be read: the message is the one-line reason that goes into
    the dead letter's ``potrack-error`` header (§2b "Bad documents", §4)."""


# The `document.format` of a translated event and the `<format>` of its source.
Format = DocumentFormat


class Outcome(StrEnum):
    """What a reply to a sent message says happened to it (§2b "Meaning")."""

    DELIVERED = "delivered"  # -> po.delivered
    RECEIVED = "received"  # -> po.received
    FAILED = "failed"  # -> po.delivery_failed, permanent: true
    DELAYED = "delayed"  # -> po.delivery_failed, permanent: false


@dataclass(frozen=True)
class Reply:
    """A statement about a message potrack's gateways sent (997, CONTRL, DSN, MDN ...).

    `message_id` is the sent message's id as §2b spells it (X12 ``<GS06>.<ST02>``,
    EDIFACT ``<UNB 0020>.<UNH 0062>``, cXML payloadID, email Message-ID without angle
    brackets). With `group` true the reply answers every message whose id starts with
    ``message_id + "."`` (an X12 group or interchange, an EDIFACT interchange).
    `key` is unique among the statements of one document and stable: it becomes part of
    the event id. `time` is naive when the format carries no zone (the partner's zone
    applies), else aware.
    """

    message_id: str
    outcome: Outcome
    evidence: str
    key: str
    time: datetime | None = None
    group: bool = False
    code: str | None = None
    reason: str | None = None
    alternatives: tuple[str, ...] = ()  # other ids of the same message, tried in order
    # The recipient address the reply is about (a DSN's or MDN's Final-Recipient): one
    # email goes to several recipients under one Message-ID, and this tells them apart.
    address: str | None = None


@dataclass(frozen=True)
class Confirmation:
    """A business response that names the PO itself (X12 855/865, EDIFACT ORDRSP, cXML
    ConfirmationRequest) -> po.acknowledged. `revision` is None when the document does
    not carry one (§2b: then the revision last sent to the recipient applies). `answers`
    is the message id of the sent order it answers when the document names one (cXML
    DocumentReference payloadID, an EDIFACT RFF of the ORDERS message), which then gives
    the revision and recipient; `lines` are in the contract's terms (schemas.events)."""

    po_number: str
    decision: Decision
    key: str
    time: datetime | None = None
    revision: int | None = None
    supplier_reference: str | None = None
    reason: str | None = None
    lines: tuple[AcknowledgedLine, ...] = ()
    answers: str | None = None


Statement = Reply | Confirmation


@dataclass(frozen=True)
class Reading:
    """One document read: `senders` are the identifiers it came from, spelled as the
    partners file spells them (X12 ``ISA05:ISA06``, EDIFACT ``<UNB sender>:<qualifier>``,
    cXML ``<domain>:<identity>`` of From/Credential, email addresses lower-cased, an AS2
    MDN's ``AS2-From``), best first; `control` is the document's own control number(s),
    e.g. ``ISA13`` or ``UNB 0020`` or the cXML payloadID, shown as `document.reference`;
    `time` is the
    envelope's date and time (naive when it carries no zone) used when a statement has
    none; `kind` names the document (``997``, ``ORDRSP``, ``ConfirmationRequest``,
    ``DSN``) for logs and the audit trail."""

    format: Format
    kind: str
    control: str
    senders: tuple[str, ...]
    statements: tuple[Statement, ...]
    time: datetime | None = None
    notes: tuple[str, ...] = field(default=())
    # The cXML Sender/Credential/SharedSecret, checked by POST /b2b/cxml; never logged.
    shared_secret: str | None = field(default=None, repr=False)
