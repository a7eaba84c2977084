"""The notifier's tables (`potrack notify`): the queue, the delivery ledger and the targets.

- `notify_queue`: one row per (alert transition, target) to deliver, written by the
  subscriber in one transaction per Kafka batch; unique, so a redelivered batch adds
  nothing, and never for what the ledger already has.
- `notify_ledger`: one row per (alert transition, target) delivered, written with the
  removal of its queue rows in one transaction after the send succeeded. A transition is
  (alert_id, transition, escalation level, raised_at): raised_at tells a reopened alert's
  episode from the first one.
- `notify_targets`: per target, its consecutive failures and when to try next (the
  backoff), and a lease, so that one notifier process sends for a target at a time.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from projections.tables import Row, Tx, instant, instant_text

DDL = (
    "CREATE TABLE IF NOT EXISTS notify_queue (id {serial}, alert_id TEXT NOT NULL,"
    " transition TEXT NOT NULL, level INTEGER NOT NULL, raised_at TEXT NOT NULL,"
    " target TEXT NOT NULL, label TEXT NOT NULL, message TEXT NOT NULL,"
    " single INTEGER NOT NULL, po_number TEXT NOT NULL, queued_at TEXT NOT NULL,"
    " due_at TEXT NOT NULL, item TEXT NOT NULL,"
    " UNIQUE (alert_id, transition, level, raised_at, target))",
    "CREATE INDEX IF NOT EXISTS notify_queue_by_target ON notify_queue (target, due_at)",
    "CREATE TABLE IF NOT EXISTS notify_ledger (alert_id TEXT NOT NULL,"
    " transition TEXT NOT NULL, level INTEGER NOT NULL, raised_at TEXT NOT NULL,"
    " target TEXT NOT NULL, label TEXT NOT NULL, message TEXT NOT NULL,"
    " po_number TEXT NOT NULL, revision INTEGER NOT NULL, kind TEXT NOT NULL, recipient TEXT,"
    " sent_at TEXT NOT NULL,"
    " digest INTEGER NOT NULL, PRIMARY KEY (alert_id, transition, level, raised_at, target))",
    "CREATE INDEX IF NOT EXISTS notify_ledger_by_po ON notify_ledger (po_number, sent_at)",
    "CREATE TABLE IF NOT EXISTS notify_targets (target TEXT PRIMARY KEY, label TEXT NOT NULL,"
    " failures INTEGER NOT NULL, next_at TEXT, failing_since TEXT, last_error TEXT,"
    " owner TEXT, lease_until TEXT)",
)
_KEY = ("alert_id", "transition", "level", "raised_at", "target")
_SAME = " AND ".join(f"l.{c} = ?" for c in _KEY)


@dataclass(frozen=True)
class Queued:
    """One (alert transition, target) to deliver.

    `target` is the target's key (`buyer:<email>`, `supplier:<email>`, `url:<digest>`),
    `label` how people see it (passwords masked), `message` the kind of message
    (`notification` or `reminder`), `single` True when it goes alone (digest_minutes 0),
    `due_at` when its digest window closes, `item` what the templates need (JSON-ready),
    `id` the queue row's id once stored.
    """

    alert_id: str
    transition: str
    level: int
    raised_at: datetime
    target: str
    label: str
    message: str
    single: bool
    po_number: str
    queued_at: datetime
    due_at: datetime
    item: dict[str, Any] = field(hash=False)
    id: int | None = None

    def key(self) -> tuple[str, str, int, str, str]:
        """The ledger key: (alert_id, transition, level, raised_at text, target)."""
        return (
            self.alert_id,
            self.transition,
            self.level,
            instant_text(self.raised_at),
            self.target,
        )


def enqueue(tx: Tx, rows: Sequence[Queued]) -> int:
    """Queue what neither the queue nor the ledger has yet; returns how many were new.
    Each target gets its row in `notify_targets` (no failures yet)."""
    added = 0
    for q in rows:
        added += tx.execute(
            "INSERT INTO notify_queue (alert_id, transition, level, raised_at, target, label,"
            " message, single, po_number, queued_at, due_at, item)"
            " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS"
            f" (SELECT 1 FROM notify_ledger l WHERE {_SAME})"
            " ON CONFLICT (alert_id, transition, level, raised_at, target) DO NOTHING",
            (
                *q.key(),
                q.label,
                q.message,
                int(q.single),
                q.po_number,
                instant_text(q.queued_at),
                instant_text(q.due_at),
                json.dumps(q.item, separators=(",", ":")),
                *q.key(),
            ),
        )
    tx.executemany(
        "INSERT INTO notify_targets (target, label, failures) VALUES (?, ?, 0)"
        " ON CONFLICT (target) DO NOTHING",
        sorted({(q.target, q.label) for q in rows}),
    )
    return added


def due_targets(tx: Tx, now: datetime, limit: int = 100) -> list[str]:
    """Targets with a queued row due by `now`, not backing off and not leased."""
    at = instant_text(now)
    rows = tx.all(
        "SELECT t.target FROM notify_targets t WHERE (t.next_at IS NULL OR t.next_at <= ?)"
        " AND (t.lease_until IS NULL OR t.lease_until < ?) AND EXISTS (SELECT 1 FROM"
        " notify_queue q WHERE q.target = t.target AND q.due_at <= ?) ORDER BY t.target LIMIT ?",
        (at, at, at, limit),
    )
    return [str(r["target"]) for r in rows]


def claim(tx: Tx, target: str, owner: str, now: datetime, until: datetime) -> bool:
    """Lease `target` to `owner` until `until` unless another owner holds a live lease."""
    return (
        tx.execute(
            "UPDATE notify_targets SET owner = ?, lease_until = ? WHERE target = ?"
            " AND (lease_until IS NULL OR lease_until < ? OR owner = ?)",
            (owner, instant_text(until), target, instant_text(now), owner),
        )
        == 1
    )


def queued(tx: Tx, target: str) -> list[Queued]:
    """Every queued row of `target`, in queue order."""
    rows = tx.all("SELECT * FROM notify_queue WHERE target = ? ORDER BY id", (target,))
    return [_queued(r) for r in rows]


def _queued(r: Row) -> Queued:
    return Queued(
        alert_id=str(r["alert_id"]),
        transition=str(r["transition"]),
        level=int(r["level"]),
        raised_at=instant(r["raised_at"]),
        target=str(r["target"]),
        label=str(r["label"]),
        message=str(r["message"]),
        single=bool(r["single"]),
        po_number=str(r["po_number"]),
        queued_at=instant(r["queued_at"]),
        due_at=instant(r["due_at"]),
        item=json.loads(r["item"]),
        id=int(r["id"]),
    )


def delivered(tx: Tx, rows: Sequence[Queued], sent_at: datetime) -> None:
    """Note one delivered message (its rows) in the ledger and take its rows off the queue;
    the target's failures are forgotten."""
    tx.executemany(
        "INSERT INTO notify_ledger (alert_id, transition, level, raised_at, target, label,"
        " message, po_number, revision, kind, recipient, sent_at, digest)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (
                *q.key(),
                q.label,
                q.message,
                q.po_number,
                int(q.item["alert"]["revision"]),
                str(q.item["alert"]["kind"]),
                q.item["alert"].get("recipient"),
                instant_text(sent_at),
                len(rows),
            )
            for q in rows
        ],
    )
    remove(tx, rows)
    for target in {q.target for q in rows}:
        tx.execute(
            "UPDATE notify_targets SET failures = 0, next_at = NULL, failing_since = NULL,"
            " last_error = NULL WHERE target = ?",
            (target,),
        )


def remove(tx: Tx, rows: Sequence[Queued]) -> None:
    """Take rows off the queue (delivered, or their target left the rules)."""
    tx.executemany("DELETE FROM notify_queue WHERE id = ?", [(q.id,) for q in rows])


def failed(tx: Tx, target: str, error: str, now: datetime, next_at: datetime) -> None:
    """Count one more failure of `target` (failing since `now` if it was not) and try it
    again at `next_at`."""
    tx.execute(
        "UPDATE notify_targets SET failures = failures + 1, next_at = ?, last_error = ?,"
        " failing_since = COALESCE(failing_since, ?) WHERE target = ?",
        (instant_text(next_at), error[:500], instant_text(now), target),
    )


def release(tx: Tx, target: str, owner: str) -> None:
    """Give the lease of `target` back (only the owner's)."""
    tx.execute(
        "UPDATE notify_targets SET owner = NULL, lease_until = NULL WHERE target = ? AND owner = ?",
        (target, owner),
    )


def failures(tx: Tx, target: str) -> int:
    """Consecutive failures of `target` (0 when unknown)."""
    row = tx.one("SELECT failures FROM notify_targets WHERE target = ?", (target,))
    return int(row["failures"]) if row else 0


def failing(tx: Tx) -> list[Row]:
    """Targets whose last send failed: label, failures, failing_since, last_error."""
    return tx.all(
        "SELECT label, failures, failing_since, last_error FROM notify_targets"
        " WHERE failures > 0 ORDER BY label"
    )


def waiting(tx: Tx) -> int:
    """How many (transition, target) rows wait in the queue."""
    row = tx.one("SELECT COUNT(*) AS n FROM notify_queue")
    return int(row["n"]) if row else 0


def of_po(tx: Tx, po_number: str) -> list[Row]:
    """What was delivered about a PO, oldest first: sent_at, target (its label), message,
    alert_id, revision, kind, recipient, transition, level, digest (transitions in that
    message)."""
    return tx.all(
        "SELECT sent_at, label AS target, message, alert_id, revision, kind, recipient, transition,"
        " level, digest FROM notify_ledger WHERE po_number = ?"
        " ORDER BY sent_at, alert_id, transition, level, target",
        (po_number,),
    )
