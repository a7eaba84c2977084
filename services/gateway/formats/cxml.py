"""cXML 1.2 in and out: `read` a supplier's request, answer it with `response` (§2b).

`read` takes the two requests a supplier's system sends about an order potrack sent:

- ``ConfirmationRequest`` -> one `Confirmation` (formats/cxml_confirmation.py);
- ``StatusUpdateRequest`` -> one `Reply` to the OrderRequest whose payloadID its
  ``DocumentReference`` names: ``Status`` 2xx -> received, 4xx -> a permanent failure,
  5xx -> a transient failure (the cXML guide: 5xx is temporary and retried); any other
  code is not a cXML status and the document is refused (mapping/cxml.py).

Envelope: `Reading.control` is the ``cXML`` ``payloadID``, `Reading.time` its
``timestamp`` (aware; a value without an offset is kept naive and noted, so the
partner's zone applies), `senders` every ``Header/From/Credential`` as
``<domain>:<Identity>`` in document order, `shared_secret` the first
``Header/Sender/Credential/SharedSecret`` (trimmed). Parsing refuses DTD entities,
XXE and entity bombs (formats/cxml_xml.py). Pure: no I/O, no clock.

`response` writes the cXML ``Response`` a supplier's system expects back (cXML.dtd:
``Status`` ``code`` and ``text`` required, ``cXML`` ``payloadID`` and ``timestamp``
required), serialised with lxml.
"""

from datetime import datetime

from lxml import etree

from services.gateway.formats.cxml_confirmation import confirmation
from services.gateway.formats.cxml_xml import Element, parse, timestamp, whole, words
from services.gateway.formats.cxml_xml import text as content
from services.gateway.mapping import lookup
from services.gateway.mapping.cxml import (
    CONFIRMATION,
    ROWS,
    STATUS_CODE,
    STATUS_UPDATE,
)
from services.gateway.statements import (
    DocumentError,
    Format,
    Outcome,
    Reading,
    Reply,
    Statement,
)

VERSION = "1.2.014"
DTD = "http://xml.cxml.org/schemas/cXML/{version}/{dtd}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = lookup(ROWS, STATUS_UPDATE, STATUS_CODE)
REASON_MAX = 512  # schemas.events.Text


def read(body: bytes) -> Reading:
    """The `Reading` of one cXML document (bytes as received over HTTP or Kafka).

    DocumentError (one-line reason) when: not XML; a DTD declaring entities, an external
    entity (XXE) or an entity bomb (billion laughs); the root is not ``cXML``; no
    payloadID or timestamp, or a bad date; no From Credential; the ``Request`` holds
    neither a ConfirmationRequest nor a StatusUpdateRequest (the element is named);
    no orderID, no DocumentReference payloadID, no Status code (see the readers)."""
    root = parse(body)
    if root.tag != "cXML":
        raise DocumentError(f"not cXML: the root element is <{root.tag}>")
    control = (root.get("payloadID") or "").strip()
    if not control:
        raise DocumentError("cXML has no payloadID")
    time = timestamp(root.get("timestamp"), "cXML timestamp")
    if time is None:
        raise DocumentError("cXML has no timestamp")
    notes: list[str] = []
    if time.tzinfo is None:
        notes.append("cXML timestamp carries no zone: the partner's zone applies")
    request = root.find("Request")
    if request is None:
        other = next((c.tag for c in root if c.tag in ("Response", "Message")), None)
        raise DocumentError(
            f"cXML carries a {other}, not a Request" if other else "cXML has no Request"
        )
    document = next((c for c in request if isinstance(c.tag, str)), None)
    kind = document.tag if document is not None else "nothing"
    if kind not in (CONFIRMATION, STATUS_UPDATE):
        raise DocumentError(
            f"cXML Request carries {kind}, not a ConfirmationRequest or StatusUpdateRequest"
        )
    senders = _senders(root)
    if request.get("deploymentMode") == "test":
        notes.append("Request deploymentMode test")
    statement: Statement | None
    if kind == CONFIRMATION:
        statement = confirmation(document, notes)
    else:
        statement = _status_update(document, time)
    secret = root.find("Header/Sender/Credential/SharedSecret")
    return Reading(
        format=Format.CXML,
        kind=kind,
        control=control,
        senders=senders,
        statements=(statement,) if statement is not None else (),
        time=time,
        notes=tuple(notes),
        shared_secret=content(secret) or None,
    )


def _senders(root: Element) -> tuple[str, ...]:
    """``<domain>:<Identity>`` of every Header/From/Credential, in document order."""
    found = []
    for credential in root.iterfind("Header/From/Credential"):
        domain = (credential.get("domain") or "").strip()
        identity = content(credential.find("Identity"))
        if domain and identity:
            found.append(f"{domain}:{identity}")
    if not found:
        raise DocumentError("cXML Header has no From Credential with a domain and Identity")
    return tuple(found)


def _status_update(request: Element, time: datetime) -> Reply:
    """The Reply a ``StatusUpdateRequest`` makes about the OrderRequest it references."""
    reference = request.find("DocumentReference")
    message_id = (reference.get("payloadID") or "").strip() if reference is not None else ""
    if not message_id:
        raise DocumentError("StatusUpdateRequest has no DocumentReference payloadID")
    status = request.find("Status")
    code = whole(status.get("code") if status is not None else None, "Status code")
    if code is None:
        raise DocumentError("StatusUpdateRequest has no Status code")
    outcome = STATUS.get(f"{code // 100}xx")
    if outcome is None:
        raise DocumentError(f"Status code {code} is outside cXML's 2xx, 4xx and 5xx classes")
    evidence = f"cxml-status-{code}"
    if outcome is Outcome.RECEIVED:
        return Reply(message_id, Outcome.RECEIVED, evidence, STATUS_UPDATE, time)
    title = " ".join(f"{code} {status.get('text') or ''}".split())
    detail = words(status)
    reason = f"{title}: {detail}" if detail else title
    return Reply(
        message_id=message_id,
        outcome=Outcome(outcome),
        evidence=evidence,
        key=STATUS_UPDATE,
        time=time,
        code=str(code),
        reason=reason[:REASON_MAX],
    )


def response(
    code: int,
    text: str,
    *,
    payload_id: str,
    timestamp: datetime,
    detail: str = "",
    lang: str = "en-US",
) -> bytes:
    """The cXML ``<cXML><Response><Status code text>detail</Status></Response></cXML>``
    answer to a supplier's POST (contract §2b: 200 once the broker has the document,
    400 malformed, 401 bad credential), with ``payloadID``, ``timestamp`` and
    ``version`` on the root as cXML 1.2 requires, UTF-8 with the cXML DOCTYPE line.
    `text` is the status's short text (``OK``, ``Bad Request``) or the one-line problem,
    `detail` a longer account; characters XML cannot carry are dropped from both.
    ValueError if `timestamp` is naive (cXML ``%datetime.tz;``)."""
    if timestamp.tzinfo is None:
        raise ValueError("a cXML timestamp carries its zone: pass an aware datetime")
    root = etree.Element("cXML")
    root.set("payloadID", payload_id)
    root.set("timestamp", timestamp.isoformat(timespec="seconds"))
    root.set("version", VERSION)
    root.set(XML_LANG, lang)
    status = etree.SubElement(etree.SubElement(root, "Response"), "Status")
    status.set("code", str(code))
    status.set("text", _printable(text))
    status.set(XML_LANG, lang)
    status.text = _printable(detail) or None
    doctype = f'<!DOCTYPE cXML SYSTEM "{DTD.format(version=VERSION, dtd="cXML.dtd")}">'
    return bytes(
        etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", doctype=doctype, pretty_print=True
        )
    )


def _printable(value: str) -> str:
    """`value` without the control characters an XML attribute or text cannot hold."""
    return "".join(ch for ch in value if ch.isprintable() or ch in "\t\n")
