"""The alerts projection on a real SQLite store: given recorded facts and ingest watermarks,
then these alert rows and outbox messages; a rebuild gives the same rows and publishes
nothing. Alerts are judged only at watermarks (docs/contract.md §5).

Times are minutes after T0; the default policy gives email 60 minutes and acks 48 hours.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.tables import watermarks
from projections.tables.alerts import listing as list_alerts
from projections.tables.alerts import overdue_pos as open_overdue
from projections.views.alerts import AlertsProjection
from projections.views.status import StatusProjection
from schemas.recorded import Fact
from schemas.status import EventType
from schemas.topics import Topic
from services.store.events import EventStore
from services.store.views import ViewDB
from services.workers.watermark import WatermarkFollower
from tests.factories import (
    PO,
    Time,
    acked,
    approved,
    delivered,
    fact,
    ingest_watermark,
    plan,
    sent,
    when,
)

HOUR = 60


class World:
    """One SQLite file holding the event store and the views, and a clock we set by hand."""

    def __init__(self, path: Path, sla: SlaPolicy | None = None) -> None:
        url = "sqlite:///" + str(path / "potrack.sqlite")
        self.store, self.db = EventStore(url), ViewDB(url)
        projection = AlertsProjection(sla or SlaPolicy())
        self.alerts = Runner(projection, self.store, self.db)
        self.runners = [self.alerts]
        self.follower = WatermarkFollower(projection, self.db, 1.0)

    def record(self, *facts: Fact) -> None:
        """Record facts as a live ingest would: each when it happened."""
        live = [f.model_copy(update={"recorded_at": f.time}) for f in facts]
        self.store.record(live, {}, "g")
        self.catch_up()

    def catch_up(self) -> None:
        for runner in self.runners:
            while runner.step().applied:
                pass

    def watermark(self, at: Time) -> int:
        """Ingest's watermark at `at` (its one partition read to the end), then what the
        follower judges: the watermarks at or below the projection's position."""
        with self.db.transaction() as tx:
            partition = {("po.distribution.v1", 0): when(at)}
            watermarks.record(tx, partition, partition, self.store.max_notification_id)
        return self.follower.follow()

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
    world.watermark(30)
    assert world.sent() == []
    world.watermark(61)
    world.watermark(121)
    world.record(delivered("S1", time=125))
    world.watermark(48 * HOUR + 1)
    world.record(acked("S1", time=49 * HOUR, decision="rejected"))
    assert len(world.sent()) == 4, "the rejection waits for the next watermark"
    world.watermark(49 * HOUR + 1)
    assert world.sent() == [
        ("po.alert.raised", "delivery_overdue", "warning"),
        ("po.alert.raised", "delivery_overdue", "critical"),
        ("po.alert.raised", "acknowledgment_overdue", "warning"),
        ("po.alert.resolved", "delivery_overdue", "critical"),
        ("po.alert.resolved", "acknowledgment_overdue", "warning"),
        ("po.alert.raised", "acknowledgment_rejected", "critical"),
    ]
    live, published = world.rows(), world.published()
    assert [r["resolved_at"] is None for r in live] == [False, True, False]

    world.alerts.reset()
    assert world.follower.follow() == 0, "a rebuild at position 0 has no watermark to judge"
    world.catch_up()
    assert world.rows() == live
    assert world.published() == published


def test_an_acknowledgment_dated_before_the_due_time_never_raises(world: World) -> None:
    world.record(approved(time=0), delivered("S1", time=1))
    world.record(acked("S1", time=47 * HOUR))
    world.watermark(100 * HOUR)
    assert world.rows() == [] and world.sent() == []


def test_an_alert_a_late_fact_disproves_is_resolved_as_withdrawn(world: World) -> None:
    world.record(approved(time=0), delivered("S1", time=1))
    world.watermark(48 * HOUR + 1)
    world.record(acked("S1", time=47 * HOUR))
    world.watermark(48 * HOUR + 2)
    assert world.sent() == [
        ("po.alert.raised", "acknowledgment_overdue", "warning"),
        ("po.alert.resolved", "acknowledgment_overdue", "warning"),
    ]
    assert "withdrawn" in world.published()[-1][1]["detail"]


def test_event_time_alone_raises_nothing_a_watermark_judges_every_po(world: World) -> None:
    world.record(approved(time=0, po="PO-A"))
    world.record(approved(time=200, po="PO-B"))
    assert world.sent() == []
    world.watermark(200)
    assert world.sent() == [("po.alert.raised", "delivery_overdue", "critical")]
    assert world.published()[0][1]["po_number"] == "PO-A"


def test_history_that_arrives_late_together_raises_nothing_it_meets_itself(world: World) -> None:
    world.watermark(100 * HOUR)
    # A backfill: approved, delivered and acknowledged within their windows, all recorded
    # long after the deadlines passed, in separate ingest batches before the next watermark.
    world.record(approved(time=0))
    world.record(delivered("S1", time=50))
    world.record(acked("S1", time=47 * HOUR + 30))
    world.watermark(100 * HOUR + 1)
    assert world.rows() == [] and world.sent() == []


def test_a_deadline_the_backfill_does_not_meet_is_raised_at_the_watermark(world: World) -> None:
    world.record(approved(time=0), delivered("S1", time=50), acked("S1", time=49 * HOUR))
    world.watermark(100 * HOUR)
    assert world.sent() == [
        ("po.alert.raised", "acknowledgment_overdue", "warning"),
        ("po.alert.resolved", "acknowledgment_overdue", "warning"),
    ]


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
    world.watermark(61)
    overdue = [p["overdue"] for _, p in world.published(Topic.STATUS)]
    assert overdue == [False, True]
    world.record(delivered("S1", time=70))
    world.watermark(71)
    with world.db.read() as tx:
        view = json.loads(tx.all("SELECT view FROM po_status")[0]["view"])
        assert open_overdue(tx, [PO]) == set()
    assert view["overdue"] is False and view["recipients"][0]["status"] == "delivered"


def test_alerts_are_listed_newest_first_page_by_page(world: World) -> None:
    world.record(approved(["S1", "S2", "S3"], time=0), acked("S2", time=5, decision="rejected"))
    world.watermark(61)
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


def test_escalation_steps_while_an_alert_stays_open(tmp_path: Path) -> None:
    world = World(tmp_path, SlaPolicy(escalation_hours=[2, 5]))
    try:
        world.record(approved(time=0), delivered("S1", time=1))
        world.record(acked("S1", time=10, decision="rejected"))
        world.watermark(11)
        world.watermark(10 + 2 * HOUR)
        world.watermark(10 + 4 * HOUR)
        world.watermark(10 + 5 * HOUR)
        levels = [(t, p["kind"], p["escalation_level"]) for t, p in world.published()]
        assert levels == [
            ("po.alert.raised", "acknowledgment_rejected", 1),
            ("po.alert.raised", "acknowledgment_rejected", 2),
            ("po.alert.raised", "acknowledgment_rejected", 3),
        ]
        world.record(acked("S1", time=6 * HOUR))
        world.watermark(6 * HOUR + 1)
        assert world.published()[-1][0] == "po.alert.resolved"
        assert world.published()[-1][1]["escalation_level"] == 3
    finally:
        world.db.close()
        world.store.close()


def simulated_facts(count: int) -> list[Fact]:
    """A seeded simulation's distinct good events as facts recorded at their event time."""
    from schemas.binding import decode
    from services.simulate.traffic import encode, generate

    facts = []
    for event in generate(11, count, when(0), days=10, bad_fraction=0, duplicate_fraction=0):
        _, value, headers = encode(event)
        facts.append(
            Fact.from_event(
                decode(value, headers), recorded_at=event.time, topic="t", partition=0, offset=0
            )
        )
    return facts


@pytest.mark.parametrize("batch", [1, 7, 2000])
def test_batches_of_any_size_judge_the_same_alerts_at_the_same_watermarks(
    tmp_path: Path, batch: int
) -> None:
    """The projection folds a batch and judges at the watermarks inside it: whatever the
    batch size, the same alerts and the same publications (in the same order)."""
    facts = simulated_facts(400)
    results = []
    for size in (batch, 1):
        world = World(tmp_path / f"{batch}-{size}")
        try:
            world.alerts.batch = size
            world.store.record(facts, {}, "g")
            newest = None
            for position, fact in world.store.iter_facts():
                moment = min(fact.time, fact.recorded_at)
                newest = moment if newest is None or moment > newest else newest
                if position % 9 == 0:
                    ingest_watermark(world.db, position, newest)
            world.catch_up()
            results.append((world.rows(), world.published()))
        finally:
            world.db.close()
            world.store.close()
    assert results[0][1], "the simulation raises alerts"
    assert results[0] == results[1]


def test_a_new_policy_raises_the_new_severity_and_withdraws_what_it_no_longer_raises(
    tmp_path: Path,
) -> None:
    # 98 of 100 ordered: outside the default (zero) tolerance, within a 5 % one.
    change = {"lines": [{"line": 1, "decision": "changed", "quantity": "98"}]}
    history = [
        approved(time=0),
        sent("S1", time=1),
        delivered("S1", time=2),
        acked("S1", time=10, decision="accepted_with_changes", **change),
    ]
    strict = World(tmp_path)
    strict.record(*history)
    strict.watermark(11)
    assert strict.sent() == [("po.alert.raised", "changes_proposed", "critical")]

    lenient = World(tmp_path, SlaPolicy.model_validate({"tolerance": {"quantity_pct": 5}}))
    lenient.catch_up()
    lenient.follower.follow()
    assert lenient.sent()[1:] == [("po.alert.raised", "changes_proposed", "warning")]

    accepting = SlaPolicy.model_validate(
        {"tolerance": {"quantity_pct": 5}, "accept_within_tolerance": True}
    )
    opted_in = World(tmp_path, accepting)
    opted_in.catch_up()
    opted_in.follower.follow()
    assert opted_in.sent()[2:] == [("po.alert.resolved", "changes_proposed", "warning")]
    (row,) = opted_in.rows()
    assert row["resolved_at"] is not None
    assert json.loads(row["alert"])["detail"].startswith("withdrawn: the rules or the SLA policy")
    # Back and forth settles nothing twice: the ledger has each transition once.
    again = World(tmp_path, accepting)
    again.catch_up()
    again.follower.follow()
    assert len(again.sent()) == 3
    for w in (strict, lenient, opted_in, again):
        w.db.close()
        w.store.close()


def test_a_new_acknowledgment_that_changes_the_severity_is_raised_again(world: World) -> None:
    within = {"lines": [{"line": 1, "decision": "changed", "quantity": "100"}]}
    outside = {"lines": [{"line": 1, "decision": "changed", "quantity": "50"}]}
    world.record(approved(time=0), sent("S1", time=1), delivered("S1", time=2))
    world.record(acked("S1", time=10, decision="accepted_with_changes", **within))
    world.watermark(11)
    world.record(acked("S1", time=20, decision="accepted_with_changes", **outside))
    world.watermark(21)
    assert world.sent() == [
        ("po.alert.raised", "changes_proposed", "warning"),
        ("po.alert.raised", "changes_proposed", "critical"),
    ]
