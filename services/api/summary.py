"""The dashboard summary: counts, open alerts, POs needing action, supplier figures."""

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from projections.tables import Database, Tx, alerts, positions, status
from projections.tables.performance import suppliers_overview
from schemas.status import POStatus
from services.store.events import EventStore

Summary = dict[str, Any]
ACTION_STATUSES = (POStatus.DELIVERY_FAILED, POStatus.REJECTED, POStatus.CHANGES_PROPOSED)
SHOWN = 20
PERFORMANCE_DAYS = 90


def _when(text: str | None) -> datetime:
    return datetime.fromisoformat(text) if text else datetime.min.replace(tzinfo=UTC)


def _needs_action(tx: Tx) -> tuple[list[dict[str, Any]], int]:
    """Up to SHOWN POs, overdue first, then failed, rejected, changed; and how many in all."""
    statuses = [s.value for s in ACTION_STATUSES]
    chosen = status.recent(tx, statuses, SHOWN)
    chosen += status.get_many(tx, alerts.latest_overdue(tx, SHOWN))
    views = {v["po_number"]: v for v in chosen}
    found = [
        {
            "po_number": view["po_number"],
            "status": view["status"],
            "supplier_id": view.get("supplier_id"),
            "revision": view.get("revision"),
            "overdue": view["overdue"],
            "reasons": (["overdue"] if view["overdue"] else [])
            + ([view["status"]] if view["status"] in statuses else []),
            "updated_at": view.get("updated_at"),
        }
        for view in views.values()
    ]
    ordered = sorted(found, key=lambda i: _when(i["updated_at"]), reverse=True)
    return sorted(ordered, key=lambda i: not i["overdue"])[:SHOWN], status.count_in_or_overdue(
        tx, statuses
    )


def build_summary(store: EventStore, db: Database) -> Summary:
    """What the dashboard shows, read from the view tables (and the log's head)."""
    now = datetime.now(UTC)
    head = store.max_notification_id()
    with db.read() as tx:
        counts: dict[str, Any] = {s.value: 0 for s in POStatus} | status.counts(tx)
        projections = [
            {"name": name, "position": position, "lag": max(0, head - position)}
            for name, position in positions.positions(tx).items()
        ]
        recent, _ = alerts.listing(tx, None, None, None, SHOWN, None)
        return _summary(
            now,
            counts,
            alerts.open_count(tx),
            recent,
            _needs_action(tx),
            suppliers_overview(tx, now, PERFORMANCE_DAYS),
            projections,
        )


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
