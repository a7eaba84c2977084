"""The correlation lookup of `translate` over the `sent` projection's tables (§2b)."""

from datetime import datetime

from projections.correlation import SentMessage
from projections.tables import Tx, sent


class SentLookup:
    """`services.gateway.translate.Correlation` read in one open transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def by_id(self, message_id: str) -> list[SentMessage]:
        return sent.by_id(self.tx, message_id)

    def in_group(self, group_id: str) -> list[SentMessage]:
        return sent.in_group(self.tx, group_id)

    def last_revision(self, po_number: str, recipient: str, at: datetime | None) -> int | None:
        return sent.last_revision(self.tx, po_number, recipient, at)


class NothingSent:
    """A correlation lookup with nothing sent (no views database to ask)."""

    def by_id(self, message_id: str) -> list[SentMessage]:
        return []

    def in_group(self, group_id: str) -> list[SentMessage]:
        return []

    def last_revision(self, po_number: str, recipient: str, at: datetime | None) -> int | None:
        return None
