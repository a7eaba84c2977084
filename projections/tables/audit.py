"""The `audit` table: per PO, the hash-chained entries of its accepted facts."""

import json
from collections.abc import Sequence
from typing import Any

from projections.tables import Row, Tx


def reset(tx: Tx) -> None:
    tx.execute("DELETE FROM audit")


def last_link(tx: Tx, po_number: str) -> Row | None:
    """The PO's newest entry: seq, notification_id and hash; None before the first."""
    return tx.one(
        "SELECT seq, notification_id, hash FROM audit WHERE po_number = ?"
        " ORDER BY seq DESC LIMIT 1",
        (po_number,),
    )


def append(tx: Tx, rows: Sequence[tuple[str, int, int, str, str, str]]) -> None:
    """Insert entries: (po_number, seq, notification_id, entry JSON, prev_hash, hash)."""
    tx.executemany(
        "INSERT INTO audit (po_number, seq, notification_id, entry, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def entries(tx: Tx, po_number: str) -> list[dict[str, Any]]:
    """Every entry of a PO in recorded order, each with seq, prev_hash and hash."""
    rows = tx.all(
        "SELECT seq, entry, prev_hash, hash FROM audit WHERE po_number = ? ORDER BY seq",
        (po_number,),
    )
    # The seq shown is the hashed one inside the entry, so a tampered entry stays visible.
    return [
        {"seq": int(row["seq"])}
        | json.loads(row["entry"])
        | {"prev_hash": row["prev_hash"], "hash": row["hash"]}
        for row in rows
    ]
