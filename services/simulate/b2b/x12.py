"""Realistic X12 interchanges for the simulator and the tests, serialised by pyx12.

`purchase_order_850` is what potrack "sends" to an X12 supplier (it returns the bytes and
the message id ``<GS06>.<ST02>`` that a 997/999 answers; a TA1 answers ``<ISA13>``, so
the interchange and group control numbers are best kept equal); `functional_ack`
(997/999), `ta1`, `order_ack_855` and `change_ack_865` are what the supplier's system
answers with. Every builder takes explicit arguments (no clock, no randomness): the caller
passes times and control numbers. Segments are written by `pyx12.x12file.X12Writer`, which
also counts and writes the SE, GE and IEA trailers; the ISA's fixed-width fields are padded
here (X12.5). Separators as most partners use them: ``*`` elements, ``>`` components
(``^`` repetitions in 00501), ``~`` plus a line break after each segment.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from pyx12.segment import Segment
from pyx12.x12file import X12Writer

from schemas.events import OrderLine

_TERMS = ("~", "*", ">")


@dataclass(frozen=True)
class Envelope:
    """ISA and GS of an interchange: sender and receiver as ``ISA05:ISA06`` (e.g.
    ``ZZ:ACMESUPPLY``; GS02/GS03 take the id), ISA13, GS06, the time of preparation
    (naive: ISA09/ISA10, GS04/GS05) and ISA12 (00401, or 00501 as a 999 needs)."""

    sender: str
    receiver: str
    control: int
    group: int
    time: datetime
    version: str = "00401"


@dataclass(frozen=True)
class SetAck:
    """One AK2 loop of a 997/999: the answered set's ST02, AK501/IK501 (A, E, R, ...)
    and AK502.. / IK502.. error codes (e.g. ``("5",)``)."""

    control: str
    code: str = "A"
    errors: tuple[str, ...] = ()
    set_id: str = "850"


@dataclass(frozen=True)
class AckLine:
    """An 855 PO1 loop (or 865 POC loop, change type `change` = POC02) and its ACK:
    PO101, quantity and unit price (PO102/PO104), ACK01 `status` (None: no ACK), ACK02
    (default: `quantity`), ACK05 `promised` with ACK04 `qualifier` (068 current schedule
    ship), the vendor's part number (VP) and the unit (PO103)."""

    line: int | str
    quantity: Decimal
    unit_price: Decimal
    status: str | None = "IA"
    acked: Decimal | None = None
    promised: date | None = None
    qualifier: str = "068"
    item: str | None = None
    unit: str = "EA"
    change: str = "NC"


def _number(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else value, "f")


def _ack(line: AckLine) -> list[list[str]]:
    if line.status is None:
        return []
    acked = line.quantity if line.acked is None else line.acked
    when = [line.qualifier, f"{line.promised:%Y%m%d}"] if line.promised else []
    return [["ACK", line.status, _number(acked), line.unit, *when]]


def _item(item: str | None) -> list[str]:
    return ["", "VP", item] if item else []


def _po1(
    line: int | str, quantity: Decimal, unit: str, price: Decimal, item: str | None
) -> list[str]:
    return ["PO1", str(line), _number(quantity), unit, _number(price), *_item(item)]


def _interchange(
    env: Envelope, functional_id: str, sets: Sequence[tuple[list[str], list[list[str]]]]
) -> bytes:
    """ISA, one GS with `sets` ((ST elements, body segments) each), GE, IEA; or, with
    no `functional_id`, ISA, the body segments of the single set and IEA (a TA1)."""
    out = io.StringIO()
    writer = X12Writer(out, *_TERMS, eol="\n", repetition_term="^")
    qualifiers = [part for party in (env.sender, env.receiver) for part in party.split(":", 1)]
    if any(len(part) > 15 for part in qualifiers):
        raise ValueError(f"an ISA06/ISA08 is longer than 15 characters: {qualifiers}")
    isa = ["00", " " * 10, "00", " " * 10]
    isa += [qualifiers[0], qualifiers[1].ljust(15), qualifiers[2], qualifiers[3].ljust(15)]
    isa += [f"{env.time:%y%m%d}", f"{env.time:%H%M}", "U", env.version]
    isa += [f"{env.control:09d}", "0", "P", _TERMS[2]]
    write = writer.Write
    write(_segment("ISA", isa))
    if functional_id:
        gs08 = "005010X231A1" if sets and sets[0][0][0] == "999" else f"{env.version}0"
        group = [functional_id, qualifiers[1], qualifiers[3]]
        write(
            _segment(
                "GS",
                [*group, f"{env.time:%Y%m%d}", f"{env.time:%H%M}", str(env.group), "X", gs08],
            )
        )
    for header, body in sets:
        if functional_id:
            write(_segment("ST", header))
        for seg in body:
            write(_segment(seg[0], seg[1:]))
        if functional_id:
            write(_segment("SE", []))  # X12Writer writes the SE with its count
    if functional_id:
        write(_segment("GE", []))  # likewise GE and IEA
    write(_segment("IEA", []))
    writer.close()
    return out.getvalue().encode("ascii")


def _segment(seg_id: str, elements: list[str]) -> Segment:
    return Segment(_TERMS[1].join([seg_id, *elements]), *_TERMS)


def purchase_order_850(
    env: Envelope,
    po_number: str,
    lines: Sequence[OrderLine],
    *,
    ordered: date,
    currency: str = "USD",
    set_control: str = "0001",
) -> tuple[bytes, str]:
    """An 850 Purchase Order (BEG 00 SA, CUR, a PO1 loop per line with its need-by date
    as DTM 002, CTT) and its message id ``<GS06>.<ST02>`` as potrack records it."""
    body = [["BEG", "00", "SA", po_number, "", f"{ordered:%Y%m%d}"], ["CUR", "BY", currency]]
    for ln in lines:
        body.append(_po1(ln.line, ln.quantity, "EA", ln.unit_price, ln.sku))
        if ln.need_by:
            body.append(["DTM", "002", f"{ln.need_by:%Y%m%d}"])
    body.append(["CTT", str(len(lines))])
    sent = _interchange(env, "PO", [(["850", set_control], body)])
    return sent, f"{env.group}.{set_control}"


def functional_ack(
    env: Envelope,
    answers: str,
    sets: Sequence[SetAck],
    *,
    kind: str = "997",
    group_code: str | None = None,
    functional_id: str = "PO",
    set_control: str = "0001",
) -> bytes:
    """A 997 (or 999 with `kind`, in a 00501 envelope) answering group `answers` (AK102,
    the sent GS06): an AK2 loop per `sets` entry and AK9, whose code is `group_code` or
    follows from the sets (all A -> A, accepted with some E -> E, none accepted -> R,
    else P). With no `sets`, AK9 alone answers the whole group (A unless told)."""
    accepted = sum(s.code in ("A", "E") for s in sets)
    if group_code is None:
        codes = {s.code for s in sets}
        group_code = (
            "A"
            if codes <= {"A"}
            else "E"
            if accepted == len(sets)
            else "R"
            if not accepted
            else "P"
        )
    env = replace(env, version="00501") if kind == "999" else env
    trailer = "AK5" if kind == "997" else "IK5"
    ak1 = ["AK1", functional_id, answers] + (["004010"] if kind == "999" else [])
    body = [ak1]
    for s in sets:
        body += [["AK2", s.set_id, s.control], [trailer, s.code, *s.errors]]
    count = str(len(sets))
    body.append(["AK9", group_code, count, count, str(accepted)])
    header = [kind, set_control] + (["005010X231A1"] if kind == "999" else [])
    return _interchange(env, "FA", [(header, body)])


def ta1(
    env: Envelope, answers: int, answered_at: datetime, code: str = "A", note: str = "000"
) -> bytes:
    """An interchange holding only a TA1 for the interchange ISA13 = `answers` sent at
    `answered_at` (TA102/TA103): TA104 `code` (A, E, R) and TA105 `note` (e.g. 022)."""
    segment = ["TA1", f"{answers:09d}", f"{answered_at:%y%m%d}", f"{answered_at:%H%M}", code, note]
    return _interchange(env, "", [([], [segment])])


def order_ack_855(
    env: Envelope,
    po_number: str,
    lines: Sequence[AckLine],
    *,
    ordered: date,
    ack_type: str = "AC",
    supplier_reference: str = "",
    acknowledged: date | None = None,
    purpose: str = "00",
    set_control: str = "0001",
) -> bytes:
    """An 855 Purchase Order Acknowledgment: BAK (BAK01 `purpose`, BAK02 `ack_type`,
    BAK03, BAK04 `ordered`, BAK08 `supplier_reference`, BAK09 `acknowledged`), a PO1
    loop with its ACK per line, CTT."""
    acked = f"{acknowledged:%Y%m%d}" if acknowledged else ""
    bak = ["BAK", purpose, ack_type, po_number, f"{ordered:%Y%m%d}", "", "", ""]
    body = [[*bak, supplier_reference, acked]]
    for ln in lines:
        body.append(_po1(ln.line, ln.quantity, ln.unit, ln.unit_price, ln.item))
        body += _ack(ln)
    body.append(["CTT", str(len(lines))])
    return _interchange(env, "PR", [(["855", set_control], body)])


def change_ack_865(
    env: Envelope,
    po_number: str,
    lines: Sequence[AckLine],
    *,
    ordered: date,
    revision: int | None = None,
    ack_type: str = "AC",
    supplier_reference: str = "",
    acknowledged: date | None = None,
    purpose: str = "04",
    set_control: str = "0001",
) -> bytes:
    """An 865 Purchase Order Change Acknowledgment: BCA (BCA01 `purpose`, BCA02
    `ack_type`, BCA03, BCA05 `revision` as change order sequence number, BCA06 `ordered`,
    BCA09 `supplier_reference`, BCA10 `acknowledged`), a POC loop (POC02 = the line's
    `change`) with its ACK per line, CTT."""
    acked = f"{acknowledged:%Y%m%d}" if acknowledged else ""
    sequence = str(revision) if revision is not None else ""
    bca = ["BCA", purpose, ack_type, po_number, "", sequence, f"{ordered:%Y%m%d}", "", ""]
    body = [[*bca, supplier_reference, acked]]
    for ln in lines:
        qty, price = _number(ln.quantity), _number(ln.unit_price)
        body.append(["POC", str(ln.line), ln.change, qty, qty, ln.unit, price, *_item(ln.item)])
        body += _ack(ln)
    body.append(["CTT", str(len(lines))])
    return _interchange(env, "CA", [(["865", set_control], body)])
