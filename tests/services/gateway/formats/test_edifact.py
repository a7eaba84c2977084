"""The EDIFACT reader: partners' CONTRL, APERAK and ORDRSP interchanges become statements."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydifact.constants import Element
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory

from schemas.status import Decision
from services.gateway.formats.edifact import read
from services.gateway.formats.edifact_syntax import decode, split
from services.gateway.statements import Confirmation, Format, Outcome, Reply
from tests.services.gateway.formats.edifact_helpers import SAMPLES, interchange, sample


def test_an_accepting_contrl_without_ucm_answers_the_whole_interchange() -> None:
    reading = read(sample("contrl_accepted.edi"))
    assert (reading.format, reading.kind, reading.control) == (
        Format.EDIFACT,
        "CONTRL",
        "SUP000731",
    )
    assert reading.senders == ("5412345000013:14", "5412345000013")
    assert reading.time == datetime(2024, 3, 1, 9, 35)
    assert reading.statements == (
        Reply(
            message_id="ORD0000142",
            outcome=Outcome.RECEIVED,
            evidence="edifact-contrl-accepted",
            key="CTL0731:UCI:ORD0000142",
            group=True,
        ),
    )


def test_a_contrl_receipt_is_delivery_evidence() -> None:
    (reply,) = read(sample("contrl_received.edi")).statements
    assert isinstance(reply, Reply)
    assert (reply.outcome, reply.evidence, reply.group) == (
        "delivered",
        "edifact-contrl-received",
        True,
    )


def test_each_ucm_answers_its_message_and_a_rejection_says_where() -> None:
    reading = read(sample("contrl_message_rejected.edi"))
    assert reading.senders == ("SUPPLIERHUB:ZZZ", "SUPPLIERHUB")
    assert reading.time == datetime(2024, 3, 2, 14, 12)  # syntax 4: CCYYMMDD
    accepted, rejected = reading.statements
    assert isinstance(accepted, Reply) and isinstance(rejected, Reply)
    assert (accepted.message_id, accepted.outcome, accepted.group) == (
        "ORD0000150.1",
        "received",
        False,
    )
    assert (rejected.message_id, rejected.outcome, rejected.code) == (
        "ORD0000150.2",
        "failed",
        "13",
    )
    assert rejected.evidence == "edifact-contrl-rejected"
    assert rejected.reason == (
        "UCM 2 0083 4: This level and all lower levels rejected; "
        "segment 7: 0085 13 missing; element 3:2: 0085 12 invalid value"
    )
    assert reading.notes == (
        "CONTRL UCI ORD0000150 7: messages without UCM acknowledged implicitly",
    )


def test_an_interchange_rejection_names_the_syntax_error() -> None:
    reading = read(sample("contrl_interchange_rejected.edi"))
    assert reading.senders == ("SUPPLIERHUB",)  # no qualifier: just the id
    (reply,) = reading.statements
    assert isinstance(reply, Reply)
    assert (reply.message_id, reply.group, reply.outcome, reply.code) == (
        "ORD0000151",
        True,
        "failed",
        "29",
    )
    assert reply.reason is not None and reply.reason.endswith(
        "in UNZ: 0085 29 control count does not match number of instances received"
    )


def test_a_rejecting_uci_rejects_every_ucm_below_it() -> None:
    body = interchange(
        (
            "CONTRL:D:3:UN",
            ["UCI+ORD7+B:14+S:14+4+18", "UCM+1+ORDERS:D:96A:UN+7", "UCM+2+ORDERS:D:96A:UN+4+13"],
        )
    )
    first, second = read(body).statements
    assert isinstance(first, Reply) and isinstance(second, Reply)
    assert [(r.message_id, r.outcome, r.code) for r in (first, second)] == [
        ("ORD7.1", "failed", "18"),
        ("ORD7.2", "failed", "13"),
    ]


def test_a_group_report_without_ucm_answers_the_interchange_and_rules_its_ucms() -> None:
    body = interchange(
        (
            "CONTRL:D:3:UN",
            [
                "UCI+ORD8+B:14+S:14+7",
                "UCF+G1+B:14+S:14+4+17",
                "UCF+G2+B:14+S:14+7",
                "UCM+3+ORDERS:D:96A:UN+4",
            ],
        )
    )
    message, group = read(body).statements
    assert isinstance(message, Reply) and isinstance(group, Reply)
    assert (message.message_id, message.group, message.outcome) == ("ORD8.3", False, "failed")
    assert (group.message_id, group.group, group.outcome, group.code) == (
        "ORD8",
        True,
        "failed",
        "17",
    )
    assert (message.key, group.key) == ("1:UCM:3", "1:UCF:G1")


def test_an_application_error_is_a_permanent_failure_with_its_texts() -> None:
    (reply,) = read(sample("aperak_rejected.edi")).statements
    assert isinstance(reply, Reply)
    assert (reply.message_id, reply.group, reply.outcome) == ("ORD0000142.1", False, "failed")
    assert (reply.evidence, reply.code) == ("edifact-aperak-rejected", "ART01")
    assert reply.time == datetime(2024, 3, 1, 10, 1)
    assert reply.reason == (  # the released "?:" and "?+" are text
        "APERAK BGM 1225 27 Not accepted; "
        "ERC ART01: Article 4006381333931 unknown: not in price agreement 2024+Q1; "
        "ERC DEL02: Requested delivery date 20240302 is not a working day"
    )


def test_an_application_acknowledgement_of_an_interchange_is_received() -> None:
    (reply,) = read(sample("aperak_accepted.edi")).statements
    assert isinstance(reply, Reply)
    assert (reply.message_id, reply.group, reply.outcome) == ("ORD0000150", True, "received")
    assert reply.time is None  # a bare DTM 137 date of the UNB's day: the UNB time is finer


def test_an_ordrsp_accepting_without_amendment_needs_no_lines() -> None:
    (conf,) = read(sample("ordrsp_accepted.edi")).statements
    assert conf == Confirmation(
        po_number="PO-2024-0042",
        decision=Decision.ACCEPTED,
        key="RSP0001:ORDRSP:ORSP-88001",
        supplier_reference="ORSP-88001",
    )


def test_an_ordrsp_with_changes_states_each_line() -> None:
    reading = read(sample("ordrsp_changes.edi"))
    (conf,) = reading.statements
    assert isinstance(conf, Confirmation)
    assert (conf.po_number, conf.revision, conf.answers) == ("PO-2024-0042", 2, "ORD0000188.1")
    assert (conf.decision, conf.supplier_reference) == ("accepted_with_changes", "ORSP-88017")
    assert conf.time == datetime(2024, 3, 5, 8, 15)  # DTM 137 format 204
    assert conf.reason == "Lines 2 and 3 amended, line 4 discontinued, line 5 on backorder"
    lines = [
        (ln.line, ln.decision, ln.quantity, ln.unit_price, ln.promised_date) for ln in conf.lines
    ]
    assert lines == [
        (1, "accepted", Decimal(24), Decimal("12.50"), date(2024, 3, 12)),
        (2, "changed", Decimal(36), Decimal("7.90"), date(2024, 3, 15)),
        (3, "changed", Decimal(10), Decimal("12.5"), date(2024, 3, 12)),  # 1250 per 100
        (4, "rejected", Decimal(5), None, None),
        (5, "backordered", Decimal(12), None, date(2024, 4, 5)),
    ]


def test_a_rejecting_ordrsp_in_utf8_keeps_its_reason() -> None:
    reading = read(sample("ordrsp_rejected.edi"))
    (conf,) = reading.statements
    assert isinstance(conf, Confirmation)
    assert (conf.decision, conf.lines, conf.time) == ("rejected", (), datetime(2024, 3, 6, 11, 18))
    assert conf.reason == "Lieferung nicht möglich: Artikel ausgelistet, Ersatz folgt per Angebot"
    assert reading.time == datetime(2024, 3, 6, 11, 20)


def test_reading_the_same_bytes_twice_gives_the_same_unique_keys() -> None:
    for path in sorted(SAMPLES.glob("*.edi")):
        first, again = read(path.read_bytes()), read(path.read_bytes())
        assert first == again
        keys = [s.key for s in first.statements]
        assert len(keys) == len(set(keys)), path.name


def test_repeated_references_get_distinct_keys() -> None:
    body = interchange(("APERAK:D:96A:UN", ["BGM+12E::9+AK1+6", "RFF+ACW:O1.1", "RFF+ACW:O1.1"]))
    assert [s.key for s in read(body).statements] == ["1:APERAK:O1.1", "1:APERAK:O1.1#1"]


class Unchecked(SegmentFactory):
    """pydifact's segment factory without its per-segment directory check."""

    @staticmethod
    def create_segment(
        name: str, *elements: Element, validate: bool = True, version: str = "", directory: str = ""
    ) -> Segment:
        return SegmentFactory.create_segment(name, *elements, validate=False)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.edi")), ids=lambda p: p.name)
def test_the_segments_are_those_pydifact_reads(path: Path) -> None:
    text = decode(path.read_bytes())
    theirs = [
        (s.tag, [e if isinstance(e, list) else [e] for e in s.elements])
        for s in Parser(factory=Unchecked()).parse(text)
        if s.tag != "UNA"
    ]
    _, ours = split(text)
    assert [(s.tag, s.elements) for s in ours] == theirs
