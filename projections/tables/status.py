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


# --- what needs action (the dashboard; GET /dashboard/needs-action) --------------------------
# A PO is flagged when its status is one of `statuses` or, with `overdue`, when it has an open
# overdue-kind alert: the rule `overdue` of the stored view follows (docs/contract.md §6), so
# these lists agree with GET /pos?status=... and GET /pos?overdue=true.
FlaggedKey = tuple[int, str, str]  # (overdue 1|0, updated_at text, po_number)
_UPDATED = "COALESCE(updated_at, '')"


def flagged(
    tx: Tx, statuses: Sequence[str], *, overdue: bool, after: FlaggedKey | None, limit: int
) -> tuple[list[View], FlaggedKey | None]:
    """Up to `limit` views in `statuses` or (with `overdue`) overdue, overdue first, then
    the most recently updated (event time), then by PO number; and the key to pass as
    `after` for the next page (None on the last one).

    Two keyset queries (the overdue ones, then the others) that read only PO numbers and
    times, then the views of the page."""
    keys: list[FlaggedKey] = []
    for od in (1, 0):
        if after is not None and od > after[0]:
            continue
        by_status = not (od and overdue)  # overdue ones need no status when `overdue`
        if by_status and not statuses:
            continue
        where = [f"po_number {'' if od else 'NOT '}IN ({OPEN_OVERDUE})"]
        params: list[Any] = [*OVERDUE_KINDS]
        if by_status:
            where.append(f"status IN ({marks(statuses)})")
            params += statuses
        if after is not None and od == after[0]:
            where.append(f"({_UPDATED} < ? OR ({_UPDATED} = ? AND po_number > ?))")
            params += [after[1], after[1], after[2]]
        rows = tx.all(
            f"SELECT po_number, {_UPDATED} AS upd FROM po_status WHERE {' AND '.join(where)}"
            f" ORDER BY upd DESC, po_number LIMIT ?",
            [*params, limit + 1 - len(keys)],
        )
        keys += [(od, str(r["upd"]), str(r["po_number"])) for r in rows]
        if len(keys) > limit:
            break
    views = {v["po_number"]: v for v in get_many(tx, [k[2] for k in keys[:limit]])}
    page = [views[k[2]] for k in keys[:limit] if k[2] in views]
    return page, keys[limit - 1] if len(keys) > limit else None


def overdue_count(tx: Tx, besides: Sequence[str] = ()) -> int:
    """How many POs with a stored view are overdue (docs/contract.md §6), leaving out those
    in the statuses `besides`."""
    sql = f"SELECT COUNT(*) AS n FROM po_status WHERE po_number IN ({OPEN_OVERDUE})"
    if besides:
        sql += f" AND status NOT IN ({marks(besides)})"
    row = tx.one(sql, (*OVERDUE_KINDS, *besides))
    return int(row["n"]) if row else 0


def supplier_names(tx: Tx, supplier_ids: Sequence[str]) -> dict[str, str]:
    """The name (`supplier.name` of po.approved/po.revised) each supplier has on its
    highest-numbered PO, for those of `supplier_ids` that have one (one index lookup each)."""
    latest = "SELECT po_number FROM po_status WHERE supplier_id = ? ORDER BY po_number DESC LIMIT 1"
    found = [row for s in supplier_ids if (row := tx.one(latest, (s,))) is not None]
    return {
        view["supplier_id"]: view["supplier_name"]
        for view in get_many(tx, [str(r["po_number"]) for r in found])
        if view.get("supplier_id") and view.get("supplier_name")
    }
