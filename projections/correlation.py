"""Message ids as correlation keys (docs/contract.md §2b): one spelling per sent message.

A reply names the message it answers in its own format's spelling: an X12 997 echoes the
group control number GS06 in AK102, a numeric element that systems write with or without
leading zeros; an email reply quotes the Message-ID in angle brackets. `message_key` is
the one spelling both sides are compared in: surrounding whitespace and angle brackets
dropped, and leading zeros dropped from every all-digit dot-separated part.
"""

from datetime import datetime
from typing import NamedTuple


def message_key(message_id: str) -> str:
    """The comparison form of a message id: ``" <000123.0001> "`` -> ``"123.1"``."""
    text = message_id.strip().removeprefix("<").removesuffix(">").strip()
    return ".".join(
        (part.lstrip("0") or "0") if part.isdigit() else part for part in text.split(".")
    )


class SentMessage(NamedTuple):
    """One sent message (a `po.sent` with a `message_id`) to one recipient: what a reply
    to it is about. `address` is the recipient's address in the plan of that revision
    (lower-cased), when the plan is recorded and names one."""

    message_id: str
    po_number: str
    revision: int
    recipient: str
    channel: str
    sent_at: datetime
    address: str | None = None
