"""Realistic UN/EDIFACT interchanges for the simulator and the tests, serialised by pydifact.

`orders` is what potrack "sends" to an EDIFACT supplier (it returns the bytes and the
message id ``<UNB 0020>.<UNH 0062>`` that a CONTRL or APERAK answers); `contrl`, `aperak`
and `ordrsp` are what the supplier's system answers with. Every builder takes explicit
arguments (no clock, no randomness): the caller passes times, control references and
parties (``<id>:<qualifier>``, e.g. ``5412345000013:14`` for a GLN). Interchanges are
written as EANCOM D.96A partners write them: UNA ``:+.? '``, syntax UNOC version 3 (pydifact's
`Interchange` writes the YYMMDD date of versions 1-3), a line break after each segment,
UNT and UNZ counted by pydifact's `Message` and `Interchange`.
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydifact.control import Characters
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

from schemas.events import AcknowledgedLine, OrderLine
from schemas.status import LineDecision

Element = str | list[str]


@dataclass(frozen=True)
class Envelope:
    """The UNB of an interchange: sender and recipient (``id:qualifier``), UNB 0020 and
    the date and time of preparation (naive, the sender's clock)."""

    sender: str
    recipient: str
    control: str
    time: datetime


@dataclass(frozen=True)
class Report:
    """A CONTRL UCM: the answered message's UNH 0062, its 0083 action code and, for a
    rejection, a 0085 syntax error with the position of the faulty segment (UCS)."""

    reference: str
    action: str
    error: str | None = None
    segment: int | None = None
    message_type: str = "ORDERS"


@dataclass(frozen=True)
class ResponseLine:
    """An ORDRSP line: LIN 1082 and 1229, the item (C212, buyer's number), QTY 21 / 113 /
    83, PRI AAA and a delivery date (DTM `date_qualifier`, 69 promised by default)."""

    line: int
    action: str
    item: str | None = None
    ordered: Decimal | None = None
    quantity: Decimal | None = None
    backorder: Decimal | None = None
    unit_price: Decimal | None = None
    promised: date | None = None
    date_qualifier: str = "69"

    @classmethod
    def of(cls, ack: AcknowledgedLine) -> "ResponseLine":
        """The ORDRSP line that states `ack`: accepted 5, changed 3, rejected 7,
        backordered 6 with its quantity as QTY 83."""
        backordered = ack.decision is LineDecision.BACKORDERED
        return cls(
            line=ack.line,
            action=LINE_ACTIONS[ack.decision],
            quantity=None if backordered else ack.quantity,
            backorder=ack.quantity if backordered else None,
            unit_price=ack.unit_price,
            promised=ack.promised_date,
        )


LINE_ACTIONS = {
    LineDecision.ACCEPTED: "5",
    LineDecision.CHANGED: "3",
    LineDecision.REJECTED: "7",
    LineDecision.BACKORDERED: "6",
}
DIRECTORY = ["D", "96A", "UN"]


def _party(party: str) -> list[str]:
    return party.split(":")


def _decimal(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else value, "f")


def _date(value: date) -> list[str]:
    return [f"{value:%Y%m%d}", "102"]


def _text(text: str) -> list[str]:
    """FTX C108: up to five 4440 components of at most 70 characters, split at spaces."""
    return textwrap.wrap(text, 70)[:5]


def _message(reference: str, identifier: list[str], segments: list[Segment]) -> Message:
    """UNH `reference` (0062) with S009 `identifier`, the segments, and UNT counted."""
    message = Message(reference, identifier)
    message.add_segments(segments)
    return message


def _interchange(envelope: Envelope, messages: Sequence[Message]) -> bytes:
    interchange = Interchange(
        sender=_party(envelope.sender),
        recipient=_party(envelope.recipient),
        control_reference=envelope.control,
        syntax_identifier=("UNOC", 3),
        timestamp=envelope.time,
        characters=Characters(decimal_point="."),
    )
    interchange.has_una_segment = True
    for message in messages:
        interchange.add_message(message)
    return interchange.serialize(break_lines=True).encode("latin-1")


def orders(
    envelope: Envelope,
    *,
    po_number: str,
    buyer: str,
    supplier: str,
    currency: str,
    lines: Sequence[OrderLine],
    reference: str = "1",
    change: bool = False,
) -> tuple[bytes, str]:
    """An ORDERS (or, with `change`, an ORDCHG replacing the order: BGM 230 / 5 and
    RFF+ON) of one message; returns the bytes and its message id ``<UNB 0020>.<UNH 0062>``
    (§2b). `buyer`/`supplier` are GLNs (NAD 3055 9)."""
    kind = "ORDCHG" if change else "ORDERS"
    segments = [
        Segment("BGM", "230" if change else "220", po_number, "5" if change else "9"),
        Segment("DTM", ["137", f"{envelope.time:%Y%m%d%H%M}", "203"]),
        *([Segment("RFF", ["ON", po_number])] if change else []),
        Segment("NAD", "BY", [buyer, "", "9"]),
        Segment("NAD", "SU", [supplier, "", "9"]),
        Segment("CUX", ["2", currency, "9"]),
    ]
    for line in lines:
        segments.append(Segment("LIN", str(line.line), "", [line.sku or str(line.line), "IN"]))
        segments.append(Segment("QTY", ["21", _decimal(line.quantity)]))
        segments.append(Segment("PRI", ["AAA", _decimal(line.unit_price)]))
        if line.need_by:
            segments.append(Segment("DTM", ["2", *_date(line.need_by)]))
    segments += [Segment("UNS", "S"), Segment("CNT", ["2", str(len(lines))])]
    message = _message(reference, [kind, *DIRECTORY, "EAN008"], segments)
    return _interchange(envelope, [message]), f"{envelope.control}.{reference}"


def contrl(
    envelope: Envelope,
    *,
    answers: str,
    action: str = "7",
    messages: Sequence[Report] = (),
    error: str | None = None,
    reference: str = "1",
) -> bytes:
    """A CONTRL answering the interchange `answers` (its UNB 0020), sent by its
    recipient: UCI with `action` (and a 0085 `error`), one UCM per `messages` entry."""
    uci: list[Element] = [answers, _party(envelope.recipient), _party(envelope.sender), action]
    if error:
        uci.append(error)
    segments = [Segment("UCI", *uci)]
    for report in messages:
        ucm: list[Element] = [report.reference, [report.message_type, *DIRECTORY], report.action]
        if report.error:
            ucm.append(report.error)
        segments.append(Segment("UCM", *ucm))
        if report.segment is not None and report.error:
            segments.append(Segment("UCS", str(report.segment), report.error))
    return _interchange(envelope, [_message(reference, ["CONTRL", "D", "3", "UN"], segments)])


def aperak(
    envelope: Envelope,
    *,
    answers: str,
    document_number: str,
    time: datetime,
    function: str = "27",
    po_number: str | None = None,
    errors: Sequence[tuple[str, str]] = (),
    reference: str = "1",
) -> bytes:
    """An APERAK (EANCOM D.96A) about the message `answers` (RFF+ACW: its message id, or
    its interchange's UNB 0020): BGM 1225 `function` (27 not accepted, 6 confirmation
    ...), DTM 137 `time`, RFF+ON `po_number`, and one ERC + FTX per (code, text)."""
    segments = [
        Segment("BGM", ["12E", "", "9"], document_number, function),
        Segment("DTM", ["137", f"{time:%Y%m%d%H%M}", "203"]),
        Segment("RFF", ["ACW", answers]),
    ]
    if po_number:
        segments.append(Segment("RFF", ["ON", po_number]))
    segments.append(Segment("NAD", "MS", [_party(envelope.sender)[0], "", "9"]))
    segments.append(Segment("NAD", "MR", [_party(envelope.recipient)[0], "", "9"]))
    for code, text in errors:
        segments.append(Segment("ERC", [code, "", "91"]))
        segments.append(Segment("FTX", "AAO", "", "", _text(text)))
    identifier = ["APERAK", *DIRECTORY, "EAN001"]
    return _interchange(envelope, [_message(reference, identifier, segments)])


def ordrsp(
    envelope: Envelope,
    *,
    po_number: str,
    document_number: str,
    time: datetime,
    function: str = "29",
    response_type: str | None = None,
    lines: Sequence[ResponseLine] = (),
    revision: int | None = None,
    answers: str | None = None,
    reason: str | None = None,
    buyer: str | None = None,
    supplier: str | None = None,
    reference: str = "1",
) -> bytes:
    """An ORDRSP (EANCOM D.96A): BGM 231 `document_number` `function` (1225) and
    `response_type` (4343), DTM 137 `time`, RFF+ON `po_number` (with `revision` as C506
    1060), RFF+ACW `answers` (``<UNB 0020>.<UNH 0062>`` of the ORDERS), FTX `reason`,
    NAD BY/SU (GLNs), then LIN/QTY/PRI/DTM per line, UNS and CNT."""
    bgm: list[Element] = ["231", document_number, function]
    if response_type:
        bgm.append(response_type)
    order: list[str] = ["ON", po_number] + (["", "", str(revision)] if revision else [])
    segments = [
        Segment("BGM", *bgm),
        Segment("DTM", ["137", f"{time:%Y%m%d%H%M}", "203"]),
        Segment("RFF", order),
    ]
    if answers:
        segments.append(Segment("RFF", ["ACW", answers]))
    if reason:
        segments.append(Segment("FTX", "AAI", "", "", _text(reason)))
    for role, party in (("BY", buyer), ("SU", supplier)):
        if party:
            segments.append(Segment("NAD", role, [party, "", "9"]))
    for line in lines:
        segments.append(
            Segment("LIN", str(line.line), line.action, *([[line.item, "IN"]] if line.item else []))
        )
        for qualifier, quantity in (
            ("21", line.ordered),
            ("113", line.quantity),
            ("83", line.backorder),
        ):
            if quantity is not None:
                segments.append(Segment("QTY", [qualifier, _decimal(quantity)]))
        if line.unit_price is not None:
            segments.append(Segment("PRI", ["AAA", _decimal(line.unit_price)]))
        if line.promised:
            segments.append(Segment("DTM", [line.date_qualifier, *_date(line.promised)]))
    segments += [Segment("UNS", "S"), Segment("CNT", ["2", str(len(lines))])]
    identifier = ["ORDRSP", *DIRECTORY, "EAN005"]
    return _interchange(envelope, [_message(reference, identifier, segments)])
