"""UN/EDIFACT codes -> potrack events: CONTRL, APERAK and ORDRSP (§2b "Meaning").

Sources (code lists and message definitions):

- 0083 and 0085: UN/EDIFACT service code list (ISO 9735 syntax versions 3 and 4; the
  list of the D.96A directory keeps the codes 1, 2, 3, 5 and 6 that were withdrawn in 2001).
- 1225, 4343, 1229, 6063, 5125, 2005, 1153: the UNTDID code lists of D.96A, with the
  ORDRSP semantic notes on BGM 1225 (UNTDID ORDRSP annex) and EANCOM ORDRSP / APERAK.
- APERAK (UNTDID APERAK §1): "to inform a message issuer that his message has been
  received by the addressee's application and has been rejected due to errors ... or to
  acknowledge ... the receipt of his message by the addressee's application". So an
  acceptance is `po.received` (the recipient's application took the order in) and an
  application error is a permanent failure: the same bytes sent again fail again.

Choices where the standard leaves one: CONTRL 8 "interchange received" and 5 "UNB/UNZ
accepted" only say the recipient's translator holds the interchange, like an AS2 MDN, so
they are `po.delivered`, while 7 (and the withdrawn 1, 2) acknowledge the content and are
`po.received`. A rejection at a level rejects every lower level (0083 4), so under a UCI or
UCF 4 every UCM is a failure whatever its own code says.

Rows whose `result` is None name an element that fills a field of the statement rather
than deciding it (QTY, PRI, DTM, RFF), or a code that produces no event.
"""

from enum import StrEnum

from schemas.status import Decision, LineDecision
from services.gateway.mapping import Code
from services.gateway.statements import Outcome

FORMAT = "edifact"

# 0085 Syntax error, coded: the human reason of a CONTRL rejection (service code list).
SYNTAX_ERRORS: dict[str, str] = {
    "1": "UNA not supported",
    "2": "syntax version or level not supported",
    "3": "message version/release not supported",
    "4": "service segment missing/invalid",
    "5": "trailer check in error",
    "6": "data segment missing/invalid",
    "7": "interchange recipient not actual recipient",
    "8": "too many data elements in segment",
    "9": "mandatory data element missing",
    "10": "data element attribute error",
    "11": "password invalid",
    "12": "invalid value",
    "13": "missing",
    "14": "value not supported in this position",
    "15": "not supported in this position",
    "16": "too many constituents",
    "17": "no agreement",
    "18": "unspecified error",
    "19": "invalid decimal notation",
    "20": "character invalid as service character",
    "21": "invalid character(s)",
    "22": "invalid service character(s)",
    "23": "unknown interchange sender",
    "24": "too old",
    "25": "test indicator not supported",
    "26": "duplicate detected",
    "27": "security function not supported",
    "28": "references do not match",
    "29": "control count does not match number of instances received",
    "30": "functional groups and messages mixed",
    "31": "more than one message type in group",
    "32": "lower level empty",
    "33": "invalid occurrence outside message, package or group",
    "35": "too many segment repetitions",
    "36": "too many segment group repetitions",
    "37": "invalid type of character(s)",
    "38": "missing digit in front of decimal sign",
    "39": "data element too long",
    "40": "data element too short",
    "41": "permanent communication network error",
    "42": "temporary communication network error",
    "43": "unknown interchange recipient",
    "45": "trailing separator",
    "46": "character set not supported",
    "47": "envelope functionality not supported",
    "48": "dependency condition violated",
}

# The evidence string of each CONTRL 0083 code and of an APERAK outcome.
CONTRL_EVIDENCE: dict[str, str] = {
    "1": "edifact-contrl-accepted",
    "2": "edifact-contrl-accepted-with-errors",
    "4": "edifact-contrl-rejected",
    "5": "edifact-contrl-envelope-accepted",
    "6": "edifact-contrl-envelope-rejected",
    "7": "edifact-contrl-accepted",
    "8": "edifact-contrl-received",
}
APERAK_EVIDENCE: dict[Outcome, str] = {
    Outcome.RECEIVED: "edifact-aperak-accepted",
    Outcome.FAILED: "edifact-aperak-rejected",
}

_R, _D, _F = Outcome.RECEIVED, Outcome.DELIVERED, Outcome.FAILED
_ACC, _CHG, _REJ = Decision.ACCEPTED, Decision.ACCEPTED_WITH_CHANGES, Decision.REJECTED
_L = LineDecision
_ERC = "code ERC 9321"
_IF_NO_1225 = " (when BGM 1225 has no row)"
_ACK = "po.acknowledged "
_MEANING_7 = "This level acknowledged, next lower level acknowledged if not explicitly rejected"
_ACK_CHG = "po.acknowledged accepted_with_changes"
_NONE_3 = "no event of its own: the UCF/UCM segments that follow name the rejected parts"
_ACW_ORDRSP = "answers: the ORDERS/ORDCHG message_id <UNB 0020>.<UNH 0062>"
_ACW_APERAK = "the answered message_id <UNB 0020>.<UNH 0062>; a bare UNB 0020: the interchange"


def _received(evidence: str) -> str:
    return f"po.received (evidence {evidence})"


def _failed(evidence: str, code: str) -> str:
    return f"po.delivery_failed, permanent (evidence {evidence}; {code})"


def _rows(document: str, element: str, *codes: tuple[str, str, StrEnum | None, str]) -> list[Code]:
    """The rows of one element: (code, meaning, result, becomes) each."""
    return [Code(FORMAT, document, element, *code) for code in codes]


_EV, _AK = CONTRL_EVIDENCE, APERAK_EVIDENCE
_CONTRL = _rows(  # UCI (interchange), UCF (group) and UCM (message) share 0083
    "CONTRL",
    "0083",
    (
        "1",
        "Acknowledged, this level and all lower levels (withdrawn 2001)",
        _R,
        _received(_EV["1"]),
    ),
    ("2", "Acknowledged - errors detected and reported (withdrawn 2001)", _R, _received(_EV["2"])),
    ("3", "One or more rejected - next lower level (withdrawn 2001)", None, _NONE_3),
    ("4", "This level and all lower levels rejected", _F, _failed(_EV["4"], "code 0085")),
    ("5", "UNB/UNZ accepted (withdrawn 2001)", _D, f"po.delivered (evidence {_EV['5']})"),
    ("6", "UNB/UNZ rejected (withdrawn 2001)", _F, _failed(_EV["6"], "code 0085")),
    ("7", _MEANING_7, _R, _received(_EV["7"])),
    ("8", "Interchange received (receipt only)", _D, f"po.delivered (evidence {_EV['8']})"),
)
_APERAK = [
    *_rows(
        "APERAK",
        "BGM 1225",
        ("6", "Confirmation", _R, _received(_AK[_R])),
        ("27", "Not accepted", _F, _failed(_AK[_F], _ERC)),
        ("29", "Accepted without amendment", _R, _received(_AK[_R])),
        ("44", "Accepted without reserves", _R, _received(_AK[_R])),
        ("48", "Accepted, contents rejected", _F, _failed(_AK[_F], _ERC)),
    ),
    *_rows(  # decides when BGM 1225 is absent or has no row (e.g. 9 original)
        "APERAK",
        "ERC 9321",
        ("present", "An application error is reported", _F, _failed(_AK[_F], _ERC) + _IF_NO_1225),
        ("absent", "No application error is reported", _R, _received(_AK[_R]) + _IF_NO_1225),
    ),
    *_rows(
        "APERAK",
        "RFF 1153",
        ("ACW", "Reference number to previous message", None, _ACW_APERAK),
    ),
]
_ORDRSP_HEADER = [
    *_rows(  # the header decision: BGM 1225 first, then BGM 4343, then the lines
        "ORDRSP",
        "BGM 1225",
        ("4", "Change", _CHG, _ACK_CHG),
        ("12", "Not processed", None, "no event: a later ORDRSP decides"),
        ("27", "Not accepted", _REJ, f"{_ACK}rejected"),
        ("28", "Accepted, with amendment in heading section", _CHG, _ACK_CHG),
        ("29", "Accepted without amendment", _ACC, f"{_ACK}accepted"),
        ("30", "Accepted, with amendment in detail section", _CHG, _ACK_CHG),
        ("34", "Accepted with amendment", _CHG, _ACK_CHG),
        ("44", "Accepted without reserves", _ACC, f"{_ACK}accepted"),
        ("45", "Accepted with reserves", _CHG, _ACK_CHG),
    ),
    *_rows(
        "ORDRSP",
        "BGM 4343",
        ("AC", "Acknowledge - with detail and change", _CHG, f"{_ACK_CHG}{_IF_NO_1225}"),
        ("AD", "Acknowledge - with detail, no change", _ACC, f"{_ACK}accepted{_IF_NO_1225}"),
        ("AP", "Accepted", _ACC, f"{_ACK}accepted{_IF_NO_1225}"),
        ("CA", "Conditionally accepted", _CHG, f"{_ACK_CHG}{_IF_NO_1225}"),
        ("RE", "Rejected", _REJ, f"{_ACK}rejected{_IF_NO_1225}"),
    ),
    *_rows(
        "ORDRSP",
        "RFF 1153",
        ("ON", "Order number (buyer)", None, "po_number; revision from 1060, else 4000"),
        ("ACW", "Reference number to previous message", None, _ACW_ORDRSP),
        ("LI", "Line item reference number", None, "line number when no RFF+ON 1156"),
    ),
    *_rows(
        "ORDRSP",
        "DTM 2005",
        ("137", "Document/message date/time", None, "statement time"),
        ("69", "Delivery date/time, promised for", None, "line promised_date"),
        ("17", "Delivery date/time, estimated", None, "line promised_date when no 69"),
        ("2", "Delivery date/time, requested", None, "line promised_date when no 69/17"),
    ),
]
_ORDRSP_LINES = [
    *_rows(
        "ORDRSP",
        "LIN 1229",
        ("1", "Added", _L.CHANGED, "line decision changed"),
        ("2", "Deleted", _L.REJECTED, "line decision rejected"),
        ("3", "Changed", _L.CHANGED, "line decision changed"),
        ("4", "No action", None, "no line decision"),
        ("5", "Accepted without amendment", _L.ACCEPTED, "line decision accepted"),
        ("6", "Accepted with amendment", _L.CHANGED, "line decision changed"),
        ("7", "Not accepted", _L.REJECTED, "line decision rejected"),
        ("10", "Not found", _L.REJECTED, "line decision rejected"),
        ("23", "Proposed amendment", _L.CHANGED, "line decision changed"),
        (
            "24",
            "Accepted with amendment, no confirmation required",
            _L.CHANGED,
            "line decision changed",
        ),
    ),
    *_rows(
        "ORDRSP",
        "QTY 6063",
        ("83", "Backorder quantity", _L.BACKORDERED, "line backordered (if > 0, not rejected)"),
        ("113", "Quantity to be delivered", None, "line quantity (not backordered)"),
        ("21", "Ordered quantity", None, "line quantity when no 113"),
    ),
    *_rows(
        "ORDRSP",
        "PRI 5125",
        ("AAA", "Calculation net", None, "line unit_price (divided by 5284 unit price basis)"),
        ("AAB", "Calculation gross", None, "line unit_price when no AAA"),
    ),
]

ROWS: tuple[Code, ...] = (*_CONTRL, *_APERAK, *_ORDRSP_HEADER, *_ORDRSP_LINES)
