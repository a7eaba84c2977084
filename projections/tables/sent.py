"""The `sent_messages` and `sent_revisions` tables: what was sent, for the B2B gateway's
correlation (docs/contract.md §2b)."""

from collections.abc import Sequence
from datetime import datetime

from projections.correlation import SentMessage, message_key
from projections.tables import Row, Tx, instant, instant_text


def reset(tx: Tx) -> None:
    tx.execute("DELETE FROM sent_messages")
    tx.execute("DELETE FROM sent_revisions")


def add(tx: Tx, sent: Sequence[SentMessage | tuple[str, str, int, datetime]]) -> None:
    """Record sends: a `SentMessage` (a po.sent with a message_id) or (po_number,
    recipient, revision, sent_at) for one without. The first send of a message id keeps
    it; per (PO, recipient, revision) the earliest send time is kept."""
    messages = [s for s in sent if isinstance(s, SentMessage)]
    tx.executemany(
        "INSERT INTO sent_messages (message_key, message_id, po_number, revision, recipient,"
        " channel, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_key) DO NOTHING",
        [
            (
                message_key(m.message_id),
                m.message_id,
                m.po_number,
                m.revision,
                m.recipient,
                m.channel,
                instant_text(m.sent_at),
            )
            for m in messages
        ],
    )
    tx.executemany(
        "INSERT INTO sent_revisions (po_number, recipient, revision, sent_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (po_number, recipient, revision) DO UPDATE"
        " SET sent_at = CASE WHEN excluded.sent_at < sent_revisions.sent_at"
        " THEN excluded.sent_at ELSE sent_revisions.sent_at END",
        [
            (s.po_number, s.recipient, s.revision, instant_text(s.sent_at))
            if isinstance(s, SentMessage)
            else (s[0], s[1], s[2], instant_text(s[3]))
            for s in sent
        ],
    )


def _message(row: Row) -> SentMessage:
    return SentMessage(
        message_id=str(row["message_id"]),
        po_number=str(row["po_number"]),
        revision=int(row["revision"]),
        recipient=str(row["recipient"]),
        channel=str(row["channel"]),
        sent_at=instant(row["sent_at"]),
    )


_COLUMNS = "message_id, po_number, revision, recipient, channel, sent_at"


def by_id(tx: Tx, message_id: str) -> SentMessage | None:
    """The sent message of that id (compared as `message_key`), or None."""
    row = tx.one(
        f"SELECT {_COLUMNS} FROM sent_messages WHERE message_key = ?", (message_key(message_id),)
    )
    return _message(row) if row else None


def in_group(tx: Tx, group_id: str, limit: int = 10_000) -> list[SentMessage]:
    """Every sent message whose id is ``<group_id>.<anything>`` (an X12 group or
    interchange, an EDIFACT interchange), oldest first."""
    prefix = message_key(group_id) + "."
    # A range instead of LIKE: no wildcard characters to escape; "/" follows "." in ASCII.
    rows = tx.all(
        f"SELECT {_COLUMNS} FROM sent_messages WHERE message_key >= ? AND message_key < ?"
        " ORDER BY sent_at, message_key LIMIT ?",
        (prefix, prefix[:-1] + "/", limit),
    )
    return [_message(r) for r in rows]


def last_revision(tx: Tx, po_number: str, recipient: str, at: datetime | None) -> int | None:
    """The highest revision sent to the recipient at or before `at` (any time when None),
    or None when nothing was sent to it."""
    if at is None:
        row = tx.one(
            "SELECT MAX(revision) AS revision FROM sent_revisions"
            " WHERE po_number = ? AND recipient = ?",
            (po_number, recipient),
        )
    else:
        row = tx.one(
            "SELECT MAX(revision) AS revision FROM sent_revisions"
            " WHERE po_number = ? AND recipient = ? AND sent_at <= ?",
            (po_number, recipient, instant_text(at)),
        )
    return int(row["revision"]) if row and row["revision"] is not None else None
