"""Audit projection: the per-PO hash-chained trail of accepted facts, and its queries."""

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from projections.audit import GENESIS, canonical, chain, content, to_csv, to_jsonl, verify
from projections.db import Tx
from projections.runner import Context
from schemas.recorded import Fact

__all__ = ["AuditProjection", "audit_entries", "to_csv", "to_jsonl", "verify", "verify_po"]


class AuditProjection:
    """Appends one entry per accepted fact to its PO's chain; publishes nothing."""

    name = "audit"

    def setup(self, tx: Tx) -> None:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS audit ("
            " po_number TEXT NOT NULL, seq INTEGER NOT NULL, notification_id BIGINT NOT NULL,"
            " entry TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
            " PRIMARY KEY (po_number, seq))"
        )

    def reset(self, tx: Tx) -> None:
        tx.execute("DELETE FROM audit")

    def apply(self, tx: Tx, facts: Sequence[tuple[int, Fact]], ctx: Context) -> None:
        by_po: dict[str, list[tuple[int, Fact]]] = defaultdict(list)
        for notification_id, fact in facts:
            by_po[fact.subject].append((notification_id, fact))
        for po_number, po_facts in by_po.items():
            last = tx.one(
                "SELECT seq, notification_id, hash FROM audit WHERE po_number = ?"
                " ORDER BY seq DESC LIMIT 1",
                (po_number,),
            )
            seq = int(last["seq"]) if last else 0
            seen = int(last["notification_id"]) if last else 0
            previous = str(last["hash"]) if last else GENESIS
            fresh = [(n, f) for n, f in po_facts if n > seen]  # a re-applied batch must not fork
            rows = [
                (
                    po_number,
                    e["seq"],
                    e["notification_id"],
                    canonical(content(e)),
                    e["prev_hash"],
                    e["hash"],
                )
                for e in chain(fresh, previous, seq)
            ]
            tx.executemany(
                "INSERT INTO audit (po_number, seq, notification_id, entry, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )


def audit_entries(tx: Tx, po_number: str) -> list[dict[str, Any]]:
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


def verify_po(tx: Tx, po_number: str) -> int | None:
    """The seq of the first broken link of a PO's stored chain, or None when it holds."""
    return verify(audit_entries(tx, po_number))
