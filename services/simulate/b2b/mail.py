"""Realistic email evidence for the simulator and the tests, serialised with the standard
``email`` package (``email.message.MIMEPart``, ``email.policy.SMTP``: CRLF line ends as on
the wire).

`purchase_order_mail` is the PO message potrack "sends" (returns the bytes and the
Message-ID a later DSN or MDN quotes); `dsn` is what a supplier's mail server returns
(RFC 3464, worded like Postfix), `mdn` what a supplier's mail client returns (RFC 8098,
worded like Outlook), `as2_mdn` what a supplier's AS2 server answers over HTTP (RFC 4130
§7, its HTTP headers first, optionally multipart/signed). Every builder takes explicit
arguments (no clock, no randomness): MIME boundaries derive from the Message-ID. The
signature of a signed AS2 MDN is whatever bytes the caller passes (nothing is signed).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import Message, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime


@dataclass(frozen=True)
class Recipient:
    """One DSN per-recipient block (RFC 3464 §2.3): Final-Recipient `address`, Action
    (``failed``, ``delayed``, ``delivered``, ``relayed``, ``expanded``), Status
    (``5.1.1``), Diagnostic-Code text as the remote server said it, Remote-MTA host,
    Last-Attempt-Date, Original-Recipient (ORCPT) and Will-Retry-Until."""

    address: str
    action: str
    status: str
    diagnostic: str | None = None
    remote_mta: str | None = None
    last_attempt: datetime | None = None
    original: str | None = None
    will_retry_until: datetime | None = None


_DSN_SUBJECTS = (  # Postfix's, by the strongest Action reported
    ("failed", "Undelivered Mail Returned to Sender"),
    ("delayed", "Delayed Mail (still being retried)"),
)


def mail_message_id(po_number: str, revision: int, control: int | str, host: str) -> str:
    """The Message-ID potrack's mail gateway gives a PO mail (without angle brackets)."""
    return f"po.{po_number}.r{revision}.{control}@{host}"


def purchase_order_mail(
    *,
    po_number: str,
    revision: int,
    sender: str,
    recipient: str,
    sent_at: datetime,
    control: int | str,
    text: str | None = None,
    pdf: bytes | None = None,
    read_receipt: bool = True,
) -> tuple[bytes, str]:
    """(message bytes, Message-ID without brackets) of the PO mail to `recipient`; asks
    for a read receipt (Disposition-Notification-To, RFC 8098 §2.1) unless told not to;
    `pdf` is attached as ``PO-<number>-R<revision>.pdf``."""
    host = sender.rpartition("@")[2]
    msg_id = mail_message_id(po_number, revision, control, host)
    msg = _headers(sender, recipient, sent_at, msg_id)
    msg["Subject"] = f"Purchase Order {po_number} (revision {revision})"
    if read_receipt:
        msg["Disposition-Notification-To"] = sender
    msg.set_content(
        text
        or f"Please find attached purchase order {po_number}, revision "
        f"{revision}.\nKindly confirm receipt and acknowledge.\n"
    )
    if pdf is not None:
        msg.add_attachment(pdf, "application", "pdf", filename=f"PO-{po_number}-R{revision}.pdf")
    _boundaries(msg, msg_id)
    return msg.as_bytes(), msg_id


def dsn(
    *,
    reporting_mta: str,
    recipients: Sequence[Recipient],
    to: str,
    date: datetime,
    message_id: str,
    arrival: datetime,
    envelope_id: str | None = None,
    original: bytes | None = None,
    full: bool = False,
) -> bytes:
    """A Postfix-style bounce: multipart/report; report-type=delivery-status with the
    notification text, the message/delivery-status (per-message block: Reporting-MTA,
    Original-Envelope-Id when given, Arrival-Date; one block per `recipients`) and the
    `original` message's headers (text/rfc822-headers), or all of it when `full`."""
    daemon = f"MAILER-DAEMON@{reporting_mta}"
    msg = _headers(daemon, to, date, message_id, "Mail Delivery System")
    actions = {r.action for r in recipients}
    subjects = (s for action, s in _DSN_SUBJECTS if action in actions)
    msg["Subject"] = next(subjects, "Successful Mail Delivery Report")
    msg["Auto-Submitted"] = "auto-replied"
    msg["Content-Type"] = "multipart/report; report-type=delivery-status"
    lines = [f"This is the mail system at host {reporting_mta}.", ""]
    lines += [f"<{r.address}>: {r.action}: {r.diagnostic or r.status}" for r in recipients]
    notice = MIMEPart(policy=SMTP)
    notice.set_content("\n".join(lines) + "\n", charset="us-ascii", cte="7bit")
    notice["Content-Description"] = "Notification"
    per_message = [("Reporting-MTA", f"dns; {reporting_mta}")]
    if envelope_id:
        per_message.append(("Original-Envelope-Id", envelope_id))
    per_message.append(("Arrival-Date", format_datetime(arrival)))
    status = MIMEPart(policy=SMTP)
    status["Content-Description"] = "Delivery report"
    status["Content-Type"] = "message/delivery-status"
    status.set_payload([_block(per_message), *(_block(_fields(r)) for r in recipients)])
    msg.attach(notice)
    msg.attach(status)
    if original is not None:
        msg.attach(_returned(original, full))
    _boundaries(msg, message_id)
    return msg.as_bytes()


def mdn(
    *,
    original_message_id: str,
    final_recipient: str,
    to: str,
    date: datetime,
    message_id: str,
    disposition: str = "manual-action/MDN-sent-manually; displayed",
    subject: str = "Purchase Order",
    reporting_ua: str = "Microsoft Outlook 16.0",
    display_name: str | None = None,
) -> bytes:
    """An Outlook-style read receipt from `final_recipient` to `to`: multipart/report;
    report-type=disposition-notification with the human text and the MDN fields
    (Reporting-UA, Final-Recipient, Original-Message-ID, Disposition as given)."""
    msg = _headers(final_recipient, to, date, message_id, display_name)
    msg["Subject"] = f"Read: {subject}"
    msg["Content-Type"] = "multipart/report; report-type=disposition-notification"
    text = MIMEPart(policy=SMTP)
    text.set_content(
        f"Your message\n\n  To: {final_recipient}\n  Subject: {subject}\n\n"
        f"was read on {format_datetime(date)}.\n"
    )
    fields = [
        ("Reporting-UA", f"{final_recipient.rpartition('@')[2]}; {reporting_ua}"),
        ("Final-Recipient", f"rfc822; {final_recipient}"),
        ("Original-Message-ID", f"<{original_message_id}>"),
        ("Disposition", disposition),
    ]
    msg.attach(text)
    msg.attach(_notification(fields))
    _boundaries(msg, message_id)
    return msg.as_bytes()


def as2_mdn(
    *,
    original_message_id: str,
    as2_from: str,
    as2_to: str,
    date: datetime,
    message_id: str,
    disposition: str = "automatic-action/MDN-sent-automatically; processed",
    mic: str | None = None,
    signature: bytes | None = None,
    reporting_ua: str = "Mendelson AS2 1.1",
) -> bytes:
    """An AS2 MDN as its HTTP response (RFC 4130 §7.2): AS2-Version, AS2-From, AS2-To,
    Message-ID, Date, then the multipart/report with the MDN fields (Final-Recipient and
    Original-Recipient are the AS2 names, Received-Content-MIC when `mic` is given), in
    multipart/signed with `signature` as application/pkcs7-signature when given."""
    report = MIMEPart(policy=SMTP)
    report["Content-Type"] = "multipart/report; report-type=disposition-notification"
    text = MIMEPart(policy=SMTP)
    text.set_content(
        f"The AS2 message <{original_message_id}> sent to {as2_from} on "
        f"{format_datetime(date)} was received: {disposition}.\n"
    )
    report.attach(text)
    fields = [
        ("Reporting-UA", reporting_ua),
        ("Original-Recipient", f"rfc822; {as2_from}"),
        ("Final-Recipient", f"rfc822; {as2_from}"),
        ("Original-Message-ID", f"<{original_message_id}>"),
        ("Disposition", disposition),
    ]
    if mic is not None:
        fields.append(("Received-Content-MIC", mic))
    report.attach(_notification(fields))
    _boundaries(report, message_id)
    msg = MIMEPart(policy=SMTP)
    for name, value in (
        ("AS2-Version", "1.2"),
        ("AS2-From", _as2(as2_from)),
        ("AS2-To", _as2(as2_to)),
        ("Message-ID", f"<{message_id}>"),
        ("Date", format_datetime(date)),
        ("MIME-Version", "1.0"),
    ):
        msg[name] = value
    if signature is None:
        for name, value in report.items():
            msg[name] = value
        msg.set_payload(report.get_payload())
        return msg.as_bytes()
    msg["Content-Type"] = 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256'
    sig = MIMEPart(policy=SMTP)
    sig.set_content(signature, "application", "pkcs7-signature", filename="smime.p7s")
    msg.attach(report)
    msg.attach(sig)
    _boundaries(msg, "signed." + message_id)
    return msg.as_bytes()


def _headers(
    sender: str, to: str, date: datetime, message_id: str, display_name: str | None = None
) -> MIMEPart:
    msg = MIMEPart(policy=SMTP)
    msg["From"] = f"{display_name} <{sender}>" if display_name else sender
    msg["To"] = to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{message_id}>"
    msg["MIME-Version"] = "1.0"
    return msg


def _block(fields: Sequence[tuple[str, str]]) -> Message:
    block = Message(policy=SMTP)
    for name, value in fields:
        block[name] = value
    return block


def _fields(r: Recipient) -> list[tuple[str, str]]:
    fields = [("Final-Recipient", f"rfc822; {r.address}")]
    if r.original:
        fields.append(("Original-Recipient", f"rfc822;{r.original}"))
    fields += [("Action", r.action), ("Status", r.status)]
    if r.remote_mta:
        fields.append(("Remote-MTA", f"dns; {r.remote_mta}"))
    if r.diagnostic:
        fields.append(("Diagnostic-Code", f"smtp; {r.diagnostic}"))
    if r.last_attempt:
        fields.append(("Last-Attempt-Date", format_datetime(r.last_attempt)))
    if r.will_retry_until:
        fields.append(("Will-Retry-Until", format_datetime(r.will_retry_until)))
    return fields


def _notification(fields: Sequence[tuple[str, str]]) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    part["Content-Type"] = "message/disposition-notification"
    part.set_payload([_block(fields)])
    return part


def _returned(original: bytes, full: bool) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    if full:
        part["Content-Description"] = "Undelivered Message"
        part["Content-Type"] = "message/rfc822"
        part.set_payload([message_from_bytes(original, policy=SMTP)])
    else:
        head = original.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
        part["Content-Description"] = "Undelivered Message Headers"
        part["Content-Type"] = "text/rfc822-headers"
        part.set_payload(head.decode("ascii", "replace").replace("\n", "\r\n") + "\r\n")
    return part


def _as2(name: str) -> str:
    """An AS2 name, quoted when it holds a space (RFC 4130 §6.2 AS2-name)."""
    return f'"{name}"' if " " in name else name


def _boundaries(msg: Message, seed: str) -> None:
    """Deterministic MIME boundaries, one per multipart, derived from `seed`."""
    multiparts = (p for p in msg.walk() if p.get_content_maintype() == "multipart")
    for n, part in enumerate(multiparts):
        digest = hashlib.sha256(f"{seed}/{n}".encode()).hexdigest()[:24]
        part.set_boundary(f"=_{digest}")
