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
from services.api.params import encode_key
from services.store.events import EventStore

Summary = dict[str, Any]
# Why a PO needs action: overdue (docs/contract.md §6 `overdue`), or one of these statuses
# (§3), the same rules as GET /pos?overdue=true and GET /pos?status=...
ACTION_STATUSES = (POStatus.DELIVERY_FAILED, POStatus.REJECTED, POStatus.CHANGES_PROPOSED)
REASONS = ("overdue", *(s.value for s in ACTION_STATUSES))
SHOWN = 20
PERFORMANCE_DAYS = 90


def action_counts(tx: Tx, by_status: dict[str, int] | None = None) -> tuple[dict[str, int], int]:
    """POs per reason to act ({reason: count} for every reason of REASONS), and how many
    POs have at least one (a PO overdue and rejected counts once in the total);
    `by_status`: `status.counts` when the caller has it already."""
    by_status = status.counts(tx) if by_status is None else by_status
    statuses = [s.value for s in ACTION_STATUSES]
    found = {"overdue": status.overdue_count(tx)}
    found |= {s: by_status.get(s, 0) for s in statuses}
    total = sum(found[s] for s in statuses) + status.overdue_count(tx, besides=statuses)
    return found, total


def needs_action(
    tx: Tx, reason: str | None = None, after: status.FlaggedKey | None = None, limit: int = SHOWN
) -> tuple[list[dict[str, Any]], status.FlaggedKey | None]:
    """Up to `limit` POs that need action (for one `reason` of REASONS, or any), overdue
    first, then the most recently updated; and the key of the next page (None on the last).
    ValueError for a reason not in REASONS."""
    if reason is not None and reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}: {reason!r}")
    statuses = [s.value for s in ACTION_STATUSES]
    chosen = statuses if reason is None else [r for r in statuses if r == reason]
    views, following = status.flagged(
        tx, chosen, overdue=reason in (None, "overdue"), after=after, limit=limit
    )
    return [_action_item(view, statuses) for view in views], following


def _action_item(view: dict[str, Any], statuses: list[str]) -> dict[str, Any]:
    return {
        "po_number": view["po_number"],
        "status": view["status"],
        "supplier_id": view.get("supplier_id"),
        "supplier_name": view.get("supplier_name"),
        "revision": view.get("revision"),
        "overdue": view["overdue"],
        "reasons": (["overdue"] if view["overdue"] else [])
        + ([view["status"]] if view["status"] in statuses else []),
        "updated_at": view.get("updated_at"),
    }


def with_names(tx: Tx, suppliers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Supplier figures with `supplier_name` added (null when no PO names the supplier)."""
    names = status.supplier_names(tx, [s["supplier_id"] for s in suppliers])
    return [s | {"supplier_name": names.get(s["supplier_id"])} for s in suppliers]


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
        items, following = needs_action(tx)
        by_reason, total = action_counts(tx, counts)
        return _summary(
            now,
            counts,
            alerts.open_count(tx),
            recent,
            {
                "needs_action": items,
                "needs_action_total": total,
                "needs_action_counts": by_reason,
                "needs_action_next_cursor": encode_key(following),
            },
            with_names(tx, suppliers_overview(tx, now, PERFORMANCE_DAYS)),
            projections,
        )


def _summary(
    now: datetime,
    counts: dict[str, int],
    open_alerts: int,
    recent: list[dict[str, Any]],
    action: dict[str, Any],
    suppliers: list[dict[str, Any]],
    projections: list[dict[str, Any]],
) -> Summary:
    return {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "total": sum(counts.values()),
        "counts": counts,
        "open_alerts": open_alerts,
        "recent_alerts": recent,
        **action,
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
