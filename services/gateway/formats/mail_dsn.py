"""Delivery status notifications (RFC 3464): one `Reply` per per-recipient block.

The ``message/delivery-status`` part arrives from the standard ``email`` parser as a list
of header blocks: the per-message fields first, then one block per recipient. Its RFC
6533 form ``message/global-delivery-status`` is parsed as one embedded message (the
per-message block as headers, the rest as body), so the rest is split here into blocks
and read with the same parser. Rules (mapping rows in `services.gateway.mapping.mail`):

- Action (§2.3.3, a trailing comment such as Sendmail's ``delivered (to mailbox)``
  dropped) decides the outcome; Status (§2.3.4, RFC 3463) is the `code`; the
  Diagnostic-Code text (§2.3.6) on one line is the `reason`, else (for a failure) the
  RFC 3463 wording of the Status.
  ``failed`` is permanent whatever the Status class: the reporting MTA has abandoned
  delivery, so a 4.x.x such as 4.4.7 (delivery time expired) gets no retry either.
- Correlation: Original-Envelope-Id (§2.2.1, the ENVID potrack's gateway gave; also
  tried xtext-decoded, RFC 3461 §4), then the Message-ID of the returned message.
- Time: Last-Attempt-Date (§2.3.7, when this recipient's outcome was decided), else the
  DSN's own Date (when it was written, at or after the outcome), else Arrival-Date
  (§2.2.5, when the reporting MTA took the message in: earlier than the outcome).
- `key` is the Final-Recipient address (§2.3.2), ``#2``, ``#3`` ... on a repeat.
"""

from datetime import datetime
from email.message import Message
from email.parser import Parser

from services.gateway.formats.mail_fields import (
    POLICY,
    address,
    one_line,
    parts,
    returned_message_id,
    when,
    xtext_decoded,
)
from services.gateway.mapping import lookup
from services.gateway.mapping.mail import EVIDENCE, ROWS, status_text
from services.gateway.statements import DocumentError, Outcome, Reply

ACTIONS: dict[str, Outcome | None] = {
    code: None if result is None else Outcome(result)
    for code, result in lookup(ROWS, "DSN", "Action").items()
}
_BLOCKS = Parser(policy=POLICY)
_RECIPIENT_FIELDS = ("Final-Recipient", "Action", "Status")


def replies(
    part: Message, report: Message, date: datetime | None
) -> tuple[list[Reply], list[str], list[str]]:
    """(replies, recipient addresses, notes) of the delivery-status `part` of the
    multipart/`report`, whose Date header is `date`. DocumentError: no per-recipient
    block, a block without Final-Recipient, Action or a valid Status (all required,
    RFC 3464 §2.3), an Action not in §2.3.3, or no correlation id at all."""
    blocks = _blocks(part)
    per_message = blocks[0] if blocks and "Final-Recipient" not in blocks[0] else None
    recipients = [b for b in blocks if any(f in b for f in _RECIPIENT_FIELDS)]
    if not recipients:
        raise DocumentError("DSN without per-recipient fields (RFC 3464 §2.3)")
    envid = one_line(per_message.get("Original-Envelope-Id", "")) if per_message else ""
    ids = list(dict.fromkeys(i for i in (envid, xtext_decoded(envid)) if i))
    returned = returned_message_id(report)
    if returned and returned not in ids:
        ids.append(returned)
    if not ids:
        raise DocumentError(
            "DSN names no sent message: no Original-Envelope-Id, no returned Message-ID"
        )
    arrival = when(per_message.get("Arrival-Date")) if per_message else None
    out: list[Reply] = []
    seen: list[str] = []
    notes: list[str] = []
    repeats: dict[str, int] = {}
    for block in recipients:
        final = address(block.get("Final-Recipient"))
        if final is None:
            raise DocumentError("DSN recipient block without Final-Recipient")
        original = address(block.get("Original-Recipient"))
        seen += [a for a in (final, original) if a]
        action = one_line(block.get("Action", "")).split("(", 1)[0].strip().lower()
        if not action:
            raise DocumentError(f"DSN recipient block of {final} without Action")
        if action not in ACTIONS:
            raise DocumentError(f"unknown DSN Action {action!r} for {final} (RFC 3464 §2.3.3)")
        status = _status(block.get("Status"), final)
        outcome = ACTIONS[action]
        if outcome is None:
            notes.append(f"{final}: Action {action}, Status {status}: no event")
            continue
        repeats[final] = repeats.get(final, 0) + 1
        key = final if repeats[final] == 1 else f"{final}#{repeats[final]}"
        out.append(
            Reply(
                message_id=ids[0],
                alternatives=tuple(ids[1:]),
                outcome=outcome,
                evidence=EVIDENCE[("DSN", "Action", action)],
                key=key,
                address=final,
                time=when(block.get("Last-Attempt-Date")) or date or arrival,
                code=status,
                reason=_diagnostic(block.get("Diagnostic-Code"))
                or (None if outcome is Outcome.DELIVERED else status_text(status)),
            )
        )
    return out, seen, notes


def _blocks(part: Message) -> list[Message]:
    blocks = parts(part)
    if part.get_content_type() == "message/global-delivery-status" and blocks:
        rest = blocks[0].get_payload()
        if isinstance(rest, str):
            chunks = rest.replace("\r\n", "\n").split("\n\n")
            blocks += [_BLOCKS.parsestr(c, headersonly=True) for c in chunks if c.strip()]
    return [b for b in blocks if len(b)]


def _status(value: object, final: str) -> str:
    """RFC 3464 §2.3.4 / RFC 3463 ``class.subject.detail`` (a trailing comment dropped)."""
    code = one_line(value or "").split(" ", 1)[0]
    parts = code.split(".")
    if len(parts) != 3 or parts[0] not in ("2", "4", "5") or not all(p.isdigit() for p in parts):
        shown = one_line(value) if value is not None else "missing"
        raise DocumentError(
            f"DSN recipient block of {final}: Status {shown!r} is not an RFC 3463 code"
        )
    return code


def _diagnostic(value: object) -> str | None:
    """The text of ``diagnostic-type ";" *text`` (RFC 3464 §2.3.6) on one line."""
    if value is None:
        return None
    kind, sep, text = str(value).partition(";")
    return one_line(text if sep else kind) or None
