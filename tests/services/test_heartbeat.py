"""Quiet logs (issue 11): routine batches log at DEBUG, and a long-running command logs a
periodic summary from the metrics it keeps and the views database."""

import asyncio
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from projections.tables import alerts, ddl, positions
from schemas.views import Alert
from services import metrics
from services.heartbeat import (
    PARTS,
    ROUTINE_ITEMS,
    SLOW_SECONDS,
    Figures,
    Heartbeat,
    read_database,
    read_metrics,
    summary,
    work_level,
)
from services.settings import Settings
from services.store.views import ViewDB


@pytest.mark.parametrize(
    ("items", "seconds", "level"),
    [
        (12, 0.004, logging.DEBUG),  # live traffic: a handful of events a poll
        (ROUTINE_ITEMS - 1, SLOW_SECONDS - 0.01, logging.DEBUG),
        (ROUTINE_ITEMS, 0.2, logging.INFO),  # a back-fill or catch-up batch
        (3, SLOW_SECONDS, logging.INFO),  # a slow batch is worth a line whatever its size
    ],
)
def test_only_substantial_work_is_logged_at_info(items: int, seconds: float, level: int) -> None:
    assert work_level(items, seconds) == level


def test_the_summary_counts_what_the_metrics_counted_over_the_period() -> None:
    before = read_metrics()
    metrics.EVENTS_INGESTED.labels(type="po.sent").inc(100)
    metrics.EVENTS_INGESTED.labels(type="po.delivered").inc(20)
    metrics.DUPLICATES.inc(3)
    metrics.DEAD_LETTERS.inc(1)
    metrics.INGEST_LAG.set(42)
    metrics.WATERMARK.set(1_000_000.0)
    metrics.DOCUMENTS.labels(format="x12", outcome="translated").inc(7)
    metrics.DOCUMENTS.labels(format="-", outcome="dead_letter").inc(2)
    metrics.DOCUMENTS_PENDING.set(5)
    metrics.NOTIFICATIONS.labels(outcome="sent").inc(4)
    metrics.NOTIFICATIONS.labels(outcome="skipped").inc(6)
    metrics.PROJECTION_POSITION.labels(projection="status").set(900)
    metrics.PROJECTION_LAG.labels(projection="status").set(11)
    after = read_metrics()

    fields = summary(PARTS, before, after, 60.0, now=1_000_012.34)

    assert fields["period_s"] == 60.0
    assert fields["events"] == 120
    assert fields["events_per_s"] == 2.0
    assert (fields["duplicates"], fields["dead_letters"], fields["ingest_lag"]) == (3, 1, 42)
    assert fields["watermark_age_s"] == 12.3
    assert (fields["documents"], fields["documents_dead"], fields["documents_pending"]) == (7, 2, 5)
    assert fields["notifications_sent"] == 4
    assert fields["notifications_skipped"] == 6
    assert fields["notifications_failed"] == 0
    assert fields["projection_position"]["status"] == 900  # type: ignore[index]
    assert fields["projection_lag"]["status"] == 11  # type: ignore[index]
    assert "open_alerts" not in fields  # not read: no database


def test_the_summary_names_only_the_parts_of_the_process() -> None:
    fields = summary(("ingest",), Figures(), Figures(events=30, watermark=0), 10.0, now=0)
    assert fields == {
        "period_s": 10.0,
        "events": 30,
        "events_per_s": 3.0,
        "duplicates": 0,
        "dead_letters": 0,
        "ingest_lag": 0,
    }  # no watermark yet: no age; nothing of the gateway, projections or notifier


def alert(alert_id: str, resolved: bool) -> Alert:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return Alert(
        alert_id=alert_id,
        po_number="PO-1",
        revision=1,
        kind="acknowledgment_overdue",
        severity="warning",
        raised_at=at,
        resolved_at=at if resolved else None,
    )


def views(tmp_path: Path) -> ViewDB:
    db = ViewDB(f"sqlite:///{tmp_path}/views.sqlite")
    with db.transaction() as tx:
        ddl.create_all(tx, db.postgres)
    return db


def test_open_alerts_and_queues_come_from_the_views_database(tmp_path: Path) -> None:
    db = views(tmp_path)
    with db.transaction() as tx:
        alerts.store_many(tx, [(alert("a1", False), 0), (alert("a2", False), 0)])
        alerts.store(tx, alert("a3", True), 0)
        positions.enqueue(tx, [("po.status.v1", "PO-1", "po.status", {"v": 1})] * 3)
    try:
        assert read_database(db, ("projections", "notify")) == {
            "open_alerts": 2,
            "outbox_queued": 3,
            "notify_queued": 0,
        }
        assert read_database(db, ("ingest",)) == {}
        beat = Heartbeat(Settings(log_summary_seconds=60), *PARTS, db=db)
        fields = asyncio.run(beat.beat())
        assert (fields["open_alerts"], fields["outbox_queued"]) == (2, 3)
    finally:
        db.close()


def test_an_unreadable_database_leaves_its_figures_out(tmp_path: Path) -> None:
    db = ViewDB(f"sqlite:///{tmp_path}/empty.sqlite")  # no tables
    try:
        fields = asyncio.run(Heartbeat(Settings(), "projections", db=db).beat())
    finally:
        db.close()
    assert "open_alerts" not in fields
    assert "projection_lag" in fields


async def test_the_heartbeat_logs_every_period_and_stops_with_the_others() -> None:
    beat = Heartbeat(Settings(log_summary_seconds=0.05), "ingest")
    beats: list[float] = []
    original = beat.beat

    async def counted() -> dict[str, object]:
        beats.append(time.monotonic())
        return await original()

    beat.beat = counted  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(beat.run(stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert 3 <= len(beats) <= 7


async def test_a_heartbeat_turned_off_runs_until_stopped() -> None:
    # One service ending stops them all (services.runtime): 0 must not end at once.
    stop = asyncio.Event()
    task = asyncio.create_task(Heartbeat(Settings(log_summary_seconds=0), "ingest").run(stop))
    await asyncio.sleep(0.1)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 1)


def test_unknown_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="parts must be some of ingest, gateway"):
        Heartbeat(Settings(), "ingset")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="parts must be some of"):
        Heartbeat(Settings())


def test_a_negative_period_is_a_setting_error() -> None:
    with pytest.raises(ValueError, match="log_summary_seconds"):
        Settings(log_summary_seconds=-1)
