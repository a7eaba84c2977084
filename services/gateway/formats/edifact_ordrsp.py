"""EDIFACT ORDRSP (UNSM purchase order response, D.96A / EANCOM) -> a `Confirmation`.

Header: BGM 1004 is the supplier's reference, BGM 1225 (message function) decides, else
BGM 4343 (response type), else the lines do (all accepted -> accepted, all rejected ->
rejected, anything else -> accepted_with_changes); 1225 12 "not processed" makes no
event. RFF+ON (before the first LIN) names the PO and may carry its revision (C506 1060
revision identifier, else 4000 reference version identifier, when a whole number >= 1);
RFF+ACW ``<UNB 0020>.<UNH 0062>`` names the ORDERS/ORDCHG answered (`answers`); DTM 137
is the statement's time; FTX text is the reason.

Lines (LIN groups up to UNS): LIN 1229 decides (mapping rows "LIN 1229"); QTY 83 > 0 makes
a line that is not rejected backordered; a LIN without a decisive 1229 and without
backorder takes the header decision when that is accepted or rejected, else states
nothing. The line number is the order's: RFF+ON 1156 (document line identifier), else
RFF+LI, else LIN 1082. Quantity: QTY 83 of a backordered line (the units that status
covers, as X12 855 IB and cXML backordered count them), else QTY 113, else 21. Unit
price: PRI AAA, else AAB, divided by the 5284 unit price basis. Promised date: DTM 69,
else 17, else 2.
"""

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from schemas.events import AcknowledgedLine
from schemas.status import Decision, LineDecision
from services.gateway.formats.edifact_contrl import REASON_MAX, Message, free_text
from services.gateway.formats.edifact_syntax import Segment, day, document_time, number
from services.gateway.mapping import lookup
from services.gateway.mapping.edifact import ROWS
from services.gateway.statements import Confirmation, DocumentError, Statement

FUNCTIONS = lookup(ROWS, "ORDRSP", "BGM 1225")
RESPONSE_TYPES = lookup(ROWS, "ORDRSP", "BGM 4343")
ACTIONS = lookup(ROWS, "ORDRSP", "LIN 1229")
QUANTITIES = ("113", "21")  # QTY 6063, best first (83 for a backordered line)
PRICES = ("AAA", "AAB")  # PRI 5125, best first
PROMISED = ("69", "17", "2")  # DTM 2005, best first
IMPLIED = {Decision.ACCEPTED: LineDecision.ACCEPTED, Decision.REJECTED: LineDecision.REJECTED}


def read_ordrsp(message: Message, notes: list[str]) -> list[Statement]:
    """The Confirmation of one ORDRSP message (see the module docstring), or none for
    BGM 1225 12. Raises DocumentError without BGM or RFF+ON, with no decision at all, or
    on a bad date, number or line number."""
    segments = message.segments
    what = f"ORDRSP {message.reference}"
    bgm = next((s for s in segments if s.tag == "BGM"), None)
    if bgm is None:
        raise DocumentError(f"{what} has no BGM")
    first_lin = next((i for i, s in enumerate(segments) if s.tag in ("LIN", "UNS")), None)
    head = segments[:first_lin]
    order = next((s for s in head if s.tag == "RFF" and s.get(0) == "ON" and s.get(0, 1)), None)
    if order is None:
        raise DocumentError(f"{what} names no PO: no RFF+ON")
    function, response = bgm.get(2), bgm.get(3)
    if function in FUNCTIONS and FUNCTIONS[function] is None:
        notes.append(f"{what} BGM 1225 {function} (not processed): no event")
        return []
    lines = _lines(segments[first_lin:] if first_lin is not None else [], what, notes)
    decision = _decision(function, response, [d for _, d in lines if d is not None], what)
    implied = IMPLIED.get(decision)
    stated = []
    for values, line_decision in lines:
        chosen = line_decision or implied
        if chosen is not None:
            try:
                stated.append(AcknowledgedLine(decision=chosen, **values))
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                raise DocumentError(
                    f"{what} line {values['line']}: {first['loc'][0]}: {first['msg']}"
                ) from error
    dtm = next((s for s in head if s.tag == "DTM" and s.get(0) == "137"), None)
    texts = [free_text(s) for s in head if s.tag == "FTX" and free_text(s)]
    acw = next((s.get(0, 1) for s in head if s.tag == "RFF" and s.get(0) == "ACW"), "")
    if acw and "." not in acw:
        notes.append(f"{what} RFF+ACW {acw!r} is not <UNB 0020>.<UNH 0062>: not used")
    return [
        Confirmation(
            po_number=order.get(0, 1),
            decision=decision,
            key=f"{message.reference}:ORDRSP:{bgm.get(1) or order.get(0, 1)}",
            time=document_time(dtm, message.sent, f"{what} DTM 137"),
            revision=_revision(order, what, notes),
            supplier_reference=bgm.get(1) or None,
            reason="; ".join(texts)[:REASON_MAX] or None,
            lines=tuple(stated),
            answers=acw if "." in acw else None,
        )
    ]


def _decision(function: str, response: str, lines: list[LineDecision], what: str) -> Decision:
    """BGM 1225, else BGM 4343, else the line decisions."""
    for found in (FUNCTIONS.get(function), RESPONSE_TYPES.get(response)):
        if found is not None:
            return Decision(found)
    if not lines:
        raise DocumentError(
            f"{what} states no decision: BGM 1225 {function!r}, 4343 {response!r}, no LIN 1229"
        )
    if all(d is LineDecision.ACCEPTED for d in lines):
        return Decision.ACCEPTED
    if all(d is LineDecision.REJECTED for d in lines):
        return Decision.REJECTED
    return Decision.ACCEPTED_WITH_CHANGES


def _revision(order: Segment, what: str, notes: list[str]) -> int | None:
    """RFF+ON C506 1060 revision identifier, else 4000 reference version identifier."""
    for value in (order.get(0, 4), order.get(0, 3)):
        if value.isdigit() and int(value) >= 1:
            return int(value)
        if value:
            notes.append(f"{what} RFF+ON revision {value!r} is not a whole number >= 1")
    return None


Line = tuple[dict[str, Any], LineDecision | None]


def _lines(segments: list[Segment], what: str, notes: list[str]) -> list[Line]:
    """(AcknowledgedLine fields, decision or None) of each LIN group, up to UNS."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if segment.tag == "UNS":
            break
        if segment.tag == "LIN":
            groups.append([segment])
        elif groups:
            groups[-1].append(segment)
    return [_line(group, what, notes) for group in groups]


def _line(group: list[Segment], what: str, notes: list[str]) -> Line:
    """The fields and decision of one LIN group."""
    lin = group[0]
    where = f"{what} LIN {lin.get(0)}"
    quantities = {s.get(0): number(s.get(0, 1), f"{where} QTY") for s in group if s.tag == "QTY"}
    prices = {s.get(0): s for s in group if s.tag == "PRI" and s.get(0, 1)}
    dates = {s.get(0): s for s in group if s.tag == "DTM"}
    refs = {s.get(0): s for s in group if s.tag == "RFF"}
    action = lin.get(1)
    decision = ACTIONS.get(action) if action else None
    if action and action not in ACTIONS:
        notes.append(f"{where} 1229 {action!r} carries no decision")
    backorder = quantities.get("83", Decimal(0)) > 0
    if backorder and decision is not LineDecision.REJECTED:
        decision = LineDecision.BACKORDERED
    values: dict[str, Any] = {"line": _line_number(lin, refs, where)}
    order = ("83", *QUANTITIES) if decision is LineDecision.BACKORDERED else QUANTITIES
    quantity = next((quantities[q] for q in order if q in quantities), None)
    if quantity is not None:
        values["quantity"] = quantity
    price = next((prices[p] for p in PRICES if p in prices), None)
    if price is not None:
        amount = number(price.get(0, 1), f"{where} PRI")
        basis = number(price.get(0, 4) or "1", f"{where} PRI 5284")
        if basis <= 0:
            raise DocumentError(f"{where} PRI 5284 unit price basis {basis} is not positive")
        values["unit_price"] = amount / basis
    promised = next((dates[d] for d in PROMISED if d in dates), None)
    if promised is not None:
        values["promised_date"] = day(promised.get(0, 1), promised.get(0, 2), f"{where} DTM")
    return values, LineDecision(decision) if decision is not None else None


def _line_number(lin: Segment, refs: dict[str, Segment], where: str) -> int:
    """The order's line number: RFF+ON 1156, else RFF+LI 1154, else LIN 1082."""
    on, li = refs.get("ON"), refs.get("LI")
    for value in (on.get(0, 2) if on else "", li.get(0, 1) if li else "", lin.get(0)):
        if value:
            if not value.isdigit():
                raise DocumentError(f"{where}: line number {value!r} is not a whole number")
            return int(value)
    raise DocumentError(f"{where}: no line number")
