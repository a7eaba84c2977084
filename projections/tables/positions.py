"""Projection positions (how far each projection has applied the notification log) and
the outbox (outbound records queued in a projection's transaction, sent after)."""

import json
from datetime import UTC, datetime
from typing import Any

from projections.tables import Row, Tx

Message = tuple[str, str, str, dict[str, Any]]  # topic, key, CloudEvents type, data


def _now_text() -> str:
    return datetime.now(UTC).isoformat()


def position(tx: Tx, name: str) -> int:
    """The last notification id the projection applied (0: none yet)."""
    row = tx.one("SELECT position FROM projection_positions WHERE name = ?", (name,))
    return int(row["position"]) if row else 0


def move(tx: Tx, name: str, old: int, new: int) -> bool:
    """Advance the position from `old` to `new`; False if another worker moved it first."""
    if old == 0 and not tx.one("SELECT 1 AS x FROM projection_positions WHERE name = ?", (name,)):
        tx.execute(
            "INSERT INTO projection_positions (name, position, updated_at) VALUES (?, ?, ?)",
            (name, new, _now_text()),
        )
        return True
    changed = tx.execute(
        "UPDATE projection_positions SET position = ?, updated_at = ?"
        " WHERE name = ? AND position = ?",
        (new, _now_text(), name, old),
    )
    return changed == 1


def forget(tx: Tx, name: str) -> None:
    """Drop the projection's position: it applies the log from the start again."""
    tx.execute("DELETE FROM projection_positions WHERE name = ?", (name,))


def version(tx: Tx, name: str) -> int:
    """The version of the projection that made its stored rows: 1 when none was noted
    (rows made before versions were noted were made by version 1)."""
    row = tx.one("SELECT version FROM projection_versions WHERE name = ?", (name,))
    return int(row["version"]) if row else 1


def noted(tx: Tx, key: str) -> int | None:
    """A number noted under `key` in projection_versions (e.g. "alerts:policy"), else None."""
    row = tx.one("SELECT version FROM projection_versions WHERE name = ?", (key,))
    return int(row["version"]) if row else None


def set_version(tx: Tx, name: str, value: int) -> None:
    tx.execute(
        "INSERT INTO projection_versions (name, version) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET version = excluded.version",
        (name, value),
    )


def replay_until(tx: Tx, name: str) -> int | None:
    """Where the projection's rows stood when a rebuild began (`mark_replay`): below it the
    records were published before, so a rebuild publishes them no more. None: no rebuild."""
    return noted(tx, f"{name}:replay")


def mark_replay(tx: Tx, name: str, until: int) -> None:
    """Note that the projection is rebuilt and had applied the log up to `until`."""
    set_version(tx, f"{name}:replay", until)


def end_replay(tx: Tx, name: str) -> None:
    """The rebuild is back where it began (`mark_replay`): publish as usual again."""
    tx.execute("DELETE FROM projection_versions WHERE name = ?", (f"{name}:replay",))


def replaying(tx: Tx, name: str, position: int) -> bool:
    """Whether the projection, at `position`, is rebuilding what was published before."""
    until = replay_until(tx, name)
    return until is not None and position < until


def positions(tx: Tx) -> dict[str, int]:
    """Every projection's position, by name."""
    rows = tx.all("SELECT name, position FROM projection_positions ORDER BY name")
    return {str(r["name"]): int(r["position"]) for r in rows}


def enqueue(tx: Tx, messages: list[Message]) -> None:
    """Queue outbound records in the caller's transaction."""
    now = _now_text()
    tx.executemany(
        "INSERT INTO outbox (topic, key, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [(t, k, ty, json.dumps(p, separators=(",", ":")), now) for t, k, ty, p in messages],
    )


def queued(tx: Tx, limit: int) -> list[Row]:
    """The oldest `limit` queued records: id, topic, key, type, payload (JSON), created_at."""
    return tx.all(
        "SELECT id, topic, key, type, payload, created_at FROM outbox ORDER BY id LIMIT ?",
        (limit,),
    )


def sent(tx: Tx, ids: list[int]) -> None:
    """Remove records the broker acknowledged."""
    tx.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def claim(tx: Tx, number: int, ids: list[int]) -> None:
    """Note that outbox batch `number` (the publisher's claim) holds these records, before
    they are published in one Kafka transaction; a claim not published is replaced."""
    tx.execute("DELETE FROM outbox_claims WHERE claim >= ?", (number,))
    tx.execute("INSERT INTO outbox_claims (claim, ids) VALUES (?, ?)", (number, json.dumps(ids)))


def settle(tx: Tx, published: int) -> int:
    """Settle the claims after a publisher (re)started or published: the records of every
    claim at or below `published` (the last claim the broker committed) are removed from
    the outbox; claims above it were never published, so their records stay queued.
    Returns how many records were removed."""
    removed = 0
    for row in tx.all("SELECT claim, ids FROM outbox_claims ORDER BY claim"):
        if int(row["claim"]) <= published:
            ids = [int(i) for i in json.loads(row["ids"])]
            sent(tx, ids)
            removed += len(ids)
    tx.execute("DELETE FROM outbox_claims")
    return removed


def queued_count(tx: Tx) -> int:
    """How many records wait in the outbox."""
    row = tx.one("SELECT COUNT(*) AS n FROM outbox")
    return int(row["n"]) if row else 0
