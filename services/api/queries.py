"""Reads of the po_status view, with `overdue` filled in from the open alerts."""

import json
from datetime import datetime
from typing import Any

from projections.alerts import OVERDUE_KINDS
from projections.alerts_view import open_overdue
from projections.db import Tx
from services.api.deps import Tables

View = dict[str, Any]
# How many rows one query scans when `overdue` filters in Python (keyset pages stay exact).
SCAN_CHUNK = 500


def overdue_of(tx: Tx, tables: Tables, po_numbers: list[str]) -> set[str]:
    if not po_numbers or not tables.has(tx, "alerts"):
        return set()
    return open_overdue(tx, po_numbers)


def overdue_as_of(tx: Tx, tables: Tables, po_number: str, when: datetime) -> bool:
    """Whether an overdue alert of the PO was open at event time `when`."""
    if not tables.has(tx, "alerts"):
        return False
    marks = ", ".join("?" for _ in OVERDUE_KINDS)
    rows = tx.all(
        f"SELECT raised_at, resolved_at FROM alerts WHERE po_number = ? AND kind IN ({marks})",
        (po_number, *OVERDUE_KINDS),
    )
    return any(
        _instant(row["raised_at"]) <= when
        and (row["resolved_at"] is None or when < _instant(row["resolved_at"]))
        for row in rows
    )


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def current_view(tx: Tx, tables: Tables, po_number: str) -> View | None:
    if not tables.has(tx, "po_status"):
        return None
    row = tx.one("SELECT view FROM po_status WHERE po_number = ?", (po_number,))
    if row is None:
        return None
    view: View = json.loads(row["view"])
    view["overdue"] = po_number in overdue_of(tx, tables, [po_number])
    return view


def page_of_views(
    tx: Tx,
    tables: Tables,
    *,
    status: str | None,
    supplier: str | None,
    overdue: bool | None,
    after: str | None,
    limit: int,
) -> tuple[list[View], bool]:
    """Up to `limit` views after key `after` in po_number order, and whether more follow."""
    if not tables.has(tx, "po_status"):
        return [], False
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
        late = overdue_of(tx, tables, [r["po_number"] for r in rows])
        for row in rows:
            view: View = json.loads(row["view"])
            view["overdue"] = row["po_number"] in late
            if overdue is None or view["overdue"] is overdue:
                found.append(view)
                if len(found) > limit:
                    return found[:limit], True
        if len(rows) < chunk:
            return found, False
        after = rows[-1]["po_number"]
