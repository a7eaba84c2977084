"""The EDI documents of simulated suppliers: X12 997, 855 and 865; EDIFACT CONTRL, ORDRSP.

Dates and times are the partner's local clock (naive, as the formats carry them); the
caller passes the event time already cut to the minute. Line answers are written so that
the gateway reads back the scripted decision and the values the script states:

- X12 ACK01: accepted IA, backordered IB (ACK02 the whole quantity), rejected IR, changed
  IQ (ACK02 the new quantity), IP (PO104 the new price), IC (both) or DR (only the date);
  ACK05 the promised date of any of them; BAK02/BCA02 AD or AK (accepted, with or without
  lines), AC (with changes), RJ (rejected).
- EDIFACT LIN 1229: accepted 5, changed 3 (QTY 113, PRI AAA), backordered 6 with QTY 83,
  rejected 7; DTM 69 the promised date; BGM 1225 29 (accepted), 4 (change), 27 (not
  accepted, FTX the reason); RFF+ON carries the revision, RFF+ACW the ORDERS answered.
"""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.simulate.b2b import edifact, x12
from services.simulate.documents.order import Numbers, Order
from services.simulate.partners import BUYER_GLN, BUYER_X12, TradingPartner

_X12_TYPES = {"accepted": "AD", "accepted_with_changes": "AC", "rejected": "RJ"}
_FUNCTIONS = {"accepted": "29", "accepted_with_changes": "4", "rejected": "27"}
_LINE_STATUS = {"accepted": "IA", "backordered": "IB", "rejected": "IR"}  # changed: below
_LIN_ACTIONS = {"accepted": "5", "changed": "3", "backordered": "6", "rejected": "7"}


def _local(partner: TradingPartner, at: datetime) -> datetime:
    return at.astimezone(partner.tz).replace(tzinfo=None)


def _promised(answer: dict[str, Any]) -> date | None:
    found = answer.get("promised_date")
    return date.fromisoformat(found) if found else None


def _x12_envelope(numbers: Numbers, partner: TradingPartner, at: datetime) -> x12.Envelope:
    assert partner.x12 is not None
    control = numbers.next(f"x12:{partner.id}")
    return x12.Envelope(partner.x12, BUYER_X12, control, control, _local(partner, at))


def functional_ack(numbers: Numbers, partner: TradingPartner, answered: str, at: datetime) -> bytes:
    """A 997 accepting the 850 whose message id ``<GS06>.<ST02>`` is `answered`."""
    group, _, st02 = answered.partition(".")
    return x12.functional_ack(_x12_envelope(numbers, partner, at), group, [x12.SetAck(st02)])


def _ack_line(ordered: dict[str, Any], answer: dict[str, Any]) -> x12.AckLine:
    quantity, price = Decimal(ordered["quantity"]), Decimal(ordered["unit_price"])
    decision, acked, status = answer["decision"], None, "DR"
    if "quantity" in answer:
        acked = Decimal(answer["quantity"])
    if "unit_price" in answer:
        price = Decimal(answer["unit_price"])  # PO104: the price the supplier confirms
    if decision in _LINE_STATUS:
        status = _LINE_STATUS[decision]
        acked = quantity if decision == "backordered" else acked
    elif acked is not None:
        status = "IC" if "unit_price" in answer else "IQ"
    elif "unit_price" in answer:
        status = "IP"
    line = answer["line"]
    item = ordered.get("sku")
    return x12.AckLine(line, quantity, price, status, acked, _promised(answer), item=item)


def order_ack(numbers: Numbers, order: Order, answer: dict[str, Any], at: datetime) -> bytes:
    """An 855 (revision 1) or an 865 with the revision (later ones) stating `answer`."""
    partner, revision = order.partner, answer["revision"]
    env = _x12_envelope(numbers, partner, at)
    lines = [_ack_line(order.line(revision, a["line"]), a) for a in answer.get("lines", [])]
    ack_type = _X12_TYPES[answer["decision"]] if lines or answer["decision"] != "accepted" else "AK"
    reference, acknowledged = answer.get("supplier_reference", ""), env.time.date()
    if revision > 1:
        return x12.change_ack_865(
            env,
            order.po,
            lines,
            ordered=order.ordered,
            revision=revision,
            ack_type=ack_type,
            supplier_reference=reference,
            acknowledged=acknowledged,
        )
    return x12.order_ack_855(
        env,
        order.po,
        lines,
        ordered=order.ordered,
        ack_type=ack_type,
        supplier_reference=reference,
        acknowledged=acknowledged,
    )


def _edifact_envelope(numbers: Numbers, partner: TradingPartner, at: datetime) -> edifact.Envelope:
    control = str(numbers.next(f"edifact:{partner.id}"))
    return edifact.Envelope(f"{partner.gln}:14", f"{BUYER_GLN}:14", control, _local(partner, at))


def contrl(numbers: Numbers, partner: TradingPartner, answered: str, at: datetime) -> bytes:
    """A CONTRL accepting (0083 7) the ORDERS whose id ``<UNB 0020>.<UNH 0062>`` is `answered`."""
    interchange, _, reference = answered.rpartition(".")
    env = _edifact_envelope(numbers, partner, at)
    return edifact.contrl(env, answers=interchange, messages=[edifact.Report(reference, "7")])


def _response_line(ordered: dict[str, Any], answer: dict[str, Any]) -> edifact.ResponseLine:
    quantity, decision = Decimal(ordered["quantity"]), answer["decision"]
    action = _LIN_ACTIONS[decision]
    line = edifact.ResponseLine(answer["line"], action, ordered.get("sku"), ordered=quantity)
    values: dict[str, Any] = {"promised": _promised(answer)}
    if decision == "backordered":
        values["backorder"] = quantity
    elif decision == "changed":
        if "quantity" in answer:
            values["quantity"] = Decimal(answer["quantity"])
        if "unit_price" in answer:
            values["unit_price"] = Decimal(answer["unit_price"])
    return replace(line, **values)


def ordrsp(
    numbers: Numbers, order: Order, answer: dict[str, Any], answered: str, at: datetime
) -> bytes:
    """An ORDRSP stating `answer` about the ORDERS `answered`, with the revision."""
    partner, revision = order.partner, answer["revision"]
    assert partner.gln is not None
    env = _edifact_envelope(numbers, partner, at)
    lines = [_response_line(order.line(revision, a["line"]), a) for a in answer.get("lines", [])]
    return edifact.ordrsp(
        env,
        po_number=order.po,
        document_number=answer.get("supplier_reference") or f"ORSP{env.control}",
        time=env.time,
        function=_FUNCTIONS[answer["decision"]],
        lines=lines,
        revision=revision,
        answers=answered,
        reason=answer.get("reason"),
        buyer=BUYER_GLN,
        supplier=partner.gln,
    )
