"""cXML codes -> potrack events: the rows `services/gateway/formats/cxml*.py` reads by.

Sources: the cXML 1.2 DTDs (``cXML.dtd`` for ``Status`` and ``StatusUpdateRequest``,
``Fulfill.dtd`` for ``ConfirmationRequest``) and the cXML Reference Guide's chapters on
order confirmations and status codes; contract §2b for what each becomes.

Where the standard leaves a choice, the row's `meaning` says what potrack decided:

- ``ConfirmationHeader@type`` gives the header decision before the lines are read. The
  reader then lets the lines refine it (formats/cxml_confirmation.py): an ``accepted``
  header becomes ``accepted_with_changes`` when a line is not accepted, and an
  ``accepted_with_changes`` header becomes ``accepted`` when it lists lines and every
  one of them is accepted as ordered; ``rejected`` is final (the guide: reject applies
  to the whole order).
- ``StatusUpdateRequest`` ``Status@code`` is read by class, as the guide tells older
  clients to do ("treat all new 2xx codes as 200, 4xx as 400, and 5xx as 500"); any
  other class (1xx, 3xx, ...) is not a cXML status and the document is refused.
"""

from schemas.status import Decision, LineDecision
from services.gateway.mapping import Code
from services.gateway.statements import Outcome

CONFIRMATION = "ConfirmationRequest"
STATUS_UPDATE = "StatusUpdateRequest"
HEADER_TYPE = "ConfirmationHeader@type"
LINE_TYPE = "ConfirmationStatus@type"
STATUS_CODE = "Status@code"

_ACK = "po.acknowledged (decision {})"
_LINE = "line decision {}"


def _header(code: str, meaning: str, result: Decision | None) -> Code:
    becomes = _ACK.format(result) if result else "no event (not an order confirmation)"
    return Code("cxml", CONFIRMATION, HEADER_TYPE, code, meaning, result, becomes)


def _line(code: str, meaning: str, result: LineDecision | None) -> Code:
    becomes = _LINE.format(result) if result else "line left out (no decision)"
    return Code("cxml", CONFIRMATION, LINE_TYPE, code, meaning, result, becomes)


def _status(code: str, meaning: str, result: Outcome, becomes: str) -> Code:
    return Code("cxml", STATUS_UPDATE, STATUS_CODE, code, meaning, result, becomes)


ROWS: tuple[Code, ...] = (
    _header("accept", "the whole order is accepted as ordered", Decision.ACCEPTED),
    _header(
        "except",
        "the order is accepted with exceptions; lines not mentioned stand as ordered",
        Decision.ACCEPTED_WITH_CHANGES,
    ),
    _header(
        "detail",
        "line-level update carrying only what differs from the order",
        Decision.ACCEPTED_WITH_CHANGES,
    ),
    _header(
        "allDetail",
        "line-level update restating all the supplier holds (the guide's bridge form)",
        Decision.ACCEPTED_WITH_CHANGES,
    ),
    _header(
        "replace",
        "replaces the earlier confirmations of the order; read like detail",
        Decision.ACCEPTED_WITH_CHANGES,
    ),
    _header(
        "backordered",
        "the whole order is accepted but backordered (delivered later than asked)",
        Decision.ACCEPTED_WITH_CHANGES,
    ),
    _header("reject", "the whole order is rejected", Decision.REJECTED),
    _header("requestToPay", "asks a payment service to pay; confirms nothing", None),
    _line("accept", "the line (or this part of it) is accepted", LineDecision.ACCEPTED),
    _line("detail", "the line is changed: price, date, item or quantity", LineDecision.CHANGED),
    _line("allDetail", "the line is restated in full by the supplier", LineDecision.CHANGED),
    _line("backordered", "the line is backordered", LineDecision.BACKORDERED),
    _line("reject", "the line is rejected", LineDecision.REJECTED),
    _line("unknown", "status unknown: a placeholder, or resets an earlier status", None),
    _line("requestToPay", "payment request; no line decision", None),
    _status(
        "2xx",
        "success: 200 OK, 201 Accepted (queued), 204, 280/281 forwarded",
        Outcome.RECEIVED,
        "po.received (evidence cxml-status-<code>)",
    ),
    _status(
        "4xx",
        "permanent error, do not retry: 400, 401, 403, 406, 409, 412, 417, 450, 475-477",
        Outcome.FAILED,
        "po.delivery_failed permanent (evidence cxml-status-<code>)",
    ),
    _status(
        "5xx",
        "transient error, the sender retries: 500, 550, 551, 560",
        Outcome.DELAYED,
        "po.delivery_failed not permanent (evidence cxml-status-<code>)",
    ),
)
