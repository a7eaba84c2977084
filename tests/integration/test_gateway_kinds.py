"""The other document kinds through po.documents.v1 on the real broker: TA1, 999, 865,
APERAK, cXML StatusUpdateRequest, AS2 MDN, and a bounce after delivery that voids it."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.kafka import ensure_topics
from services.settings import Settings
from services.simulate.b2b import cxml, edifact, mail, x12
from services.store.views import ViewDB
from tests.integration.kit import ce, potrack, potrack_env, produce, structured, wait_for
from tests.integration.test_gateway import (
    CXML_PARTIES,
    PARTNERS,
    T0,
    approved,
    berlin,
    document,
    recipient,
    rfc3339,
    sent,
    tokyo,
    view,
)

MORE_PARTNERS = """
[partners.AS2-ONLY]
supplier = "SUP-AS2"
recipient = "sup-as2"
as2 = ["NORDIC-AS2"]
"""


def revised(po: str, recipient_id: str, channel: str, supplier: str) -> dict[str, Any]:
    event = approved(po, recipient_id, channel, supplier)
    data = event["data"] | {"revision": 2, "reason": "quantity increased"}
    return ce("po.revised", po, data, f"{po}-revised", rfc3339(T0 + timedelta(hours=1)))


def x12_env(control: int, hours: float) -> x12.Envelope:
    at = tokyo(T0 + timedelta(hours=hours))
    return x12.Envelope("ZZ:KOBESEIMITSU", "ZZ:BUYERCO", control, control, at)


def documents() -> list[tuple[str, bytes, str]]:
    """(what it is, bytes, content type) of one document of each remaining kind."""
    edi = edifact.Envelope("4012345000009:14", "5412345000013:14", "601", berlin(T0))
    line = x12.AckLine(1, Decimal(10), Decimal("120.00"), "IA")
    bounce = [mail.Recipient("orders@northwind.example", "failed", "5.2.2", "552 mailbox full")]
    return [
        ("TA1 accepted", x12.ta1(x12_env(910, 0.2), 4800, T0, "A"), "application/edi-x12"),
        (
            "999 rejecting the same 850",
            x12.functional_ack(x12_env(911, 0.5), "4800", [x12.SetAck("0001", "R")], kind="999"),
            "application/edi-x12",
        ),
        (
            "865 of revision 2",
            x12.change_ack_865(
                x12_env(912, 3), "PO-R", [line], ordered=T0.date(), revision=2, ack_type="AT"
            ),
            "application/edi-x12",
        ),
        (
            "APERAK not accepted",
            edifact.aperak(
                edi,
                answers="78.1",
                document_number="AP-1",
                time=berlin(T0 + timedelta(hours=1)),
                function="27",
                po_number="PO-A",
                errors=[("12", "Unknown article 4711")],
            ),
            "application/edifact",
        ),
        (
            "StatusUpdateRequest 200",
            cxml.status_update_request(
                parties=CXML_PARTIES,
                payload_id="1730.9@globex.example",
                timestamp=T0 + timedelta(minutes=5),
                order_payload_id="1730.8@buyer.example",
                code=200,
                text="OK",
            ),
            "application/xml",
        ),
        (
            "AS2 MDN processed",
            mail.as2_mdn(
                original_message_id="as2.77@buyer.example",
                as2_from="NORDIC-AS2",
                as2_to="BUYERCO",
                date=T0 + timedelta(minutes=2),
                message_id="mdn.77@nordic",
            ),
            "message/rfc822",
        ),
        (
            "DSN delivered",
            mail.dsn(
                reporting_mta="mx.northwind.example",
                recipients=[mail.Recipient("orders@northwind.example", "delivered", "2.0.0")],
                to="po@buyer.example",
                date=T0 + timedelta(minutes=3),
                message_id="dsn.2@mx.northwind.example",
                arrival=T0 + timedelta(minutes=2),
                envelope_id="po.PO-B.1@buyer.example",
            ),
            "message/rfc822",
        ),
        (
            "DSN failed an hour after the delivery",
            mail.dsn(
                reporting_mta="mx2.northwind.example",
                recipients=bounce,
                to="po@buyer.example",
                date=T0 + timedelta(hours=1),
                message_id="dsn.3@mx2.northwind.example",
                arrival=T0 + timedelta(minutes=59),
                envelope_id="po.PO-B.1@buyer.example",
            ),
            "message/rfc822",
        ),
    ]


async def test_every_other_kind_of_document_reaches_the_po_views(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/potrack.sqlite"
    partners = tmp_path / "partners.toml"
    partners.write_text(PARTNERS + MORE_PARTNERS, encoding="utf-8")
    env = potrack_env(
        kafka_bootstrap,
        url,
        topic_prefix,
        POTRACK_PARTNERS_FILE=str(partners),
        POTRACK_GATEWAY_GROUP=f"{topic_prefix}gateway",
        POTRACK_API_PORT="0",
    )
    dist = f"{topic_prefix}po.distribution.v1"
    docs = f"{topic_prefix}po.documents.v1"
    plans = [
        ("PO-T", "sup-x12", "edi", "SUP-X12", "4800.0001"),
        ("PO-A", "sup-edifact", "edi", "SUP-EDIFACT", "78.1"),
        ("PO-S", "sup-cxml", "cxml", "SUP-CXML", "1730.8@buyer.example"),
        ("PO-N", "sup-as2", "edi", "SUP-AS2", "as2.77@buyer.example"),
        ("PO-B", "sup-mail", "email", "SUP-MAIL", "po.PO-B.1@buyer.example"),
        ("PO-R", "sup-x12", "edi", "SUP-X12", "4801.0001"),
    ]
    events = [structured(dist, approved(po, r, c, s)) for po, r, c, s, _ in plans]
    events += [structured(dist, sent(po, r, c, m)) for po, r, c, _, m in plans]
    again = sent("PO-R", "sup-x12", "edi", "4802.0001")
    again["data"]["revision"], again["id"] = 2, "PO-R-sent-2"
    again["time"] = rfc3339(T0 + timedelta(hours=2))
    events += [
        structured(dist, revised("PO-R", "sup-x12", "edi", "SUP-X12")),
        structured(dist, again),
    ]
    await ensure_topics(
        Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    )
    await produce(kafka_bootstrap, events)
    await produce(kafka_bootstrap, [document(docs, body, kind) for _, body, kind in documents()])
    expected = {
        "PO-T": ("failed", "delivery_failed"),  # the 999 rejection voids the TA1's delivery
        "PO-A": ("failed", "delivery_failed"),
        "PO-S": ("received", "awaiting_acknowledgment"),
        "PO-N": ("delivered", "awaiting_acknowledgment"),
        "PO-B": ("failed", "delivery_failed"),  # bounced after its delivery: voided (§3)
        "PO-R": ("acknowledged", "acknowledged"),
    }

    ViewDB(url).ensure_tables()  # so that the test may look before potrack has started

    def seen() -> dict[str, tuple[str, str]]:
        found = {}
        for po in expected:
            current = view(url, po)
            if current is not None:
                found[po] = (current["recipients"][0]["status"], current["status"])
        return found

    with potrack(["run"], env, tmp_path / "run.log"):
        await asyncio.to_thread(wait_for, lambda: seen() == expected, 120, 0.5, "the views")

    assert seen() == expected
    assert recipient(url, "PO-B")["delivered_at"] is None
    assert (view(url, "PO-R") or {})["revision"] == 2
