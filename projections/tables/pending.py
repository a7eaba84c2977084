"""The `gateway_pending` table: documents waiting for the `po.sent` they answer (§2b).

Bodies are stored base64-encoded in a TEXT column, the same in SQLite and PostgreSQL.
"""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from projections.tables import Tx, instant, instant_text


@dataclass(frozen=True)
class Pending:
    """One waiting document: its bytes and headers, where it sat on po.documents.v1
    (`doc_key` = ``topic:partition:offset``), when it arrived, when it is tried next,
    how often it was tried and why it waits."""

    doc_key: str
    body: bytes
    content_type: str | None
    partner: str | None
    topic: str | None
    partition: int | None
    offset: int | None
    key: bytes | None
    arrived_at: datetime
    next_at: datetime
    attempts: int
    reason: str


def add(tx: Tx, rows: Sequence[Pending]) -> None:
    """Park documents (a document parked twice, after a redelivery, stays parked once)."""
    tx.executemany(
        "INSERT INTO gateway_pending (doc_key, body, content_type, partner, topic,"
        " kafka_partition, kafka_offset, kafka_key, arrived_at, next_at, attempts, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_key) DO NOTHING",
        [
            (
                p.doc_key,
                base64.b64encode(p.body).decode(),
                p.content_type,
                p.partner,
                p.topic,
                p.partition,
                p.offset,
                base64.b64encode(p.key).decode() if p.key is not None else None,
                instant_text(p.arrived_at),
                instant_text(p.next_at),
                p.attempts,
                p.reason,
            )
            for p in rows
        ],
    )


def due(tx: Tx, at: datetime, limit: int = 500) -> list[Pending]:
    """The waiting documents to try at `at`, oldest first."""
    rows = tx.all(
        "SELECT * FROM gateway_pending WHERE next_at <= ? ORDER BY next_at, doc_key LIMIT ?",
        (instant_text(at), limit),
    )
    return [
        Pending(
            doc_key=str(r["doc_key"]),
            body=base64.b64decode(r["body"]),
            content_type=r["content_type"],
            partner=r["partner"],
            topic=r["topic"],
            partition=None if r["kafka_partition"] is None else int(r["kafka_partition"]),
            offset=None if r["kafka_offset"] is None else int(r["kafka_offset"]),
            key=None if r["kafka_key"] is None else base64.b64decode(r["kafka_key"]),
            arrived_at=instant(r["arrived_at"]),
            next_at=instant(r["next_at"]),
            attempts=int(r["attempts"]),
            reason=str(r["reason"]),
        )
        for r in rows
    ]


def reschedule(tx: Tx, doc_key: str, next_at: datetime, attempts: int, reason: str) -> None:
    """Try a waiting document again at `next_at`."""
    tx.execute(
        "UPDATE gateway_pending SET next_at = ?, attempts = ?, reason = ? WHERE doc_key = ?",
        (instant_text(next_at), attempts, reason, doc_key),
    )


def remove(tx: Tx, doc_keys: Sequence[str]) -> None:
    """Forget documents that were translated or dead-lettered."""
    tx.executemany("DELETE FROM gateway_pending WHERE doc_key = ?", [(k,) for k in doc_keys])


def count(tx: Tx) -> int:
    """How many documents wait."""
    row = tx.one("SELECT COUNT(*) AS n FROM gateway_pending")
    return int(row["n"]) if row else 0


def holding(tx: Tx, topic: str, attempts_below: int) -> dict[int, datetime]:
    """Per partition of `topic`, the earliest arrival of a document tried fewer than
    `attempts_below` times: what the gateway's watermark claim must stay before."""
    rows = tx.all(
        "SELECT kafka_partition, MIN(arrived_at) AS first FROM gateway_pending"
        " WHERE topic = ? AND attempts < ? GROUP BY kafka_partition",
        (topic, attempts_below),
    )
    return {int(r["kafka_partition"]): instant(r["first"]) for r in rows}
