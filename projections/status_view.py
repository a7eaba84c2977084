"""Status projection: the §6 view of every PO, queryable, published on po.status.v1."""

import json

from projections.alerts_view import ALERTS_DDL, open_overdue
from projections.db import Tx
from projections.po_state import Change, PoStateProjection, chunks, placeholders
from projections.runner import Context
from projections.status import render
from schemas.topics import Topic
from schemas.views import dump

STATUS_EVENT = "po.status"
PO_STATUS_DDL = (
    "CREATE TABLE IF NOT EXISTS po_status ("
    " po_number TEXT PRIMARY KEY, status TEXT NOT NULL, supplier_id TEXT,"
    " revision INTEGER, version INTEGER NOT NULL, updated_at TEXT, view TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS po_status_by_status ON po_status (status, po_number)",
    "CREATE INDEX IF NOT EXISTS po_status_by_supplier ON po_status (supplier_id, po_number)",
)


class StatusProjection(PoStateProjection):
    name = "status"

    def setup(self, tx: Tx) -> None:
        super().setup(tx)
        # The alerts table too (empty until the alerts projection runs): `overdue` reads it.
        for statement in (*PO_STATUS_DDL, *ALERTS_DDL):
            tx.execute(statement)

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        tx.execute("DELETE FROM po_status")

    keeps_before = False

    def changed_batch(self, tx: Tx, changes: list[Change], ctx: Context) -> None:
        pos = sorted(c.after.po_number for c in changes)
        # Lock the rows first: the alerts projection flips `overdue` in place, and reading
        # the alerts only after holding the rows means neither side overwrites the other.
        for part in chunks(pos):
            tx.execute(
                f"UPDATE po_status SET view = view WHERE po_number IN ({placeholders(part)})", part
            )
        overdue: set[str] = set()
        for part in chunks(pos):
            overdue |= open_overdue(tx, list(part))
        rows = []
        for change in changes:
            po = change.after.po_number
            view = dump(render(change.after, overdue=po in overdue))
            rows.append(
                (
                    po,
                    view["status"],
                    view["supplier_id"],
                    view["revision"],
                    view["version"],
                    view["updated_at"],
                    json.dumps(view, separators=(",", ":")),
                )
            )
            # One record per batch per PO: the latest version is what a compacted topic keeps.
            ctx.emit(Topic.STATUS, po, STATUS_EVENT, view)
        tx.executemany(
            "INSERT INTO po_status"
            " (po_number, status, supplier_id, revision, version, updated_at, view)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (po_number) DO UPDATE SET"
            " status = excluded.status, supplier_id = excluded.supplier_id,"
            " revision = excluded.revision, version = excluded.version,"
            " updated_at = excluded.updated_at, view = excluded.view",
            rows,
        )
