"""Commitments projection: each PO's finance commitment, queryable, on po.commitments.v1."""

import json
from typing import Any

from projections.commitments import commitment_of
from projections.db import Tx
from projections.po_state import PoStateProjection
from projections.runner import Context
from projections.status import PoState
from schemas.recorded import Fact
from schemas.topics import Topic
from schemas.views import dump

COMMITMENT_EVENT = "po.commitment"


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


class CommitmentsProjection(PoStateProjection):
    """Upserts the commitment and publishes it only when it actually changed."""

    name = "commitments"

    def setup(self, tx: Tx) -> None:
        super().setup(tx)
        tx.execute(
            "CREATE TABLE IF NOT EXISTS commitments ("
            " po_number TEXT PRIMARY KEY, state TEXT NOT NULL, supplier_id TEXT NOT NULL,"
            " currency TEXT NOT NULL, amount TEXT NOT NULL, commitment TEXT NOT NULL)"
        )
        tx.execute(
            "CREATE INDEX IF NOT EXISTS commitments_by_state ON commitments (state, po_number)"
        )
        tx.execute(
            "CREATE INDEX IF NOT EXISTS commitments_by_supplier"
            " ON commitments (supplier_id, po_number)"
        )

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        tx.execute("DELETE FROM commitments")

    def changed(
        self, tx: Tx, before: PoState | None, after: PoState, facts: list[Fact], ctx: Context
    ) -> None:
        commitment = commitment_of(after)
        if commitment is None:
            return
        document = dump(commitment)
        text = _json(document)
        if get_commitment(tx, after.po_number) == document:
            return  # most facts (sent, delivered, ...) leave the commitment as it was
        tx.execute(
            "INSERT INTO commitments"
            " (po_number, state, supplier_id, currency, amount, commitment)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (po_number) DO UPDATE SET"
            " state = excluded.state, supplier_id = excluded.supplier_id,"
            " currency = excluded.currency, amount = excluded.amount,"
            " commitment = excluded.commitment",
            (
                after.po_number,
                document["state"],
                document["supplier_id"],
                document["currency"],
                document["amount"],
                text,
            ),
        )
        ctx.emit(Topic.COMMITMENTS, after.po_number, COMMITMENT_EVENT, document)


def get_commitment(tx: Tx, po_number: str) -> dict[str, Any] | None:
    """The §5 commitment of a PO, or None before its approval / when never seen."""
    row = tx.one("SELECT commitment FROM commitments WHERE po_number = ?", (po_number,))
    return json.loads(row["commitment"]) if row else None


def list_commitments(
    tx: Tx, state: str | None = None, supplier: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Commitments by PO number, optionally of one state and/or one supplier."""
    where: list[str] = []
    params: list[Any] = []
    if state is not None:
        where.append("state = ?")
        params.append(state)
    if supplier is not None:
        where.append("supplier_id = ?")
        params.append(supplier)
    sql = "SELECT commitment FROM commitments"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY po_number"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [json.loads(row["commitment"]) for row in tx.all(sql, params)]
