"""Realistic cXML 1.2 documents for the simulator and the tests, serialised with lxml.

`order_request` is what potrack "sends" to a cXML supplier (returns the bytes and the
payloadID a later answer references); `confirmation_request` and `status_update_request`
are what the supplier's system answers with. Every builder takes explicit arguments (no
clock, no randomness): the caller passes times, control numbers and parties. Documents
carry the ``<!DOCTYPE cXML SYSTEM ...>`` line, ``payloadID``, ``timestamp`` (aware: cXML
``%datetime.tz;``) and ``xml:lang`` as cXML 1.2 systems write them, pretty-printed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from schemas.events import OrderLine
from services.gateway.formats.cxml import DTD, VERSION, XML_LANG
from services.gateway.formats.cxml_xml import Element


@dataclass(frozen=True)
class Credential:
    """One cXML ``Credential``: ``domain`` (``NetworkID``, ``DUNS`` ...) and Identity."""

    domain: str
    identity: str


@dataclass(frozen=True)
class Parties:
    """The cXML ``Header``: From (one or more), To, and the Sender that authenticates
    with its SharedSecret."""

    from_: tuple[Credential, ...]
    to: tuple[Credential, ...]
    sender: Credential
    shared_secret: str | None = None
    user_agent: str = "potrack simulator 1.0"


@dataclass(frozen=True)
class Status:
    """One ``ConfirmationStatus`` of a line: `type` (``accept``, ``detail``,
    ``backordered``, ``reject``, ``unknown`` ...) for `quantity` units."""

    type: str
    quantity: Decimal
    unit_price: Decimal | None = None
    delivery_date: datetime | None = None
    shipment_date: datetime | None = None
    comments: str | None = None


@dataclass(frozen=True)
class Item:
    """One ``ConfirmationItem``: the PO line, its quantity and one or more statuses."""

    line: int
    quantity: Decimal
    statuses: tuple[Status, ...]
    unit_of_measure: str = "EA"


def payload_id(timestamp: datetime, control: int | str, host: str) -> str:
    """A payloadID of the form cXML recommends, ``<epoch seconds>.<control>@<host>``."""
    return f"{int(timestamp.timestamp())}.{control}@{host}"


def order_request(
    *,
    parties: Parties,
    timestamp: datetime,
    control: int | str,
    host: str,
    order_id: str,
    revision: int,
    currency: str,
    total: Decimal,
    lines: Sequence[OrderLine],
    previous_payload_id: str | None = None,
    bill_to: str = "Accounts Payable",
    lang: str = "en-US",
) -> tuple[bytes, str]:
    """A minimal cXML ``OrderRequest`` (cXML.dtd): ``OrderRequestHeader`` with
    ``orderVersion`` = `revision` (type ``update`` and a DocumentReference to
    `previous_payload_id` from revision 2 on), Total, BillTo and one ``ItemOut`` per
    line. Returns (document bytes, its payloadID)."""
    pid = payload_id(timestamp, control, host)
    root, request = _envelope(parties, pid, timestamp, lang)
    order = etree.SubElement(request, "OrderRequest")
    header = _sub(order, "OrderRequestHeader", orderID=order_id, orderDate=_time(timestamp))
    header.set("type", "new" if revision == 1 else "update")
    header.set("orderVersion", str(revision))
    if revision > 1 and previous_payload_id:
        etree.SubElement(header, "DocumentReference", payloadID=previous_payload_id)
    _money(_sub(header, "Total"), total, currency)
    address = _sub(_sub(header, "BillTo"), "Address", addressID="AP-1")
    _sub(address, "Name", bill_to, lang=lang)
    for line in lines:
        item = _sub(order, "ItemOut", quantity=str(line.quantity), lineNumber=str(line.line))
        if line.need_by is not None:
            item.set("requestedDeliveryDate", line.need_by.isoformat())
        _sub(_sub(item, "ItemID"), "SupplierPartID", line.sku or f"LINE-{line.line}")
        detail = _sub(item, "ItemDetail")
        _money(_sub(detail, "UnitPrice"), line.unit_price, currency)
        _sub(detail, "Description", line.description or f"Line {line.line}", lang=lang)
        _sub(detail, "UnitOfMeasure", "EA")
        _sub(detail, "Classification", "31160000", domain="UNSPSC")
    return _serialise(root, "cXML.dtd"), pid


def confirmation_request(
    *,
    parties: Parties,
    payload_id: str,
    timestamp: datetime,
    order_id: str,
    order_payload_id: str | None,
    type: str,
    notice_date: datetime,
    items: Sequence[Item] = (),
    confirm_id: str | None = None,
    operation: str = "new",
    comments: str | None = None,
    revision: int | None = None,
    currency: str = "USD",
    lang: str = "en-US",
) -> bytes:
    """A cXML ``ConfirmationRequest`` (Fulfill.dtd) confirming `order_id`: the header
    `type` (``accept``, ``detail``, ``reject`` ...), one ConfirmationItem per `items`,
    and, when `revision` is given, potrack's ``Extrinsic name="revision"``."""
    root, request = _envelope(parties, payload_id, timestamp, lang)
    confirmation = etree.SubElement(request, "ConfirmationRequest")
    header = _sub(confirmation, "ConfirmationHeader", type=type, noticeDate=_time(notice_date))
    header.set("operation", operation)
    if confirm_id is not None:
        header.set("confirmID", confirm_id)
    if comments is not None:
        _sub(header, "Comments", comments, lang=lang)
    if revision is not None:
        _sub(header, "Extrinsic", str(revision), name="revision")
    reference = _sub(confirmation, "OrderReference", orderID=order_id)
    etree.SubElement(reference, "DocumentReference", payloadID=order_payload_id or "")
    for item in items:
        element = _sub(confirmation, "ConfirmationItem", quantity=str(item.quantity))
        element.set("lineNumber", str(item.line))
        _sub(element, "UnitOfMeasure", item.unit_of_measure)
        for status in item.statuses:
            _status(element, status, item.unit_of_measure, currency, lang)
    return _serialise(root, "Fulfill.dtd")


def status_update_request(
    *,
    parties: Parties,
    payload_id: str,
    timestamp: datetime,
    order_payload_id: str,
    code: int,
    text: str,
    detail: str = "",
    lang: str = "en-US",
) -> bytes:
    """A cXML ``StatusUpdateRequest`` (cXML.dtd) about the OrderRequest whose payloadID
    is `order_payload_id`: ``Status code text`` with `detail` as its content."""
    root, request = _envelope(parties, payload_id, timestamp, lang)
    update = etree.SubElement(request, "StatusUpdateRequest")
    etree.SubElement(update, "DocumentReference", payloadID=order_payload_id)
    _sub(update, "Status", detail or None, code=str(code), text=text, lang=lang)
    return _serialise(root, "cXML.dtd")


def _envelope(
    parties: Parties, pid: str, timestamp: datetime, lang: str
) -> tuple[Element, Element]:
    """The ``cXML`` root with its Header, and the empty ``Request``."""
    root = _sub(None, "cXML", payloadID=pid, timestamp=_time(timestamp), version=VERSION)
    root.set(XML_LANG, lang)
    header = _sub(root, "Header")
    for name, credentials in (("From", parties.from_), ("To", parties.to)):
        holder = _sub(header, name)
        for credential in credentials:
            _credential(holder, credential)
    sender = _sub(header, "Sender")
    _credential(sender, parties.sender, parties.shared_secret)
    _sub(sender, "UserAgent", parties.user_agent)
    return root, _sub(root, "Request", deploymentMode="production")


def _credential(parent: Element, credential: Credential, secret: str | None = None) -> None:
    element = _sub(parent, "Credential", domain=credential.domain)
    _sub(element, "Identity", credential.identity)
    if secret is not None:
        _sub(element, "SharedSecret", secret)


def _status(parent: Element, status: Status, uom: str, currency: str, lang: str) -> None:
    element = _sub(parent, "ConfirmationStatus", type=status.type, quantity=str(status.quantity))
    if status.shipment_date is not None:
        element.set("shipmentDate", _time(status.shipment_date))
    if status.delivery_date is not None:
        element.set("deliveryDate", _time(status.delivery_date))
    _sub(element, "UnitOfMeasure", uom)
    if status.unit_price is not None:
        _money(_sub(element, "UnitPrice"), status.unit_price, currency)
    if status.comments is not None:
        _sub(element, "Comments", status.comments, lang=lang)


def _money(parent: Element, amount: Decimal, currency: str) -> None:
    _sub(parent, "Money", str(amount), currency=currency)


def _sub(parent: Element | None, tag: str, content: str | None = None, **attrs: str) -> Element:
    """A new element (a child of `parent` when given); ``lang`` becomes ``xml:lang``."""
    lang = attrs.pop("lang", None)
    element = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
    for key, value in attrs.items():
        element.set(key, value)
    if lang is not None:
        element.set(XML_LANG, lang)
    element.text = content
    return element


def _time(moment: datetime | date) -> str:
    """ISO 8601 with the offset (cXML ``%datetime.tz;``); ValueError when naive."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"cXML times carry their zone: {moment!r} has none")
    return moment.isoformat(timespec="seconds")


def _serialise(root: Element, dtd: str) -> bytes:
    doctype = f'<!DOCTYPE cXML SYSTEM "{DTD.format(version=VERSION, dtd=dtd)}">'
    return bytes(
        etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", doctype=doctype, pretty_print=True
        )
    )
