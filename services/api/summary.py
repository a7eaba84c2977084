"""The dashboard summary: counts, open alerts, POs needing action, supplier figures."""

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from projections.alerts import OVERDUE_KINDS
from projections.alerts_view import list_alerts, open_overdue
from projections.db import Tx, ViewDB
from projections.performance_view import suppliers_overview
from schemas.status import POStatus
from services.api.deps import Tables
from services.store import EventStore

Summary = dict[str, Any]
ACTION_STATUSES = (POStatus.DELIVERY_FAILED, POStatus.REJECTED, POStatus.CHANGES_PROPOSED)
SHOWN = 20
PERFORMANCE_DAYS = 90


def _when(text: str | None) -> datetime:
    return datetime.fromisoformat(text) if text else datetime.min.replace(tzinfo=UTC)


def _overdue_sql(columns: str = "po_number") -> str:
    # Same rule as projections.alerts_view.open_overdue: an open overdue-kind alert.
    kinds = ", ".join("?" for _ in OVERDUE_KINDS)
    return f"SELECT {columns} FROM alerts WHERE resolved_at IS NULL AND kind IN ({kinds})"


def _needs_action(tx: Tx, tables: Tables) -> tuple[list[dict[str, Any]], int]:
    """Up to SHOWN POs, overdue first, then failed, rejected, changed; and how many in all."""
    statuses = ", ".join("?" for _ in ACTION_STATUSES)
    where, params = f"status IN ({statuses})", list[Any](ACTION_STATUSES)
    rows = tx.all(
        f"SELECT view FROM po_status WHERE {where} ORDER BY updated_at DESC LIMIT ?",
        (*params, SHOWN),
    )
    if tables.has(tx, "alerts"):
        latest = tx.all(
            f"SELECT po_number, MAX(raised_at) AS raised"
            f" FROM ({_overdue_sql('po_number, raised_at')}) AS o"
            " GROUP BY po_number ORDER BY raised DESC LIMIT ?",
            (*OVERDUE_KINDS, SHOWN),
        )
        if latest:
            marks = ", ".join("?" for _ in latest)
            rows += tx.all(
                f"SELECT view FROM po_status WHERE po_number IN ({marks})",
                [r["po_number"] for r in latest],
            )
        where += f" OR po_number IN ({_overdue_sql()})"
        params += OVERDUE_KINDS
    total_row = tx.one(f"SELECT COUNT(*) AS n FROM po_status WHERE {where}", params)
    views = {v["po_number"]: v for v in (json.loads(r["view"]) for r in rows)}
    overdue = open_overdue(tx, sorted(views)) if tables.has(tx, "alerts") else set()
    found: dict[str, dict[str, Any]] = {}
    for view in views.values():
        late = view["po_number"] in overdue
        reasons = (["overdue"] if late else []) + (
            [view["status"]] if view["status"] in ACTION_STATUSES else []
        )
        found[view["po_number"]] = {
            "po_number": view["po_number"],
            "status": view["status"],
            "supplier_id": view.get("supplier_id"),
            "revision": view.get("revision"),
            "overdue": late,
            "reasons": reasons,
            "updated_at": view.get("updated_at"),
        }
    ordered = sorted(found.values(), key=lambda i: _when(i["updated_at"]), reverse=True)
    total = int(total_row["n"]) if total_row else 0
    return sorted(ordered, key=lambda i: not i["overdue"])[:SHOWN], total


def build_summary(store: EventStore, db: ViewDB, tables: Tables) -> Summary:
    now = datetime.now(UTC)
    head = store.max_notification_id()
    with db.read() as tx:
        counts: dict[str, Any] = {s.value: 0 for s in POStatus}
        projections: list[dict[str, Any]] = []
        if tables.has(tx, "projection_positions"):
            for row in tx.all("SELECT name, position FROM projection_positions ORDER BY name"):
                lag = max(0, head - int(row["position"]))
                projections.append({"name": row["name"], "position": row["position"], "lag": lag})
        if not tables.has(tx, "po_status"):
            return _summary(now, counts, 0, [], ([], 0), [], projections)
        for row in tx.all("SELECT status, COUNT(*) AS n FROM po_status GROUP BY status"):
            counts[row["status"]] = int(row["n"])
        open_count, recent = 0, list[dict[str, Any]]()
        if tables.has(tx, "alerts"):
            found = tx.one("SELECT COUNT(*) AS n FROM alerts WHERE resolved_at IS NULL")
            open_count = int(found["n"]) if found else 0
            recent, _ = list_alerts(tx, None, None, None, SHOWN, None)
        suppliers = (
            suppliers_overview(tx, now, PERFORMANCE_DAYS)
            if tables.has(tx, "performance_records")
            else []
        )
        action = _needs_action(tx, tables)
    return _summary(now, counts, open_count, recent, action, suppliers, projections)


def _summary(
    now: datetime,
    counts: dict[str, int],
    open_alerts: int,
    recent: list[dict[str, Any]],
    action: tuple[list[dict[str, Any]], int],
    suppliers: list[dict[str, Any]],
    projections: list[dict[str, Any]],
) -> Summary:
    return {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "total": sum(counts.values()),
        "counts": counts,
        "open_alerts": open_alerts,
        "recent_alerts": recent,
        "needs_action": action[0],
        "needs_action_total": action[1],
        "suppliers": suppliers,
        "performance_days": PERFORMANCE_DAYS,
        "projections": projections,
    }


def fingerprint(summary: Summary) -> str:
    """What a dashboard shows, without the timestamps that change on every build."""
    shown = {k: v for k, v in summary.items() if k not in ("generated_at", "suppliers")}
    figures = [{k: v for k, v in s.items() if k != "window"} for s in summary["suppliers"]]
    return json.dumps(shown | {"suppliers": figures}, sort_keys=True, default=str)


class SummaryCache:
    """One build per `ttl` seconds however many dashboards watch (thread-safe)."""

    def __init__(self, build: Callable[[], Summary], ttl: float = 1.0) -> None:
        self._build, self.ttl = build, ttl
        self._lock = threading.Lock()
        self._value: Summary | None = None
        self._at = 0.0

    def get(self) -> Summary:
        with self._lock:
            if self._value is None or time.monotonic() - self._at >= self.ttl:
                self._value = self._build()
                self._at = time.monotonic()
            return self._value
