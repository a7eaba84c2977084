"""The `po_status` table: the stored status view of every PO, exactly as published.

Every reader (API, CLI, dashboard) shows the stored view as it is, `overdue` included:
the status projection writes it and the alerts projection keeps its `overdue` in step
with the open alerts, in their own transactions (docs/contract.md §8: views agree).
"""

import json
from collections.abc import Sequence
from typing import Any

from projections.overdue import OVERDUE_KINDS
from projections.tables import Tx, chunks, marks
from projections.tables.alerts import OPEN_OVERDUE

View = dict[str, Any]
SCAN_CHUNK = 500  # rows per query when `overdue` filters (keyset pages stay exact)


def _text(view: View) -> str:
    return json.dumps(view, separators=(",", ":"))


def reset(tx: Tx) -> None:
    tx.execute("DELETE FROM po_status")


def lock(tx: Tx, po_numbers: Sequence[str]) -> None:
    """Lock the rows of these POs (the alerts projection flips `overdue` in place)."""
    for part in chunks(sorted(po_numbers)):
        tx.execute(f"UPDATE po_status SET view = view WHERE po_number IN ({marks(part)})", part)


def save(tx: Tx, views: Sequence[View]) -> None:
    """Upsert rendered views (JSON-ready dicts) with one executemany."""
    tx.executemany(
        "INSERT INTO po_status"
        " (po_number, status, supplier_id, revision, version, updated_at, view)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (po_number) DO UPDATE SET"
        " status = excluded.status, supplier_id = excluded.supplier_id,"
        " revision = excluded.revision, version = excluded.version,"
        " updated_at = excluded.updated_at, view = excluded.view",
        [
            (
                v["po_number"],
                v["status"],
                v["supplier_id"],
                v["revision"],
                v["version"],
                v["updated_at"],
                _text(v),
            )
            for v in views
        ],
    )


def set_overdue(tx: Tx, po_number: str, overdue: bool) -> View | None:
    """Set `overdue` of the stored view in place; the changed view, or None (no view yet,
    or unchanged). The row is locked before it is read: the status projection may be
    rewriting it."""
    if not tx.execute("UPDATE po_status SET view = view WHERE po_number = ?", (po_number,)):
        return None
    view = get(tx, po_number)
    if view is None or view.get("overdue") is overdue:
        return None
    view["overdue"] = overdue
    tx.execute("UPDATE po_status SET view = ? WHERE po_number = ?", (_text(view), po_number))
    return view


def get(tx: Tx, po_number: str) -> View | None:
    """The stored view of a PO, or None when the status projection has not written one."""
    row = tx.one("SELECT view FROM po_status WHERE po_number = ?", (po_number,))
    return json.loads(row["view"]) if row else None


def get_many(tx: Tx, po_numbers: Sequence[str]) -> list[View]:
    """The stored views of those POs that have one."""
    found: list[View] = []
    for part in chunks(po_numbers):
        sql = f"SELECT view FROM po_status WHERE po_number IN ({marks(part)})"
        found += [json.loads(r["view"]) for r in tx.all(sql, part)]
    return found


def page(
    tx: Tx,
    *,
    status: str | None,
    supplier: str | None,
    overdue: bool | None,
    after: str | None,
    limit: int,
) -> tuple[list[View], bool]:
    """Up to `limit` views after PO `after` in PO-number order, and whether more follow."""
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if supplier is not None:
        where.append("supplier_id = ?")
        params.append(supplier)
    chunk = limit + 1 if overdue is None else max(limit + 1, SCAN_CHUNK)
    found: list[View] = []
    while True:
        conditions = [*where, "po_number > ?"] if after is not None else where
        sql = "SELECT po_number, view FROM po_status"
        sql += (" WHERE " + " AND ".join(conditions)) if conditions else ""
        rows = tx.all(
            sql + " ORDER BY po_number LIMIT ?",
            [*params, *([after] if after is not None else []), chunk],
        )
        for row in rows:
            view: View = json.loads(row["view"])
            if overdue is None or view["overdue"] is overdue:
                found.append(view)
                if len(found) > limit:
                    return found[:limit], True
        if len(rows) < chunk:
            return found, False
        after = rows[-1]["po_number"]


def counts(tx: Tx) -> dict[str, int]:
    """POs per status."""
    rows = tx.all("SELECT status, COUNT(*) AS n FROM po_status GROUP BY status")
    return {str(r["status"]): int(r["n"]) for r in rows}


def recent(tx: Tx, statuses: Sequence[str], limit: int) -> list[View]:
    """The `limit` views in these statuses updated last (event time), newest first."""
    sql = f"SELECT view FROM po_status WHERE status IN ({marks(statuses)})"
    rows = tx.all(sql + " ORDER BY updated_at DESC LIMIT ?", (*statuses, limit))
    return [json.loads(r["view"]) for r in rows]


def count_in_or_overdue(tx: Tx, statuses: Sequence[str]) -> int:
    """How many POs are in these statuses or overdue."""
    sql = f"SELECT COUNT(*) AS n FROM po_status WHERE status IN ({marks(statuses)})"
    row = tx.one(f"{sql} OR po_number IN ({OPEN_OVERDUE})", (*statuses, *OVERDUE_KINDS))
    return int(row["n"]) if row else 0
