"""The simulator's EDIFACT builders write interchanges the reader reads back as built."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from schemas.events import AcknowledgedLine, OrderLine
from schemas.status import LineDecision
from services.gateway.formats.edifact import read
from services.gateway.statements import Confirmation, DocumentError, Reply
from services.simulate.b2b import edifact as b2b

BUYER, SUPPLIER = "4012345000009:14", "5412345000013:14"
SENT = b2b.Envelope(BUYER, SUPPLIER, "ORD0000142", datetime(2024, 3, 1, 9, 30))
ANSWER = b2b.Envelope(SUPPLIER, BUYER, "SUP000731", datetime(2024, 3, 1, 9, 35))


def sent_orders() -> tuple[bytes, str]:
    line = OrderLine(line=1, sku="4006381333931", quantity=Decimal(10), unit_price=Decimal("12.5"))
    return b2b.orders(
        SENT,
        po_number="PO-1",
        buyer="4012345000009",
        supplier="5412345000013",
        currency="EUR",
        lines=[line],
    )


def test_the_simulated_orders_is_a_well_formed_interchange_with_its_message_id() -> None:
    body, message_id = sent_orders()
    assert message_id == "ORD0000142.1"
    assert body.startswith(b"UNA:+.? '\nUNB+UNOC:3+4012345000009:14+5412345000013:14+240301:0930")
    assert b"\nLIN+1++4006381333931:IN'\nQTY+21:10'\nPRI+AAA:12.5'\n" in body
    with pytest.raises(DocumentError, match="unsupported EDIFACT message type ORDERS"):
        read(body)  # the envelope and its counts passed; potrack does not read orders


def test_a_simulated_contrl_answers_the_simulated_orders() -> None:
    _, message_id = sent_orders()
    body = b2b.contrl(ANSWER, answers="ORD0000142", messages=[b2b.Report("1", "4", "12", 5)])
    (reply,) = read(body).statements
    assert isinstance(reply, Reply)
    assert (reply.message_id, reply.outcome, reply.code) == (message_id, "failed", "12")


def test_a_simulated_aperak_and_ordrsp_read_back_as_built() -> None:
    _, message_id = sent_orders()
    error = ("ART01", "Article unknown: " + "please check the price agreement " * 3)
    rejected = b2b.aperak(
        ANSWER,
        answers=message_id,
        document_number="AK1",
        time=datetime(2024, 3, 1, 10, 0),
        po_number="PO-1",
        errors=[error],
    )
    (reply,) = read(rejected).statements
    assert isinstance(reply, Reply)
    assert reply.reason == f"APERAK BGM 1225 27 Not accepted; ERC ART01: {error[1].strip()}"
    acks = [
        AcknowledgedLine(
            line=1, decision=LineDecision.ACCEPTED, quantity=Decimal(10), unit_price=Decimal("12.5")
        ),
        AcknowledgedLine(
            line=2,
            decision=LineDecision.BACKORDERED,
            quantity=Decimal(4),
            promised_date=date(2024, 4, 2),
        ),
        AcknowledgedLine(line=3, decision=LineDecision.REJECTED),
    ]
    body = b2b.ordrsp(
        ANSWER,
        po_number="PO-1",
        document_number="ORSP-1",
        time=datetime(2024, 3, 1, 11, 0),
        function="4",
        revision=2,
        answers=message_id,
        reason="Line 3 discontinued",
        lines=[b2b.ResponseLine.of(a) for a in acks],
    )
    (conf,) = read(body).statements
    assert isinstance(conf, Confirmation)
    assert (conf.revision, conf.answers, conf.reason) == (2, message_id, "Line 3 discontinued")
    assert conf.lines == tuple(acks)
