"""Which scripted facts of one PO arrive as raw B2B documents, and the documents (§2b).

What potrack's own gateways report stays a CloudEvent (approvals, sends, AS2 and HTTP
transport evidence, portal and API traffic, acknowledgments a person keys in from an
email). What a supplier's or a mail server's system sends becomes a document on
po.documents.v1, as the B2B gateway will translate it:

- EDI: po.received -> X12 997 or EDIFACT CONTRL; po.acknowledged -> X12 855 (865 for a
  revision > 1) or EDIFACT ORDRSP. An X12 855 carries no revision, so the gateway takes
  the revision last sent at its time: an 855 for which that would be another revision
  (a revision-1 answer after revision 2 went out) stays a CloudEvent.
- cXML: po.received -> StatusUpdateRequest 200; po.acknowledged -> ConfirmationRequest.
- email (supplier and internal recipients): po.delivered -> DSN `delivered` from the final
  mail server; a permanent failure -> DSN `failed`, a transient one -> DSN `delayed`,
  both from the buyer's relay; po.received -> MDN `displayed`.

Every `po.sent` carries the message id that the answers quote (X12 ``<GS06>.<ST02>``,
EDIFACT ``<UNB 0020>.<UNH 0062>``, the OrderRequest payloadID, the mail's Message-ID). A
document's own date and time is the fact's time cut to what the format carries (X12 and
EDIFACT: the minute, in the partner's zone; cXML and email: the second, with offset).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.status import Channel, EventType
from services.simulate.b2b.cxml import payload_id
from services.simulate.b2b.mail import mail_message_id
from services.simulate.documents import bad, cxml, edi, mail
from services.simulate.documents.order import Numbers, Order
from services.simulate.lifecycle import Fact
from services.simulate.partners import MAIL_HOST, ORDER_HOST, PARTNERS
from services.simulate.profiles import Supplier

X12, EDIFACT, CXML, EMAIL = bad.X12, bad.EDIFACT, bad.CXML, bad.EMAIL
MINUTE, SECOND = timedelta(minutes=1), timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAIL_EVIDENCE = (EventType.DELIVERED, EventType.DELIVERY_FAILED, EventType.RECEIVED)
_ANSWERS = (EventType.RECEIVED, EventType.ACKNOWLEDGED)


def floor(when: datetime, step: timedelta) -> datetime:
    """`when` cut down to a whole `step` (UTC offsets are whole minutes)."""
    return when - (when - _EPOCH) % step


@dataclass(frozen=True)
class Carried:
    """One fact as it travels: its data (message ids as its format spells them), its event
    time, and, when a partner's system sends it, the document (content type, bytes)."""

    fact: Fact
    when: datetime
    content_type: str | None = None
    body: bytes | None = None


class Courier:
    """Turns each PO's scripted facts into what arrives: CloudEvents and documents.
    Deterministic: its numbers come from an rng seeded with the traffic's seed."""

    def __init__(self, seed: int) -> None:
        self.numbers = Numbers(random.Random(f"potrack-documents:{seed}"))

    def broken(self, content_type: str, body: bytes, when: datetime) -> tuple[bytes, str]:
        """A broken variant of a good document and its defect (`documents.bad`)."""
        return bad.broken(self.numbers.rng, content_type, body, when)

    def carry(
        self, po: str, supplier: Supplier, facts: Sequence[Fact], times: Sequence[datetime]
    ) -> list[Carried]:
        """The facts of PO `po` (at `times`), each as a CloudEvent or a document."""
        order = Order.of(po, PARTNERS[supplier.id], facts, times)
        renamed: dict[str, str] = {}
        for i in sorted(range(len(facts)), key=times.__getitem__):
            fact = facts[i]
            if fact.type is EventType.SENT:
                new = self.message_id(order, fact.data, times[i])
                renamed[fact.data["message_id"]] = new
                order.sent(fact.data, new, times[i])
        out = []
        for fact, when in zip(facts, times, strict=True):
            old = fact.data.get("message_id")
            if old in renamed:
                fact = fact._replace(data=fact.data | {"message_id": renamed[old]})
            written = self.document(order, fact, when)
            out.append(Carried(fact, *written) if written else Carried(fact, when))
        return out

    def message_id(self, order: Order, sent: dict[str, Any], when: datetime) -> str:
        """The id the send is known by in its channel's format (§2b correlation)."""
        channel, n = Channel(sent["channel"]), self.numbers
        if channel is Channel.EDI and order.partner.x12:
            return f"{n.next('buyer:x12')}.0001"  # <GS06>.<ST02> of the 850
        if channel is Channel.EDI and order.partner.gln:
            return f"{n.next('buyer:edifact')}.1"  # <UNB 0020>.<UNH 0062> of the ORDERS
        if channel is Channel.CXML:
            return payload_id(floor(when, SECOND), n.token(), ORDER_HOST)
        if channel is Channel.EMAIL:
            return mail_message_id(order.po, sent["revision"], n.token(), MAIL_HOST)
        return str(sent["message_id"])

    def document(
        self, order: Order, fact: Fact, when: datetime
    ) -> tuple[datetime, str, bytes] | None:
        """(event time, content type, bytes) of the document carrying `fact`, or None."""
        recipient = order.recipient(fact.data)
        if recipient is None:
            return None
        channel, kind, n, p = Channel(recipient["channel"]), fact.type, self.numbers, order.partner
        data = fact.data
        edi_partner = channel is Channel.EDI and (p.x12 or p.gln)
        if channel is Channel.EMAIL:
            wanted = kind in _MAIL_EVIDENCE
        else:
            wanted = kind in _ANSWERS and bool(edi_partner or (channel is Channel.CXML and p.anid))
        if not wanted:
            return None
        # the message it answers: the one the fact names, else the last sent before it
        answered = data.get("message_id") or order.answered(data, when)
        if answered is None:
            return None
        if channel is Channel.EMAIL:
            at = floor(when, SECOND)
            return at, EMAIL, mail.evidence(n, order, kind, data, recipient, answered, at)
        if channel is Channel.CXML:
            at = floor(when, SECOND)
            if kind is EventType.RECEIVED:
                return at, CXML, cxml.status_update(n, p, answered, at)
            return at, CXML, cxml.confirmation(n, order, data, answered, at)
        at = floor(when, MINUTE)
        if p.gln and kind is EventType.RECEIVED:
            return at, EDIFACT, edi.contrl(n, p, answered, at)
        if p.gln:
            return at, EDIFACT, edi.ordrsp(n, order, data, answered, at)
        if kind is EventType.RECEIVED:
            return at, X12, edi.functional_ack(n, p, answered, at)
        if data["revision"] == 1 and order.revision_at(data["recipient"], at) != 1:
            return None  # an 855 would be read as the newer revision (module docstring)
        return at, X12, edi.order_ack(n, order, data, at)
