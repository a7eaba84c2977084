"""cXML ConfirmationRequest (``Fulfill.dtd``) -> one `Confirmation` (contract §2b).

Read: ``ConfirmationHeader`` ``type`` (the header decision, mapping/cxml.py), ``confirmID``
(-> `supplier_reference`), ``noticeDate`` (-> `time`, with its zone), ``Comments``
(-> `reason`); ``OrderReference`` ``orderID`` (the PO number, required) and its
``DocumentReference`` ``payloadID`` (-> `answers`: the payloadID of the OrderRequest
potrack sent; empty or absent -> None, the PO number alone then correlates);
``ConfirmationItem`` ``lineNumber`` with its ``ConfirmationStatus`` elements (-> lines).

Choices where cXML leaves one (each also in mapping/cxml.py or below):

- `revision`: cXML carries no order revision in a confirmation (``ConfirmationHeader``
  ``version`` numbers the *confirmation*, not the order), so it comes from an
  ``Extrinsic name="revision"`` of the ConfirmationHeader when present, else None.
- One ``ConfirmationItem`` split into several ``ConfirmationStatus`` (the guide's
  "partial accept"): one line whose decision is the common one when all parts agree,
  ``backordered`` when only accepted and backordered parts mix, else ``changed``;
  `quantity` sums the parts that are not rejected (all parts when all are rejected);
  `unit_price` is the first ``UnitPrice/Money`` (or ``ItemIn/ItemDetail/UnitPrice``) of
  those parts; `promised_date` the latest ``deliveryDate`` (else ``shipmentDate``), the
  date as written in the document's own zone. ``unknown`` parts carry no decision; a
  line with nothing else is left out and noted.
- A line mentioned twice is refused (the guide: "Each confirmation must mention a line
  item only once").
- ``operation="update"`` replaces the supplier's earlier confirmation; that is already
  how §3 reads a later acknowledgment, so it is only noted.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import ValidationError

from schemas.events import AcknowledgedLine
from schemas.status import Decision, LineDecision
from services.gateway.formats.cxml_xml import Element, day, number, text, timestamp, whole, words
from services.gateway.mapping import lookup
from services.gateway.mapping.cxml import CONFIRMATION, HEADER_TYPE, LINE_TYPE, ROWS
from services.gateway.statements import Confirmation, DocumentError

HEADER = lookup(ROWS, CONFIRMATION, HEADER_TYPE)
LINE = lookup(ROWS, CONFIRMATION, LINE_TYPE)
REASON_MAX = 512  # schemas.events.Text


@dataclass(frozen=True)
class _Part:
    """One ConfirmationStatus of a line."""

    decision: LineDecision | None
    quantity: Decimal | None
    price: Decimal | None
    promised: date | None


def confirmation(request: Element, notes: list[str]) -> Confirmation | None:
    """The Confirmation a ``ConfirmationRequest`` element makes; None for a
    ``requestToPay`` (a payment request confirms nothing; noted). Appends observations
    to `notes`. DocumentError: no ConfirmationHeader, an unknown type, no orderID, a bad
    date or number, a bad revision Extrinsic, a line twice or without status."""
    header = request.find("ConfirmationHeader")
    if header is None:
        raise DocumentError("ConfirmationRequest has no ConfirmationHeader")
    kind = header.get("type")
    if kind not in HEADER:
        raise DocumentError(f"ConfirmationHeader type {kind!r} is not a cXML confirmation type")
    order = request.find("OrderReference")
    po_number = (order.get("orderID") or "").strip() if order is not None else ""
    if not po_number:
        raise DocumentError("ConfirmationRequest has no OrderReference orderID")
    base = HEADER[kind]
    if base is None:
        notes.append(f"ConfirmationHeader type {kind}: a payment request, no acknowledgment")
        return None
    operation = header.get("operation", "new")
    if operation != "new":
        notes.append(f"ConfirmationHeader operation {operation}: replaces earlier confirmations")
    lines = _lines(request, notes)
    reference = order.find("DocumentReference") if order is not None else None
    answers = (reference.get("payloadID") or "").strip() if reference is not None else ""
    return Confirmation(
        po_number=po_number,
        decision=_decision(kind, Decision(base), lines, notes),
        key=f"{CONFIRMATION}:{po_number}",
        time=timestamp(header.get("noticeDate"), "ConfirmationHeader noticeDate"),
        revision=_revision(header, notes),
        supplier_reference=(header.get("confirmID") or "").strip() or None,
        reason=words(header.find("Comments"))[:REASON_MAX] or None,
        lines=lines,
        answers=answers or None,
    )


def _decision(
    kind: str, base: Decision, lines: tuple[AcknowledgedLine, ...], notes: list[str]
) -> Decision:
    """The header decision refined by the lines (mapping/cxml.py says how)."""
    if base is Decision.REJECTED:
        return base
    differ = [ln.line for ln in lines if ln.decision is not LineDecision.ACCEPTED]
    if base is Decision.ACCEPTED and differ:
        notes.append(f"ConfirmationHeader type accept, but lines {differ} are not accepted")
        return Decision.ACCEPTED_WITH_CHANGES
    if kind != "backordered" and lines and not differ:
        return Decision.ACCEPTED
    return base


def _revision(header: Element, notes: list[str]) -> int | None:
    """``Extrinsic name="revision"`` of the header (potrack's convention), else None."""
    for extrinsic in header.iterfind("Extrinsic"):
        if (extrinsic.get("name") or "").strip().lower() == "revision":
            revision = whole(text(extrinsic) or "-", "Extrinsic revision")
            if not revision:
                raise DocumentError("Extrinsic revision 0 is not a revision (the first is 1)")
            notes.append("revision taken from the ConfirmationHeader Extrinsic 'revision'")
            return revision
    return None


def _lines(request: Element, notes: list[str]) -> tuple[AcknowledgedLine, ...]:
    """One AcknowledgedLine per ConfirmationItem that carries a decision."""
    found: dict[int, AcknowledgedLine | None] = {}
    for item in request.iterfind("ConfirmationItem"):
        line = whole(item.get("lineNumber"), "ConfirmationItem lineNumber")
        if line is None:
            raise DocumentError("ConfirmationItem has no lineNumber")
        if line in found:
            raise DocumentError(f"ConfirmationItem lineNumber {line} is confirmed twice")
        parts = [_part(status, line) for status in item.iterfind("ConfirmationStatus")]
        if not parts:
            raise DocumentError(f"ConfirmationItem lineNumber {line} has no ConfirmationStatus")
        found[line] = _combine(line, parts, notes)
    return tuple(ln for ln in found.values() if ln is not None)


def _part(status: Element, line: int) -> _Part:
    kind = status.get("type")
    if kind not in LINE:
        raise DocumentError(f"ConfirmationStatus type {kind!r} of line {line} is not cXML")
    money = None
    for child in status.iterchildren("UnitPrice", "ItemIn"):  # the DTD: (ItemIn | UnitPrice)?
        money = child.find("Money" if child.tag == "UnitPrice" else "ItemDetail/UnitPrice/Money")
    where = f"of line {line}"
    promised = day(status.get("deliveryDate"), f"ConfirmationStatus deliveryDate {where}")
    if promised is None:
        promised = day(status.get("shipmentDate"), f"ConfirmationStatus shipmentDate {where}")
    decision = LINE[kind]
    return _Part(
        decision=LineDecision(decision) if decision is not None else None,
        quantity=number(status.get("quantity"), f"ConfirmationStatus quantity {where}"),
        price=number(text(money), f"UnitPrice Money {where}") if money is not None else None,
        promised=promised,
    )


def _combine(line: int, parts: list[_Part], notes: list[str]) -> AcknowledgedLine | None:
    decided = [p for p in parts if p.decision is not None]
    if not decided:
        notes.append(f"line {line}: ConfirmationStatus unknown, no decision")
        return None
    kinds = {p.decision for p in decided}
    kept = [p for p in decided if p.decision is not LineDecision.REJECTED] or decided
    if len(kinds) == 1:
        decision = decided[0].decision
    elif kinds <= {LineDecision.ACCEPTED, LineDecision.BACKORDERED}:
        decision = LineDecision.BACKORDERED
    else:
        decision = LineDecision.CHANGED
    quantity: Decimal | None = Decimal(0)
    for part in kept:
        quantity = None if quantity is None or part.quantity is None else quantity + part.quantity
    dates = [p.promised for p in kept if p.promised is not None]
    try:
        return AcknowledgedLine(
            line=line,
            decision=decision,
            quantity=quantity,
            unit_price=next((p.price for p in kept if p.price is not None), None),
            promised_date=max(dates) if dates else None,
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise DocumentError(f"line {line}: {problem['loc'][0]} {problem['msg']}") from None
