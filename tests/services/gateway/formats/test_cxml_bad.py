"""The cXML reader refuses what it cannot trust or read, saying why, and fetches nothing."""

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from schemas.events import OrderLine
from services.gateway.formats.cxml import read, response
from services.gateway.statements import DocumentError
from services.simulate.b2b.cxml import Item, Status, order_request
from tests.services.gateway.formats.test_cxml import ACME, AT, SAMPLES, confirm, sample, status


def _order() -> bytes:
    line = OrderLine(line=1, sku="AB-1", quantity=Decimal(2), unit_price=Decimal("3.50"))
    body, _ = order_request(
        parties=ACME, timestamp=AT, control=17, host="potrack.buyer.example",
        order_id="PO-1", revision=1, currency="USD", total=Decimal("7.00"), lines=[line],
    )  # fmt: skip
    return body


ONE = Decimal(1)
LINE_ONE = (Item(1, ONE, (Status("accept", ONE, delivery_date=AT),)),)


def _line_one(old: bytes, new: bytes) -> bytes:
    return confirm(items=LINE_ONE).replace(old, new)


BAD = {
    "not XML": (b"ISA*00*          *00*", "not XML: Start tag expected"),
    "empty": (b"", "not XML: Document is empty"),
    "not cXML": (
        b"<html><body>502 Bad Gateway</body></html>",
        "not cXML: the root element is <html>",
    ),
    "a Response": (response(200, "OK", payload_id="p@x", timestamp=AT), "carries a Response"),
    "an OrderRequest": (_order(), "cXML Request carries OrderRequest, not a Confirmation"),
    "no payloadID": (status(200).replace(b'payloadID="1710780', b'x="'), "cXML has no payloadID"),
    "bad timestamp": (status(200).replace(b"2024-03-19T09", b"19/03/2024 09"), "cXML timestamp"),
    "no From": (status(200).replace(b"<From>", b"<Fro>").replace(b"</From>", b"</Fro>"), "no From"),
    "no orderID": (confirm().replace(b"orderID=", b"orderNo="), "no OrderReference orderID"),
    "bad noticeDate": (
        confirm(notice_date=AT).replace(b'noticeDate="2024', b'noticeDate="x'),
        "noticeDate",
    ),
    "no reference": (
        status(200).replace(b'payloadID="1710777', b'x="'),
        "no DocumentReference payloadID",
    ),
    "no code": (status(200).replace(b'code="200"', b""), "has no Status code"),
    "code not a number": (
        status(200).replace(b'code="200"', b'code="OK"'),
        "'OK' is not a whole number",
    ),
    "code 302": (status(302), "302 is outside cXML's 2xx, 4xx and 5xx"),
    "header type": (confirm(type="maybe"), "ConfirmationHeader type 'maybe'"),
    "status type": (_line_one(b'type="accept" q', b'type="perhaps" q'), "'perhaps' of line 1"),
    "bad deliveryDate": (
        _line_one(b'deliveryDate="2024-03-19', b'deliveryDate="next week'),
        "deliveryDate of line 1 'next week",
    ),
    "bad quantity": (
        _line_one(b'accept" quantity="1"', b'accept" quantity="lots"'),
        "'lots' is not a number",
    ),
    "line twice": (confirm(items=LINE_ONE * 2), "lineNumber 1 is confirmed twice"),
    "no lineNumber": (
        _line_one(b'lineNumber="1"', b'lineNumber=""'),
        "ConfirmationItem has no lineNumber",
    ),
    "lineNumber in superscript": (_line_one(b'lineNumber="1"', 'lineNumber="²"'.encode()), "'²'"),
    "lineNumber of 5000 digits": (
        _line_one(b'lineNumber="1"', b'lineNumber="' + b"9" * 5000 + b'"'),
        "not a whole",
    ),
    "revision 0": (confirm(revision=0), "Extrinsic revision 0 is not a revision"),
    "huge quantity": (
        _line_one(b'accept" quantity="1"', b'accept" quantity="1e999999"'),
        "plausible",
    ),
    "unknown encoding": (b'<?xml version="1.0" encoding="x-klingon"?><cXML/>', "not XML"),
    "no status": (confirm(items=(Item(1, ONE, ()),)), "lineNumber 1 has no ConfirmationStatus"),
    "bad revision": (
        confirm(revision=1).replace(b">1</Extrinsic>", b">first</Extrinsic>"),
        "revision 'first' is not a whole number",
    ),
    "XXE": (sample("xxe.xml"), "external entity 'secret' -> 'file:///etc/passwd' refused (XXE)"),
    "billion laughs": (sample("billion-laughs.xml"), "entity bomb (billion laughs) refused"),
    "internal entity": (sample("internal-entity.xml"), "declares internal entity 'supplier'"),
}


@pytest.mark.parametrize(("body", "reason"), BAD.values(), ids=BAD.keys())
def test_a_bad_document_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as refused:
        read(body)
    assert reason in str(refused.value)


def test_an_external_dtd_is_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "cXML.dtd").write_text('<!ENTITY who "AN01000123456">')
    (tmp_path / "secret.txt").write_text("TOP-SECRET")
    with_dtd = status(200).replace(
        b"http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd",
        (tmp_path / "cXML.dtd").as_uri().encode(),
    )
    assert read(with_dtd).senders == ("NetworkID:AN01000123456", "DUNS:081466849")
    using = with_dtd.replace(b"<Identity>AN01000123456</Identity>", b"<Identity>&who;</Identity>")
    with pytest.raises(DocumentError, match="undeclared entity refused"):
        read(using)
    xxe = sample("xxe.xml").replace(
        b"file:///etc/passwd", (tmp_path / "secret.txt").as_uri().encode()
    )
    with pytest.raises(DocumentError, match=r"\(XXE\)") as refused:
        read(xxe)
    assert "TOP-SECRET" not in str(refused.value)


def test_no_mangled_document_escapes_as_anything_but_a_document_error() -> None:
    rng, outcomes = random.Random(8), Counter[str]()
    bodies = [path.read_bytes() for path in sorted(SAMPLES.glob("*.xml"))]
    inserts = [b"&", b"<", b'"', b"\x00", b"9" * 5000, b"\xc3", b"1e999999", b"<!ENTITY x 'y'>"]
    for _ in range(1500):
        body = bytearray(rng.choice(bodies))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(body))
            if rng.random() < 0.5:
                body[at] = rng.randrange(256)
            else:
                body[at:at] = rng.choice(inserts)
        try:
            read(bytes(body))
            outcomes["read"] += 1
        except DocumentError:
            outcomes["refused"] += 1
    assert outcomes["read"] > 30 and outcomes["refused"] > 1000, outcomes
