"""Quiet logs: which unit of work is worth an INFO line, and the periodic summary line.

A line per batch made `make run` (20 events/s) write about 600 KB of INFO logs a minute,
nearly all of it "batch recorded" and "projection batch" lines for a handful of events.
So a per-batch line is INFO only when the batch is substantial (`work_level`: at least
ROUTINE_ITEMS items, or at least SLOW_SECONDS long), DEBUG otherwise; and every
long-running command logs one INFO line `summary` every POTRACK_LOG_SUMMARY_SECONDS
(`Heartbeat`) with what its parts did over the period:

- ingest: `events` recorded and `events_per_s`, `duplicates`, `dead_letters`, `ingest_lag`
  (records on its partitions not recorded yet, at the last clock period) and
  `watermark_age_s` (how far the ingest watermark, at which alerts are judged, is behind);
- gateway: `documents` translated, `documents_dead` (dead-lettered), `documents_pending`;
- projections: `projection_position` and `projection_lag` per projection, `open_alerts`,
  `outbox_queued` (records not yet on the outbound topics);
- notify: `notifications_sent`, `notifications_failed`, `notifications_skipped`,
  `notify_queued`.

Counts are over the period, read from the Prometheus metrics the process already keeps
(`services.metrics`); the queue lengths and open alerts come from the views database, the
shared truth of every process. prometheus-client has no "change since the last read" of a
counter, so the difference of two snapshots is taken here (`summary`, pure).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from prometheus_client.metrics import MetricWrapperBase

from projections.tables import Database, alerts, notifications, positions
from services import metrics
from services.logging import get_logger
from services.settings import Settings

log = get_logger(__name__)

Part = Literal["ingest", "gateway", "projections", "notify"]
PARTS: tuple[Part, ...] = get_args(Part)

# A batch below both is routine: its line goes to DEBUG, the summary counts it. 500 is a
# quarter of the default poll and projection batch (2000): a back-fill or a catch-up logs
# its batches, live traffic (tens of events a poll) does not.
ROUTINE_ITEMS = 500
SLOW_SECONDS = 1.0


def work_level(items: int, seconds: float) -> int:
    """The log level of a line about one unit of work (a batch of `items` records, events
    or documents that took `seconds`): logging.INFO when it is substantial (at least
    ROUTINE_ITEMS items or at least SLOW_SECONDS), else logging.DEBUG."""
    return logging.INFO if items >= ROUTINE_ITEMS or seconds >= SLOW_SECONDS else logging.DEBUG


@dataclass(frozen=True)
class Figures:
    """One reading of the process's metrics (counters are totals since start) and of the
    views database (None: not read, or unreadable)."""

    events: float = 0
    duplicates: float = 0
    dead_letters: float = 0
    ingest_lag: float = 0
    watermark: float = 0  # Unix time of the last ingest watermark; 0: none yet
    documents: float = 0
    documents_dead: float = 0
    documents_pending: float = 0
    notifications: dict[str, float] = field(default_factory=dict)  # by outcome
    projection_position: dict[str, float] = field(default_factory=dict)
    projection_lag: dict[str, float] = field(default_factory=dict)
    open_alerts: int | None = None
    outbox_queued: int | None = None
    notify_queued: int | None = None


def _samples(metric: MetricWrapperBase, suffix: str) -> list[tuple[dict[str, str], float]]:
    """(labels, value) of every sample named `<metric name><suffix>`: "_total" for a
    counter's totals, "" for a gauge's values."""
    return [
        (sample.labels, sample.value)
        for family in metric.collect()
        for sample in family.samples
        if sample.name == family.name + suffix
    ]


def _total(metric: MetricWrapperBase, **labels: str) -> float:
    """The sum of a counter over the label sets that have `labels`."""
    return sum(
        value
        for have, value in _samples(metric, "_total")
        if all(have.get(k) == v for k, v in labels.items())
    )


def _gauge(metric: MetricWrapperBase) -> float:
    return sum(value for _, value in _samples(metric, ""))


def _by(metric: MetricWrapperBase, label: str, suffix: str = "") -> dict[str, float]:
    return {have[label]: value for have, value in _samples(metric, suffix)}


def read_metrics() -> Figures:
    """The process's metrics now (`services.metrics`), without the database figures."""
    return Figures(
        events=_total(metrics.EVENTS_INGESTED),
        duplicates=_total(metrics.DUPLICATES),
        dead_letters=_total(metrics.DEAD_LETTERS),
        ingest_lag=_gauge(metrics.INGEST_LAG),
        watermark=_gauge(metrics.WATERMARK),
        documents=_total(metrics.DOCUMENTS, outcome="translated"),
        documents_dead=_total(metrics.DOCUMENTS, outcome="dead_letter"),
        documents_pending=_gauge(metrics.DOCUMENTS_PENDING),
        notifications=_by(metrics.NOTIFICATIONS, "outcome", "_total"),
        projection_position=_by(metrics.PROJECTION_POSITION, "projection"),
        projection_lag=_by(metrics.PROJECTION_LAG, "projection"),
    )


def read_database(db: Database, parts: tuple[Part, ...]) -> dict[str, int]:
    """The figures of `parts` that live in the views database, in one read transaction:
    open alerts and the outbox (projections), the notification queue (notify). Raises what
    the database raises."""
    found: dict[str, int] = {}
    with db.read() as tx:
        if "projections" in parts:
            found["open_alerts"] = alerts.open_count(tx)
            found["outbox_queued"] = positions.queued_count(tx)
        if "notify" in parts:
            found["notify_queued"] = notifications.waiting(tx)
    return found


def summary(
    parts: tuple[Part, ...], before: Figures, after: Figures, seconds: float, now: float
) -> dict[str, object]:
    """Pure: the fields of the summary line of `parts` for the period from `before` to
    `after` (`seconds` long, > 0) at Unix time `now`: counts over the period, rates per
    second, gauges and database figures as read in `after` (those not read are left out)."""
    out: dict[str, object] = {"period_s": round(seconds, 1)}

    def delta(name: str) -> int:
        change: float = getattr(after, name) - getattr(before, name)
        return round(change)

    def outcome(name: str) -> int:
        return round(after.notifications.get(name, 0) - before.notifications.get(name, 0))

    if "ingest" in parts:
        events = delta("events")
        out |= {
            "events": events,
            "events_per_s": round(events / seconds, 1),
            "duplicates": delta("duplicates"),
            "dead_letters": delta("dead_letters"),
            "ingest_lag": round(after.ingest_lag),
        }
        if after.watermark > 0:
            out["watermark_age_s"] = round(max(0.0, now - after.watermark), 1)
    if "gateway" in parts:
        out |= {
            "documents": delta("documents"),
            "documents_dead": delta("documents_dead"),
            "documents_pending": round(after.documents_pending),
        }
    if "projections" in parts:
        out |= {
            "projection_position": {k: round(v) for k, v in after.projection_position.items()},
            "projection_lag": {k: round(v) for k, v in after.projection_lag.items()},
        }
        for name in ("open_alerts", "outbox_queued"):
            if getattr(after, name) is not None:
                out[name] = getattr(after, name)
    if "notify" in parts:
        out |= {
            "notifications_sent": outcome("sent"),
            "notifications_failed": outcome("failed"),
            "notifications_skipped": outcome("skipped"),
        }
        if after.notify_queued is not None:
            out["notify_queued"] = after.notify_queued
    return out


class Heartbeat:
    """A service (`services.runtime`) that logs the summary line of `parts` every
    `settings.log_summary_seconds` (never when 0) until stopped; `db`, when given, is read
    for the database figures. It never ends before `stop` (one service ending stops them
    all) and never fails: an unreadable database leaves its figures out, with a warning."""

    def __init__(
        self,
        settings: Settings,
        *parts: Part,
        db: Database | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unknown = set(parts) - set(PARTS)
        if unknown or not parts:
            raise ValueError(f"parts must be some of {', '.join(PARTS)}: {sorted(unknown)}")
        self.every = settings.log_summary_seconds
        self.parts = parts
        self.db = db
        self.clock = clock
        self.before = read_metrics()
        self.since = clock()

    async def run(self, stop: asyncio.Event) -> None:
        """Log a summary every period until `stop` is set."""
        if self.every <= 0:
            await stop.wait()
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
            if not stop.is_set():
                await self.beat()

    async def beat(self) -> dict[str, object]:
        """Log the summary of the period since the last one, and start the next period;
        returns the fields logged."""
        after = read_metrics()
        if self.db is not None:
            try:
                found = await asyncio.to_thread(read_database, self.db, self.parts)
                after = replace(
                    after,
                    open_alerts=found.get("open_alerts"),
                    outbox_queued=found.get("outbox_queued"),
                    notify_queued=found.get("notify_queued"),
                )
            except Exception as exc:
                log.warning("summary without the database figures", error=str(exc))
        now = self.clock()
        fields = summary(self.parts, self.before, after, max(now - self.since, 1e-9), time.time())
        log.info("summary", **fields)
        self.before, self.since = after, now
        return fields
