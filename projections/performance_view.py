"""Performance projection: per-recipient records of every PO, summarized per supplier on read."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.db import Tx
from projections.performance import PerfRecord, records, summarize
from projections.po_state import PoStateProjection
from projections.runner import Context
from projections.sla import SlaPolicy
from projections.status import PoState
from schemas.recorded import Fact

DEFAULT_DAYS = 90
_COLUMNS = "po_number, revision, recipient, supplier_id, channel, due_at, start_at,"
_COLUMNS += " acknowledged_at, announced_at, record"
# Any of these times at or after the window start makes a record matter to the window.
_RELEVANT = "(due_at >= ? OR start_at >= ? OR acknowledged_at >= ? OR announced_at >= ?)"


def sortable(t: datetime | None) -> str | None:
    """UTC, fixed width: text comparison equals time comparison in both databases."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if t else None


class PerformanceProjection(PoStateProjection):
    """Replaces a PO's records whenever they change; the SLA policy sets the deadlines.

    A new SLA policy applies to history only after a rebuild (`Runner.reset()`).
    """

    name = "performance"

    def __init__(self, sla: SlaPolicy | None = None) -> None:
        self.sla = sla or SlaPolicy()

    def setup(self, tx: Tx) -> None:
        super().setup(tx)
        tx.execute(
            "CREATE TABLE IF NOT EXISTS performance_records ("
            " po_number TEXT NOT NULL, revision INTEGER NOT NULL, recipient TEXT NOT NULL,"
            " supplier_id TEXT NOT NULL, channel TEXT NOT NULL, due_at TEXT, start_at TEXT,"
            " acknowledged_at TEXT, announced_at TEXT NOT NULL, record TEXT NOT NULL,"
            " PRIMARY KEY (po_number, revision, recipient))"
        )
        tx.execute(
            "CREATE INDEX IF NOT EXISTS performance_by_supplier"
            " ON performance_records (supplier_id, due_at)"
        )

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        tx.execute("DELETE FROM performance_records")

    def changed(
        self, tx: Tx, before: PoState | None, after: PoState, facts: list[Fact], ctx: Context
    ) -> None:
        new = records(after, self.sla)
        if before is not None and records(before, self.sla) == new:
            return
        tx.execute("DELETE FROM performance_records WHERE po_number = ?", (after.po_number,))
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
                for r in new
            ],
        )


def _window(window_end: datetime, days: int) -> tuple[datetime, list[str | None]]:
    start = window_end - timedelta(days=days)
    return start, [sortable(start)] * 4


def supplier_performance(
    tx: Tx, supplier_id: str, window_end: datetime, days: int = DEFAULT_DAYS
) -> dict[str, Any] | None:
    """The supplier's figures over the `days` before `window_end`; None if never seen."""
    seen = "SELECT 1 AS x FROM performance_records WHERE supplier_id = ? LIMIT 1"
    if tx.one(seen, (supplier_id,)) is None:
        return None
    start, params = _window(window_end, days)
    rows = tx.all(
        f"SELECT record FROM performance_records WHERE supplier_id = ? AND {_RELEVANT}",
        [supplier_id, *params],
    )
    chosen = [PerfRecord.model_validate_json(row["record"]) for row in rows]
    return summarize(chosen, start, window_end, supplier_id=supplier_id)


def suppliers_overview(
    tx: Tx, window_end: datetime, days: int = DEFAULT_DAYS
) -> list[dict[str, Any]]:
    """One summary per supplier with records that matter to the window, by supplier id."""
    start, params = _window(window_end, days)
    rows = tx.all(f"SELECT supplier_id, record FROM performance_records WHERE {_RELEVANT}", params)
    by_supplier: dict[str, list[PerfRecord]] = defaultdict(list)
    for row in rows:
        by_supplier[row["supplier_id"]].append(PerfRecord.model_validate_json(row["record"]))
    return [
        summarize(chosen, start, window_end, supplier_id=supplier)
        for supplier, chosen in sorted(by_supplier.items())
    ]
