"""The notifier's gauges, set from the database (the shared truth of every notifier
process): failing targets, by masked label, and the length of the queue."""

from projections.tables import Tx, notifications
from services import metrics


def refresh(tx: Tx) -> None:
    """Set `potrack_notify_target_failures` and `potrack_notify_queued` from the tables."""
    metrics.NOTIFY_FAILING.clear()
    for row in notifications.failing(tx):
        metrics.NOTIFY_FAILING.labels(target=str(row["label"])).set(int(row["failures"]))
    metrics.NOTIFY_QUEUED.set(notifications.waiting(tx))
