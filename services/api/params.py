"""Query-parameter helpers: RFC 3339 instants and opaque keyset cursors."""

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import WithJsonSchema

from services.api.problems import ProblemError

# Taken as text and parsed here (clear 422 messages); documented as an RFC 3339 date-time.
InstantText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

# RFC 3339 date-time: full date, 'T' (or space/lower-case t), time, optional fraction, offset.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_instant(name: str, value: str) -> datetime:
    """The UTC instant of RFC 3339 text, or a 422 problem naming the parameter."""
    if not _RFC3339.match(value):
        raise ProblemError(
            422,
            "invalid-time",
            "Invalid time",
            f"{name} must be an RFC 3339 date-time with an offset, "
            f"e.g. 2025-03-03T09:00:00Z or 2025-03-03T10:00:00+01:00; got {value!r}",
        )
    text = value.upper().replace(" ", "T").replace("Z", "+00:00")
    if "." in text:
        # fromisoformat takes at most microseconds; RFC 3339 allows any precision.
        head, rest = text.split(".", 1)
        digits, offset = rest[:-6], rest[-6:]
        text = f"{head}.{digits[:6].ljust(6, '0')}{offset}"
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ProblemError(
            422, "invalid-time", "Invalid time", f"{name} is not a valid date-time: {exc}"
        ) from exc


def encode_cursor(key: str) -> str:
    """Opaque cursor for the position after `key`."""
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor stands for (None for no or an empty cursor), or a 422 problem."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        key = raw.decode("utf-8")
        if not key:
            raise ValueError("empty cursor")
        return key
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ProblemError(
            422,
            "invalid-cursor",
            "Invalid cursor",
            "cursor must be a next_cursor value returned by this endpoint",
        ) from exc
