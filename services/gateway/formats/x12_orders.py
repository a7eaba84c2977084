"""X12 855 and 865 -> `Confirmation` statements (§2b: po.acknowledged with line decisions).

855 Purchase Order Acknowledgment: BAK01 purpose, BAK02 acknowledgment type, BAK03 PO
number, BAK08 seller's order number (supplier_reference), BAK09 acknowledgment date; a
PO1 loop per line (PO101 line, PO102 quantity, PO104 unit price) with its ACK segments
(ACK01 status, ACK02 quantity, ACK05 date). 865 Purchase Order Change Acknowledgment: the
same from BCA01/BCA02/BCA03/BCA09/BCA10, BCA05 change order sequence number = revision,
POC loops (POC01 line, POC02 change type, POC03 quantity, POC06 unit price) with ACKs.

Rules where the standard leaves a choice (codes: `services.gateway.mapping.x12`):
- A line's decision comes from its ACK01s; several ACKs on one line (a split, e.g. IA 60
  + IB 40): all alike -> that decision, else backordered if one is, else changed.
  Quantity: the sum of ACK02 of the ACKs not rejected, else PO102/POC03 (none for a
  rejected line); promised_date: the latest ACK05 of those. An 865 POC loop without ACK
  is decided by POC02; an 855 PO1 loop without ACK says nothing and is left out.
- PO101/POC01 is the contract's line number when it is all digits (leading zeros
  dropped); otherwise the line is left out of `lines` with a note, but its status still
  counts for the header decision. Loops repeating a line number are merged.
- Time: the acknowledgment date (BAK09/BCA10) when it is earlier than the envelope's
  date, at 23:59:59 (the latest moment of that day, so that a revision sent earlier that
  day is the one acknowledged); otherwise, and without it, the envelope's GS04/GS05.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from pydantic import ValidationError

from schemas.events import PO_NUMBER_MAX, AcknowledgedLine
from schemas.status import Decision, LineDecision
from services.gateway.formats.x12_values import (
    TransactionSet,
    clip,
    day,
    element,
    number,
    required,
)
from services.gateway.mapping import lookup
from services.gateway.mapping.x12 import LINE_RULE, ROWS
from services.gateway.statements import Confirmation, DocumentError

READS = frozenset({"BAK", "BCA", "PO1", "POC", "ACK"})  # the segments read; the rest: skipped
_MEANING = {(r.document, r.element, r.code): r.meaning for r in ROWS}
_HEAD = {"855": "BAK", "865": "BCA"}
_LOOP = {"855": ("PO1", 2, 4), "865": ("POC", 3, 6)}  # segment, quantity, unit price
_PURPOSE = {d: lookup(ROWS, d, f"{h}01") for d, h in _HEAD.items()}
_TYPE = {d: lookup(ROWS, d, f"{h}02") for d, h in _HEAD.items()}
_STATUS = {d: lookup(ROWS, d, "ACK01") for d in _HEAD}
_CHANGE = lookup(ROWS, "865", "POC02")
_END_OF_DAY = time(23, 59, 59)
_Ack = tuple[LineDecision | None, str, Decimal | None, date | None]  # ACK01 result, ACK01..


@dataclass(slots=True, eq=False)  # hashed by identity: merged loops are one line
class _Line:
    label: str  # PO101/POC01 as sent
    quantity: Decimal | None
    price: Decimal | None
    change: str  # POC02 ("" in an 855)
    acks: list[_Ack] = field(default_factory=list)

    def decide(self, doc: str) -> tuple[LineDecision | None, Decimal | None, date | None]:
        """(decision, quantity, promised_date); decision None when nothing is decided."""
        if not self.acks:
            if not self.change:
                return None, None, None
            found = _CHANGE.get(self.change)
            if not isinstance(found, LineDecision):
                raise DocumentError(f"POC02 {self.change!r} is not a change type (X12 670)")
            rejected = found is LineDecision.REJECTED
            return found, None if rejected else self.quantity, None
        decided = [(d, q, when) for d, _, q, when in self.acks if d is not None]
        kinds = {d for d, _, _ in decided}
        if len(kinds) <= 1:
            decision = kinds.pop() if kinds else None
        else:
            backordered = LineDecision.BACKORDERED in kinds
            decision = LineDecision.BACKORDERED if backordered else LineDecision.CHANGED
        kept = [(q, when) for d, q, when in decided if d is not LineDecision.REJECTED]
        counted = [q for q, _ in kept if q is not None]
        quantity = sum(counted, Decimal(0)) if counted else self.quantity if kept else None
        dates = [when for _, when in kept if when is not None]
        return decision, quantity, max(dates) if dates else None

    def codes(self) -> str:
        return "+".join(c for _, c, _, _ in self.acks) or self.change


def _decide(rule: str | None, base: Decision | None, found: list[LineDecision]) -> Decision | None:
    """The header decision: `base` (the 587 code's row) refined by the line statuses
    under `rule` (`LINE_RULE`: "detail" or "exceptions")."""
    if rule is None or not found:
        return base
    if rule == "detail" and all(d is LineDecision.REJECTED for d in found):
        return Decision.REJECTED
    if any(d is not LineDecision.ACCEPTED for d in found):
        return Decision.ACCEPTED_WITH_CHANGES
    return base or Decision.ACCEPTED


def _lines(ts: TransactionSet) -> list[_Line]:
    seg_id, qty, price = _LOOP[ts.id]
    lines: list[_Line] = []
    numbered: dict[str, _Line] = {}
    for seg in ts.segments[1:]:
        if seg.seg_id == seg_id:
            label = element(seg, 1)
            label = str(int(label)) if label.isdecimal() else label
            line = numbered.get(label) if label.isdecimal() else None
            quantity = number(element(seg, qty), f"{seg_id}{qty:02d}")
            unit_price = number(element(seg, price), f"{seg_id}{price:02d}")
            if line is None:
                change = element(seg, 2) if ts.id == "865" else ""
                line = _Line(label, quantity, unit_price, change)
                numbered.setdefault(label, line)
            else:
                line.quantity = line.quantity if line.quantity is not None else quantity
                line.price = line.price if line.price is not None else unit_price
            lines.append(line)
        elif seg.seg_id == "ACK":
            if not lines:
                raise DocumentError(f"ACK before any {seg_id}")
            code = required(seg, 1, "line item status code")
            if code not in _STATUS[ts.id]:
                raise DocumentError(f"ACK01 {code!r} is not a line item status code (X12 668)")
            status = _STATUS[ts.id][code]
            when = element(seg, 5)
            lines[-1].acks.append(
                (
                    status if isinstance(status, LineDecision) else None,
                    code,
                    number(element(seg, 2), "ACK02"),
                    day(when, "ACK05") if when else None,
                )
            )
    return list(dict.fromkeys(lines))  # merged loops once, in order of appearance


def order_ack(ts: TransactionSet) -> tuple[Confirmation | None, list[str]]:
    """The Confirmation of one 855 or 865 (`ts.id`) and notes; None (with a note) when
    its acknowledgment type decides nothing (AH, NA, ZZ without line statuses). Raises
    DocumentError for a missing BAK/BCA or BAK03/BCA03, an unsupported purpose, a code
    not in X12 587/668/670, a bad date or number, or a BCA05 that is not a revision."""
    doc, head = ts.id, _HEAD[ts.id]
    if not ts.segments or ts.segments[0].seg_id != head:
        raise DocumentError(f"{head} missing (the first segment)")
    seg = ts.segments[0]
    purpose = required(seg, 1, "transaction set purpose code")
    if purpose not in _PURPOSE[doc]:
        raise DocumentError(f"{head}01 {purpose!r} is not a purpose potrack reads (X12 353)")
    ack_type = element(seg, 2) if doc == "865" else required(seg, 2, "acknowledgment type")
    po_number = required(seg, 3, "purchase order number")
    if len(po_number) > PO_NUMBER_MAX:
        raise DocumentError(f"{head}03 is longer than a PO number ({PO_NUMBER_MAX} characters)")
    if ack_type and ack_type not in _TYPE[doc]:
        raise DocumentError(f"{head}02 {ack_type!r} is not an acknowledgment type (X12 587)")
    base = _TYPE[doc][ack_type] if ack_type else None
    assert base is None or isinstance(base, Decision)
    revision = _revision(element(seg, 5)) if doc == "865" else None
    po_date = element(seg, 4 if doc == "855" else 6)
    if po_date:
        day(po_date, f"{head}{4 if doc == '855' else 6:02d}")
    reference, acked = (
        (element(seg, 8), element(seg, 9)) if doc == "855" else (element(seg, 9), element(seg, 10))
    )
    when = ts.group.time
    if acked and (acked_on := day(acked, f"{head}{9 if doc == '855' else 10:02d}")) < when.date():
        when = datetime.combine(acked_on, _END_OF_DAY)
    notes: list[str] = []
    listed: list[AcknowledgedLine] = []
    found: list[LineDecision] = []
    changed: list[str] = []
    for line in _lines(ts):
        decision, quantity, promised = line.decide(doc)
        if decision is None:
            if line.acks:
                notes.append(
                    f"{ts.name}: line {line.label} ACK01 {line.codes()}: on hold, left out"
                )
            continue
        found.append(decision)
        if decision is not LineDecision.ACCEPTED:
            changed.append(f"{line.label} {line.codes()}")
        if not line.label.isdecimal():
            notes.append(
                f"{ts.name}: {_LOOP[doc][0]}01 {line.label!r} is not a line number: left out"
            )
            continue
        try:
            listed.append(
                AcknowledgedLine(
                    line=int(line.label),
                    decision=decision,
                    quantity=quantity,
                    unit_price=line.price,
                    promised_date=promised,
                )
            )
        except ValidationError as exc:
            raise DocumentError(f"line {line.label}: {exc.errors()[0]['msg']}") from None
    rule = LINE_RULE.get(ack_type or "ZZ")
    verdict = _decide(rule, base, found)
    said = f"{head}02 {ack_type}" if ack_type else f"{head}02 not sent"
    if ack_type:
        said += f": {_MEANING[doc, f'{head}02', ack_type].lower()}"
    if verdict is None:
        return None, [*notes, f"{ts.name}: {said}: no decision, no event"]
    reason = None
    if verdict is not Decision.ACCEPTED:
        reason = clip(f"{said}; lines {', '.join(changed)}" if changed else said)
    return Confirmation(
        po_number=po_number,
        decision=verdict,
        key=f"{doc}.{ts.group.control}.{ts.control}",
        time=when,
        revision=revision,
        supplier_reference=reference or None,
        reason=reason,
        lines=tuple(listed),
    ), notes


def _revision(value: str) -> int | None:
    """BCA05 (change order sequence number) as the contract's revision (>= 1)."""
    if not value:
        return None
    if not value.isdecimal() or int(value) < 1:
        raise DocumentError(f"BCA05 {value!r} is not a revision number (an integer >= 1)")
    return int(value)
