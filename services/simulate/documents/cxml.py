"""The cXML documents of simulated suppliers: StatusUpdateRequest and ConfirmationRequest.

Both reference the OrderRequest answered by its payloadID and are stamped with the
partner's local time and offset (the caller cuts the event time to the second). A
confirmation states the scripted decision as the header type (accept, detail, reject),
its revision as potrack's ``Extrinsic name="revision"``, the supplier's reference as
confirmID, a rejection's reason as Comments, and each answered line as one
ConfirmationItem: accept, detail (with the changed quantity, price or date), backordered
or reject (for the ordered quantity), the promised date as deliveryDate.
"""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from services.simulate.b2b import cxml
from services.simulate.documents.order import Numbers, Order
from services.simulate.partners import BUYER_ANID, TradingPartner

_TYPES = {"accepted": "accept", "accepted_with_changes": "detail", "rejected": "reject"}
_LINE_TYPES = {
    "accepted": "accept",
    "changed": "detail",
    "backordered": "backordered",
    "rejected": "reject",
}


def _parties(partner: TradingPartner) -> cxml.Parties:
    assert partner.anid is not None
    supplier = cxml.Credential("NetworkID", partner.anid)
    buyer = cxml.Credential("NetworkID", BUYER_ANID)
    agent = f"{partner.supplier.name} order management 4.2"
    return cxml.Parties((supplier,), (buyer,), supplier, partner.shared_secret, agent)


def _payload_id(numbers: Numbers, partner: TradingPartner, at: datetime) -> str:
    return cxml.payload_id(at, numbers.token(), f"b2b.{partner.supplier.domain}")


def status_update(numbers: Numbers, partner: TradingPartner, answered: str, at: datetime) -> bytes:
    """A StatusUpdateRequest 200 about the OrderRequest whose payloadID is `answered`."""
    local = at.astimezone(partner.tz)
    return cxml.status_update_request(
        parties=_parties(partner),
        payload_id=_payload_id(numbers, partner, local),
        timestamp=local,
        order_payload_id=answered,
        code=200,
        text="OK",
        detail="Order received and accepted for processing",
    )


def _item(ordered: dict[str, Any], answer: dict[str, Any], at: datetime) -> cxml.Item:
    quantity = Decimal(ordered["quantity"])
    promised = answer.get("promised_date")
    when = datetime.combine(date.fromisoformat(promised), time(12), at.tzinfo) if promised else None
    status = cxml.Status(
        _LINE_TYPES[answer["decision"]],
        Decimal(answer["quantity"]) if "quantity" in answer else quantity,
        Decimal(answer["unit_price"]) if "unit_price" in answer else None,
        delivery_date=when,
    )
    return cxml.Item(answer["line"], quantity, (status,))


def confirmation(
    numbers: Numbers, order: Order, answer: dict[str, Any], answered: str, at: datetime
) -> bytes:
    """A ConfirmationRequest stating `answer` about the OrderRequest `answered`."""
    partner, revision = order.partner, answer["revision"]
    local = at.astimezone(partner.tz)
    lines = answer.get("lines", [])
    return cxml.confirmation_request(
        parties=_parties(partner),
        payload_id=_payload_id(numbers, partner, local),
        timestamp=local,
        order_id=order.po,
        order_payload_id=answered,
        type=_TYPES[answer["decision"]],
        notice_date=local,
        items=[_item(order.line(revision, a["line"]), a, local) for a in lines],
        confirm_id=answer.get("supplier_reference"),
        comments=answer.get("reason"),
        revision=revision,
        currency=order.currency,
    )
