"""Field readers shared by the DSN and MDN readers (`mail_dsn`, `mail_mdn`): addresses,
message ids, dates and the returned message of a multipart/report.

They take header values as the standard ``email`` package gives them (strings, with the
``compat32``-based `POLICY` that `mail.read` parses with) and never raise for a malformed
value: they return None and the caller decides whether that field was required. Pure.
"""

import re
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import parseaddr, parsedate_to_datetime, unquote


class Utf8Compat32(Compat32):
    """The ``compat32`` policy, except that a header value with 8-bit bytes is read as
    UTF-8 (RFC 6532, as RFC 6533 reports carry addresses) instead of as a ``Header``
    of replacement characters."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # the parser keeps 8-bit bytes as surrogate escapes
            return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        return value


POLICY = Utf8Compat32()
_HEADERS = BytesHeaderParser(policy=POLICY)
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
# RFC 6522 §3 third part: the returned message or its headers (RFC 6533 global forms).
_RETURNED_MESSAGE = frozenset({"message/rfc822", "message/global"})
_RETURNED_HEADERS = frozenset({"text/rfc822-headers", "message/global-headers"})


def one_line(value: object) -> str:
    """The text with every run of whitespace (folding included) as one space."""
    return " ".join(str(value).split())


def address(value: object, lower: bool = True) -> str | None:
    """The address of a recipient field, RFC 3464 §2.3.1/§2.3.2 and RFC 8098 §3.2.3/
    §3.2.4 ``address-type ";" generic-address`` (``rfc822; jane@supplier.example``),
    angle brackets and quotes dropped, lower-cased unless `lower` is false (an AS2 name,
    RFC 4130); None when empty or absent."""
    if value is None:
        return None
    _, _, found = str(value).rpartition(";")
    found = unquote(found.strip().strip("<>").strip()).strip()
    if not found:
        return None
    return found.lower() if lower else found


def sender(message: Message) -> str | None:
    """The From address (RFC 5322 §3.6.2), lower-cased, without display name; None when
    absent or unparseable."""
    header = message.get("From")
    if header is None:
        return None
    _, found = parseaddr(one_line(header))
    return found.lower() if found and found != "<>" else None


def message_id(value: object) -> str | None:
    """A Message-ID as §2b spells it: the ``msg-id`` (RFC 5322 §3.6.4) without its angle
    brackets; a bare id as it stands; None when empty or absent."""
    if value is None:
        return None
    text = str(value).strip()
    found = _MSG_ID.search(text)
    if found:
        return found.group(1)
    return text.strip("<>").strip() or None


def xtext_decoded(value: str) -> str:
    """RFC 3461 §4 xtext ``+XX`` escapes decoded (an ENVID some MTAs return encoded)."""
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)


def when(value: object) -> datetime | None:
    """An RFC 5322 §3.3 date-time, aware; ``-0000`` (zone unknown, time in UTC) is read as
    UTC; None when absent or unparseable."""
    if value is None:
        return None
    try:
        found = parsedate_to_datetime(str(value))
    except (ValueError, TypeError, IndexError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def returned_message_id(report: Message) -> str | None:
    """The Message-ID of the returned message (RFC 6522 §3: the optional third part of a
    multipart/report, a whole message or only its headers), or None."""
    for part in parts(report):
        ctype = part.get_content_type()
        if ctype in _RETURNED_MESSAGE:
            inner = parts(part)
            if inner:
                return message_id(inner[0].get("Message-ID"))
        elif ctype in _RETURNED_HEADERS:
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                return message_id(_HEADERS.parsebytes(raw).get("Message-ID"))
    return None


def unquoted(value: object) -> str | None:
    """A header value with surrounding quotes and whitespace removed (an AS2-From
    ``"Kobe AS2"``, RFC 4130 §6.2), None when empty or absent."""
    if value is None:
        return None
    return unquote(str(value).strip()).strip() or None


def parts(message: Message) -> list[Message]:
    """The direct sub-parts of a multipart, or the embedded message(s) of a message/*
    part (the parser holds both as a list); none for any other part."""
    payload = message.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
