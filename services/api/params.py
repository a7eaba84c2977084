"""Query-parameter helpers: RFC 3339 instants and opaque keyset cursors."""

import base64
import binascii
from datetime import datetime
from typing import Annotated

from pydantic import WithJsonSchema

from schemas import instants
from services.api.problems import ProblemError

# Taken as text and parsed here (clear 422 messages); documented as an RFC 3339 date-time.
InstantText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


def parse_instant(name: str, value: str) -> datetime:
    """The UTC instant of RFC 3339 text (`schemas.instants`), or a 422 problem naming the
    parameter."""
    try:
        return instants.parse_instant(value)
    except ValueError as exc:
        raise ProblemError(422, "invalid-time", "Invalid time", f"{name}: {exc}") from exc


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
