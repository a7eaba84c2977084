"""Helpers of the simulator's tests: the start of their streams, and an in-memory
`Correlation` (services.gateway.translate) over simulated po.sent events, which is what
the gateway's `sent` projection holds once every one of them is recorded."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from projections.correlation import SentMessage, message_key

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def instant(rfc3339: str) -> datetime:
    """An RFC 3339 time as an aware datetime (``Z`` included)."""
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))


class SentLog:
    """The po.sent CloudEvents given, keyed as the `sent_messages` and `sent_revisions`
    tables key them: by message key and recipient (the first send wins) and by (PO,
    recipient)."""

    def __init__(self, events: Iterable[dict[str, Any]]) -> None:
        self.messages: dict[str, dict[str, SentMessage]] = defaultdict(dict)
        self.revisions: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
        for event in events:
            if event["type"] != "po.sent":
                continue
            data = event["data"]
            sent = SentMessage(
                message_id=data["message_id"],
                po_number=event["subject"],
                revision=data["revision"],
                recipient=data["recipient"],
                channel=data["channel"],
                sent_at=instant(event["time"]),
            )
            self.messages[message_key(sent.message_id)].setdefault(sent.recipient, sent)
            self.revisions[sent.po_number, sent.recipient].append((sent.sent_at, sent.revision))

    def by_id(self, message_id: str) -> list[SentMessage]:
        return list(self.messages.get(message_key(message_id), {}).values())

    def in_group(self, group_id: str) -> list[SentMessage]:
        prefix = message_key(group_id) + "."
        found = [
            m for key, ms in self.messages.items() if key.startswith(prefix) for m in ms.values()
        ]
        return sorted(found, key=lambda m: (m.sent_at, message_key(m.message_id)))

    def last_revision(self, po_number: str, recipient: str, at: datetime | None) -> int | None:
        sent = self.revisions.get((po_number, recipient), [])
        found = [revision for when, revision in sent if at is None or when <= at]
        return max(found) if found else None
