"""Translation: one raw document in, the contract's CloudEvents out (docs/contract.md §2b).

Pure: the document's bytes and headers, the trading partners and a correlation lookup
(`Correlation`, implemented over the `sent` projection's tables) go in; structured-mode
CloudEvents (dicts, validated against the §2 models) come out, or a one-line reason:

- `DocumentError`: the document can never be translated (not parseable, unknown partner,
  a resulting event the contract refuses) -> po.deadletter.v1;
- `Uncorrelated` (or, with `final`, `Translation.uncorrelated`): it answers a message
  whose `po.sent` is not recorded (yet) -> the gateway retries it within the correlation
  window, then dead-letters it.

Identity: `source` is ``urn:potrack:gateway:<format>`` and `id` is built from the
partner and the document's own control numbers, so the same document read twice (a
redelivery, a crash before the offset commit) yields the same events, which ingest
records once.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from projections.correlation import SentMessage
from schemas.events import DOCUMENT_CONTENT_TYPES, INBOUND_EVENT, DocumentFormat
from schemas.status import EventType
from schemas.topics import TOPIC_OF_TYPE, Topic
from services.gateway.formats import cxml, edifact, mail, x12
from services.gateway.partners import Partner, Partners
from services.gateway.statements import (
    Confirmation,
    DocumentError,
    Outcome,
    Reading,
    Reply,
)

SOURCE_PREFIX = "urn:potrack:gateway:"
ID_MAX = 256
REASON_MAX = 512
BOM = b"\xef\xbb\xbf"  # some Windows tools start text files with it
EVENT_MAX_BYTES = 1024 * 1024  # docs/contract.md §4
UTC = ZoneInfo("UTC")

READERS: dict[DocumentFormat, Callable[[bytes], Reading]] = {
    DocumentFormat.X12: x12.read,
    DocumentFormat.EDIFACT: edifact.read,
    DocumentFormat.CXML: cxml.read,
    DocumentFormat.EMAIL: mail.read,
}
OUTCOME_TYPES: dict[Outcome, EventType] = {
    Outcome.DELIVERED: EventType.DELIVERED,
    Outcome.RECEIVED: EventType.RECEIVED,
    Outcome.FAILED: EventType.DELIVERY_FAILED,
    Outcome.DELAYED: EventType.DELIVERY_FAILED,
}


class Uncorrelated(Exception):
    """The document answers sent messages that are not recorded (yet): `message_ids`."""

    def __init__(self, message_ids: list[str]) -> None:
        self.message_ids = message_ids
        shown = ", ".join(message_ids[:5]) + (" ..." if len(message_ids) > 5 else "")
        super().__init__(f"answers no sent message: no po.sent with message_id {shown}")


class Correlation(Protocol):
    """What was sent (the `sent` projection): see `projections.tables.sent`."""

    def by_id(self, message_id: str) -> list[SentMessage]:
        """The sent message of that id, one per recipient it went to (empty: none)."""
        ...

    def in_group(self, group_id: str) -> list[SentMessage]:
        """Every sent message whose id is ``<group_id>.<...>``."""
        ...

    def last_revision(self, po_number: str, recipient: str, at: datetime | None) -> int | None:
        """The highest revision sent to the recipient at or before `at` (None: ever)."""
        ...


@dataclass(frozen=True)
class Incoming:
    """A raw document as it arrived: bytes, the `content-type` and `potrack-partner`
    headers, and where it sits on po.documents.v1 (None outside Kafka, e.g. a file)."""

    body: bytes
    content_type: str | None = None
    partner: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass
class Translation:
    """The events a document became (structured CloudEvents dicts, each with the inbound
    topic it goes to) and, when `final`, the message ids that never correlated."""

    reading: Reading
    partner: Partner | None
    events: list[tuple[Topic, dict[str, Any]]] = field(default_factory=list)
    uncorrelated: list[str] = field(default_factory=list)


def document_format(incoming: Incoming) -> DocumentFormat:
    """The format named by the content type (parameters ignored), or, when the header is
    absent, sniffed from the first bytes; DocumentError for any other content type."""
    if incoming.content_type:
        media = incoming.content_type.split(";", 1)[0].strip().lower()
        try:
            return DOCUMENT_CONTENT_TYPES[media]
        except KeyError:
            known = ", ".join(DOCUMENT_CONTENT_TYPES)
            raise DocumentError(f"content-type {media!r} is not a B2B document ({known})") from None
    head = incoming.body.removeprefix(BOM).lstrip()[:3]
    if head == b"ISA":
        return DocumentFormat.X12
    if head in (b"UNA", b"UNB"):
        return DocumentFormat.EDIFACT
    if head.startswith(b"<"):
        return DocumentFormat.CXML
    return DocumentFormat.EMAIL


def check_size(size: int, limit: int) -> None:
    """DocumentError when a document of `size` bytes is over `limit`
    (POTRACK_MAX_DOCUMENT_BYTES): the gateway dead-letters it, translate refuses it."""
    if size > limit:
        raise DocumentError(
            f"document of {size} bytes is over the limit of {limit} (POTRACK_MAX_DOCUMENT_BYTES)"
        )


def read(incoming: Incoming) -> Reading:
    """The document read by its format's reader; DocumentError with the reason."""
    fmt = document_format(incoming)
    body = incoming.body if fmt is DocumentFormat.EMAIL else incoming.body.removeprefix(BOM)
    try:
        return READERS[fmt](body)
    except DocumentError:
        raise
    except Exception as exc:  # a reader bug must dead-letter one document, not stop all
        raise DocumentError(f"{fmt} reader failed: {type(exc).__name__}: {exc}") from exc


def partner_of(reading: Reading, incoming: Incoming, partners: Partners) -> Partner | None:
    """The partner named by the header, else the one of the document's sender identifiers.

    None only for an email reply from an unlisted mail server (the Message-ID it quotes,
    which potrack's gateway made, is what correlates it); DocumentError otherwise.
    """
    found = partners.find(reading.format, reading.senders)
    if incoming.partner:
        named = partners.by_id.get(incoming.partner)
        if named is None:
            raise DocumentError(f"unknown partner {incoming.partner!r} (potrack-partner header)")
        if found is not None and found is not named:  # the envelope says otherwise
            raise DocumentError(
                f"potrack-partner {named.id} but the document's sender "
                f"{reading.senders[0]} belongs to partner {found.id}"
            )
        return named
    if found is None and not _mail_replies_only(reading):
        sender = reading.senders[0] if reading.senders else "(no sender identifier)"
        raise DocumentError(
            f"unknown sender {sender} ({reading.format}): no partner in POTRACK_PARTNERS_FILE"
        )
    return found


def _mail_replies_only(reading: Reading) -> bool:
    return reading.format is DocumentFormat.EMAIL and all(
        isinstance(s, Reply) for s in reading.statements
    )


def translate(
    incoming: Incoming, partners: Partners, correlation: Correlation, final: bool = False
) -> Translation:
    """The events of one document (see the module doc). Raises DocumentError, or
    Uncorrelated when some reply answers no recorded message; with `final` those replies
    are left out and listed in `uncorrelated` instead (the gateway publishes what does
    correlate at once and parks the document until the correlation window has passed)."""
    reading = read(incoming)
    partner = partner_of(reading, incoming, partners)
    out = Translation(reading, partner)
    document = _document(incoming, reading)
    for statement in reading.statements:
        if isinstance(statement, Reply):
            sent = _correlate(statement, reading, partner, correlation)
            if not sent:
                out.uncorrelated.append(statement.message_id)
            for message in sent:
                out.events.append(_reply_event(reading, partner, statement, message, document))
        else:
            out.events.append(
                _confirmation_event(reading, partner, statement, correlation, document)
            )
    if out.uncorrelated and not final:
        raise Uncorrelated(out.uncorrelated)
    return out


def _correlate(
    reply: Reply, reading: Reading, partner: Partner | None, correlation: Correlation
) -> list[SentMessage]:
    """The sent messages a reply answers. A message id is unique per recipient only (one
    email goes to several recipients; partners number their control numbers
    independently), so: a reply that names its recipient's address (a DSN's or MDN's
    Final-Recipient) answers the message to the recipient of that address in the plan;
    an EDI or cXML reply answers only messages to its partner's recipient (a partner
    cannot fail another's orders), an email reply preferably. DocumentError when a
    reply still fits several recipients."""
    if reply.group:
        found = correlation.in_group(reply.message_id)
    else:
        found = []
        for message_id in (reply.message_id, *reply.alternatives):
            found = correlation.by_id(message_id)
            if found:
                break
    if reply.address:
        found = [m for m in found if m.address == reply.address.lower()] or found
    if partner is not None:
        own = [m for m in found if m.recipient == partner.recipient]
        found = own if own or reading.format is not DocumentFormat.EMAIL else found
    if not reply.group and len({m.recipient for m in found}) > 1:
        names = ", ".join(sorted({m.recipient for m in found}))
        raise DocumentError(
            f"message_id {reply.message_id} was sent to several recipients ({names}) and the "
            "reply does not say which it answers"
        )
    return found if reply.group else found[:1]


def _document(incoming: Incoming, reading: Reading) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": reading.format.value,
        "sha256": hashlib.sha256(incoming.body).hexdigest(),
        "reference": f"{reading.kind} {reading.control}"[:REASON_MAX],
    }
    if incoming.topic is not None:
        doc |= {"topic": incoming.topic, "partition": incoming.partition, "offset": incoming.offset}
    return doc


def _time(reading: Reading, own: datetime | None, partner: Partner | None) -> datetime:
    """The statement's own time, else the envelope's; a naive one is in the partner's
    zone (UTC without a partner)."""
    at = own or reading.time
    if at is None:
        raise DocumentError(f"{reading.kind} {reading.control}: carries no date and time")
    if at.tzinfo is None:
        at = at.replace(tzinfo=partner.zone if partner else UTC)
    return at


def _event_id(reading: Reading, partner: Partner | None, *parts: str) -> str:
    who = partner.id if partner else (reading.senders[0] if reading.senders else "-")
    text = ":".join((who, reading.kind, reading.control, *parts))
    if len(text) <= ID_MAX:
        return text
    return f"{who[:64]}:{hashlib.sha256(text.encode()).hexdigest()}"


def _reply_event(
    reading: Reading,
    partner: Partner | None,
    reply: Reply,
    sent: SentMessage,
    document: dict[str, Any],
) -> tuple[Topic, dict[str, Any]]:
    type_ = OUTCOME_TYPES[reply.outcome]
    data: dict[str, Any] = {"revision": sent.revision, "recipient": sent.recipient}
    if type_ is EventType.DELIVERED:
        data |= {"channel": sent.channel, "message_id": sent.message_id}
        data["evidence"] = reply.evidence
    elif type_ is EventType.RECEIVED:
        data["evidence"] = reply.evidence
    else:
        data["permanent"] = reply.outcome is Outcome.FAILED
        data["message_id"] = sent.message_id
        if reply.code:
            data["code"] = reply.code[:REASON_MAX]
        data["reason"] = (reply.reason or reply.evidence)[:REASON_MAX]
    parts = (reply.key, sent.message_id) if reply.group else (reply.key,)
    event = _event(
        type_, _event_id(reading, partner, *parts), sent.po_number, reading, partner, reply.time
    )
    return _valid(type_, event | {"data": data | {"document": document}})


def _confirmation_event(
    reading: Reading,
    partner: Partner | None,
    conf: Confirmation,
    correlation: Correlation,
    document: dict[str, Any],
) -> tuple[Topic, dict[str, Any]]:
    if partner is None:  # partner_of only allows that for email replies
        raise DocumentError("a business acknowledgment needs a known partner")
    at = _time(reading, conf.time, partner)
    answered = _answered(conf, partner, correlation)
    recipient = answered.recipient if answered else partner.recipient
    revision = (
        conf.revision
        or (answered.revision if answered else None)
        or correlation.last_revision(conf.po_number, recipient, at)
        or correlation.last_revision(conf.po_number, recipient, None)
        or 1  # nothing sent (yet): the first revision, kept like any early event (§3)
    )
    data: dict[str, Any] = {
        "revision": revision,
        "recipient": recipient,
        "decision": conf.decision.value,
        "lines": [line.model_dump(mode="json", exclude_none=True) for line in conf.lines],
    }
    if conf.supplier_reference:
        data["supplier_reference"] = conf.supplier_reference[:REASON_MAX]
    if conf.reason:
        data["reason"] = conf.reason[:REASON_MAX]
    type_ = EventType.ACKNOWLEDGED
    event = _event(
        type_, _event_id(reading, partner, conf.key), conf.po_number, reading, partner, conf.time
    )
    return _valid(type_, event | {"data": data | {"document": document}})


def _answered(conf: Confirmation, partner: Partner, correlation: Correlation) -> SentMessage | None:
    """The sent order a business acknowledgment references (cXML DocumentReference,
    EDIFACT RFF+ACW) when it went to the partner's recipient; None otherwise."""
    if not conf.answers:
        return None
    own = [m for m in correlation.by_id(conf.answers) if m.recipient == partner.recipient]
    return own[0] if own else None


def _event(
    type_: EventType,
    id_: str,
    po_number: str,
    reading: Reading,
    partner: Partner | None,
    own_time: datetime | None,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_,
        "source": SOURCE_PREFIX + reading.format.value,
        "type": type_.value,
        "subject": po_number,
        "time": _time(reading, own_time, partner).isoformat(),
        "datacontenttype": "application/json",
    }


def _valid(type_: EventType, event: dict[str, Any]) -> tuple[Topic, dict[str, Any]]:
    """The event and its topic, once the contract accepts it: its models (DocumentError
    with the first refusal, e.g. a PO number over 64 characters) and its size (§4: at
    most 1 MiB, or ingest would dead-letter the event, far from the document)."""
    try:
        INBOUND_EVENT.validate_python(event)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"][1:])
        raise DocumentError(f"translated {type_} refused: {where}: {first['msg']}") from exc
    size = len(json.dumps(event, separators=(",", ":")).encode())
    if size > EVENT_MAX_BYTES:
        raise DocumentError(
            f"translated {type_} would be {size} bytes, over the 1 MiB limit of an event (§4)"
        )
    return TOPIC_OF_TYPE[type_], event
