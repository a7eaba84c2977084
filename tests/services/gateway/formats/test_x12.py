"""The X12 reader: partners' 997, 999, TA1, 855 and 865 interchanges become statements."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from schemas.events import AcknowledgedLine, OrderLine
from schemas.status import Decision, LineDecision
from services.gateway.formats.x12 import read
from services.gateway.mapping.x12 import EVIDENCE, LINE_RULE, ROWS
from services.gateway.statements import Confirmation, Outcome, Reading, Reply
from services.simulate.b2b.x12 import (
    AckLine,
    Envelope,
    SetAck,
    change_ack_865,
    functional_ack,
    order_ack_855,
    purchase_order_850,
    ta1,
)

DATA = Path(__file__).parents[3] / "data" / "documents" / "x12"
AT = datetime(2024, 1, 15, 14, 32)
ACME = Envelope("ZZ:ACMESUPPLY", "ZZ:POTRACKBUYER", 4711, 4711, AT)
ORDERED = date(2024, 1, 12)


def sample(name: str) -> bytes:
    return (DATA / f"{name}.x12").read_bytes()


def reply(reading: Reading) -> Reply:
    assert len(reading.statements) == 1 and isinstance(reading.statements[0], Reply)
    return reading.statements[0]


def confirmation(reading: Reading) -> Confirmation:
    assert len(reading.statements) == 1 and isinstance(reading.statements[0], Confirmation)
    return reading.statements[0]


def line(n: int | str, status: str | None = "IA", **kw: object) -> AckLine:
    return AckLine(n, Decimal(10), Decimal("2.50"), status, **kw)  # type: ignore[arg-type]


def confirm(doc: str, lines: list[AckLine], **kw: object) -> Reading:
    build = order_ack_855 if doc == "855" else change_ack_865
    return read(build(ACME, "PO-1", lines, ordered=ORDERED, **kw))  # type: ignore[arg-type]


def test_an_accepted_997_says_the_sent_850_was_received() -> None:
    reading = read(sample("997-accepted"))
    assert (reading.kind, reading.control, reading.senders) == (
        "997",
        "000004711",
        ("ZZ:ACMESUPPLY",),
    )
    assert reading.time == AT
    assert reply(reading) == Reply(
        "1201.0001", Outcome.RECEIVED, "edi-997-accepted", "997.4711.0001.0001", AT
    )


def test_one_statement_per_answered_set_across_groups_and_group_replies_without_ak2() -> None:
    reading = read(sample("997-two-groups"))
    found = {s.message_id: s for s in reading.statements if isinstance(s, Reply)}
    assert list(found) == ["1207.0001", "1207.0002", "1207.0003", "1208"]
    received, failed = Outcome.RECEIVED, Outcome.FAILED
    assert [s.outcome for s in found.values()] == [received, failed, received, received]
    rejected = found["1207.0002"]
    assert (rejected.evidence, rejected.code) == ("edi-997-rejected", "R")
    reason = str(rejected.reason)
    assert reason.startswith("AK5 R: rejected; AK502 5 one or more segments in error; AK3 PO1")
    assert "AK304 8 segment has data element errors" in reason
    assert "AK403 6 invalid character in data element '12,5'" in reason
    assert found["1207.0003"].evidence == "edi-997-accepted-with-errors"
    assert found["1208"].group and found["1208"].time == datetime(2024, 1, 16, 2, 15, 4)
    assert reading.senders == ("01:048463400",)
    assert reading.time == datetime(2024, 1, 16, 2, 15, 3)


def test_a_rejected_999_and_a_rejecting_ta1_are_permanent_failures() -> None:
    rejected = reply(read(sample("999-rejected")))
    assert rejected.message_id == "1310.0004"
    assert (rejected.outcome, rejected.code) == (Outcome.FAILED, "R")
    assert rejected.reason and "IK502 I5" in rejected.reason and "IK403 6" in rejected.reason
    reading = read(sample("ta1-rejected"))
    assert reading.kind == "TA1" and reading.time == datetime(2024, 2, 20, 11, 1)
    reason = "TA1 R: interchange header and trailer rejected because of errors; "
    reason += "TA105 006 invalid interchange sender id"
    key, time = "TA1.1305.1", reading.time
    failed = Reply("1305", Outcome.FAILED, "edi-ta1-rejected", key, time, True, "R", reason)
    assert reply(reading) == failed


def test_an_855_with_five_lines_gives_line_decisions_and_the_acknowledgment_day() -> None:
    found = confirmation(read(sample("855-five-lines")))
    assert (found.po_number, found.supplier_reference) == ("PO-2024-00042", "SO-88123")
    assert found.revision is None
    assert found.decision is Decision.ACCEPTED_WITH_CHANGES
    assert found.time == datetime(2024, 1, 16, 23, 59, 59)  # BAK09 is a day before GS04
    assert found.reason == "BAK02 AC: acknowledge - with detail and change; " + (
        "lines 2 IQ, 3 IP, 4 IA+IB, 5 DR"
    )
    d = LineDecision
    assert [
        (x.line, x.decision, x.quantity, x.unit_price, x.promised_date) for x in found.lines
    ] == [
        (1, d.ACCEPTED, 100, Decimal("12.50"), date(2024, 1, 22)),
        (2, d.CHANGED, 30, Decimal("3.75"), date(2024, 1, 22)),
        (3, d.CHANGED, 12, Decimal("41.00"), date(2024, 1, 22)),
        (4, d.BACKORDERED, 250, Decimal("0.89"), date(2024, 2, 5)),
        (5, d.CHANGED, 6, Decimal("219.00"), date(2024, 2, 12)),
    ]


def test_other_separators_a_rejection_an_865_and_a_mixed_interchange() -> None:
    rejected = read(sample("855-rejected"))
    assert rejected.senders == ("12:5035551234",)
    found = confirmation(rejected)
    assert found.decision is Decision.REJECTED
    assert (found.po_number, found.key, found.time) == (
        "PO-2024-00057",
        "855.93.930001",
        datetime(2024, 1, 18, 16, 15),
    )
    assert (found.supplier_reference, found.reason) == (
        "CX-55190",
        "BAK02 RJ: rejected - no detail",
    )
    change = confirmation(read(sample("865-change-ack")))
    assert change.revision == 2
    assert change.supplier_reference == "KS-20931"
    d = LineDecision
    assert [(x.line, x.decision, x.quantity) for x in change.lines] == [
        (1, d.ACCEPTED, 100),
        (2, d.ACCEPTED, 30),
        (3, d.CHANGED, 12),
        (6, d.REJECTED, None),
    ]
    mixed = read(sample("mixed-997-855"))
    assert mixed.kind == "997+855"
    assert [s.key for s in mixed.statements] == [
        "997.4733.0001.0001",
        "855.4734.0001",
        "855.4734.0002",
    ]
    assert [getattr(s, "decision", None) for s in mixed.statements] == [
        None,
        Decision.ACCEPTED,
        Decision.ACCEPTED_WITH_CHANGES,
    ]


@pytest.mark.parametrize("row", [r for r in ROWS if r.element in ("AK501", "IK501")], ids=str)
def test_every_set_acknowledgment_code(row) -> None:
    built = functional_ack(
        ACME, "1201", [SetAck("0007", row.code)], kind=row.document, group_code="P"
    )
    found = reply(read(built))
    assert (found.message_id, found.outcome, found.evidence) == (
        "1201.0007",
        row.result,
        EVIDENCE[row.document, row.element, row.code],
    )
    assert found.code == (row.code if row.result is Outcome.FAILED else None)


@pytest.mark.parametrize("row", [r for r in ROWS if r.element in ("AK901", "TA104")], ids=str)
def test_every_group_and_interchange_code(row) -> None:
    if row.document == "TA1":
        reading = read(ta1(ACME, 1201, AT, row.code))
    else:
        reading = read(functional_ack(ACME, "001201", [], kind=row.document, group_code=row.code))
    if row.result is None:
        assert reading.statements == () and "no AK2 says which set" in reading.notes[0]
        return
    found = reply(reading)
    assert (found.message_id, found.group, found.outcome) == ("1201", True, row.result)
    assert found.evidence == EVIDENCE[row.document, row.element, row.code]


def test_a_rejected_group_overrides_an_accepting_ak5() -> None:
    found = reply(read(functional_ack(ACME, "1201", [SetAck("0001")], group_code="R")))
    assert (found.outcome, found.code, found.evidence) == (Outcome.FAILED, "R", "edi-997-rejected")
    assert found.reason == "AK9 R: rejected; AK5 A: accepted"


@pytest.mark.parametrize("row", [r for r in ROWS if r.element in ("BAK01", "BCA01")], ids=str)
def test_every_purpose_is_read(row) -> None:
    found = confirmation(confirm(row.document, [line(1)], purpose=row.code, ack_type="AT"))
    assert found.decision is Decision.ACCEPTED


@pytest.mark.parametrize("row", [r for r in ROWS if r.element in ("BAK02", "BCA02")], ids=str)
def test_every_acknowledgment_type(row) -> None:
    reading = confirm(row.document, [line(1)], ack_type=row.code)
    expected = row.result or (Decision.ACCEPTED if row.code in LINE_RULE else None)
    if expected is None:
        assert reading.statements == () and "no decision, no event" in reading.notes[-1]
    else:
        assert confirmation(reading).decision is expected


@pytest.mark.parametrize("row", [r for r in ROWS if r.element in ("ACK01", "POC02")], ids=str)
def test_every_line_status_and_change_type(row) -> None:
    status, change = (row.code, "NC") if row.element == "ACK01" else (None, row.code)
    found = confirmation(confirm(row.document, [line(3, status, change=change)], ack_type="AT"))
    if row.result is None:
        assert found.lines == ()
    else:
        assert [(x.line, x.decision) for x in found.lines] == [(3, row.result)]


REFINED = {  # BAK02 and ACK01s -> decision
    "AD IR ID": Decision.REJECTED,
    "AD IA IQ": Decision.ACCEPTED_WITH_CHANGES,
    "AD IH": Decision.ACCEPTED,  # a held line decides nothing
    "AC IA": Decision.ACCEPTED_WITH_CHANGES,
    "AC IR": Decision.REJECTED,
    "AE IR": Decision.ACCEPTED_WITH_CHANGES,  # the lines not listed are accepted
    "AE": Decision.ACCEPTED,
    "ZZ": None,
    "ZZ IB": Decision.ACCEPTED_WITH_CHANGES,
    "RJ IA": Decision.REJECTED,
    "AT IR": Decision.ACCEPTED,
}


@pytest.mark.parametrize("codes", REFINED)
def test_detail_codes_are_refined_by_the_line_statuses(codes: str) -> None:
    ack_type, *statuses = codes.split()
    reading = confirm("855", [line(n, s) for n, s in enumerate(statuses, 1)], ack_type=ack_type)
    decisions = [s.decision for s in reading.statements if isinstance(s, Confirmation)]
    assert decisions == ([REFINED[codes]] if REFINED[codes] else [])


def test_an_865_without_bca02_is_decided_by_its_lines_and_carries_the_revision() -> None:
    found = confirmation(confirm("865", [line(1, None, change="QD")], ack_type="", revision=3))
    assert found.revision == 3
    assert found.decision is Decision.ACCEPTED_WITH_CHANGES


def test_split_merged_and_unnumbered_lines() -> None:
    lines = [
        line("001", "IA", acked=Decimal(6)),  # 6 of line 1 accepted, 4 rejected
        line(1, "IR", acked=Decimal(4)),
        line(2, "IA", promised=date(2024, 2, 1)),  # 10 now, 10 backordered
        line(2, "IB", promised=date(2024, 3, 1)),
        line("A7", "IR"),
    ]
    reading = confirm("855", lines, ack_type="AD")
    found = confirmation(reading)
    assert found.decision is Decision.ACCEPTED_WITH_CHANGES
    price, march = Decimal("2.5"), date(2024, 3, 1)
    assert found.lines == (
        AcknowledgedLine(line=1, decision=LineDecision.CHANGED, quantity=6, unit_price=price),
        AcknowledgedLine(
            line=2,
            decision=LineDecision.BACKORDERED,
            quantity=20,
            unit_price=price,
            promised_date=march,
        ),
    )
    assert reading.notes == ("855 0001 of group 4711: PO101 'A7' is not a line number: left out",)


@pytest.mark.parametrize(
    ("acknowledged", "expected"),
    [
        (None, AT),
        (date(2024, 1, 15), AT),
        (date(2024, 1, 16), AT),
        (date(2024, 1, 14), datetime(2024, 1, 14, 23, 59, 59)),
    ],
)
def test_the_acknowledgment_date_counts_when_earlier_than_the_envelope(
    acknowledged, expected
) -> None:
    found = confirmation(confirm("855", [line(1)], acknowledged=acknowledged))
    assert found.time == expected


def test_the_850_message_id_is_what_its_997_answers_and_reading_is_stable() -> None:
    env = Envelope("ZZ:POTRACKBUYER", "ZZ:ACMESUPPLY", 1201, 1201, datetime(2024, 1, 15, 9, 30))
    order = [OrderLine(line=1, sku="SKU-1", quantity=Decimal(10), unit_price=Decimal("2.5"))]
    sent, message_id = purchase_order_850(env, "PO-1", order, ordered=ORDERED, set_control="0042")
    assert message_id == "1201.0042" and b"\nBEG*00*SA*PO-1**20240112~\n" in sent
    answer = functional_ack(ACME, "000001201", [SetAck("0042")])
    assert reply(read(answer)).message_id == message_id
    assert read(answer) == read(answer)


def test_latin_1_a_bom_and_leading_blank_lines_are_read() -> None:
    body = sample("855-five-lines").replace(b"Potrack Demo", b"Entrep\xf4t Demo")
    assert read(b"\xef\xbb\xbf\r\n" + body) == read(sample("855-five-lines"))
