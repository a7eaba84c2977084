"""Message disposition notifications (RFC 8098) and AS2 MDNs (RFC 4130 §7): one `Reply`.

The standard ``email`` parser gives the ``message/disposition-notification`` part as one
embedded message whose headers are the MDN fields. The Disposition field (RFC 8098
§3.2.6, RFC 4130 §7.4.3) is ``<action-mode>/<sending-mode>; <type>[/<modifier>, ...]``;
in AS2 the last modifier may carry a description after a colon (``processed/error:
decryption-failed``, ``failed/failure: unsupported MIC-algorithms``, ``processed/
warning: ...``), which may itself contain commas, so only the text before the first colon
is split at commas. Mapping rows: `services.gateway.mapping.mail`.

- The outcome is the disposition-type's, replaced by the first modifier with a result,
  a failing modifier first; a failing type stays failing. Modifiers without a result
  (RFC 2298's warning, expired ...) and unknown extension modifiers (RFC 8098 §3.2.6.3
  allows them) go into the notes.
- `code` is ``<type>/<modifier>`` (or the type), `reason` the modifier's description,
  else the Error / Failure / Warning field (RFC 3798 §3.2.7-9), else the Disposition.
- Correlation: Original-Message-ID (RFC 8098 §3.2.5), then the Message-ID of the
  returned message. `key` is the Final-Recipient (§3.2.4); `time` the MDN's Date.
- The Received-Content-MIC of an AS2 MDN is not compared: that needs the MIC of the
  sent message, which the reader does not have.
"""

from datetime import datetime
from email.message import Message

from services.gateway.formats.mail_fields import (
    address,
    message_id,
    one_line,
    parts,
    returned_message_id,
)
from services.gateway.mapping import lookup
from services.gateway.mapping.mail import EVIDENCE, ROWS
from services.gateway.statements import DocumentError, Outcome, Reply

_TYPE, _MOD = "disposition-type", "disposition-modifier"


def _outcomes(doc: str, element: str) -> dict[str, Outcome | None]:
    return {c: None if r is None else Outcome(r) for c, r in lookup(ROWS, doc, element).items()}


TYPES = {doc: _outcomes(doc, _TYPE) for doc in ("MDN", "AS2-MDN")}
MODIFIERS = {doc: _outcomes(doc, _MOD) for doc in ("MDN", "AS2-MDN")}
_TEXT_FIELDS = {"error": "Error", "failure": "Failure", "warning": "Warning"}


def reply(
    part: Message, report: Message, as2: bool, date: datetime | None
) -> tuple[Reply, list[str], list[str]]:
    """(reply, recipient identifiers, notes) of the disposition-notification `part` of the
    multipart/`report`, an AS2 MDN when `as2`, whose Date header is `date`. Recipients are
    lower-cased addresses, or AS2 names as written. DocumentError: no MDN fields, no
    Disposition, a disposition-type the standard does not define (for AS2 only
    processed and failed), or no correlation id at all."""
    doc = "AS2-MDN" if as2 else "MDN"
    fields = next(iter(parts(part)), None)
    if fields is None or not len(fields):
        raise DocumentError(f"{doc} without its disposition-notification fields")
    disposition = fields.get("Disposition")
    if disposition is None:
        raise DocumentError(f"{doc} without a Disposition field (RFC 8098 §3.2.6)")
    kind, modifiers = _disposition(one_line(disposition))
    if kind not in TYPES[doc]:
        raise DocumentError(
            f"unknown {doc} disposition-type {kind!r} (Disposition: {one_line(disposition)})"
        )
    ids = [i for i in (message_id(fields.get("Original-Message-ID")),) if i]
    returned = returned_message_id(report)
    if returned and returned not in ids:
        ids.append(returned)
    if not ids:
        raise DocumentError(
            f"{doc} names no sent message: no Original-Message-ID, no returned Message-ID"
        )
    outcome, evidence = TYPES[doc][kind], EVIDENCE[(doc, _TYPE, kind)]
    if outcome is None:  # every disposition-type row has a result
        raise DocumentError(f"{doc} disposition-type {kind!r} maps to no event")
    code, reason, notes = kind, None, []
    chosen: tuple[str, str | None, Outcome] | None = None
    for name, described in modifiers:
        text = described or one_line(fields.get(_TEXT_FIELDS.get(name, ""), "")) or None
        if name not in MODIFIERS[doc]:
            notes.append(f"unknown disposition-modifier {name!r} ignored")
            continue
        result = MODIFIERS[doc][name]
        if result is None:
            notes.append(f"{kind}/{name}" + (f": {text}" if text else ""))
        elif chosen is None or (result is Outcome.FAILED and chosen[2] is not Outcome.FAILED):
            chosen = (name, text, result)
    if chosen is not None:
        name, reason, result = chosen
        code = f"{kind}/{name}"
        if outcome is not Outcome.FAILED:
            outcome, evidence = result, EVIDENCE[(doc, _MOD, name)]
    if outcome is Outcome.FAILED and not reason:
        reason = one_line(fields.get("Failure") or fields.get("Error") or disposition)
    if reason and outcome is not Outcome.FAILED:
        notes.append(f"{code}: {reason}")
    lower = not as2
    final = address(fields.get("Final-Recipient"), lower)
    original = address(fields.get("Original-Recipient"), lower)
    statement = Reply(
        message_id=ids[0],
        alternatives=tuple(ids[1:]),
        outcome=outcome,
        evidence=evidence,
        key=final or "mdn",
        address=final if lower else None,
        time=date,
        code=code,
        reason=reason,
    )
    return statement, [a for a in (final, original) if a], notes


def _disposition(value: str) -> tuple[str, list[tuple[str, str]]]:
    """(disposition-type, [(modifier, description)]) of a Disposition value; the
    disposition-mode before the semicolon is not needed (lenient when it is missing)."""
    mode, semicolon, rest = value.partition(";")
    rest = rest if semicolon else mode
    kind, _, mods = rest.partition("/")
    head, _, description = mods.partition(":")
    names = [n.strip().lower() for n in head.split(",")]
    pairs = [(n, "") for n in names[:-1] if n]
    if names[-1]:
        pairs.append((names[-1], description.strip()))
    return kind.strip().lower(), pairs
