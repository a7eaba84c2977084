"""The alerts table and the alerts projection's own state: due checks, the publication
ledger and the cursor (the last watermark judged). Every read of alerts (API, dashboard)
is here; the watermarks themselves are `projections.tables.watermarks`."""

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from projections.overdue import OVERDUE_KINDS
from projections.tables import Tx, chunks, instant, instant_text, marks
from schemas.views import Alert, dump

Cursor = str | None
# The next check of a PO with facts not judged yet: before any time, so the next watermark
# judges it whatever its time.
PENDING = instant_text(datetime.min.replace(tzinfo=UTC))
_COLUMNS: tuple[str, ...] = ("alert_id", "po_number", "revision", "recipient", "kind")
_COLUMNS += ("severity", "supplier_id", "due_at", "raised_at", "resolved_at", "escalation_level")
_UPSERT = f"INSERT INTO alerts ({', '.join(_COLUMNS)}, episode, alert) VALUES ({'?, ' * 12}?)"
_UPSERT += " ON CONFLICT (alert_id) DO UPDATE SET "
_UPSERT += ", ".join(f"{c} = excluded.{c}" for c in (*_COLUMNS[1:], "episode", "alert"))
# The rule of docs/contract.md §6 `overdue` in SQL: an open alert of an overdue kind.
OPEN_OVERDUE = (
    f"SELECT po_number FROM alerts WHERE resolved_at IS NULL AND kind IN ({marks(OVERDUE_KINDS)})"
)


def reset(tx: Tx) -> None:
    """Forget derived alerts; the watermarks and the ledger stay (inputs and outputs). The
    open alerts are kept aside as superseded until the rebuild gets back to the last
    watermark judged (`superseded_until`)."""
    row = tx.one("SELECT applied_seq FROM alerts_cursor WHERE id = 1")
    until = int(row["applied_seq"]) if row else 0
    tx.execute(
        "INSERT INTO alerts_superseded (alert_id, episode, until_seq, alert)"
        " SELECT alert_id, episode, ?, alert FROM alerts WHERE resolved_at IS NULL"
        " ON CONFLICT (alert_id) DO NOTHING",
        (until,),
    )
    tx.execute("DELETE FROM alerts")
    tx.execute("DELETE FROM alerts_due")
    tx.execute("UPDATE alerts_cursor SET applied_seq = 0, clock = NULL WHERE id = 1")


def superseded_until(tx: Tx, seq: int) -> list[tuple[Alert, int]]:
    """The alerts set aside at a reset (with their episode) whose last watermark judged
    then is at or below `seq`: the rebuild has judged as far, so what it lacks of them is
    withdrawn."""
    rows = tx.all(
        "SELECT episode, alert FROM alerts_superseded WHERE until_seq <= ? ORDER BY alert_id",
        (seq,),
    )
    return [(Alert.model_validate_json(r["alert"]), int(r["episode"])) for r in rows]


def drop_superseded(tx: Tx, alert_ids: Sequence[str]) -> None:
    """Forget alerts set aside at a reset, once settled."""
    tx.executemany("DELETE FROM alerts_superseded WHERE alert_id = ?", [(a,) for a in alert_ids])


def any_superseded(tx: Tx) -> bool:
    """Whether alerts set aside at a reset are still to settle."""
    return tx.one("SELECT alert_id FROM alerts_superseded LIMIT 1") is not None


def known(tx: Tx, alert_ids: Sequence[str]) -> set[str]:
    """Which of `alert_ids` the alerts table holds (open or resolved)."""
    found: set[str] = set()
    for part in chunks(alert_ids):
        sql = f"SELECT alert_id FROM alerts WHERE alert_id IN ({marks(part)})"
        found |= {r["alert_id"] for r in tx.all(sql, part)}
    return found


# --- alerts ----------------------------------------------------------------------------------


def of_po(tx: Tx, po_number: str) -> dict[str, tuple[Alert, int]]:
    """The stored alerts of a PO with their episode, by alert id."""
    rows = tx.all("SELECT alert_id, episode, alert FROM alerts WHERE po_number = ?", (po_number,))
    return {r["alert_id"]: (Alert.model_validate_json(r["alert"]), int(r["episode"])) for r in rows}


def of_pos(tx: Tx, po_numbers: Sequence[str]) -> dict[str, dict[str, tuple[Alert, int]]]:
    """`of_po` for many POs: one query per chunk; POs without alerts are absent."""
    found: dict[str, dict[str, tuple[Alert, int]]] = {}
    for part in chunks(po_numbers):
        sql = "SELECT alert_id, po_number, episode, alert FROM alerts"
        sql += f" WHERE po_number IN ({marks(part)})"
        for r in tx.all(sql, part):
            alert = Alert.model_validate_json(r["alert"])
            found.setdefault(r["po_number"], {})[r["alert_id"]] = (alert, int(r["episode"]))
    return found


def store(tx: Tx, alert: Alert, episode: int) -> None:
    """Upsert one alert."""
    store_many(tx, [(alert, episode)])


def store_many(tx: Tx, rows: Sequence[tuple[Alert, int]]) -> None:
    """Upsert (alert, episode) pairs with one executemany."""
    tx.executemany(_UPSERT, [_row(alert, episode) for alert, episode in rows])


def _row(alert: Alert, episode: int) -> tuple[Any, ...]:
    values = [getattr(alert, column) for column in _COLUMNS]
    values = [instant_text(v) if isinstance(v, datetime) else v for v in values]
    return (*values, episode, json.dumps(dump(alert), separators=(",", ":")))


def overdue_pos(tx: Tx, po_numbers: Sequence[str]) -> set[str]:
    """The POs among `po_numbers` with an open overdue-kind alert (one query per chunk)."""
    found: set[str] = set()
    for part in chunks(po_numbers):
        sql = f"{OPEN_OVERDUE} AND po_number IN ({marks(part)})"
        found |= {r["po_number"] for r in tx.all(sql, (*OVERDUE_KINDS, *part))}
    return found


def listing(
    tx: Tx, state: str | None, kind: str | None, supplier: str | None, limit: int, cursor: Cursor
) -> tuple[list[dict[str, Any]], Cursor]:
    """Alerts newest raised first, and the next page's cursor; ValueError on bad arguments."""
    if state not in (None, "open", "resolved") or limit < 1:
        raise ValueError(f"state must be open or resolved and limit >= 1: {state!r}, {limit}")
    where, params = [], []
    if state is not None:
        where.append(f"resolved_at IS {'' if state == 'open' else 'NOT '}NULL")
    for column, value in (("kind", kind), ("supplier_id", supplier)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if cursor is not None:
        raised, key = _decode(cursor)
        where.append("(raised_at < ? OR (raised_at = ? AND alert_id < ?))")
        params += [raised, raised, key]
    sql = "SELECT alert_id, raised_at, alert FROM alerts" + " WHERE " * bool(where)
    sql += " AND ".join(where) + " ORDER BY raised_at DESC, alert_id DESC LIMIT ?"
    rows = tx.all(sql, [*params, limit + 1])
    last = [rows[limit - 1]["raised_at"], rows[limit - 1]["alert_id"]] if rows[limit:] else None
    following = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return [json.loads(r["alert"]) for r in rows[:limit]], following


def _decode(cursor: str) -> tuple[str, str]:
    try:
        raised_at, alert_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(raised_at), str(alert_id)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a cursor of this listing: {cursor!r}") from exc


def resolved(tx: Tx, alert_ids: Sequence[str]) -> set[str]:
    """Those of `alert_ids` that are resolved now (one query per chunk; an id the table does
    not hold, e.g. during a rebuild, is not among them)."""
    found: set[str] = set()
    for part in chunks(alert_ids):
        sql = "SELECT alert_id FROM alerts WHERE resolved_at IS NOT NULL"
        found |= {
            str(r["alert_id"]) for r in tx.all(f"{sql} AND alert_id IN ({marks(part)})", part)
        }
    return found


def open_count(tx: Tx) -> int:
    """How many alerts are open."""
    row = tx.one("SELECT COUNT(*) AS n FROM alerts WHERE resolved_at IS NULL")
    return int(row["n"]) if row else 0


def open_by_kind(tx: Tx) -> dict[str, int]:
    """Open alerts per kind."""
    sql = "SELECT kind, COUNT(*) AS n FROM alerts WHERE resolved_at IS NULL GROUP BY kind"
    return {str(r["kind"]): int(r["n"]) for r in tx.all(sql)}


# --- due checks, ledger, cursor -------------------------------------------------------------


def due(tx: Tx, at: datetime) -> list[str]:
    """POs whose next check is at or before `at` (and those with facts not judged yet)."""
    rows = tx.all("SELECT po_number FROM alerts_due WHERE next_check <= ?", (instant_text(at),))
    return [str(r["po_number"]) for r in rows]


def set_next_checks(tx: Tx, checks: Sequence[tuple[str, datetime | None]]) -> None:
    """When each PO's alerts change next with no new fact (None: never)."""
    _delete_checks(tx, [po for po, _ in checks])
    tx.executemany(
        "INSERT INTO alerts_due (po_number, next_check) VALUES (?, ?)",
        [(po, instant_text(at)) for po, at in checks if at is not None],
    )


def set_pending(tx: Tx, po_numbers: Sequence[str]) -> None:
    """Mark POs with facts not judged yet: the next watermark judges them."""
    _delete_checks(tx, po_numbers)
    sql = "INSERT INTO alerts_due (po_number, next_check) VALUES (?, ?)"
    tx.executemany(sql, [(po, PENDING) for po in po_numbers])


def _delete_checks(tx: Tx, po_numbers: Sequence[str]) -> None:
    for part in chunks(po_numbers):
        tx.execute(f"DELETE FROM alerts_due WHERE po_number IN ({marks(part)})", part)


def lock(tx: Tx) -> None:
    """Serialize batches and watermarks (a row lock on PostgreSQL; SQLite locks it all)."""
    tx.execute("UPDATE alerts_cursor SET id = id WHERE id = 1")


def cursor(tx: Tx) -> tuple[int, datetime | None]:
    """The seq of the last watermark judged and its time."""
    row = tx.all("SELECT applied_seq, clock FROM alerts_cursor WHERE id = 1")[0]
    return int(row["applied_seq"]), instant(row["clock"]) if row["clock"] else None


def set_cursor(tx: Tx, applied_seq: int, clock: datetime | None) -> None:
    sql = "UPDATE alerts_cursor SET applied_seq = ?, clock = ? WHERE id = 1"
    tx.execute(sql, (applied_seq, instant_text(clock) if clock else None))


def note_published(tx: Tx, alert_id: str, label: str, severity: str) -> bool:
    """Enter a transition in the ledger; False when it was published before."""
    sql = "INSERT INTO alert_published (alert_id, transition, severity) VALUES (?, ?, ?)"
    return tx.execute(sql + " ON CONFLICT DO NOTHING", (alert_id, label, severity)) == 1
