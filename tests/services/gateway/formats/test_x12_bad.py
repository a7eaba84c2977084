"""The X12 reader refuses bad interchanges with one-line reasons, naming what is wrong."""

from pathlib import Path

import pytest

from services.gateway.formats.x12 import read
from services.gateway.statements import DocumentError

DATA = Path(__file__).parents[3] / "data" / "documents" / "x12"


def sample(name: str) -> bytes:
    return (DATA / f"{name}.x12").read_bytes()


GOOD = sample("997-accepted")
BAD = {
    "empty": (b"", "not X12"),
    "edifact": (b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+240115:1432+1'", "not X12"),
    "short isa": (GOOD[:80], "truncated: the ISA"),
    "unpadded isa": (GOOD.replace(b"ACMESUPPLY     ", b"ACMESUPPLY"), "not fixed-length"),
    "old version": (GOOD.replace(b"*00401*", b"*00300*"), "ISA12 '00300'"),
    "no IEA": (GOOD[: GOOD.index(b"IEA")], "truncated: no IEA"),
    "unterminated IEA": (GOOD.rstrip(b"~\n"), "no IEA; reading stopped before 'IEA*1*000004711'"),
    "empty segment": (
        GOOD.replace(b"AK5*A~", b"AK5*A~~"),
        "has no SE; reading stopped before 'AK9",
    ),
    "no GE": (GOOD.replace(b"GE*1*4711~\n", b""), "truncated: group 4711 has no GE"),
    "no SE": (GOOD.replace(b"SE*6*0001~\n", b""), "truncated: 997 0001 has no SE"),
    "IEA02": (
        GOOD.replace(b"IEA*1*000004711", b"IEA*1*000004712"),
        "IEA02 '000004712' does not match ISA13",
    ),
    "IEA01": (
        GOOD.replace(b"IEA*1*", b"IEA*2*"),
        "IEA01 '2' does not match the number of functional groups",
    ),
    "GE02": (GOOD.replace(b"GE*1*4711", b"GE*1*4712"), "GE02 '4712' does not match GS06"),
    "GE01": (
        GOOD.replace(b"GE*1*", b"GE*2*"),
        "GE01 '2' does not match the number of transaction sets (1)",
    ),
    "SE01": (
        GOOD.replace(b"SE*6*", b"SE*7*"),
        "SE01 '7' does not match the segments of 997 0001 (6)",
    ),
    "SE02": (GOOD.replace(b"SE*6*0001", b"SE*6*0002"), "SE02 '0002' does not match ST02"),
    "810": (
        sample("810-invoice"),
        "transaction set 810 (ST02 0001 of group 4790) is not supported",
    ),
    "after IEA": (GOOD + GOOD, "segment ISA after IEA"),
    "no sets": (
        sample("ta1-rejected").replace(b"TA1*000001305*240220*1058*R*006~\n", b""),
        "no TA1 and no transaction set",
    ),
    "GS04": (GOOD.replace(b"*20240115*", b"*20241315*"), "GS04 '20241315' is not a date"),
    "GS05": (GOOD.replace(b"*1432*4711", b"*2561*4711"), "GS05 '2561' is not a time"),
    "AK102": (
        GOOD.replace(b"AK1*PO*1201", b"AK1*PO*12A1"),
        "997 0001 of group 4711: AK102 '12A1' is not a control number",
    ),
    "AK5": (GOOD.replace(b"AK5*A~\n", b"").replace(b"SE*6", b"SE*5"), "AK2 0001 has no AK5"),
    "AK9": (GOOD.replace(b"AK9*A*1*1*1~\n", b"").replace(b"SE*6", b"SE*5"), "AK9 missing"),
    "AK501": (GOOD.replace(b"AK5*A", b"AK5*Q"), "AK501 'Q' is not an acknowledgment code"),
    "TA101": (
        sample("ta1-rejected").replace(b"TA1*000001305", b"TA1*00000130X"),
        "TA1 1: TA101 '00000130X'",
    ),
}
ACK = sample("855-five-lines")
BAD |= {
    "BAK03": (ACK.replace(b"*PO-2024-00042*", b"**"), "BAK03 (purchase order number) is missing"),
    "PO number": (ACK.replace(b"PO-2024-00042", b"PO" * 33), "BAK03 is longer than a PO number"),
    "BAK01": (ACK.replace(b"BAK*00*", b"BAK*01*"), "BAK01 '01' is not a purpose potrack reads"),
    "BAK02": (ACK.replace(b"BAK*00*AC", b"BAK*00*XX"), "BAK02 'XX' is not an acknowledgment type"),
    "BAK09": (
        ACK.replace(b"*SO-88123*20240116", b"*SO-88123*20240231"),
        "BAK09 '20240231' is not a date (CCYYMMDD)",
    ),
    "ACK01": (
        ACK.replace(b"ACK*IA*100", b"ACK*QQ*100"),
        "ACK01 'QQ' is not a line item status code",
    ),
    "ACK02": (ACK.replace(b"ACK*IA*100", b"ACK*IA*1O0"), "ACK02 '1O0' is not a number"),
    "ACK05": (ACK.replace(b"068*20240122", b"068*2024012"), "ACK05 '2024012' is not a date"),
    "negative": (
        ACK.replace(b"ACK*IA*100", b"ACK*IA*-100"),
        "855 0001 of group 4720: line 1: Input should be greater",
    ),
    "BCA05": (
        sample("865-change-ack").replace(b"**2*2024", b"**B*2024"),
        "BCA05 'B' is not a revision number",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_documents_are_one_line_document_errors(case: str) -> None:
    body, reason = BAD[case]
    with pytest.raises(DocumentError) as raised:
        read(body)
    assert reason in str(raised.value) and "\n" not in str(raised.value)
