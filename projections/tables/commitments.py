"""The `commitments` table: the finance commitment of every PO (docs/contract.md §5)."""

import json
from typing import Any

from projections.tables import Tx


def reset(tx: Tx) -> None:
    tx.execute("DELETE FROM commitments")


def save(tx: Tx, document: dict[str, Any]) -> None:
    """Upsert one commitment (its JSON-ready form)."""
    tx.execute(
        "INSERT INTO commitments"
        " (po_number, state, supplier_id, currency, amount, commitment)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (po_number) DO UPDATE SET"
        " state = excluded.state, supplier_id = excluded.supplier_id,"
        " currency = excluded.currency, amount = excluded.amount,"
        " commitment = excluded.commitment",
        (
            document["po_number"],
            document["state"],
            document["supplier_id"],
            document["currency"],
            document["amount"],
            json.dumps(document, sort_keys=True, separators=(",", ":")),
        ),
    )


def get(tx: Tx, po_number: str) -> dict[str, Any] | None:
    """The commitment of a PO, or None before its approval / when never seen."""
    row = tx.one("SELECT commitment FROM commitments WHERE po_number = ?", (po_number,))
    return json.loads(row["commitment"]) if row else None


def listing(
    tx: Tx,
    state: str | None = None,
    supplier: str | None = None,
    limit: int | None = None,
    currency: str | None = None,
) -> list[dict[str, Any]]:
    """Commitments by PO number, optionally of one state, supplier and/or currency."""
    where: list[str] = []
    params: list[Any] = []
    if currency is not None:
        where.append("currency = ?")
        params.append(currency)
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
