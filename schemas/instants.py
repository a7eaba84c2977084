"""RFC 3339 instants as readers give them (`?as_of=`, `--as-of`): one parser for the API
and the command line, so both accept exactly the same text (docs/contract.md §6, §8)."""

import re
from datetime import UTC, datetime

# Full date, 'T' (or space, or lower-case t), time, optional fraction, an offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
EXAMPLE = "e.g. 2025-03-03T09:00:00Z or 2025-03-03T10:00:00+01:00"


def parse_instant(text: str) -> datetime:
    """The UTC instant of RFC 3339 `text`; ValueError saying why for anything else (no
    offset, not a date, or outside the calendar once converted to UTC)."""
    if not RFC3339.match(text):
        raise ValueError(f"not an RFC 3339 date-time with an offset ({EXAMPLE}): {text!r}")
    value = text.upper().replace(" ", "T").replace("Z", "+00:00")
    hours, minutes = int(value[-5:-3]), int(value[-2:])
    if hours > 23 or minutes > 59:  # RFC 3339 time-numoffset: 00-23 hours, 00-59 minutes
        raise ValueError(f"offset {value[-6:]} is not between -23:59 and +23:59: {text!r}")
    if "." in value:
        # fromisoformat takes at most microseconds; RFC 3339 allows any precision.
        head, rest = value.split(".", 1)
        digits, offset = rest[:-6], rest[-6:]
        value = f"{head}.{digits[:6].ljust(6, '0')}{offset}"
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date-time: {text!r} ({exc})") from exc
