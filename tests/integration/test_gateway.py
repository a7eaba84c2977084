"""The B2B gateway on the real broker: documents of every kind through po.documents.v1 into
the PO views, early documents, duplicates, bad documents, POST /b2b/cxml (§2b)."""

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from projections.tables import audit, status
from schemas.events import OrderLine
from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.b2b import cxml, edifact, mail, x12
from services.store.views import ViewDB
from tests.integration.kit import (
    Record,
    ce,
    consume,
    potrack,
    potrack_env,
    produce,
    structured,
    wait_for,
)

PARTNERS = """
[partners.KOBE-EDI]
supplier = "SUP-X12"
recipient = "sup-x12"
x12 = ["ZZ:KOBESEIMITSU"]
timezone = "Asia/Tokyo"

[partners.MUELLER]
supplier = "SUP-EDIFACT"
recipient = "sup-edifact"
edifact = ["4012345000009:14"]
timezone = "Europe/Berlin"

[partners.GLOBEX]
supplier = "SUP-CXML"
recipient = "sup-cxml"
cxml = ["NetworkID:AN01000000001"]
shared_secret = "s3cret"

[partners.NORTHWIND]
supplier = "SUP-MAIL"
recipient = "sup-mail"
email = ["@northwind.example"]
"""
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CXML_PARTIES = cxml.Parties(
    from_=(cxml.Credential("NetworkID", "AN01000000001"),),
    to=(cxml.Credential("NetworkID", "AN09999999999"),),
    sender=cxml.Credential("NetworkID", "AN01000000001"),
    shared_secret="s3cret",
)
LINES = [OrderLine(line=1, sku="A-1", quantity=Decimal(10), unit_price=Decimal("120.00"))]


def rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def approved(po: str, recipient: str, channel: str, supplier: str) -> dict[str, Any]:
    data = {
        "revision": 1,
        "supplier": {"id": supplier},
        "currency": "EUR",
        "total_amount": "1200.00",
        "lines": [{"line": 1, "sku": "A-1", "quantity": 10, "unit_price": "120.00"}],
        "recipients": [{"id": recipient, "kind": "supplier", "channel": channel}],
    }
    return ce("po.approved", po, data, f"{po}-approved", rfc3339(T0))


def sent(po: str, recipient: str, channel: str, message_id: str) -> dict[str, Any]:
    data = {"revision": 1, "recipient": recipient, "channel": channel, "message_id": message_id}
    return ce("po.sent", po, data, f"{po}-sent", rfc3339(T0 + timedelta(minutes=1)))


def document(topic: str, body: bytes, content_type: str, key: str = "doc") -> Record:
    return (topic, key.encode(), body, [("content-type", content_type.encode())])


def tokyo(at: datetime) -> datetime:
    return (at + timedelta(hours=9)).replace(tzinfo=None)


def berlin(at: datetime) -> datetime:
    return (at + timedelta(hours=1)).replace(tzinfo=None)  # November: CET, UTC+1


def x12_documents() -> tuple[str, list[bytes]]:
    """PO-X's 850 message id, its 997 (sent before the po.sent!) and its 855 (twice)."""
    env = x12.Envelope("ZZ:BUYERCO", "ZZ:KOBESEIMITSU", 4711, 4711, tokyo(T0))
    _, message_id = x12.purchase_order_850(env, "PO-X", LINES, ordered=T0.date())
    answer = x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", 901, 901, tokyo(T0 + timedelta(hours=1)))
    ack_997 = x12.functional_ack(answer, "4711", [x12.SetAck("0001", "A")])
    later = x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", 902, 902, tokyo(T0 + timedelta(hours=3)))
    line = x12.AckLine(1, Decimal(10), Decimal("120.00"), "IQ", acked=Decimal(8))
    ack_855 = x12.order_ack_855(later, "PO-X", [line], ordered=T0.date(), ack_type="AC")
    return message_id, [ack_997, ack_855, ack_855]


def edifact_documents() -> tuple[str, list[bytes]]:
    env = edifact.Envelope("5412345000013:14", "4012345000009:14", "77", berlin(T0))
    _, message_id = edifact.orders(
        env,
        po_number="PO-E",
        buyer="5412345000013",
        supplier="4012345000009",
        currency="EUR",
        lines=LINES,
    )
    back = edifact.Envelope(
        "4012345000009:14", "5412345000013:14", "501", berlin(T0 + timedelta(hours=1))
    )
    contrl = edifact.contrl(back, answers="77", messages=[edifact.Report("1", "7")])
    later = edifact.Envelope(
        "4012345000009:14", "5412345000013:14", "502", berlin(T0 + timedelta(hours=2))
    )
    ordrsp = edifact.ordrsp(
        later,
        po_number="PO-E",
        document_number="RSP-1",
        time=berlin(T0 + timedelta(hours=2)),
        function="29",
    )
    return message_id, [contrl, ordrsp]


def mail_documents() -> tuple[str, list[bytes]]:
    _, message_id = mail.purchase_order_mail(
        po_number="PO-M",
        revision=1,
        sender="po@buyer.example",
        recipient="orders@northwind.example",
        sent_at=T0,
        control=1,
    )
    delivered = mail.dsn(
        reporting_mta="mx.northwind.example",
        recipients=[mail.Recipient("orders@northwind.example", "delivered", "2.0.0")],
        to="po@buyer.example",
        date=T0 + timedelta(minutes=3),
        message_id="dsn.1@mx.northwind.example",
        arrival=T0 + timedelta(minutes=2),
        envelope_id=message_id,
    )
    read = mail.mdn(
        original_message_id=message_id,
        final_recipient="orders@northwind.example",
        to="po@buyer.example",
        date=T0 + timedelta(hours=1),
        message_id="mdn.1@northwind.example",
    )
    return message_id, [delivered, read]


def bad_documents(topic: str) -> list[tuple[Record, str]]:
    """Documents that can never become events, each with the reason it must carry."""
    _, [ack_997, *_] = x12_documents()
    stranger = ack_997.replace(b"KOBESEIMITSU", b"STRANGER    ")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<cXML><Response>&x;</Response></cXML>"
    )
    never_sent = mail.dsn(
        reporting_mta="mx.northwind.example",
        recipients=[mail.Recipient("orders@northwind.example", "failed", "5.1.1")],
        to="po@buyer.example",
        date=T0,
        message_id="dsn.9@mx.northwind.example",
        arrival=T0,
        envelope_id="never.sent@buyer.example",
    )
    return [
        (document(topic, ack_997[:150], "application/edi-x12"), "truncated: no IEA"),
        (document(topic, stranger, "application/edi-x12"), "unknown sender ZZ:STRANGER"),
        (document(topic, xxe, "application/xml"), "entit"),
        (document(topic, never_sent, "message/rfc822"), "never.sent@buyer.example"),
        # A connector's Latin-1 header must not cost the batch it is in (or anything else).
        (
            (topic, b"k", ack_997, [("content-type", b"application/edi-x12\xe9")]),
            "is not a B2B document",
        ),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def view(url: str, po: str) -> dict[str, Any] | None:
    db = ViewDB(url)
    try:
        with db.read() as tx:
            return status.get(tx, po)
    finally:
        db.close()


def recipient(url: str, po: str) -> dict[str, Any]:
    found = view(url, po)
    assert found is not None
    return dict(found["recipients"][0])


async def test_documents_of_every_kind_become_status_in_the_po_views(
    kafka_bootstrap: str, store_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    partners = tmp_path / "partners.toml"
    partners.write_text(PARTNERS, encoding="utf-8")
    port = free_port()
    env = potrack_env(
        kafka_bootstrap,
        store_url,
        topic_prefix,
        POTRACK_PARTNERS_FILE=str(partners),
        POTRACK_GATEWAY_GROUP=f"{topic_prefix}gateway",
        POTRACK_CORRELATION_WINDOW_SECONDS="8",
        POTRACK_API_PORT=str(port),
    )
    docs = f"{topic_prefix}po.documents.v1"
    dist = f"{topic_prefix}po.distribution.v1"
    x12_id, x12_docs = x12_documents()
    edi_id, edi_docs = edifact_documents()
    mail_id, mail_docs = mail_documents()
    bad = bad_documents(docs)
    log = tmp_path / "run.log"
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    with potrack(["run"], env, log):
        # The 997 arrives before its po.sent is recorded: it waits, then correlates.
        await produce(kafka_bootstrap, [document(docs, x12_docs[0], "application/edi-x12")])
        await produce(
            kafka_bootstrap,
            [
                structured(dist, approved("PO-X", "sup-x12", "edi", "SUP-X12")),
                structured(dist, approved("PO-E", "sup-edifact", "edi", "SUP-EDIFACT")),
                structured(dist, approved("PO-M", "sup-mail", "email", "SUP-MAIL")),
                structured(dist, approved("PO-C", "sup-cxml", "cxml", "SUP-CXML")),
                structured(dist, sent("PO-X", "sup-x12", "edi", x12_id)),
                structured(dist, sent("PO-E", "sup-edifact", "edi", edi_id)),
                structured(dist, sent("PO-M", "sup-mail", "email", mail_id)),
                structured(dist, sent("PO-C", "sup-cxml", "cxml", "1730.7@buyer.example")),
            ],
        )
        await produce(
            kafka_bootstrap,
            [document(docs, d, "application/edi-x12") for d in x12_docs[1:]]
            + [document(docs, d, "application/edifact") for d in edi_docs]
            + [document(docs, d, "message/rfc822") for d in mail_docs]
            + [record for record, _ in bad],
        )
        base = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_for, lambda: _answers(base), 60, 0.5, "the API")
        confirmation = cxml.confirmation_request(
            parties=CXML_PARTIES,
            payload_id="1730.8@globex.example",
            timestamp=T0 + timedelta(hours=2),
            order_id="PO-C",
            order_payload_id="1730.7@buyer.example",
            type="accept",
            notice_date=T0 + timedelta(hours=2),
        )
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            wrong = await client.post(
                "/b2b/cxml", content=confirmation.replace(b"s3cret", b"guess!")
            )
            malformed = await client.post("/b2b/cxml", content=b"<cXML><oops")
            accepted = await client.post("/b2b/cxml", content=confirmation)
        assert (wrong.status_code, malformed.status_code, accepted.status_code) == (401, 400, 200)
        assert b'<Status code="200"' in accepted.content
        assert b'code="401"' in wrong.content and b"shared secret" in wrong.content

        await asyncio.to_thread(
            wait_for,
            lambda: (
                all(
                    (view(store_url, f"PO-{p}") or {}).get("status") == s
                    for p, s in {
                        "X": "changes_proposed",
                        "E": "acknowledged",
                        "C": "acknowledged",
                        "M": "awaiting_acknowledgment",
                    }.items()
                )
                and recipient(store_url, "PO-M")["status"] == "received"
                and recipient(store_url, "PO-X")["received_at"] is not None
            ),
            90,
            0.5,
            "the documents in the views",
        )
        dead = await consume(kafka_bootstrap, f"{topic_prefix}po.deadletter.v1", len(bad), 60)

    x = recipient(store_url, "PO-X")
    assert x["received_at"] == "2026-11-02T10:00:00Z"  # GS04/GS05 read in Asia/Tokyo
    assert recipient(store_url, "PO-M")["delivered_at"] is not None
    reasons = sorted(dict(r.headers)["potrack-error"].decode() for r in dead)
    for _, says in bad:
        assert any(says in reason for reason in reasons), (says, reasons)
    assert all(dict(r.headers)["potrack-source-topic"] == docs.encode() for r in dead)
    db = ViewDB(store_url)
    try:
        with db.read() as tx:
            trail = audit.entries(tx, "PO-X")
    finally:
        db.close()
    from_documents = [e for e in trail if e["source"] == "urn:potrack:gateway:x12"]
    # The 855 sent twice is one event; the 997 that waited for its po.sent came later.
    assert sorted(e["type"] for e in from_documents) == ["po.acknowledged", "po.received"]
    assert all(e["data"]["document"]["topic"] == docs for e in from_documents)
    assert {e["data"]["document"]["format"] for e in from_documents} == {"x12"}


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
