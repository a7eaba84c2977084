"""Email evidence -> potrack events: DSN Action (RFC 3464), MDN Disposition (RFC 8098)
and AS2 MDN Disposition (RFC 4130 §7.4.3), read by `services.gateway.formats.mail`.

Named ``mail`` rather than ``email`` so that importing it never shadows the standard
library's ``email`` package. A Disposition is read as its disposition-type, then its
disposition-modifier: a modifier row with a result replaces the type's result unless the
type already fails (``failed/warning`` stays a failure); a modifier row without a result
leaves the type's. `EVIDENCE` gives the evidence string of each row that has a result,
and `STATUS_TEXT` the RFC 3463 wording of an enhanced status code (the reason of a DSN
recipient block that carries no Diagnostic-Code).
"""

from services.gateway.mapping import Code
from services.gateway.statements import Outcome

_EVENT = {
    Outcome.DELIVERED: "po.delivered",
    Outcome.RECEIVED: "po.received",
    Outcome.FAILED: "po.delivery_failed, permanent",
    Outcome.DELAYED: "po.delivery_failed, not permanent",
}
EVIDENCE: dict[tuple[str, str, str], str] = {}


def _row(
    doc: str,
    element: str,
    code: str,
    meaning: str,
    result: Outcome | None,
    evidence: str | None = None,
    why: str = "",
) -> Code:
    if result is None:  # a modifier without a result leaves the disposition-type's
        becomes = why if element == _MOD else f"no event: {why}"
    else:
        assert evidence is not None, (doc, code)
        EVIDENCE[(doc, element, code)] = evidence
        becomes = f"{_EVENT[result]} (evidence {evidence}{'; ' + why if why else ''})"
    return Code("email", doc, element, code, meaning, result, becomes)


_FAIL = "code = Status, reason = Diagnostic-Code text"
_AS2_FAIL = "code = disposition, reason = its description or the Error/Failure field"
_TYPE, _MOD = "disposition-type", "disposition-modifier"

# fmt: off
ROWS: tuple[Code, ...] = (
    # RFC 3464 §2.3.3 Action, one statement per per-recipient block.
    _row("DSN", "Action", "delivered", "delivered to the recipient's mailbox (final MTA)",
         Outcome.DELIVERED, "email-dsn-delivered"),
    _row("DSN", "Action", "failed", "could not be delivered; the reporting MTA has given up "
         "(with a 4.x.x Status too, e.g. 4.4.7 delivery time expired: no retry follows)",
         Outcome.FAILED, "email-dsn-failed", _FAIL),
    _row("DSN", "Action", "delayed", "not delivered yet; the MTA will keep trying (4.x.x)",
         Outcome.DELAYED, "email-dsn-delayed", _FAIL),
    _row("DSN", "Action", "relayed", "handed to a system that sends no DSNs",
         None, why="it proves neither delivery nor failure; the SMTP hand-off is po.sent"),
    _row("DSN", "Action", "expanded", "delivered to a list or alias that forwards it on",
         None, why="the alias's hand-off to its members proves no mailbox got it; the "
         "members' own DSNs, if any, follow"),
    # RFC 8098 §3.2.6.2 disposition-type (and RFC 2298's failed, kept by AS1 RFC 3335).
    _row("MDN", _TYPE, "displayed", "shown to someone reading the recipient's mailbox",
         Outcome.RECEIVED, "email-read-receipt"),
    _row("MDN", _TYPE, "processed", "processed by rules or a server without being shown",
         Outcome.RECEIVED, "email-mdn-processed"),
    _row("MDN", _TYPE, "dispatched", "printed, faxed or forwarded without being shown",
         Outcome.RECEIVED, "email-mdn-dispatched"),
    _row("MDN", _TYPE, "deleted", "deleted; the recipient may or may not have seen it",
         Outcome.DELIVERED, "email-mdn-deleted",
         "it reached the recipient's mailbox, but nobody is known to have taken it in"),
    _row("MDN", _TYPE, "failed", "a failure prevented a proper MDN (RFC 2298, AS1)",
         Outcome.FAILED, "email-mdn-failed", "reason = description or Failure field"),
    # RFC 8098 §3.2.6.3 disposition-modifier; RFC 2298's others only annotate.
    _row("MDN", _MOD, "error", "an error prevented successful processing (Error field)",
         Outcome.FAILED, "email-mdn-error", "reason = description or Error field"),
    *(
        _row("MDN", _MOD, code, f"RFC 2298 {code} (obsolete)",
             None, why="as its disposition-type; the modifier goes into the notes")
        for code in ("warning", "superseded", "expired", "mailbox-terminated")
    ),
    # RFC 4130 §7.4.3 AS2-disposition-type and AS2-disposition-modifier.
    _row("AS2-MDN", _TYPE, "processed", "the AS2 message was received and processed",
         Outcome.DELIVERED, "as2-mdn-processed"),
    _row("AS2-MDN", _TYPE, "failed", "a failure prevented a proper MDN (e.g. unsupported "
         "MIC algorithm)", Outcome.FAILED, "as2-mdn-failed", _AS2_FAIL),
    _row("AS2-MDN", _MOD, "error", "processing failed: decryption-failed, "
         "authentication-failed, integrity-check-failed, ...",
         Outcome.FAILED, "as2-mdn-error", _AS2_FAIL),
    _row("AS2-MDN", _MOD, "failure", "the failure description of a failed MDN",
         Outcome.FAILED, "as2-mdn-failed", _AS2_FAIL),
    _row("AS2-MDN", _MOD, "warning", "processed successfully, something unusual noted",
         Outcome.DELIVERED, "as2-mdn-processed-with-warning",
         "it was processed (RFC 4130 §7.4.3); the warning goes into the notes"),
)

# RFC 3463 §3: class (2 success, 4 persistent transient, 5 permanent) and subject.detail.
STATUS_TEXT: dict[str, str] = {
    "0.0": "Other undefined status",
    "1.0": "Other address status", "1.1": "Bad destination mailbox address",
    "1.2": "Bad destination system address", "1.3": "Bad destination mailbox address syntax",
    "1.4": "Destination mailbox address ambiguous", "1.5": "Destination address valid",
    "1.6": "Destination mailbox has moved, no forwarding address",
    "1.7": "Bad sender's mailbox address syntax", "1.8": "Bad sender's system address",
    "2.0": "Other or undefined mailbox status",
    "2.1": "Mailbox disabled, not accepting messages", "2.2": "Mailbox full",
    "2.3": "Message length exceeds administrative limit",
    "2.4": "Mailing list expansion problem",
    "3.0": "Other or undefined mail system status", "3.1": "Mail system full",
    "3.2": "System not accepting network messages",
    "3.3": "System not capable of selected features", "3.4": "Message too big for system",
    "3.5": "System incorrectly configured",
    "4.0": "Other or undefined network or routing status", "4.1": "No answer from host",
    "4.2": "Bad connection", "4.3": "Directory server failure", "4.4": "Unable to route",
    "4.5": "Mail system congestion", "4.6": "Routing loop detected",
    "4.7": "Delivery time expired",
    "5.0": "Other or undefined protocol status", "5.1": "Invalid command",
    "5.2": "Syntax error", "5.3": "Too many recipients", "5.4": "Invalid command arguments",
    "5.5": "Wrong protocol version",
    "6.0": "Other or undefined media error", "6.1": "Media not supported",
    "6.2": "Conversion required and prohibited",
    "6.3": "Conversion required but not supported", "6.4": "Conversion with loss performed",
    "6.5": "Conversion failed",
    "7.0": "Other or undefined security status",
    "7.1": "Delivery not authorized, message refused",
    "7.2": "Mailing list expansion prohibited",
    "7.3": "Security conversion required but not possible",
    "7.4": "Security features not supported", "7.5": "Cryptographic failure",
    "7.6": "Cryptographic algorithm not supported", "7.7": "Message integrity failure",
}
# fmt: on


def status_text(status: str) -> str:
    """RFC 3463 wording of an enhanced status code ``class.subject.detail`` such as
    ``5.1.1`` -> "Bad destination mailbox address"; an unlisted detail falls back to its
    subject's ``.0`` wording, an unlisted subject to "Other undefined status"."""
    _, subject, detail, *_ = [*status.split("."), "", ""]
    return STATUS_TEXT.get(
        f"{subject}.{detail}", STATUS_TEXT.get(f"{subject}.0", STATUS_TEXT["0.0"])
    )
