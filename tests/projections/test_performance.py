"""Supplier performance: given POs' facts, when summarized over a window, then the figures."""

from datetime import timedelta
from pathlib import Path

from projections.fold import fold
from projections.performance import PerfRecord, records, summarize
from projections.runner import Runner
from projections.sla import SlaPolicy
from projections.tables.performance import supplier_performance, suppliers_overview
from projections.views.performance import PerformanceProjection
from schemas.recorded import Fact
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import T0, acked, approved, cancelled, delivered, failed, revised, sent, when

SLA = SlaPolicy(acknowledgment_hours=24)
HOUR = 60  # factory times are minutes after T0
END = when(10 * 24 * HOUR)  # "now": ten days after T0
START = END - timedelta(days=90)


def perf(po: str, *facts: Fact) -> list[PerfRecord]:
    return records(fold(po, list(facts)), SLA)


def fleet() -> list[PerfRecord]:
    """A: email, acked 2 h after delivery; B: email, acked late (30 h after its send);
    C: edi, delivered, never acked; D: edi, bounced for good."""
    edi = {"channel": "edi"}
    return [
        *perf(
            "A", approved(po="A"), delivered("S1", po="A", time=60), acked("S1", po="A", time=180)
        ),
        *perf(
            "B", approved(po="B"), sent("S1", po="B", time=0), acked("S1", po="B", time=30 * HOUR)
        ),
        *perf("C", approved(po="C", **edi), delivered("S1", po="C", time=5)),
        *perf(
            "D", approved(po="D", **edi), sent("S1", po="D", time=1), failed("S1", po="D", time=2)
        ),
    ]


def test_one_record_per_revision_and_supplier_recipient() -> None:
    (only,) = perf(
        "A",
        approved(["S1"], ["I1"]),
        sent("S1", time=1),
        delivered("S1", time=2),
        acked("S1", time=62),
    )

    assert (only.revision, only.recipient, only.channel, only.supplier_id) == (
        1,
        "S1",
        "email",
        "SUP-1",
    )
    assert only.due_at == T0 + timedelta(hours=24)
    assert (only.start, only.acknowledged_at) == (when(2), when(62))
    assert (only.sent, only.delivered, only.failed, only.void) == (True, True, False, False)


def test_the_start_is_the_first_delivery_else_the_send() -> None:
    (by_send,) = perf("A", approved(), sent("S1", time=4))
    (nothing,) = perf("A", approved())

    assert by_send.start == when(4) and not by_send.delivered
    assert nothing.start is None and not nothing.sent


def test_without_required_acknowledgment_nothing_is_due() -> None:
    (only,) = perf("A", approved(ack_required=False), delivered("S1", time=2))

    assert only.due_at is None


def test_a_revision_before_the_deadline_voids_it_unless_already_acknowledged() -> None:
    superseded = perf("A", approved(), revised(2, time=10 * HOUR))
    answered = perf("A", approved(), acked("S1", time=HOUR), revised(2, time=10 * HOUR))
    cancelled_late = perf("A", approved(), cancelled(time=30 * HOUR))

    assert [(r.revision, r.void) for r in superseded] == [(1, True), (2, False)]
    assert answered[0].void is False
    assert cancelled_late[0].void is False  # it had already fallen due, unanswered


def test_a_permanent_failure_counts_as_a_failed_delivery() -> None:
    (bounced,) = perf("A", approved(), failed("S1", time=2))
    (retried,) = perf("A", approved(), failed("S1", time=2, permanent=False))

    assert (bounced.sent, bounced.failed) == (True, True)
    assert retried.failed is False


def test_rates_on_time_and_times_to_acknowledge() -> None:
    s = summarize(fleet(), START, END)

    assert s["supplier_id"] == "SUP-1"
    assert s["window"] == {"start": START.isoformat(), "end": END.isoformat(), "days": 90}
    assert (s["acknowledgments_due"], s["acknowledged"], s["on_time"]) == (4, 2, 1)
    assert (s["acknowledgment_rate"], s["on_time_acknowledgment_rate"]) == (0.5, 0.25)
    assert (s["median_hours_to_acknowledge"], s["p90_hours_to_acknowledge"]) == (16.0, 30.0)
    assert (s["deliveries_sent"], s["delivery_failures"], s["delivery_failure_rate"]) == (
        4,
        1,
        0.25,
    )


def test_figures_by_channel() -> None:
    by = summarize(fleet(), START, END)["by_channel"]

    assert list(by) == ["edi", "email"]
    assert (by["email"]["acknowledgment_rate"], by["email"]["on_time_acknowledgment_rate"]) == (
        1.0,
        0.5,
    )
    assert (by["edi"]["acknowledgment_rate"], by["edi"]["median_hours_to_acknowledge"]) == (
        0.0,
        None,
    )
    assert by["edi"]["delivery_failure_rate"] == 0.5


def test_p90_is_by_nearest_rank() -> None:
    fleet_ = [
        r
        for n in range(1, 11)
        for r in perf(
            f"P{n}",
            approved(po=f"P{n}"),
            sent("S1", po=f"P{n}"),
            acked("S1", po=f"P{n}", time=n * HOUR),
        )
    ]
    s = summarize(fleet_, START, END)

    assert (s["median_hours_to_acknowledge"], s["p90_hours_to_acknowledge"]) == (5.5, 9.0)


def test_an_empty_window_has_null_rates_not_zeros() -> None:
    s = summarize(fleet(), START - timedelta(days=365), START - timedelta(days=300))

    assert (s["acknowledgments_due"], s["deliveries_sent"]) == (0, 0)
    for rate in ("acknowledgment_rate", "on_time_acknowledgment_rate", "delivery_failure_rate"):
        assert s[rate] is None
    assert s["median_hours_to_acknowledge"] is None and s["p90_hours_to_acknowledge"] is None
    assert summarize([], START, END)["by_channel"] == {}


def test_a_deadline_still_ahead_is_not_yet_due() -> None:
    s = summarize(perf("A", approved(), delivered("S1", time=1)), START, when(HOUR))

    assert (s["acknowledgments_due"], s["acknowledgment_rate"], s["deliveries_sent"]) == (
        0,
        None,
        1,
    )


def test_the_projection_keeps_records_and_rebuilds_identically(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    store, db = EventStore(url), ViewDB(url)
    runner = Runner(PerformanceProjection(SLA), store, db)
    store.record([approved(po="A", time="2025-03-03T11:00:00+02:00"), sent("S1", po="A")], {}, "g")
    store.record([acked("S1", po="A", time=HOUR), approved(po="Z", supplier_id="SUP-2")], {}, "g")
    store.record([revised(2, po="A", time=2 * HOUR), delivered("S1", po="A", revision=2)], {}, "g")
    while runner.step().applied:
        pass

    with db.read() as tx:
        rows = tx.all("SELECT * FROM performance_records ORDER BY po_number, revision")
        one = supplier_performance(tx, "SUP-1", END)
        unknown = supplier_performance(tx, "SUP-404", END)
        overview = suppliers_overview(tx, END, 90)
        assert tx.all("SELECT id FROM outbox") == []
    assert [(r["po_number"], r["revision"], r["due_at"]) for r in rows] == [
        ("A", 1, "2025-03-04T09:00:00.000000Z"),
        ("A", 2, "2025-03-04T11:00:00.000000Z"),
        ("Z", 1, "2025-03-04T09:00:00.000000Z"),
    ]
    assert one is not None and (one["acknowledgments_due"], one["acknowledged"]) == (2, 1)
    assert unknown is None
    assert [(s["supplier_id"], s["acknowledgments_due"]) for s in overview] == [
        ("SUP-1", 2),
        ("SUP-2", 1),
    ]

    runner.reset()
    while runner.step().applied:
        pass
    with db.read() as tx:
        assert tx.all("SELECT * FROM performance_records ORDER BY po_number, revision") == rows
    store.close()
    db.close()
