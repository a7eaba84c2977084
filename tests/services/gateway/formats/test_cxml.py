"""The cXML reader: a supplier's ConfirmationRequest and StatusUpdateRequest, read safely."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from schemas.events import OrderLine
from schemas.status import Decision, LineDecision
from services.gateway.formats.cxml import read, response
from services.gateway.mapping import Code
from services.gateway.mapping.cxml import HEADER_TYPE, LINE_TYPE, ROWS, STATUS_CODE
from services.gateway.statements import Confirmation, Format, Outcome, Reply
from services.simulate.b2b.cxml import (
    Credential,
    Item,
    Parties,
    Status,
    confirmation_request,
    order_request,
    status_update_request,
)

SAMPLES = Path(__file__).parents[3] / "data" / "documents" / "cxml"
CDT = timezone(timedelta(hours=-5))
AT = datetime(2024, 3, 19, 9, 14, 2, tzinfo=CDT)
ACME = Parties(
    from_=(Credential("NetworkID", "AN01000123456"), Credential("DUNS", "081466849")),
    to=(Credential("NetworkID", "AN02000654321"),),
    sender=Credential("NetworkID", "AN01000123456"),
    shared_secret="welcome-to-acme-2024",
)
ORDER_PID = "1710777731.17@potrack.buyer.example"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def confirm(type: str = "detail", items: tuple[Item, ...] = (), **extra: object) -> bytes:
    args: dict[str, object] = dict(
        parties=ACME, payload_id="1710857642.3318@erp.acme.example", timestamp=AT,
        order_id="PO-2024-00417", order_payload_id=ORDER_PID, type=type, notice_date=AT,
        items=items,
    )  # fmt: skip
    return confirmation_request(**{**args, **extra})  # type: ignore[arg-type]


def status(code: int, text: str = "OK", detail: str = "", answers: str = ORDER_PID) -> bytes:
    return status_update_request(
        parties=ACME, payload_id="1710780122.901@erp.acme.example", timestamp=AT,
        order_payload_id=answers, code=code, text=text, detail=detail,
    )  # fmt: skip


def the_confirmation(body: bytes) -> Confirmation:
    (statement,) = read(body).statements
    assert isinstance(statement, Confirmation)
    return statement


def the_reply(body: bytes) -> Reply:
    (statement,) = read(body).statements
    assert isinstance(statement, Reply)
    return statement


def test_a_detail_confirmation_reads_line_by_line_with_its_envelope() -> None:
    reading = read(sample("confirmation-detail.xml"))
    assert (reading.format, reading.kind) == (Format.CXML, "ConfirmationRequest")
    assert reading.control == "1710857642.3318@erp.acme-industrial.com"
    assert reading.senders == ("NetworkID:AN01000123456", "DUNS:081466849")
    assert reading.shared_secret == "welcome-to-acme-2024"
    assert reading.time == datetime(2024, 3, 19, 14, 14, 2, tzinfo=UTC)
    assert reading.notes == ("line 5: ConfirmationStatus unknown, no decision",)
    (ack,) = reading.statements
    assert isinstance(ack, Confirmation)
    assert (ack.po_number, ack.decision) == ("PO-2024-00417", Decision.ACCEPTED_WITH_CHANGES)
    assert (ack.supplier_reference, ack.answers) == ("SO-448812", ORDER_PID)
    assert ack.time == datetime(2024, 3, 19, 9, 10, 37, tzinfo=CDT)
    assert ack.revision is None and ack.reason is not None and ack.reason.startswith("Line 2 re")
    got = [(ln.line, ln.decision, ln.quantity, ln.unit_price, ln.promised_date) for ln in ack.lines]
    assert got == [
        (1, LineDecision.ACCEPTED, Decimal(10), None, date(2024, 3, 28)),
        (2, LineDecision.CHANGED, Decimal(24), Decimal("11.75"), None),
        (3, LineDecision.BACKORDERED, Decimal(50), None, date(2024, 4, 18)),
        (4, LineDecision.REJECTED, Decimal(5), None, None),
    ]


def test_an_accept_confirmation_written_with_crlf_reads_as_accepted() -> None:
    body = sample("confirmation-accept.xml")
    assert b"\r\n" in body
    ack = the_confirmation(body)
    assert ack.decision is Decision.ACCEPTED and ack.supplier_reference == "OC-77120"
    assert [(ln.line, ln.quantity) for ln in ack.lines] == [(1, 3), (2, Decimal("12.5"))]
    assert read(body).senders == ("NetworkId:AN01000777001",)


def test_a_rejection_takes_its_revision_from_the_extrinsic_and_its_reason_from_comments() -> None:
    reading = read(sample("confirmation-reject.xml"))
    ack = the_confirmation(sample("confirmation-reject.xml"))
    assert (ack.decision, ack.revision, ack.lines) == (Decision.REJECTED, 2, ())
    assert ack.reason == "Credit limit exceeded; please contact accounts receivable."
    assert "revision taken from the ConfirmationHeader Extrinsic 'revision'" in reading.notes


def test_an_all_detail_confirmation_prices_from_item_in_and_answers_nothing_when_empty() -> None:
    ack = the_confirmation(sample("confirmation-alldetail.xml"))
    assert ack.answers is None and ack.decision is Decision.ACCEPTED_WITH_CHANGES
    assert ack.time == datetime(2024, 3, 21, 13, 55, tzinfo=UTC)
    line1, line2 = ack.lines
    assert (line1.decision, line1.unit_price) == (LineDecision.CHANGED, Decimal("139.44"))
    assert line1.promised_date == date(2024, 3, 27)
    assert line2.decision is LineDecision.REJECTED


@pytest.mark.parametrize(
    ("name", "outcome", "code", "reason"),
    [
        ("status-update-200.xml", Outcome.RECEIVED, None, None),
        ("status-update-406.xml", Outcome.FAILED, "406", "406 Not Acceptable: Unknown ship-to"),
        ("status-update-560.xml", Outcome.DELAYED, "560", "560 Temporary server error: Order"),
    ],
)
def test_a_status_update_answers_the_order_it_references(
    name: str, outcome: Outcome, code: str | None, reason: str | None
) -> None:
    reply = the_reply(sample(name))
    assert (reply.outcome, reply.code, reply.key) == (outcome, code, "StatusUpdateRequest")
    assert reply.evidence == f"cxml-status-{name[14:17]}"
    assert reply.message_id.endswith("@potrack.buyer.example") and not reply.group
    assert reply.time is not None and reply.time.utcoffset() == timedelta(hours=-5)
    assert reply.reason is None if reason is None else (reply.reason or "").startswith(reason)


@pytest.mark.parametrize("row", [r for r in ROWS if r.element == HEADER_TYPE], ids=lambda r: r.code)
def test_every_confirmation_header_type_gives_its_decision(row: Code) -> None:
    reading = read(confirm(type=row.code))
    got = [s.decision for s in reading.statements if isinstance(s, Confirmation)]
    assert got == ([row.result] if row.result else [])


@pytest.mark.parametrize("row", [r for r in ROWS if r.element == LINE_TYPE], ids=lambda r: r.code)
def test_every_confirmation_status_type_gives_its_line_decision(row: Code) -> None:
    item = Item(7, Decimal(4), (Status(row.code, Decimal(4)),))
    ack = the_confirmation(confirm(items=(item,)))
    assert [ln.decision for ln in ack.lines] == ([row.result] if row.result else [])


@pytest.mark.parametrize("row", [r for r in ROWS if r.element == STATUS_CODE], ids=lambda r: r.code)
def test_every_status_class_gives_its_outcome(row: Code) -> None:
    code = {"2xx": 201, "4xx": 401, "5xx": 503}[row.code]
    reply = the_reply(status(code, "Some text"))
    assert (reply.outcome, reply.evidence) == (row.result, f"cxml-status-{code}")


def test_the_mapping_rows_are_cxml_rows_with_unique_codes() -> None:
    assert {r.format for r in ROWS} == {"cxml"}
    keys = [(r.document, r.element, r.code) for r in ROWS]
    assert len(keys) == len(set(keys)) == 18


ACCEPT, REJECT = Status("accept", Decimal(6)), Status("reject", Decimal(4))


@pytest.mark.parametrize(
    ("header", "statuses", "decision"),
    [
        ("accept", (ACCEPT,), Decision.ACCEPTED),
        ("accept", (REJECT,), Decision.ACCEPTED_WITH_CHANGES),
        ("detail", (ACCEPT,), Decision.ACCEPTED),
        ("except", (ACCEPT, REJECT), Decision.ACCEPTED_WITH_CHANGES),
        ("backordered", (ACCEPT,), Decision.ACCEPTED_WITH_CHANGES),
        ("reject", (ACCEPT,), Decision.REJECTED),
    ],
)
def test_the_lines_refine_the_header_decision(
    header: str, statuses: tuple[Status, ...], decision: Decision
) -> None:
    assert the_confirmation(confirm(header, (Item(1, Decimal(10), statuses),))).decision is decision


def test_a_split_line_sums_what_is_kept_and_promises_the_latest_date() -> None:
    late = datetime(2024, 5, 2, 23, 30, tzinfo=CDT)
    parts = (
        Status("accept", Decimal(6), delivery_date=datetime(2024, 4, 1, tzinfo=CDT)),
        Status("detail", Decimal(3), unit_price=Decimal("9.10"), shipment_date=late),
        Status("reject", Decimal(1), unit_price=Decimal("1.00")),
    )
    (line,) = the_confirmation(confirm(items=(Item(2, Decimal(10), parts),))).lines
    assert (line.decision, line.quantity, line.unit_price) == (
        LineDecision.CHANGED,
        9,
        Decimal("9.1"),
    )
    assert line.promised_date == date(2024, 5, 2)  # as written, not moved to UTC
    rejected = (REJECT, Status("reject", Decimal(2)))
    (line,) = the_confirmation(confirm(items=(Item(2, Decimal(6), rejected),))).lines
    assert (line.decision, line.quantity) == (LineDecision.REJECTED, 6)


def test_reading_the_same_bytes_twice_gives_the_same_keys() -> None:
    body = sample("confirmation-detail.xml")
    assert read(body) == read(body)
    assert the_confirmation(body).key == "ConfirmationRequest:PO-2024-00417"


def test_a_timestamp_without_a_zone_stays_naive_and_test_mode_is_noted() -> None:
    body = status(200).replace(b"09:14:02-05:00", b"09:14:02").replace(b'"production"', b'"test"')
    reading = read(body)
    assert reading.time == datetime(2024, 3, 19, 9, 14, 2)
    assert reading.notes == (
        "cXML timestamp carries no zone: the partner's zone applies",
        "Request deploymentMode test",
    )


def test_the_response_is_the_cxml_answer_a_supplier_expects() -> None:
    body = response(
        401, "Unauthorized", payload_id="8a1@potrack", timestamp=AT, detail="bad secret"
    )
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE cXML SYSTEM \"http")
    root = etree.fromstring(body)
    assert (root.get("payloadID"), root.get("timestamp")) == (
        "8a1@potrack",
        "2024-03-19T09:14:02-05:00",
    )
    assert root.get("version") == "1.2.014"
    (answer,) = root.findall("Response/Status")
    assert (answer.get("code"), answer.get("text"), answer.text) == (
        "401",
        "Unauthorized",
        "bad secret",
    )
    odd = etree.fromstring(response(400, "not XML: \x00 at 1", payload_id="y", timestamp=AT))
    assert odd.find("Response/Status").get("text") == "not XML:  at 1"
    with pytest.raises(ValueError, match="aware"):
        response(200, "OK", payload_id="x", timestamp=datetime(2024, 1, 1))


def test_the_builders_round_trip_through_the_reader() -> None:
    line = OrderLine(
        line=1, quantity=Decimal(2), unit_price=Decimal("3.50"), need_by=date(2024, 4, 2)
    )
    body, pid = order_request(
        parties=ACME, timestamp=AT, control=17, host="potrack.buyer.example", order_id="PO-1",
        revision=2, currency="USD", total=Decimal("7.00"), lines=[line], previous_payload_id="1@p",
    )  # fmt: skip
    assert pid == "1710857642.17@potrack.buyer.example"
    header = etree.fromstring(body).find("Request/OrderRequest/OrderRequestHeader")
    assert (header.get("type"), header.get("orderVersion"), header.get("orderID")) == (
        "update",
        "2",
        "PO-1",
    )
    ack = the_confirmation(confirm("accept", revision=2, confirm_id="C-9", comments="Fine"))
    assert (ack.decision, ack.revision, ack.supplier_reference, ack.reason) == (
        Decision.ACCEPTED,
        2,
        "C-9",
        "Fine",
    )
    assert the_reply(status(200, answers=pid)).message_id == pid
