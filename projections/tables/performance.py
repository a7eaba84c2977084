"""The `performance_records` table: one record per revision and supplier recipient."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from projections.performance import PerfRecord, summarize
from projections.tables import Tx, sortable

DEFAULT_DAYS = 90
_COLUMNS = "po_number, revision, recipient, supplier_id, channel, due_at, start_at,"
_COLUMNS += " acknowledged_at, announced_at, record"
# Any of these times at or after the window start makes a record matter to the window.
_RELEVANT = "(due_at >= ? OR start_at >= ? OR acknowledged_at >= ? OR announced_at >= ?)"


def reset(tx: Tx) -> None:
    tx.execute("DELETE FROM performance_records")


def replace(tx: Tx, po_number: str, records: Sequence[PerfRecord]) -> None:
    """The PO's records become `records`."""
    tx.execute("DELETE FROM performance_records WHERE po_number = ?", (po_number,))
    tx.executemany(
        f"INSERT INTO performance_records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.po_number,
                r.revision,
                r.recipient,
                r.supplier_id,
                r.channel,
                sortable(r.due_at),
                sortable(r.start),
                sortable(r.acknowledged_at),
                sortable(r.announced_at),
                r.model_dump_json(),
            )
            for r in records
        ],
    )


def of_supplier(tx: Tx, supplier_id: str, since: datetime) -> list[PerfRecord] | None:
    """The supplier's records that matter to a window starting `since`; None if the
    supplier was never seen."""
    seen = "SELECT 1 AS x FROM performance_records WHERE supplier_id = ? LIMIT 1"
    if tx.one(seen, (supplier_id,)) is None:
        return None
    rows = tx.all(
        f"SELECT record FROM performance_records WHERE supplier_id = ? AND {_RELEVANT}",
        [supplier_id, *[sortable(since)] * 4],
    )
    return [PerfRecord.model_validate_json(row["record"]) for row in rows]


def since(tx: Tx, start: datetime) -> dict[str, list[PerfRecord]]:
    """Every supplier's records that matter to a window starting `start`, by supplier."""
    rows = tx.all(
        f"SELECT supplier_id, record FROM performance_records WHERE {_RELEVANT}",
        [sortable(start)] * 4,
    )
    found: dict[str, list[PerfRecord]] = {}
    for row in rows:
        found.setdefault(row["supplier_id"], []).append(
            PerfRecord.model_validate_json(row["record"])
        )
    return found


def supplier_performance(
    tx: Tx, supplier_id: str, window_end: datetime, days: int = DEFAULT_DAYS
) -> dict[str, Any] | None:
    """The supplier's figures over the `days` before `window_end`; None if never seen."""
    start = window_end - timedelta(days=days)
    chosen = of_supplier(tx, supplier_id, start)
    if chosen is None:
        return None
    return summarize(chosen, start, window_end, supplier_id=supplier_id)


def suppliers_overview(
    tx: Tx, window_end: datetime, days: int = DEFAULT_DAYS
) -> list[dict[str, Any]]:
    """One summary per supplier with records that matter to the window, by supplier id."""
    start = window_end - timedelta(days=days)
    return [
        summarize(chosen, start, window_end, supplier_id=supplier)
        for supplier, chosen in sorted(since(tx, start).items())
    ]
