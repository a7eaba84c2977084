"""Email evidence: a whole RFC 5322 message (``message/rfc822`` on po.documents.v1) that
is a delivery status notification (RFC 3464), a message disposition notification (RFC
8098) or an AS2 MDN (RFC 4130 §7), read into a `Reading` (docs/contract.md §2b).

Named ``mail`` so that it never shadows the standard library's ``email`` package, which
does the parsing: ``BytesParser`` splits the MIME tree, parses ``message/delivery-
status`` into header blocks and ``message/disposition-notification`` into one header
block (RFC 6522 multipart/report). It parses with the ``compat32`` policy, not
``email.policy.default``: the latter builds a structured object for every header it
touches (Content-Type is re-parsed on each ``get_content_type``): a whole read of a 3 kB
bounce took 10 times as long (8 ms against 0.8 ms); the few fields needed are read as strings
in `mail_fields` with ``email.utils`` (parseaddr, parsedate_to_datetime). What each
report says is read in `mail_dsn` and `mail_mdn`; their rows are in
`services.gateway.mapping.mail`.

- An AS2 MDN is an MDN whose message carries AS2-From or AS2-To (RFC 4130 §6.2). A
  signed one is multipart/signed (RFC 1847) around the multipart/report: it is unwrapped
  and the signature is NOT verified (no certificates here; the AS2 server that received
  it over HTTP does that), which the notes say.
- `senders`: the From address (lower-cased, no display name), then each Final-Recipient
  and Original-Recipient (the supplier address potrack sent to), then for AS2 the
  AS2-From as written; `control` the report's own Message-ID without angle brackets
  (``sha256:<digest of the bytes>`` when it has none, so that event ids stay distinct);
  `time` its Date (aware; RFC 5322 dates carry a zone).
"""

import hashlib
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser

from services.gateway.formats import mail_dsn, mail_mdn
from services.gateway.formats.mail_fields import (
    POLICY,
    message_id,
    parts,
    sender,
    unquoted,
    when,
)
from services.gateway.statements import DocumentError, Format, Reading, Statement

_PARSER = BytesParser(policy=POLICY)
NOT_A_REPORT = "not a delivery status or disposition notification"
# RFC 6522 report-type -> (kind, the content types of its machine-readable part).
_REPORTS = {
    "delivery-status": ("DSN", ("message/delivery-status", "message/global-delivery-status")),
    "global-delivery-status": ("DSN", ("message/global-delivery-status",)),
    "disposition-notification": (
        "MDN",
        ("message/disposition-notification", "message/global-disposition-notification"),
    ),
    "global-disposition-notification": ("MDN", ("message/global-disposition-notification",)),
}


def read(body: bytes) -> Reading:
    """The `Reading` (Format.EMAIL, kind ``DSN`` / ``MDN`` / ``AS2-MDN``) of a whole
    message. DocumentError with a one-line reason: not a MIME message (no header fields);
    not a multipart/report of a delivery status or disposition notification (a plain
    reply, another report-type); a report without its machine-readable part; and the
    DSN / MDN errors of `mail_dsn.replies` and `mail_mdn.reply`."""
    try:
        return _read(body)
    except DocumentError:
        raise
    except (MessageError, ValueError, LookupError, UnicodeError) as exc:
        raise DocumentError(f"unreadable email: {type(exc).__name__}: {exc}") from exc


def _read(body: bytes) -> Reading:
    message = _PARSER.parsebytes(body)
    if not len(message):
        raise DocumentError("not a MIME message: no header fields (RFC 5322 §2.2)")
    notes: list[str] = []
    report: Message = message
    if report.get_content_type() == "multipart/signed":
        signed = parts(report)
        if not signed:
            raise DocumentError("multipart/signed without its signed part (RFC 1847 §2.1)")
        report = signed[0]
        notes.append("multipart/signed unwrapped; the signature was not verified")
    ctype = report.get_content_type()
    report_type = str(report.get_param("report-type") or "").strip().lower()
    if ctype != "multipart/report":
        raise DocumentError(f"{NOT_A_REPORT}: the message is {ctype}")
    if report_type not in _REPORTS:
        raise DocumentError(f"{NOT_A_REPORT}: multipart/report; report-type={report_type!r}")
    kind, wanted = _REPORTS[report_type]
    part = _machine_part(report, wanted)
    date = when(message.get("Date"))
    as2_from = unquoted(message.get("AS2-From"))
    statements: list[Statement] = []
    if kind == "DSN":
        found, recipients, more = mail_dsn.replies(part, report, date)
        statements += found
    else:
        as2 = as2_from is not None or message.get("AS2-To") is not None
        kind = "AS2-MDN" if as2 else kind
        one, recipients, more = mail_mdn.reply(part, report, as2, date)
        statements.append(one)
    own = message_id(message.get("Message-ID"))
    senders = (sender(message), *recipients, as2_from)
    return Reading(
        format=Format.EMAIL,
        kind=kind,
        control=own or "sha256:" + hashlib.sha256(body).hexdigest(),
        senders=tuple(dict.fromkeys(s for s in senders if s)),
        statements=tuple(statements),
        time=date,
        notes=tuple(notes + more),
    )


def _machine_part(report: Message, wanted: tuple[str, ...]) -> Message:
    """The machine-readable part of the report (RFC 6522 §3: the second; taken by type)."""
    for part in parts(report):
        if part.get_content_type() in wanted:
            return part
    raise DocumentError(f"multipart/report without its {wanted[0]} part (RFC 6522 §3)")
