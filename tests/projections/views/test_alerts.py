"""The alerts projection on a real SQLite store: given recorded facts and clock ticks, then
these alert rows and outbox messages; a rebuild gives the same rows and publishes nothing.

Times are minutes after T0; the default policy gives email 60 minutes and acks 48 hours.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.tables.alerts import listing as list_alerts
from projections.tables.alerts import overdue_pos as open_overdue
from projections.views.alerts import AlertsProjection
from projections.views.status import StatusProjection
from schemas.recorded import Fact
from schemas.status import EventType
from schemas.topics import Topic
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.alert_clock import AlertClock
from tests.factories import PO, Time, acked, approved, delivered, fact, plan, sent, when

HOUR = 60


class World:
    """One SQLite file holding the event store and the views, and a clock we set by hand."""

    def __init__(self, path: Path) -> None:
        url = "sqlite:///" + str(path / "potrack.sqlite")
        self.store, self.db = EventStore(url), ViewDB(url)
        projection = AlertsProjection(SlaPolicy())
        self.alerts = Runner(projection, self.store, self.db)
        self.runners = [self.alerts]
        self.now = when(0)
        self.clock = AlertClock(projection, self.db, 1.0, clock=lambda: self.now)

    def record(self, *facts: Fact) -> None:
        self.store.record(list(facts), {}, "g")
        self.catch_up()

    def catch_up(self) -> None:
        for runner in self.runners:
            while runner.step().applied:
                pass

    def tick(self, at: Time) -> bool:
        self.now = when(at)
        return self.clock.tick()

    def rows(self) -> list[dict[str, Any]]:
        with self.db.read() as tx:
            return tx.all("SELECT * FROM alerts ORDER BY alert_id")

    def published(self, topic: str = Topic.ALERTS) -> list[tuple[str, dict[str, Any]]]:
        with self.db.read() as tx:
            rows = tx.all("SELECT type, payload FROM outbox WHERE topic = ? ORDER BY id", (topic,))
        return [(r["type"], json.loads(r["payload"])) for r in rows]

    def sent(self) -> list[tuple[str, str, str]]:
        """What went out on the alerts topic, as (type, kind, severity)."""
        return [(t, p["kind"], p["severity"]) for t, p in self.published()]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.db.close()
    w.store.close()


def test_live_alerts_and_a_rebuild_that_repeats_them_silently(world: World) -> None:
    world.record(approved(time=0), sent("S1", time=1))
    world.tick(30)
    assert world.sent() == []
    world.tick(61)
    world.tick(121)
    world.record(delivered("S1", time=125))
    world.tick(48 * HOUR + 1)
    world.record(acked("S1", time=49 * HOUR, decision="rejected"))
    assert world.sent() == [
        ("po.alert.raised", "delivery_overdue", "warning"),
        ("po.alert.raised", "delivery_overdue", "critical"),
        ("po.alert.resolved", "delivery_overdue", "critical"),
        ("po.alert.raised", "acknowledgment_overdue", "warning"),
        ("po.alert.resolved", "acknowledgment_overdue", "warning"),
        ("po.alert.raised", "acknowledgment_rejected", "critical"),
    ]
    live, published = world.rows(), world.published()
    assert [r["resolved_at"] is None for r in live] == [False, True, False]

    world.alerts.reset()
    assert world.tick(50 * HOUR) is False, "no tick while the rebuild is behind recorded ones"
    world.catch_up()
    assert world.rows() == live
    assert world.published() == published


def test_an_acknowledgment_dated_before_the_due_time_never_raises(world: World) -> None:
    world.record(approved(time=0), delivered("S1", time=1))
    world.record(acked("S1", time=47 * HOUR))
    world.tick(100 * HOUR)
    assert world.rows() == [] and world.sent() == []


def test_an_alert_a_late_fact_disproves_is_resolved_as_withdrawn(world: World) -> None:
    world.record(approved(time=0), delivered("S1", time=1))
    world.tick(48 * HOUR + 1)
    world.record(acked("S1", time=47 * HOUR))
    assert world.sent() == [
        ("po.alert.raised", "acknowledgment_overdue", "warning"),
        ("po.alert.resolved", "acknowledgment_overdue", "warning"),
    ]
    assert "withdrawn" in world.published()[-1][1]["detail"]


def test_event_time_moves_the_clock_for_every_po(world: World) -> None:
    world.record(approved(time=0, po="PO-A"))
    world.record(approved(time=200, po="PO-B"))
    assert world.sent() == [("po.alert.raised", "delivery_overdue", "critical")]
    assert world.published()[0][1]["po_number"] == "PO-A"


def test_a_producer_clock_running_ahead_ages_no_po(world: World) -> None:
    world.record(approved(time=0, po="PO-A"))
    ahead = fact(
        EventType.APPROVED, "PO-B", plan(), time="2030-01-01T00:00:00Z", recorded_at=when(5)
    )
    world.record(ahead)
    assert world.sent() == []


def test_the_status_view_follows_the_open_overdue_alerts(world: World) -> None:
    world.runners.insert(0, Runner(StatusProjection(), world.store, world.db))
    world.record(approved(time=0))
    world.tick(61)
    overdue = [p["overdue"] for _, p in world.published(Topic.STATUS)]
    assert overdue == [False, True]
    world.record(delivered("S1", time=70))
    with world.db.read() as tx:
        view = json.loads(tx.all("SELECT view FROM po_status")[0]["view"])
        assert open_overdue(tx, [PO]) == set()
    assert view["overdue"] is False and view["recipients"][0]["status"] == "delivered"


def test_alerts_are_listed_newest_first_page_by_page(world: World) -> None:
    world.record(approved(["S1", "S2", "S3"], time=0), acked("S2", time=5, decision="rejected"))
    world.tick(61)
    with world.db.read() as tx:
        first, cursor = list_alerts(tx, "open", None, None, 2, None)
        rest, end = list_alerts(tx, "open", None, None, 2, cursor)
        rejected, _ = list_alerts(tx, None, "acknowledgment_rejected", "SUP-1", 10, None)
        assert open_overdue(tx, [PO, "PO-UNKNOWN"]) == {PO}
        with pytest.raises(ValueError):
            list_alerts(tx, None, None, None, 2, "not a cursor")
    assert [a["recipient"] for a in first + rest] == ["S3", "S1", "S2"]
    assert [a["kind"] for a in first] == ["delivery_overdue", "delivery_overdue"]
    assert end is None
    assert [a["alert_id"] for a in rejected] == [f"{PO}/r1/S2/acknowledgment_rejected"]
