"""The EDIFACT envelope (ISO 9735): counts, references and groups checked, bad input refused."""

from pathlib import Path

import pytest

from services.gateway.formats.edifact import read
from services.gateway.statements import Confirmation, DocumentError, Reply
from tests.services.gateway.formats.edifact_helpers import SAMPLES, interchange, ordrsp

ORDRSP = ("ORDRSP:D:96A:UN:EAN005", ["BGM+231+R1+29", "RFF+ON:PO-1"])
APERAK = ("APERAK:D:96A:UN:EAN001", ["BGM+12E::9+A1+6", "RFF+ACW:ORD1.1"])


def test_an_interchange_of_two_messages_states_both_in_order() -> None:
    reading = read(interchange(ORDRSP, APERAK))
    assert reading.kind == "ORDRSP+APERAK"
    conf, reply = reading.statements
    assert isinstance(conf, Confirmation) and isinstance(reply, Reply)
    assert (conf.key, reply.key) == ("1:ORDRSP:R1", "2:APERAK:ORD1.1")


def test_functional_groups_are_counted_by_unz_and_une() -> None:
    text = (
        "UNB+UNOC:3+5412345000013:14+4012345000009:14+240301:0935+IC9'\n"
        "UNG+ORDRSP+5412345000013:14+4012345000009:14+240301:0935+G1+UN+D:96A'\n"
        "UNH+1+ORDRSP:D:96A:UN'\nBGM+231+R1+29'\nRFF+ON:PO-1'\nUNT+4+1'\n"
        "UNH+2+ORDRSP:D:96A:UN'\nBGM+231+R2+27'\nRFF+ON:PO-2'\nUNT+4+2'\n"
        "UNE+2+G1'\nUNZ+1+IC9'\n"
    )
    decisions = [s.decision for s in read(text.encode()).statements if isinstance(s, Confirmation)]
    assert decisions == ["accepted", "rejected"]
    with pytest.raises(DocumentError, match="UNE of group 'G1' does not match"):
        read(text.replace("UNE+2", "UNE+3").encode())
    with pytest.raises(DocumentError, match="UNZ 0036 says '2' but the interchange has 1 groups"):
        read(text.replace("UNZ+1", "UNZ+2").encode())


def test_counts_may_carry_leading_zeros() -> None:
    body = interchange(ORDRSP).replace(b"UNT+4+1", b"UNT+000004+1").replace(b"UNZ+1", b"UNZ+01")
    assert len(read(body).statements) == 1


BAD = {
    "not EDIFACT": (b"ISA*00*          *00*", "not an EDIFACT interchange"),
    "no UNZ": (interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"])).rsplit(b"UNZ", 1)[0], "no UNZ"),
    "no UNT": (
        b"UNB+UNOC:3+S+B+240301:0935+I1'UNH+1+CONTRL:D:3:UN'UCI+O1+B+S+7'UNZ+1+I1'",
        "UNH 1 has no UNT",
    ),
    "cut mid-segment": (b"UNB+UNOC:3+S+B+240301:0935+I1'UNH+1+CONTRL:D:3:U", "truncated"),
    "UNZ count": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"])).replace(b"UNZ+1", b"UNZ+2"),
        "UNZ 0036 says '2' but the interchange has 1 messages",
    ),
    "UNZ reference": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"])).replace(b"UNZ+1+SUP0001", b"UNZ+1+X"),
        "UNZ 0020 'X' does not match UNB 0020 'SUP0001'",
    ),
    "UNT count": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"])).replace(b"UNT+3", b"UNT+4"),
        "UNT 0074 of message 1 says '4' segments, it has 3",
    ),
    "UNT reference": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"])).replace(b"UNT+3+1", b"UNT+3+9"),
        "UNT 0062 '9' does not match UNH 0062 '1'",
    ),
    "unsupported type": (
        interchange(("INVOIC:D:96A:UN", ["BGM+380+INV1+9"])),
        "unsupported EDIFACT message type INVOIC",
    ),
    "ORDRSP without BGM": (
        interchange(("ORDRSP:D:96A:UN", ["RFF+ON:PO-1"])),
        "ORDRSP 1 has no BGM",
    ),
    "ORDRSP without RFF+ON": (
        interchange(("ORDRSP:D:96A:UN", ["BGM+231+R1+29"])),
        "ORDRSP 1 names no PO: no RFF+ON",
    ),
    "ORDRSP without decision": (
        interchange(("ORDRSP:D:96A:UN", ["BGM+231+R1+9", "RFF+ON:PO-1"])),
        "ORDRSP 1 states no decision",
    ),
    "bad UNB date": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+7"]), when="240231:0935"),
        "UNB S004: '202402310935' is not a valid date",
    ),
    "bad DTM format": (
        interchange(("ORDRSP:D:96A:UN", ["BGM+231+R1+29", "DTM+137:01032024:999", "RFF+ON:P"])),
        "date format 2379 '999' is not 102, 203 or 204",
    ),
    "bad DTM date": (
        interchange(("ORDRSP:D:96A:UN", ["BGM+231+R1+29", "DTM+137:20241301:102", "RFF+ON:P"])),
        "ORDRSP 1 DTM 137: '20241301' is not a valid date",
    ),
    "bad quantity": (
        interchange(("ORDRSP:D:96A:UN", ["BGM+231+R1+29", "RFF+ON:P", "LIN+1+5", "QTY+21:ten"])),
        "ORDRSP 1 LIN 1 QTY 'ten' is not a number",
    ),
    "APERAK without ACW": (
        interchange(("APERAK:D:96A:UN", ["BGM+12E::9+A1+27", "RFF+ON:PO-1"])),
        "APERAK 1 names no sent message: no RFF+ACW",
    ),
    "UCI without 0083": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S"])),
        "CONTRL UCI without reference or 0083 action code",
    ),
    "unknown 0083": (
        interchange(("CONTRL:D:3:UN", ["UCI+O1+B+S+9"])),
        "CONTRL UCI 0083 '9' is not an action code",
    ),
}


@pytest.mark.parametrize("body, reason", BAD.values(), ids=BAD.keys())
def test_a_bad_document_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as refused:
        read(body)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_negative_price_is_refused_on_one_line() -> None:
    with pytest.raises(DocumentError, match=r"^ORDRSP 1 line 1: unit_price: .*"):
        ordrsp("LIN+1+5", "PRI+AAA:-1")


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.edi")), ids=lambda p: p.name)
def test_every_cut_of_a_sample_is_read_or_refused_with_a_one_line_reason(path: Path) -> None:
    body = path.read_bytes()
    refused = 0
    for size in range(len(body.rstrip())):
        try:
            read(body[:size])
        except DocumentError as error:
            assert str(error) and "\n" not in str(error)
            refused += 1
    assert refused == len(body.rstrip())  # no cut of an interchange passes for a whole one
