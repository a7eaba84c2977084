"""CONTRACT §3, rule by rule: given facts, when folded, then the §6 status view.

Times are minutes after T0 (see factories). Unless a test says otherwise the plan has one
supplier recipient S1, acknowledgment is required, and the current revision is 1.
"""

from datetime import datetime

import pytest

from projections.fold import fold
from projections.status import render
from schemas.recorded import Fact
from schemas.status import Decision, POStatus, RecipientStatus
from schemas.views import RecipientView, StaleAcknowledgment, StatusView
from services.store.aggregate import PurchaseOrder
from tests.factories import (
    PO,
    acked,
    approved,
    cancelled,
    delivered,
    failed,
    received,
    revised,
    sent,
    view_of,
    when,
)


def view(*facts: Fact, as_of: datetime | None = None) -> StatusView:
    return view_of(PO, list(facts), as_of=as_of)


def row(of: StatusView, recipient: str) -> RecipientView:
    found = [r for r in of.recipients if r.id == recipient]
    assert len(found) == 1, f"{recipient} is not (once) in the view: {of.recipients}"
    return found[0]


def status(of: StatusView, recipient: str = "S1") -> RecipientStatus:
    return row(of, recipient).status


def recorded(*facts: Fact) -> PurchaseOrder:
    """The aggregate after recording the facts in the given order."""
    po = PurchaseOrder.start(facts[0])
    for f in facts[1:]:
        po.record(f)
    return po


def anomalies_of(po: PurchaseOrder) -> list[tuple[str, ...]]:
    return [event.fact.anomalies for event in po.collect_events()]  # type: ignore[attr-defined]


# --- per recipient and revision ------------------------------------------------------------


def test_a_planned_recipient_with_no_evidence_is_pending() -> None:
    v = view(approved(["S1"], ["I1"]))

    assert [(r.id, r.status) for r in v.recipients] == [
        ("S1", RecipientStatus.PENDING),
        ("I1", RecipientStatus.PENDING),
    ]
    assert row(v, "S1").sent_at is None


def test_a_sent_recipient_is_sent_since_the_send() -> None:
    v = view(approved(), sent("S1", time=1))

    assert status(v) is RecipientStatus.SENT
    assert row(v, "S1").sent_at == when(1)


def test_a_delivered_recipient_is_delivered_since_the_delivery() -> None:
    v = view(approved(), sent("S1", time=1), delivered("S1", time=2))

    assert status(v) is RecipientStatus.DELIVERED
    assert (row(v, "S1").sent_at, row(v, "S1").delivered_at) == (when(1), when(2))


def test_a_recipient_that_took_it_in_is_received() -> None:
    v = view(approved(), sent("S1", time=1), delivered("S1", time=2), received("S1", time=3))

    assert status(v) is RecipientStatus.RECEIVED
    assert row(v, "S1").received_at == when(3)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ("accepted", RecipientStatus.ACKNOWLEDGED),
        ("accepted_with_changes", RecipientStatus.CHANGES_PROPOSED),
        ("rejected", RecipientStatus.REJECTED),
    ],
)
def test_an_acknowledgment_sets_the_status_of_its_decision(
    decision: str, expected: RecipientStatus
) -> None:
    v = view(approved(), delivered("S1", time=2), acked("S1", time=5, decision=decision))

    assert status(v) is expected
    assert row(v, "S1").decision is Decision(decision)
    assert row(v, "S1").acknowledged_at == when(5)


def test_the_earliest_report_of_the_same_evidence_gives_its_time() -> None:
    v = view(approved(), delivered("S1", time=9), delivered("S1", time=4), delivered("S1", time=6))

    assert row(v, "S1").delivered_at == when(4)


def test_a_permanent_failure_without_evidence_of_arrival_is_failed() -> None:
    v = view(approved(), sent("S1", time=1), failed("S1", time=2, code="5.1.1"))

    assert status(v) is RecipientStatus.FAILED
    failure = row(v, "S1").failure
    assert failure is not None
    assert (failure.permanent, failure.code, failure.at) == (True, "5.1.1", when(2))


@pytest.mark.parametrize("evidence", [delivered, received, acked])
def test_a_permanent_failure_is_not_failed_once_arrival_is_evidenced_after_it(evidence) -> None:
    v = view(approved(), failed("S1", time=5), evidence("S1", time=10))

    assert status(v) is not RecipientStatus.FAILED
    assert v.status is not POStatus.DELIVERY_FAILED


def test_a_permanent_failure_of_another_revision_is_not_a_failure_of_this_one() -> None:
    v = view(approved(), revised(2, time=10), failed("S1", time=5), sent("S1", time=11, revision=2))

    assert status(v) is RecipientStatus.SENT


def test_a_transient_failure_changes_no_status() -> None:
    before = view(approved(), sent("S1", time=1))
    after = view(approved(), sent("S1", time=1), failed("S1", time=2, permanent=False))

    assert status(after) is status(before) is RecipientStatus.SENT
    assert after.status is before.status is POStatus.DISTRIBUTING
    failure = row(after, "S1").failure
    assert failure is not None and failure.permanent is False


def test_a_failed_recipient_shows_its_permanent_failure_even_after_a_transient_one() -> None:
    v = view(
        approved(),
        failed("S1", time=2, code="5.1.1"),
        failed("S1", time=3, permanent=False, code="4.4.1"),
    )

    assert status(v) is RecipientStatus.FAILED
    failure = row(v, "S1").failure
    assert failure is not None and (failure.permanent, failure.code) == (True, "5.1.1")


def test_a_transient_failure_alone_leaves_a_recipient_pending() -> None:
    v = view(approved(), failed("S1", time=2, permanent=False))

    assert status(v) is RecipientStatus.PENDING


def test_a_late_delivery_after_an_acknowledgment_only_fills_in_delivered_at() -> None:
    before = view(approved(), sent("S1", time=1), acked("S1", time=5))
    after = view(approved(), sent("S1", time=1), acked("S1", time=5), delivered("S1", time=9))

    assert status(before) is status(after) is RecipientStatus.ACKNOWLEDGED
    assert row(before, "S1").delivered_at is None
    assert row(after, "S1").delivered_at == when(9)
    assert after.status is POStatus.ACKNOWLEDGED


def test_evidence_never_moves_a_status_backwards() -> None:
    v = view(approved(), received("S1", time=5), delivered("S1", time=6), sent("S1", time=7))

    assert status(v) is RecipientStatus.RECEIVED
    assert (row(v, "S1").sent_at, row(v, "S1").delivered_at) == (when(7), when(6))


def test_an_acknowledgment_implies_received_and_delivered_with_null_timestamps() -> None:
    v = view(approved(["S1"], ack_required=False), acked("S1", time=5))

    r = row(v, "S1")
    assert r.status is RecipientStatus.ACKNOWLEDGED
    assert (r.sent_at, r.delivered_at, r.received_at) == (None, None, None)
    assert v.status is POStatus.DISTRIBUTED  # "at least delivered"


def test_a_receipt_implies_delivery_with_a_null_timestamp() -> None:
    v = view(approved(["S1"]), received("S1", time=5))

    assert (status(v), row(v, "S1").delivered_at) == (RecipientStatus.RECEIVED, None)
    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT


def test_internal_recipients_never_need_acknowledgment() -> None:
    v = view(
        approved(["S1"], ["I1"]),
        delivered("I1", time=1),
        delivered("S1", time=1),
        acked("S1", time=2),
    )

    assert status(v, "I1") is RecipientStatus.DELIVERED
    assert v.status is POStatus.ACKNOWLEDGED


def test_a_po_with_only_internal_recipients_delivered_waits_for_no_acknowledgment() -> None:
    v = view(approved([], ["I1"], ack_required=False), delivered("I1", time=1))

    assert v.status is POStatus.DISTRIBUTED


def test_the_latest_acknowledgment_by_time_counts() -> None:
    rejected_late = [acked("S1", time=5), acked("S1", time=8, decision="rejected")]

    for facts in (rejected_late, rejected_late[::-1]):
        v = view(approved(), *facts)
        assert status(v) is RecipientStatus.REJECTED
        assert row(v, "S1").acknowledged_at == when(8)
        assert v.status is POStatus.REJECTED


def test_acknowledgments_at_the_same_time_are_decided_by_the_greater_id() -> None:
    first = acked("S1", time=5, decision="rejected", id="ack-b")
    second = acked("S1", time=5, decision="accepted", id="ack-a")

    assert status(view(approved(), first, second)) is RecipientStatus.REJECTED
    assert status(view(approved(), second, first)) is RecipientStatus.REJECTED


def test_a_newer_acknowledgment_replaces_the_supplier_reference() -> None:
    v = view(
        approved(),
        acked("S1", time=5, supplier_reference="SO-1"),
        acked("S1", time=6, supplier_reference="SO-2", decision="accepted_with_changes"),
    )

    assert (row(v, "S1").supplier_reference, row(v, "S1").decision) == (
        "SO-2",
        Decision.ACCEPTED_WITH_CHANGES,
    )


# --- per PO, first match wins --------------------------------------------------------------


def test_cancelled_beats_everything() -> None:
    v = view(
        approved(["S1", "S2"]),
        acked("S1", time=5, decision="rejected"),
        failed("S2", time=5),
        cancelled(time=9),
    )

    assert v.status is POStatus.CANCELLED
    assert v.cancelled_at == when(9)
    assert status(v, "S1") is RecipientStatus.REJECTED  # recipients still shown


def test_a_cancellation_before_approval_is_cancelled() -> None:
    assert view(cancelled(time=1)).status is POStatus.CANCELLED


def test_a_po_is_unknown_before_its_approval() -> None:
    v = view(sent("S1", time=1), delivered("S1", time=2))

    assert v.status is POStatus.UNKNOWN
    assert (v.revision, v.recipients, v.supplier_id) == (None, [], None)
    assert v.version == 2


def test_events_before_the_approval_count_once_it_arrives() -> None:
    early = [delivered("S1", time=2), acked("S1", time=3)]

    v = view(*early, approved(time=5))

    assert v.status is POStatus.ACKNOWLEDGED
    assert row(v, "S1").delivered_at == when(2)
    assert v == view(approved(time=5), *early)


def test_a_change_order_without_an_approval_is_still_unknown() -> None:
    assert view(revised(2, time=1)).status is POStatus.UNKNOWN


def test_rejected_beats_changes_proposed() -> None:
    v = view(
        approved(["S1", "S2"]),
        acked("S1", time=3, decision="accepted_with_changes"),
        acked("S2", time=4, decision="rejected"),
    )

    assert v.status is POStatus.REJECTED


def test_changes_proposed_beats_delivery_failed() -> None:
    v = view(
        approved(["S1"], ["I1"]),
        acked("S1", time=3, decision="accepted_with_changes"),
        failed("I1", time=4),
    )

    assert v.status is POStatus.CHANGES_PROPOSED


def test_delivery_failed_beats_acknowledged() -> None:
    v = view(approved(["S1"], ["I1"]), acked("S1", time=3), failed("I1", time=4))

    assert status(v, "I1") is RecipientStatus.FAILED
    assert v.status is POStatus.DELIVERY_FAILED


def test_delivery_failed_also_when_acknowledgment_is_not_required() -> None:
    v = view(approved(["S1", "S2"], ack_required=False), delivered("S1", time=1), failed("S2"))

    assert v.status is POStatus.DELIVERY_FAILED


def test_acknowledged_when_every_supplier_recipient_accepted() -> None:
    v = view(approved(["S1", "S2"]), acked("S1", time=3), acked("S2", time=4))

    assert v.status is POStatus.ACKNOWLEDGED


def test_not_acknowledged_while_one_supplier_recipient_has_not_accepted() -> None:
    v = view(approved(["S1", "S2"]), acked("S1", time=3), received("S2", time=4))

    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT


def test_an_acknowledgment_required_po_without_supplier_recipients_is_never_acknowledged() -> None:
    # Rule 6 needs "every supplier recipient (at least one)"; rule 7 needs "not required".
    v = view(approved([], ["I1"]), delivered("I1", time=1))

    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT


def test_distributed_when_acknowledgment_is_not_required_and_everyone_has_it() -> None:
    v = view(
        approved(["S1"], ["I1"], ack_required=False),
        delivered("S1", time=1),
        received("I1", time=2),
    )

    assert v.status is POStatus.DISTRIBUTED
    assert v.acknowledgment_required is False


def test_distributed_not_acknowledged_when_acknowledgment_is_not_required() -> None:
    v = view(approved(["S1"], ack_required=False), acked("S1", time=3))

    assert v.status is POStatus.DISTRIBUTED


def test_awaiting_acknowledgment_when_everyone_has_it() -> None:
    v = view(approved(["S1"], ["I1"]), delivered("S1", time=1), delivered("I1", time=1))

    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT


@pytest.mark.parametrize("ack_required", [True, False])
def test_distributing_while_a_recipient_is_not_yet_delivered(ack_required: bool) -> None:
    v = view(
        approved(["S1"], ["I1"], ack_required=ack_required),
        delivered("S1", time=1),
        sent("I1", time=1),
    )

    assert v.status is POStatus.DISTRIBUTING


def test_distributing_right_after_approval() -> None:
    assert view(approved()).status is POStatus.DISTRIBUTING


# --- revisions -----------------------------------------------------------------------------


def test_a_change_order_makes_its_revision_current_and_resets_everyone_to_pending() -> None:
    v = view(
        approved(["S1"], ["I1"]),
        delivered("S1", time=1),
        delivered("I1", time=1),
        acked("S1", time=2),
        revised(2, ["S1"], ["I1"], time=10, total="1500.00"),
    )

    assert v.revision == 2
    assert [r.status for r in v.recipients] == [RecipientStatus.PENDING] * 2
    assert str(v.total_amount) == "1500.00"
    assert v.status is POStatus.DISTRIBUTING


def test_an_acknowledgment_of_an_older_revision_does_not_satisfy_the_current_one() -> None:
    v = view(
        approved(),
        revised(2, time=10),
        delivered("S1", time=11, revision=2),
        acked("S1", time=12, revision=1),
    )

    assert status(v) is RecipientStatus.DELIVERED
    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT
    assert v.stale_acknowledgments == [StaleAcknowledgment(recipient="S1", revision=1)]


def test_a_stale_acknowledgment_names_the_newest_older_revision() -> None:
    v = view(
        approved(),
        acked("S1", time=2, revision=1),
        revised(2, time=3),
        acked("S1", time=4, revision=2),
        revised(3, time=5),
    )

    assert v.stale_acknowledgments == [StaleAcknowledgment(recipient="S1", revision=2)]


def test_a_stale_acknowledgment_is_gone_once_the_current_revision_is_acknowledged() -> None:
    v = view(
        approved(),
        acked("S1", time=2, revision=1),
        revised(2, time=3),
        acked("S1", time=4, revision=2, decision="rejected"),
    )

    assert v.stale_acknowledgments == []
    assert v.status is POStatus.REJECTED


def test_only_supplier_recipients_of_the_current_plan_have_stale_acknowledgments() -> None:
    v = view(
        approved(["S1", "S2"], ["I1"]),
        acked("S1", time=2),
        acked("S2", time=2),
        acked("I1", time=2),
        revised(2, ["S1"], ["I1"], time=3),
    )

    assert v.stale_acknowledgments == [StaleAcknowledgment(recipient="S1", revision=1)]


def test_events_are_recorded_against_the_revision_they_name() -> None:
    v = view(approved(), revised(2, time=10), delivered("S1", time=20, revision=1))

    assert status(v) is RecipientStatus.PENDING


def test_events_for_a_revision_not_yet_announced_count_once_it_is() -> None:
    early = [delivered("S1", time=11, revision=2), acked("S1", time=12, revision=2)]

    before = view(approved(), delivered("S1", time=1), *early)
    after = view(approved(), delivered("S1", time=1), *early, revised(2, time=10))

    assert (before.revision, status(before), before.status) == (
        1,
        RecipientStatus.DELIVERED,
        POStatus.AWAITING_ACKNOWLEDGMENT,
    )
    assert (after.revision, status(after), after.status) == (
        2,
        RecipientStatus.ACKNOWLEDGED,
        POStatus.ACKNOWLEDGED,
    )


def test_the_highest_announced_revision_is_current_whatever_the_order() -> None:
    facts = [approved(time=0), revised(3, ["S3"], time=30), revised(2, ["S2"], time=20)]

    for order in (facts, facts[::-1]):
        v = view(*order)
        assert v.revision == 3
        assert [r.id for r in v.recipients] == ["S3"]


def test_recipients_outside_the_current_plan_do_not_count() -> None:
    v = view(
        approved(["S1"]),
        acked("S1", time=2),
        acked("S9", time=2, decision="rejected"),
        failed("X1", time=3),
    )

    assert [r.id for r in v.recipients] == ["S1"]
    assert v.status is POStatus.ACKNOWLEDGED


def test_a_recipient_dropped_by_a_change_order_no_longer_counts() -> None:
    v = view(
        approved(["S1", "S2"]),
        failed("S2", time=1),
        revised(2, ["S1"], time=5),
        acked("S1", time=6, revision=2),
    )

    assert v.status is POStatus.ACKNOWLEDGED


def test_the_plan_of_the_current_revision_decides_whether_acknowledgment_is_required() -> None:
    v = view(
        approved(["S1"], ack_required=True),
        revised(2, ["S1"], time=5, ack_required=False),
        delivered("S1", time=6, revision=2),
    )

    assert v.status is POStatus.DISTRIBUTED


# --- version, updated_at, as_of ------------------------------------------------------------


def test_the_version_counts_the_accepted_facts() -> None:
    facts = [approved(), sent("S1", time=1), failed("S1", time=2, permanent=False), cancelled()]

    assert view(*facts).version == 4


def test_updated_at_is_the_latest_event_time() -> None:
    v = view(approved(time=0), acked("S1", time=30), sent("S1", time=10))

    assert v.updated_at == when(30)


def test_as_of_keeps_only_events_at_or_before_that_instant() -> None:
    facts = [approved(time=0), sent("S1", time=1), delivered("S1", time=2), acked("S1", time=3)]

    assert view(*facts, as_of=when(-1)).status is POStatus.UNKNOWN
    assert status(view(*facts, as_of=when(1.5))) is RecipientStatus.SENT
    at_delivery = view(*facts, as_of=when(2))
    assert (status(at_delivery), at_delivery.version) == (RecipientStatus.DELIVERED, 3)
    assert view(*facts, as_of=when(3)) == view(*facts)


def test_as_of_compares_instants_not_offsets() -> None:
    facts = [approved(time="2025-03-03T10:00:00+01:00"), sent("S1", time="2025-03-03T09:30:00Z")]

    assert view(*facts, as_of=when("2025-03-03T09:00:00Z")).version == 1
    assert view(*facts, as_of=when("2025-03-03T10:29:00+01:00")).version == 1
    assert view(*facts, as_of=when("2025-03-03T10:30:00+01:00")).version == 2


def test_render_of_the_fold_is_the_view() -> None:
    facts = [approved(["S1"], ["I1"]), delivered("I1", time=1), acked("S1", time=2)]

    assert render(fold(PO, facts)) == view(*facts)


# --- the aggregate: duplicates and anomalies (docs/contract.md §1, §4) ---------------------


def test_a_duplicate_changes_nothing() -> None:
    first = delivered("S1", time=1, id="d-1", source="urn:gw")
    po = recorded(approved(), first)
    before = render(po.state)

    assert po.record(first) is False
    assert po.version == 2
    assert render(po.state) == before


def test_a_duplicate_is_the_same_source_and_id_whatever_its_content() -> None:
    po = recorded(approved(), delivered("S1", time=1, id="d-1", source="urn:gw"))

    late = failed("S1", time=99, id="d-1", source="urn:gw")

    assert po.record(late) is False
    assert status(render(po.state)) is RecipientStatus.DELIVERED


def test_the_same_id_from_another_source_is_not_a_duplicate() -> None:
    po = recorded(approved(), delivered("S1", time=1, id="d-1", source="urn:gw"))

    assert po.record(delivered("S1", time=2, id="d-1", source="urn:other-gw")) is True
    assert po.version == 3


def test_the_aggregate_version_is_the_view_version() -> None:
    po = recorded(approved(), sent("S1", time=1), sent("S1", time=1), delivered("S1", time=2))

    assert po.version == render(po.state).version == 4


def test_a_normal_history_has_no_anomalies() -> None:
    po = recorded(approved(["S1"], ["I1"]), sent("S1", time=1), delivered("S1", time=2))

    assert anomalies_of(po) == [(), (), ()]


def test_a_recipient_not_in_the_plan_is_an_anomaly_not_a_status() -> None:
    po = recorded(approved(["S1"]), acked("S9", time=2))

    assert anomalies_of(po)[1] == ("recipient S9 is not in the plan of revision 1",)
    assert [r.id for r in render(po.state).recipients] == ["S1"]


def test_events_about_recipients_missing_from_a_later_plan_are_noted_when_it_arrives() -> None:
    po = recorded(acked("S9", time=2, id="ack-9"), approved(["S1"], time=3))

    assert anomalies_of(po) == [
        (),
        (
            "recipient S9 is not in the plan of revision 1: "
            "po.acknowledged ack-9 from urn:supplier-portal",
        ),
    ]
    assert [(a.id, a.note) for a in render(po.state).anomalies] == [
        ("ack-9", "recipient S9 is not in the plan of revision 1")
    ]


def test_a_plan_announced_again_with_the_recipient_withdraws_the_anomaly_by_name() -> None:
    ghost = acked("GHOST", time=60, id="ack-g")
    again = revised(1, ["S1", "GHOST"], time=30, id="rev-1b")
    po = recorded(approved(["S1"], time=0), ghost, again)

    notes = anomalies_of(po)

    assert notes[1] == ("recipient GHOST is not in the plan of revision 1",)
    assert notes[2] == (
        "revision 1 announced again; the latest counts",
        "no longer an anomaly: recipient GHOST is not in the plan of revision 1: "
        "po.acknowledged ack-g from urn:supplier-portal",
    )
    assert [(a.id, a.note) for a in render(po.state).anomalies] == [
        ("rev-1b", "revision 1 announced again; the latest counts")
    ]


def test_an_event_dated_after_the_cancellation_is_an_anomaly() -> None:
    po = recorded(approved(), cancelled(time=5), delivered("S1", time=6))

    assert anomalies_of(po)[2] == ("po.delivered dated after the PO was cancelled",)
    assert render(po.state).status is POStatus.CANCELLED


def test_an_acknowledgment_dated_after_the_cancellation_is_an_anomaly_in_either_order() -> None:
    # docs/contract.md §4 (v1.1): judged on event time over the set, not on arrival order.
    ack = acked("S1", time=24 * 60, id="855-1", source="urn:potrack:gateway:x12")
    cancel = cancelled(time=12 * 60, id="cancel-1")
    ack_first = recorded(approved(), ack, cancel)
    cancel_first = recorded(approved(), cancel, ack)

    assert anomalies_of(ack_first) == [
        (),
        (),
        (
            "po.acknowledged dated after the PO was cancelled: "
            "po.acknowledged 855-1 from urn:potrack:gateway:x12",
        ),
    ]
    assert anomalies_of(cancel_first)[2] == ("po.acknowledged dated after the PO was cancelled",)
    for po in (ack_first, cancel_first):
        [anomaly] = render(po.state).anomalies
        assert (anomaly.id, anomaly.type) == ("855-1", "po.acknowledged")
        assert anomaly.note == "po.acknowledged dated after the PO was cancelled"


def test_late_history_dated_before_the_cancellation_is_no_anomaly() -> None:
    po = recorded(approved(), cancelled(time=60), delivered("S1", time=5))

    assert anomalies_of(po) == [(), (), ()]
    assert render(po.state).anomalies == []


def test_an_acknowledgment_by_an_internal_recipient_is_an_anomaly() -> None:
    po = recorded(approved(["S1"], ["I1"]), acked("I1", time=2))

    assert anomalies_of(po)[1] == ("internal recipient I1 acknowledged; none is needed",)


def test_a_send_on_another_channel_than_planned_is_an_anomaly() -> None:
    po = recorded(approved(["S1"], channel="edi"), sent("S1", time=1, channel="email"))

    assert anomalies_of(po)[1] == ("sent by email, the plan says edi",)


def test_a_second_approval_is_an_anomaly() -> None:
    po = recorded(approved(time=0), approved(time=1))

    assert anomalies_of(po)[1] == (
        "PO approved more than once",
        "revision 1 announced again; the latest counts",
    )
