"""Translation: a document, the partners and what was sent in; contract events out (§2b)."""

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from projections.correlation import SentMessage, message_key
from schemas.events import INBOUND_EVENT
from schemas.topics import Topic
from services.gateway.partners import parse_partners
from services.gateway.statements import DocumentError
from services.gateway.translate import Incoming, Uncorrelated, translate
from services.simulate.b2b import cxml, mail, x12

PARTNERS = parse_partners(
    """
[partners.KOBE-EDI]
supplier = "SUP-F06"
recipient = "sup-f06-edi"
x12 = ["ZZ:KOBESEIMITSU"]
timezone = "Asia/Tokyo"

[partners.GLOBEX]
supplier = "SUP-1004"
recipient = "sup-1004-cxml"
cxml = ["NetworkID:AN01000000001"]
shared_secret = "s3cret"
""",
    "partners.toml",
)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))


class Sent:
    """An in-memory `Correlation`: the sent messages a test says were recorded."""

    def __init__(self, *messages: SentMessage) -> None:
        self.messages = list(messages)

    def by_id(self, message_id: str) -> list[SentMessage]:
        key = message_key(message_id)
        return [m for m in self.messages if message_key(m.message_id) == key]

    def in_group(self, group_id: str) -> list[SentMessage]:
        prefix = message_key(group_id) + "."
        return [m for m in self.messages if message_key(m.message_id).startswith(prefix)]

    def last_revision(self, po_number: str, recipient: str, at: datetime | None) -> int | None:
        revisions = [
            m.revision
            for m in self.messages
            if (m.po_number, m.recipient) == (po_number, recipient)
            and (at is None or m.sent_at <= at)
        ]
        return max(revisions, default=None)


def edi_envelope(control: int, at: datetime) -> x12.Envelope:
    return x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", control, control, at)


def acceptance_997(answers: str = "4711", at: datetime = T0) -> bytes:
    return x12.functional_ack(
        edi_envelope(905, at.astimezone(TOKYO).replace(tzinfo=None)),
        answers,
        [x12.SetAck("0001", "A")],
    )


SENT_850 = SentMessage("4711.0001", "PO-1", 2, "sup-f06-edi", "edi", T0 - timedelta(hours=1))


def test_a_997_becomes_po_received_about_the_message_it_answers() -> None:
    body = acceptance_997()

    result = translate(
        Incoming(body, "application/edi-x12", None, "po.documents.v1", 1, 42),
        PARTNERS,
        Sent(SENT_850),
    )

    [(topic, event)] = result.events
    assert topic is Topic.DELIVERY
    assert event["type"] == "po.received"
    assert event["source"] == "urn:potrack:gateway:x12"
    assert event["subject"] == "PO-1"
    assert datetime.fromisoformat(event["time"]) == T0  # GS04/GS05 read in Asia/Tokyo
    assert event["data"] == {
        "revision": 2,
        "recipient": "sup-f06-edi",
        "evidence": "edi-997-accepted",
        "document": {
            "format": "x12",
            "sha256": hashlib.sha256(body).hexdigest(),
            "reference": "997 000000905",
            "topic": "po.documents.v1",
            "partition": 1,
            "offset": 42,
        },
    }
    INBOUND_EVENT.validate_python(event)


def test_the_same_document_twice_gives_the_same_event_ids() -> None:
    first = translate(Incoming(acceptance_997()), PARTNERS, Sent(SENT_850))
    again = translate(Incoming(acceptance_997(), offset=99), PARTNERS, Sent(SENT_850))

    assert [e["id"] for _, e in first.events] == [e["id"] for _, e in again.events]
    assert first.events[0][1]["id"].startswith("KOBE-EDI:997:000000905:")


def test_a_reply_to_a_message_not_recorded_waits_and_then_names_it() -> None:
    with pytest.raises(Uncorrelated) as waiting:
        translate(Incoming(acceptance_997("4712")), PARTNERS, Sent(SENT_850))
    final = translate(Incoming(acceptance_997("4712")), PARTNERS, Sent(SENT_850), final=True)

    assert waiting.value.message_ids == ["4712.0001"]
    assert "no po.sent with message_id 4712.0001" in str(waiting.value)
    assert (final.events, final.uncorrelated) == ([], ["4712.0001"])


def test_a_group_level_reply_answers_every_message_sent_in_that_group() -> None:
    other = SENT_850._replace(message_id="4711.0002", po_number="PO-2")
    body = x12.functional_ack(
        edi_envelope(906, datetime(2026, 11, 2, 18, 0)), "4711", [], group_code="R"
    )

    result = translate(Incoming(body), PARTNERS, Sent(SENT_850, other))

    assert [(e["subject"], e["type"], e["data"]["permanent"]) for _, e in result.events] == [
        ("PO-1", "po.delivery_failed", True),
        ("PO-2", "po.delivery_failed", True),
    ]
    assert len({e["id"] for _, e in result.events}) == 2


def order_ack(ack_type: str = "AC", at: datetime = datetime(2026, 11, 3, 10, 30)) -> bytes:
    lines = [
        x12.AckLine(1, Decimal(10), Decimal("12.50"), "IA"),
        x12.AckLine(2, Decimal(5), Decimal("3.10"), "IQ", acked=Decimal(4)),
    ]
    return x12.order_ack_855(
        edi_envelope(907, at), "PO-1", lines, ordered=date(2026, 11, 1), ack_type=ack_type
    )


def test_an_855_takes_its_recipient_from_the_partner_and_the_revision_last_sent() -> None:
    later = T0 + timedelta(days=5)
    revision_3 = SENT_850._replace(message_id="4720.0001", revision=3, sent_at=later)

    result = translate(Incoming(order_ack()), PARTNERS, Sent(SENT_850, revision_3))

    [(topic, event)] = result.events
    assert topic is Topic.ACKNOWLEDGMENT
    data = event["data"]
    assert (data["recipient"], data["revision"], data["decision"]) == (
        "sup-f06-edi",
        2,  # revision 3 went out after the 855's own time
        "accepted_with_changes",
    )
    assert [(ln["line"], ln["decision"]) for ln in data["lines"]] == [
        (1, "accepted"),
        (2, "changed"),
    ]
    assert datetime.fromisoformat(event["time"]) == datetime(2026, 11, 3, 1, 30, tzinfo=UTC)


def test_an_855_for_a_po_never_sent_is_kept_as_revision_1() -> None:
    result = translate(Incoming(order_ack("AT")), PARTNERS, Sent())

    assert result.events[0][1]["data"]["revision"] == 1


def test_a_confirmation_answering_a_sent_order_takes_revision_and_recipient_from_it() -> None:
    order = SentMessage("1730.7@buyer.example", "PO-9", 4, "sup-1004-cxml", "cxml", T0)
    parties = cxml.Parties(
        from_=(cxml.Credential("NetworkID", "AN01000000001"),),
        to=(cxml.Credential("NetworkID", "AN09999999999"),),
        sender=cxml.Credential("NetworkID", "AN01000000001"),
        shared_secret="s3cret",
    )
    body = cxml.confirmation_request(
        parties=parties,
        payload_id="1730.8@globex.example",
        timestamp=T0 + timedelta(hours=2),
        order_id="PO-9",
        order_payload_id=order.message_id,
        type="accept",
        notice_date=T0 + timedelta(hours=2),
    )

    [(_, event)] = translate(Incoming(body, "text/xml"), PARTNERS, Sent(order)).events

    assert (event["data"]["revision"], event["data"]["decision"]) == (4, "accepted")
    assert event["source"] == "urn:potrack:gateway:cxml"


def test_a_bounce_from_an_unlisted_mail_server_correlates_by_the_message_id() -> None:
    po_mail = SentMessage("po.PO-1.r1.7@buyer.example", "PO-1", 1, "S1", "email", T0)
    body = mail.dsn(
        reporting_mta="mx.nowhere.example",
        recipients=[mail.Recipient("orders@nowhere.example", "failed", "5.1.1", "550 unknown")],
        to="po@buyer.example",
        date=T0 + timedelta(minutes=3),
        message_id="bounce.1@mx.nowhere.example",
        arrival=T0 + timedelta(minutes=2),
        envelope_id=po_mail.message_id,
    )

    [(_, event)] = translate(Incoming(body, "message/rfc822"), PARTNERS, Sent(po_mail)).events

    assert event["type"] == "po.delivery_failed"
    assert {k: event["data"][k] for k in ("recipient", "permanent", "code")} == {
        "recipient": "S1",
        "permanent": True,
        "code": "5.1.1",
    }


@pytest.mark.parametrize(
    ("incoming", "reason"),
    [
        (
            Incoming(acceptance_997().replace(b"KOBESEIMITSU", b"STRANGER    ")),
            "unknown sender ZZ:STRANGER (x12): no partner in POTRACK_PARTNERS_FILE",
        ),
        (Incoming(acceptance_997(), partner="NOBODY"), "unknown partner 'NOBODY'"),
        (Incoming(acceptance_997(), "application/pdf"), "content-type 'application/pdf'"),
        (Incoming(acceptance_997()[:120], "application/edi-x12"), ""),
    ],
)
def test_a_document_that_can_never_be_translated_says_why_in_one_line(
    incoming: Incoming, reason: str
) -> None:
    with pytest.raises(DocumentError) as refused:
        translate(incoming, PARTNERS, Sent(SENT_850))

    assert reason in str(refused.value)
    assert str(refused.value) and "\n" not in str(refused.value)


def test_a_partner_answers_only_the_messages_sent_to_its_own_recipient() -> None:
    # ACME numbers its control numbers too: its 850 was also <4711>.<0001>.
    acme = SENT_850._replace(po_number="PO-ACME", recipient="sup-acme")
    kobe = SENT_850

    only_acme = translate(Incoming(acceptance_997()), PARTNERS, Sent(acme), final=True)
    both = translate(Incoming(acceptance_997()), PARTNERS, Sent(acme, kobe))

    assert (only_acme.events, only_acme.uncorrelated) == ([], ["4711.0001"])
    assert [e["subject"] for _, e in both.events] == ["PO-1"]


def mail_to_two(address_known: bool) -> Sent:
    """One PO email to the supplier with the AP inbox on copy: one Message-ID, two sends."""
    message_id = "po.PO-1.r1.7@buyer.example"
    supplier = SentMessage(message_id, "PO-1", 1, "S1", "email", T0, "orders@north.example")
    ap = SentMessage(message_id, "PO-1", 1, "ap", "email", T0, "ap@buyer.example")
    return Sent(supplier, ap if address_known else ap._replace(address=None))


def bounce(final_recipient: str) -> bytes:
    return mail.dsn(
        reporting_mta="mx.buyer.example",
        recipients=[mail.Recipient(final_recipient, "failed", "5.2.2", "552 mailbox full")],
        to="po@buyer.example",
        date=T0 + timedelta(minutes=3),
        message_id="bounce.2@mx.buyer.example",
        arrival=T0 + timedelta(minutes=2),
        envelope_id="po.PO-1.r1.7@buyer.example",
    )


def test_a_bounce_of_one_copy_of_an_email_fails_the_recipient_of_that_address() -> None:
    result = translate(Incoming(bounce("AP@buyer.example")), PARTNERS, mail_to_two(True))

    assert [e["data"]["recipient"] for _, e in result.events] == ["ap"]


def test_a_reply_that_fits_several_recipients_is_refused_rather_than_guessed() -> None:
    with pytest.raises(DocumentError) as refused:
        translate(Incoming(bounce("someone@else.example")), PARTNERS, mail_to_two(True))

    assert "was sent to several recipients (S1, ap)" in str(refused.value)


def test_an_acknowledgment_whose_event_would_exceed_1_mib_is_refused() -> None:
    lines = [
        x12.AckLine(n, Decimal(10), Decimal("1.00"), "IQ", acked=Decimal(9))
        for n in range(1, 20_001)
    ]
    body = x12.order_ack_855(
        edi_envelope(908, datetime(2026, 11, 3, 10, 30)), "PO-1", lines, ordered=date(2026, 11, 1)
    )

    with pytest.raises(DocumentError) as refused:
        translate(Incoming(body), PARTNERS, Sent(SENT_850))

    assert "over the 1 MiB limit of an event" in str(refused.value)


def test_a_potrack_partner_header_cannot_contradict_the_envelope() -> None:
    partners = parse_partners(
        '[partners.ACME]\nsupplier = "SUP-1"\nrecipient = "sup-acme"\nx12 = ["01:ACME"]\n',
        "partners.toml",
    )
    both = parse_partners(
        "\n".join(
            f"[partners.{p.id}]\nsupplier = {p.supplier!r}\nrecipient = {p.recipient!r}\n"
            f"x12 = {p.x12!r}\n"
            for p in (*PARTNERS.by_id.values(), *partners.by_id.values())
        ),
        "partners.toml",
    )

    with pytest.raises(DocumentError) as refused:
        translate(Incoming(acceptance_997(), partner="ACME"), both, Sent(SENT_850))

    assert "potrack-partner ACME but the document's sender ZZ:KOBESEIMITSU belongs to" in str(
        refused.value
    )


def test_a_byte_order_mark_before_the_interchange_is_ignored() -> None:
    body = b"\xef\xbb\xbf" + acceptance_997()

    result = translate(Incoming(body), PARTNERS, Sent(SENT_850))

    assert [e["type"] for _, e in result.events] == ["po.received"]
    assert result.events[0][1]["data"]["document"]["sha256"] == hashlib.sha256(body).hexdigest()
