"""CONTRACT v1.1 §3, voiding: given facts, when folded, then the §6 view, alerts, deadlines.

"A permanent failure voids the transport evidence (po.sent, po.delivered) of the same
revision and recipient whose time is earlier than the failure's; received and
acknowledged evidence is never voided." Equal times: the failure wins (the evidence at
the failure's instant is void too, see `projections.fold`).

Times are minutes after T0. Unless a test says otherwise the plan has one supplier
recipient S1 on email (delivery due after 60 minutes), acknowledgment is required, and
the current revision is 1.
"""

import itertools

import pytest

from projections.alerts import expected_alerts
from projections.deadlines import deadlines
from projections.fold import fold
from projections.overdue import overdue_at
from projections.performance import records
from projections.sla import SlaPolicy
from schemas.recorded import Fact
from schemas.status import POStatus, RecipientStatus
from schemas.views import RecipientView, StatusView
from tests.factories import (
    PO,
    acked,
    approved,
    delivered,
    failed,
    received,
    revised,
    sent,
    view_of,
    when,
)


def view(*facts: Fact, as_of: float | None = None) -> StatusView:
    return view_of(PO, list(facts), as_of=None if as_of is None else when(as_of))


def row(of: StatusView, recipient: str = "S1") -> RecipientView:
    [found] = [r for r in of.recipients if r.id == recipient]
    return found


def shown(of: StatusView, recipient: str = "S1") -> tuple[RecipientStatus, object, object]:
    r = row(of, recipient)
    return r.status, r.sent_at, r.delivered_at


# --- the recipient -------------------------------------------------------------------------


def test_a_bounce_after_delivery_makes_the_recipient_failed() -> None:
    v = view(approved(), sent("S1", time=1), delivered("S1", time=2), failed("S1", time=5))

    assert shown(v) == (RecipientStatus.FAILED, None, None)
    failure = row(v).failure
    assert failure is not None and (failure.permanent, failure.at) == (True, when(5))
    assert v.status is POStatus.DELIVERY_FAILED


def test_a_bounce_after_the_relays_acceptance_makes_the_recipient_failed() -> None:
    # §2 (v1.1): the submitting relay's SMTP 250 is po.sent; the DSN `failed` comes later.
    v = view(approved(), sent("S1", time=1), failed("S1", time=30))

    assert shown(v) == (RecipientStatus.FAILED, None, None)


def test_a_retry_sent_after_the_failure_is_sent_again_since_the_retry() -> None:
    v = view(
        approved(),
        sent("S1", time=1),
        delivered("S1", time=2),
        failed("S1", time=5),
        sent("S1", time=7),
    )

    assert shown(v) == (RecipientStatus.SENT, when(7), None)
    assert v.status is POStatus.DISTRIBUTING


def test_a_delivery_later_than_the_failure_is_delivered() -> None:
    v = view(approved(), sent("S1", time=1), failed("S1", time=5), delivered("S1", time=8))

    assert shown(v) == (RecipientStatus.DELIVERED, None, when(8))
    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT
    failure = row(v).failure  # why the first attempt failed stays visible
    assert failure is not None and failure.permanent is True


@pytest.mark.parametrize("evidence_time", [1, 5, 10], ids=["before", "same time", "after"])
def test_a_receipt_is_never_voided(evidence_time: int) -> None:
    v = view(
        approved(),
        delivered("S1", time=0.5),
        received("S1", time=evidence_time),
        failed("S1", time=5),
    )

    assert row(v).status is RecipientStatus.RECEIVED
    assert (row(v).received_at, row(v).delivered_at) == (when(evidence_time), None)
    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT


@pytest.mark.parametrize("evidence_time", [1, 5, 10], ids=["before", "same time", "after"])
def test_an_acknowledgment_is_never_voided(evidence_time: int) -> None:
    v = view(approved(), acked("S1", time=evidence_time), failed("S1", time=5))

    assert row(v).status is RecipientStatus.ACKNOWLEDGED
    assert row(v).acknowledged_at == when(evidence_time)
    assert v.status is POStatus.ACKNOWLEDGED


def test_a_transient_failure_voids_nothing_and_changes_no_status() -> None:
    history = [approved(), sent("S1", time=1), delivered("S1", time=2)]

    v = view(*history, failed("S1", time=5, permanent=False, code="4.4.1"))

    assert shown(v) == shown(view(*history)) == (RecipientStatus.DELIVERED, when(1), when(2))
    assert v.status is POStatus.AWAITING_ACKNOWLEDGMENT
    failure = row(v).failure
    assert failure is not None and failure.permanent is False


def test_a_transient_failure_after_a_bounce_does_not_undo_it() -> None:
    v = view(
        approved(),
        delivered("S1", time=2),
        failed("S1", time=5),
        failed("S1", time=6, permanent=False),
    )

    assert shown(v) == (RecipientStatus.FAILED, None, None)


def test_transport_evidence_at_the_failures_very_time_is_void() -> None:
    # The equal-time decision: the failure wins. §3's `failed` asks for transport evidence
    # "later than the latest permanent failure", which one at the same instant is not; it
    # is void too, so a failed recipient never shows a sent_at or delivered_at.
    for evidence in (sent, delivered):
        v = view(approved(), evidence("S1", time=5), failed("S1", time=5))

        assert shown(v) == (RecipientStatus.FAILED, None, None)
        assert v.status is POStatus.DELIVERY_FAILED


def test_the_latest_permanent_failure_voids_everything_up_to_it() -> None:
    history = [
        approved(),
        sent("S1", time=1),
        failed("S1", time=5, code="5.1.1"),
        sent("S1", time=7),
        delivered("S1", time=8),
        failed("S1", time=10, code="5.7.1"),
    ]

    v = view(*history)
    assert shown(v) == (RecipientStatus.FAILED, None, None)
    failure = row(v).failure
    assert failure is not None and (failure.code, failure.at) == ("5.7.1", when(10))

    again = view(*history, sent("S1", time=12), sent("S1", time=14))
    assert shown(again) == (RecipientStatus.SENT, when(12), None)


def test_an_earlier_failure_voids_only_what_is_dated_before_it() -> None:
    v = view(
        approved(),
        sent("S1", time=1),
        sent("S1", time=3),
        delivered("S1", time=2),
        delivered("S1", time=4),
        failed("S1", time=2.5),
    )

    assert shown(v) == (RecipientStatus.DELIVERED, when(3), when(4))


def test_voiding_does_not_depend_on_the_arrival_order() -> None:
    history = [
        sent("S1", time=1),
        delivered("S1", time=2),
        failed("S1", time=5),
        sent("S1", time=5),
        sent("S1", time=7),
        failed("S1", time=3, permanent=False),
    ]
    expected = view(approved(), *history)
    assert shown(expected) == (RecipientStatus.SENT, when(7), None)

    for order in itertools.permutations(history):
        assert view(approved(), *order) == expected


def test_a_failure_voids_only_its_own_recipient_and_revision() -> None:
    v = view(
        approved(["S1", "S2"]),
        delivered("S1", time=2),
        delivered("S2", time=2),
        failed("S2", time=5),
    )
    assert [r.status for r in v.recipients] == [RecipientStatus.DELIVERED, RecipientStatus.FAILED]

    older = view(
        approved(),
        revised(2, time=3),
        delivered("S1", time=4, revision=2),
        failed("S1", time=6, revision=1),
    )
    assert shown(older) == (RecipientStatus.DELIVERED, None, when(4))
    assert older.status is POStatus.AWAITING_ACKNOWLEDGMENT


# --- the PO status -------------------------------------------------------------------------


def test_the_po_is_delivery_failed_while_a_bounced_recipient_has_no_later_evidence() -> None:
    history = [
        approved(["S1"], ["I1"], ack_required=False),
        delivered("S1", time=2),
        delivered("I1", time=2),
        failed("I1", time=4),
    ]

    assert view(*history).status is POStatus.DELIVERY_FAILED
    assert view(*history, sent("I1", time=6)).status is POStatus.DISTRIBUTING
    assert view(*history, delivered("I1", time=6)).status is POStatus.DISTRIBUTED


def test_a_bounce_after_delivery_beats_an_acknowledgment_until_the_retry() -> None:
    history = [
        approved(["S1"], ["I1"]),
        delivered("I1", time=2),
        acked("S1", time=3),
        failed("I1", time=4),
    ]

    assert view(*history).status is POStatus.DELIVERY_FAILED
    assert view(*history, sent("I1", time=6)).status is POStatus.ACKNOWLEDGED


def test_a_view_as_of_an_instant_before_the_bounce_still_shows_the_delivery() -> None:
    history = [approved(), sent("S1", time=1), delivered("S1", time=2), failed("S1", time=5)]

    assert shown(view(*history, as_of=4)) == (RecipientStatus.DELIVERED, when(1), when(2))
    assert shown(view(*history, as_of=5)) == (RecipientStatus.FAILED, None, None)


# --- what else reads the transport evidence -----------------------------------------------


def test_a_delivery_voided_by_a_bounce_no_longer_meets_the_delivery_deadline() -> None:
    history = [approved(time=0), delivered("S1", time=4), failed("S1", time=5)]

    [delivery] = [d for d in deadlines(fold(PO, history), SlaPolicy()) if d.kind == "delivery"]
    assert delivery.met_at is None
    assert overdue_at(fold(PO, history), SlaPolicy(), when(60))
    assert not overdue_at(fold(PO, history[:2]), SlaPolicy(), when(60))

    retried = [*history, delivered("S1", time=90)]
    [delivery] = [d for d in deadlines(fold(PO, retried), SlaPolicy()) if d.kind == "delivery"]
    assert delivery.met_at == when(90)


def test_a_receipt_dated_before_the_bounce_still_meets_the_delivery_deadline() -> None:
    history = [approved(time=0), received("S1", time=4), failed("S1", time=5)]

    [delivery] = [d for d in deadlines(fold(PO, history), SlaPolicy()) if d.kind == "delivery"]
    assert delivery.met_at == when(4)


def test_a_bounce_after_delivery_raises_delivery_failed_and_delivery_overdue() -> None:
    history = [approved(time=0), delivered("S1", time=4), failed("S1", time=5)]

    found = expected_alerts(fold(PO, history), SlaPolicy(), when(61))

    failure = found[f"{PO}/r1/S1/delivery_failed"]
    assert (failure.raised_at, failure.resolved_at) == (when(5), None)
    overdue = found[f"{PO}/r1/S1/delivery_overdue"]
    assert (overdue.raised_at, overdue.resolved_at) == (when(60), None)

    healed = expected_alerts(fold(PO, [*history, delivered("S1", time=90)]), SlaPolicy(), when(100))
    assert healed[f"{PO}/r1/S1/delivery_failed"].resolved_at == when(90)
    assert healed[f"{PO}/r1/S1/delivery_overdue"].resolved_at == when(90)


def test_a_voided_delivery_is_no_delivery_in_the_supplier_performance() -> None:
    history = [approved(time=0), sent("S1", time=1), delivered("S1", time=4), failed("S1", time=5)]

    [record] = records(fold(PO, history), SlaPolicy())

    assert (record.sent, record.delivered, record.failed, record.start) == (
        True,
        False,
        True,
        None,
    )
    [retried] = records(fold(PO, [*history, delivered("S1", time=9)]), SlaPolicy())
    assert (retried.delivered, retried.failed, retried.start) == (True, True, when(9))
