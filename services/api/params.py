"""Query-parameter helpers: RFC 3339 instants and opaque keyset cursors."""

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

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


def _bad_cursor() -> ProblemError:
    return ProblemError(
        422,
        "invalid-cursor",
        "Invalid cursor",
        "cursor must be a next_cursor value returned by this endpoint",
    )


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
        raise _bad_cursor() from exc


def encode_key(key: Sequence[Any] | None) -> str | None:
    """Opaque cursor for a compound keyset position (JSON values), None for no position."""
    return encode_cursor(json.dumps(list(key), separators=(",", ":"))) if key else None


def decode_key(cursor: str | None, types: Sequence[type]) -> tuple[Any, ...] | None:
    """The compound key of `encode_key` (None for no cursor); a 422 problem unless it is a
    list of values of exactly `types`."""
    text = decode_cursor(cursor)
    if text is None:
        return None
    try:
        key = json.loads(text)
    except ValueError as exc:
        raise _bad_cursor() from exc
    fits = isinstance(key, list) and len(key) == len(types)
    if not fits or not all(type(v) is t for v, t in zip(key, types, strict=False)):
        raise _bad_cursor()
    return tuple(key)
