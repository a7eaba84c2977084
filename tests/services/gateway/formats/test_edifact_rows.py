"""Every row of the EDIFACT mapping table does what it says, one document per row."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from services.gateway.mapping import Code
from services.gateway.mapping.edifact import APERAK_EVIDENCE, CONTRL_EVIDENCE, ROWS
from services.gateway.statements import Confirmation, Outcome, Reply
from tests.services.gateway.formats.edifact_helpers import aperak, contrl, ordrsp


def only_reply(statements: tuple) -> Reply:
    assert len(statements) == 1
    assert isinstance(statements[0], Reply)
    return statements[0]


def only_confirmation(statements: tuple) -> Confirmation:
    assert len(statements) == 1
    assert isinstance(statements[0], Confirmation)
    return statements[0]


def contrl_action(row: Code) -> None:
    reading = contrl(f"UCI+ORD0000142+4012345000009:14+5412345000013:14+{row.code}")
    if row.result is None:
        assert reading.statements == ()
        assert any(f"0083 {row.code}: no event" in note for note in reading.notes)
        return
    reply = only_reply(reading.statements)
    assert (reply.message_id, reply.group, reply.outcome) == ("ORD0000142", True, row.result)
    assert reply.evidence == CONTRL_EVIDENCE[row.code]
    assert reply.evidence in row.becomes
    if row.result is Outcome.FAILED:
        assert reply.code == row.code
        assert reply.reason is not None and row.meaning in reply.reason
    else:
        assert (reply.code, reply.reason) == (None, None)


def aperak_function(row: Code) -> None:
    reply = only_reply(
        aperak(f"BGM+12E::9+AK1+{row.code}", "RFF+ACW:ORD0000142.1", "ERC+ZZZ::91").statements
    )
    assert (reply.message_id, reply.group, reply.outcome) == ("ORD0000142.1", False, row.result)
    assert reply.evidence == APERAK_EVIDENCE[reply.outcome]
    assert reply.evidence in row.becomes
    assert reply.code == ("ZZZ" if row.result is Outcome.FAILED else None)


def aperak_error(row: Code) -> None:
    erc = ["ERC+ART01::91", "FTX+AAO+++Unknown article"] if row.code == "present" else []
    reply = only_reply(aperak("BGM+12E::9+AK1+9", "RFF+ACW:ORD0000142.1", *erc).statements)
    assert reply.outcome is row.result
    if row.result is Outcome.FAILED:
        assert reply.code == "ART01"
        assert reply.reason == "APERAK BGM 1225 9; ERC ART01: Unknown article"


def aperak_reference(row: Code) -> None:
    message = only_reply(aperak("BGM+12E::9+AK1+6", f"RFF+{row.code}:ORD0000142.1").statements)
    interchange = only_reply(aperak("BGM+12E::9+AK1+6", f"RFF+{row.code}:ORD0000142").statements)
    assert (message.message_id, message.group) == ("ORD0000142.1", False)
    assert (interchange.message_id, interchange.group) == ("ORD0000142", True)


def ordrsp_function(row: Code) -> None:
    reading = ordrsp(function=row.code)
    if row.result is None:
        assert reading.statements == ()
        assert any(f"1225 {row.code}" in note for note in reading.notes)
    else:
        assert only_confirmation(reading.statements).decision is row.result


def ordrsp_response_type(row: Code) -> None:
    decided = only_confirmation(ordrsp(function=f"9+{row.code}").statements)
    assert decided.decision is row.result
    overruled = only_confirmation(ordrsp(function=f"27+{row.code}").statements)
    assert overruled.decision == "rejected"  # BGM 1225 comes first


def ordrsp_line_action(row: Code) -> None:
    confirmation = only_confirmation(ordrsp(f"LIN+3+{row.code}", "QTY+21:10").statements)
    if row.result is None:
        assert confirmation.lines == ()
    else:
        assert [(ln.line, ln.decision) for ln in confirmation.lines] == [(3, row.result)]


def ordrsp_quantity(row: Code) -> None:
    line = only_confirmation(ordrsp("LIN+1+6", f"QTY+{row.code}:7,5").statements).lines[0]
    assert line.quantity == Decimal("7.5")
    assert line.decision == (row.result or "changed")


def ordrsp_price(row: Code) -> None:
    line = only_confirmation(ordrsp("LIN+1+5", f"PRI+{row.code}:19.99").statements).lines[0]
    assert line.unit_price == Decimal("19.99")


def ordrsp_date(row: Code) -> None:
    if row.code == "137":
        assert only_confirmation(ordrsp().statements).time == datetime(2024, 3, 1, 11, 0)
        return
    line = only_confirmation(ordrsp("LIN+1+5", f"DTM+{row.code}:20240320:102").statements).lines[0]
    assert line.promised_date == date(2024, 3, 20)


def ordrsp_reference(row: Code) -> None:
    if row.code == "ON":
        confirmation = only_confirmation(ordrsp(order="RFF+ON:PO-7:::3").statements)
        assert (confirmation.po_number, confirmation.revision) == ("PO-7", 3)
    elif row.code == "ACW":
        confirmation = only_confirmation(ordrsp("RFF+ACW:ORD0000142.1").statements)
        assert confirmation.answers == "ORD0000142.1"
    else:
        confirmation = only_confirmation(ordrsp("LIN+1+5", f"RFF+{row.code}:40").statements)
        assert confirmation.lines[0].line == 40


CHECKS: dict[tuple[str, str], Callable[[Code], None]] = {
    ("CONTRL", "0083"): contrl_action,
    ("APERAK", "BGM 1225"): aperak_function,
    ("APERAK", "ERC 9321"): aperak_error,
    ("APERAK", "RFF 1153"): aperak_reference,
    ("ORDRSP", "BGM 1225"): ordrsp_function,
    ("ORDRSP", "BGM 4343"): ordrsp_response_type,
    ("ORDRSP", "LIN 1229"): ordrsp_line_action,
    ("ORDRSP", "QTY 6063"): ordrsp_quantity,
    ("ORDRSP", "PRI 5125"): ordrsp_price,
    ("ORDRSP", "DTM 2005"): ordrsp_date,
    ("ORDRSP", "RFF 1153"): ordrsp_reference,
}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.document}-{r.element}-{r.code}")
def test_each_mapping_row_becomes_what_it_says(row: Code) -> None:
    assert row.format == "edifact"
    CHECKS[(row.document, row.element)](row)


def test_the_table_has_no_duplicate_codes() -> None:
    keys = [(r.document, r.element, r.code) for r in ROWS]
    assert len(keys) == len(set(keys))
