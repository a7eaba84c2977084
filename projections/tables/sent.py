"""The `sent_messages`, `sent_revisions` and `plan_addresses` tables: what was sent, to
whom, for the B2B gateway's correlation (docs/contract.md §2b)."""

from collections.abc import Sequence
from datetime import datetime

from projections.correlation import SentMessage, message_key
from projections.tables import Row, Tx, instant, instant_text

Send = SentMessage | tuple[str, str, int, datetime]  # (po_number, recipient, revision, at)


def reset(tx: Tx) -> None:
    for table in ("sent_messages", "sent_revisions", "plan_addresses"):
        tx.execute(f"DELETE FROM {table}")


def add(tx: Tx, sent: Sequence[Send]) -> None:
    """Record sends: a `SentMessage` (a po.sent with a message_id) or (po_number,
    recipient, revision, sent_at) for one without. The first send of a message id to a
    recipient keeps it; per (PO, recipient, revision) the earliest send time is kept."""
    messages = [s for s in sent if isinstance(s, SentMessage)]
    tx.executemany(
        "INSERT INTO sent_messages (message_key, message_id, po_number, revision, recipient,"
        " channel, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (message_key, recipient) DO NOTHING",
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


def add_addresses(tx: Tx, rows: Sequence[tuple[str, int, str, str]]) -> None:
    """Record the plans' recipient addresses: (po_number, revision, recipient, address),
    lower-cased (a revision's plan is recorded once; a duplicate changes nothing)."""
    tx.executemany(
        "INSERT INTO plan_addresses (po_number, revision, recipient, address)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (po_number, revision, recipient) DO NOTHING",
        [(po, revision, recipient, address.lower()) for po, revision, recipient, address in rows],
    )


def _message(row: Row) -> SentMessage:
    return SentMessage(
        message_id=str(row["message_id"]),
        po_number=str(row["po_number"]),
        revision=int(row["revision"]),
        recipient=str(row["recipient"]),
        channel=str(row["channel"]),
        sent_at=instant(row["sent_at"]),
        address=row["address"],
    )


_SELECT = (
    "SELECT s.message_id, s.po_number, s.revision, s.recipient, s.channel, s.sent_at,"
    " a.address FROM sent_messages s LEFT JOIN plan_addresses a ON a.po_number ="
    " s.po_number AND a.revision = s.revision AND a.recipient = s.recipient"
)


def by_id(tx: Tx, message_id: str) -> list[SentMessage]:
    """Every recipient's sent message of that id (compared as `message_key`), oldest
    first; empty when none."""
    rows = tx.all(
        f"{_SELECT} WHERE s.message_key = ? ORDER BY s.sent_at, s.recipient",
        (message_key(message_id),),
    )
    return [_message(r) for r in rows]


def in_group(tx: Tx, group_id: str, limit: int = 10_000) -> list[SentMessage]:
    """Every sent message whose id is ``<group_id>.<anything>`` (an X12 group or
    interchange, an EDIFACT interchange), oldest first."""
    prefix = message_key(group_id) + "."
    # A range instead of LIKE: no wildcard characters to escape; "/" follows "." in ASCII.
    rows = tx.all(
        f"{_SELECT} WHERE s.message_key >= ? AND s.message_key < ?"
        " ORDER BY s.sent_at, s.message_key LIMIT ?",
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
