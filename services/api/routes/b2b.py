"""`POST /b2b/cxml`: a supplier's system sends a cXML document over HTTP (contract §2b).

The sender authenticates with its cXML shared secret (Header/Sender/Credential/
SharedSecret), checked against its partner in POTRACK_PARTNERS_FILE; the API token does
not apply (suppliers' systems do not hold it). The document goes unchanged onto
po.documents.v1, where the gateway translates it like any other document, and the answer
is a cXML `Response` whose `Status code` is also the HTTP status: 200 once the broker has
the document, 400 when it is not a cXML request potrack reads, 401 for an unknown sender
or a wrong secret, 413 over POTRACK_MAX_DOCUMENT_BYTES, 503 when the broker cannot take it.
"""

import hmac
import uuid
from datetime import UTC, datetime

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Request, Response

from schemas.events import DocumentFormat
from services.gateway.formats import cxml
from services.gateway.publish import DocumentPublisher
from services.gateway.statements import DocumentError
from services.logging import get_logger

router = APIRouter(tags=["b2b"])
log = get_logger(__name__)
CXML_MEDIA_TYPE = "text/xml; charset=utf-8"
# One answer for an unknown sender and a wrong secret: no telling which partners exist.
UNAUTHORIZED = "unknown sender or bad shared secret"


def _answer(code: int, text: str) -> Response:
    body = cxml.response(
        code,
        text,
        payload_id=f"{uuid.uuid4()}@potrack",
        timestamp=datetime.now(UTC).replace(microsecond=0),
    )
    return Response(body, status_code=code, media_type=CXML_MEDIA_TYPE)


def publisher(request: Request) -> DocumentPublisher:
    """The app's document publisher (started on first use, stopped with the app)."""
    state = request.app.state
    if getattr(state, "documents", None) is None:
        state.documents = DocumentPublisher(state.settings)
    found: DocumentPublisher = state.documents
    return found


@router.post(
    "/b2b/cxml",
    summary="Receive a cXML document (ConfirmationRequest, StatusUpdateRequest)",
    response_class=Response,
    responses={
        200: {"description": "On po.documents.v1", "content": {"text/xml": {}}},
        400: {"description": "Not a cXML request potrack reads", "content": {"text/xml": {}}},
        401: {"description": "Unknown sender or wrong shared secret", "content": {"text/xml": {}}},
        413: {"description": "Over POTRACK_MAX_DOCUMENT_BYTES", "content": {"text/xml": {}}},
        503: {"description": "The broker cannot take it now", "content": {"text/xml": {}}},
    },
)
async def receive_cxml(request: Request) -> Response:
    settings = request.app.state.settings
    limit = settings.max_document_bytes
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _answer(413, f"document over {limit} bytes")
    try:
        reading = cxml.read(body)
    except DocumentError as exc:
        return _answer(400, str(exc))
    partner = request.app.state.partners.find(DocumentFormat.CXML, reading.senders)
    if partner is None:
        log.warning("cxml from an unknown sender", senders=list(reading.senders))
        return _answer(401, UNAUTHORIZED)
    expected = partner.shared_secret.get_secret_value() if partner.shared_secret else None
    supplied = reading.shared_secret or ""
    if expected is None or not hmac.compare_digest(supplied.encode(), expected.encode()):
        log.warning("cxml with a wrong or missing shared secret", partner=partner.id)
        return _answer(401, UNAUTHORIZED)
    try:
        partition, offset = await publisher(request).publish(
            body, "application/xml", partner.id, key=reading.control.encode()
        )
    except (KafkaError, OSError) as exc:
        log.error("cxml not published", partner=partner.id, error=str(exc))
        return _answer(503, "cannot queue the document now; send it again later")
    log.info(
        "cxml received", partner=partner.id, kind=reading.kind, partition=partition, offset=offset
    )
    return _answer(200, "OK")
