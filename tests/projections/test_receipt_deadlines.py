"""CONTRACT §5 `receipt_overdue` and per-recipient expectations; §6 `overdue` with it.

Given facts, when the clock reads T, then these deadlines and alerts exist. Times are
minutes after T0. Recipient S1 (a trading partner) is expected to send a functional
acknowledgment (X12 997/999, EDIFACT CONTRL: `po.received`) within 30 minutes of the send;
"twice overdue" is as long again past the due time.
"""

from datetime import timedelta
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.alerts import OVERDUE, expected_alerts, next_check
from projections.deadlines import DeadlineKind, deadlines
from projections.fold import fold
from projections.overdue import OVERDUE_KINDS, is_overdue, overdue_at
from projections.sla import RecipientPolicy, SlaPolicy, SupplierPolicy, parse_sla
from schemas.recorded import Fact
from schemas.views import Alert, AlertKind
from tests.factories import (
    PO,
    T0,
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
from tests.projections.test_fold_properties import PROPERTY, aggregate, arrivals, histories

HOUR = 60
RECEIPT = SlaPolicy(recipients={"S1": RecipientPolicy(receipt_minutes=30)})


def alerts_at(clock: float, *facts: Fact, sla: SlaPolicy = RECEIPT) -> dict[str, Alert]:
    return expected_alerts(fold(PO, list(facts)), sla, when(clock))


def receipt(found: dict[str, Alert], revision: int = 1, who: str = "S1") -> Alert | None:
    return found.get(f"{PO}/r{revision}/{who}/receipt_overdue")


def receipt_deadlines(*facts: Fact, sla: SlaPolicy = RECEIPT) -> list[tuple[int, str]]:
    found = deadlines(fold(PO, list(facts)), sla)
    return [(d.revision, d.recipient) for d in found if d.kind == "receipt"]


# --- the receipt deadline ----------------------------------------------------------------


def test_no_functional_acknowledgment_within_the_window_after_the_send_raises_it() -> None:
    history = [approved(time=0, channel="edi"), sent("S1", time=10, channel="edi")]

    assert receipt(alerts_at(39, *history)) is None
    alert = receipt(alerts_at(40, *history))

    assert alert is not None
    assert (alert.severity, alert.escalation_level) == ("warning", 1)
    assert alert.raised_at == alert.due_at == when(40)
    assert alert.resolved_at is None
    assert alert.alert_id == f"{PO}/r1/S1/receipt_overdue"
    assert alert.detail == "receipt by edi due 0:30:00 after it was sent"


def test_twice_overdue_it_is_critical() -> None:
    history = [approved(time=0), sent("S1", time=10)]

    alert = receipt(alerts_at(70, *history))

    assert alert is not None
    assert (alert.severity, alert.escalation_level) == ("critical", 2)


def test_a_receipt_resolves_it_and_one_in_time_never_raises_it() -> None:
    history = [approved(time=0), sent("S1", time=10)]

    late = receipt(alerts_at(100, *history, received("S1", time=50)))
    in_time = receipt(alerts_at(100, *history, received("S1", time=39)))

    assert late is not None and late.resolved_at == when(50)
    assert in_time is None


def test_an_acknowledgment_is_stronger_than_a_receipt_and_meets_it() -> None:
    history = [approved(time=0), sent("S1", time=10)]

    assert receipt(alerts_at(100, *history, acked("S1", time=20))) is None
    late = receipt(alerts_at(100, *history, acked("S1", time=60)))
    assert late is not None and late.resolved_at == when(60)


def test_a_delivery_does_not_meet_it() -> None:
    history = [approved(time=0, channel="edi"), sent("S1", time=10), delivered("S1", time=11)]

    alert = receipt(alerts_at(45, *history))

    assert alert is not None and alert.resolved_at is None
    assert "delivery_overdue" not in {a.kind for a in alerts_at(45, *history).values()}


def test_no_receipt_deadline_before_the_send() -> None:
    assert receipt_deadlines(approved(time=0)) == []
    assert receipt(alerts_at(100 * HOUR, approved(time=0), delivered("S1", time=5))) is None


def test_no_receipt_deadline_without_receipt_minutes() -> None:
    history = [approved(["S1", "S2"], time=0), sent("S1", time=10), sent("S2", time=10)]
    acknowledgment_only = SlaPolicy(recipients={"S1": RecipientPolicy(acknowledgment_hours=1)})

    assert receipt_deadlines(*history, sla=SlaPolicy()) == []
    assert receipt_deadlines(*history, sla=acknowledgment_only) == []
    assert receipt_deadlines(*history) == [(1, "S1")]  # S2 has no expectation


def test_every_recipient_with_receipt_minutes_is_awaited_internal_ones_too() -> None:
    sla = SlaPolicy(recipients={"I1": RecipientPolicy(receipt_minutes=5)})
    history = [approved([], ["I1"], time=0), sent("I1", time=1)]

    alert = receipt(alerts_at(6, *history, sla=sla), who="I1")

    assert alert is not None and alert.due_at == when(6)


def test_the_send_of_the_same_revision_starts_it() -> None:
    history = [approved(time=0), sent("S1", time=10, revision=2), revised(2, time=5)]

    assert receipt_deadlines(*history) == [(2, "S1")]


def test_the_earliest_send_starts_it() -> None:
    history = [approved(time=0), sent("S1", time=20), sent("S1", time=10)]

    [deadline] = [d for d in deadlines(fold(PO, history), RECEIPT) if d.kind == "receipt"]

    assert (deadline.start, deadline.due) == (when(10), when(40))


def test_a_send_voided_by_a_permanent_failure_starts_nothing_a_retry_starts_it() -> None:
    # §3: a permanent failure (e.g. a 997 that rejects the interchange) voids the earlier
    # po.sent; the receipt is awaited from the first send not voided.
    history = [approved(time=0), sent("S1", time=10), failed("S1", time=20)]

    assert receipt_deadlines(*history) == []
    [deadline] = [
        d
        for d in deadlines(fold(PO, [*history, sent("S1", time=50)]), RECEIPT)
        if d.kind == "receipt"
    ]
    assert (deadline.start, deadline.due) == (when(50), when(80))


def test_cancelling_the_po_voids_it() -> None:
    history = [approved(time=0), sent("S1", time=10)]

    resolved = receipt(alerts_at(100, *history, cancelled(time=50)))

    assert resolved is not None and resolved.resolved_at == when(50)
    assert receipt(alerts_at(100, *history, cancelled(time=39))) is None


def test_a_change_order_voids_it_and_the_new_revision_waits_for_its_own_send() -> None:
    history = [approved(time=0), sent("S1", time=10), revised(2, time=50)]

    found = alerts_at(200, *history)
    old = receipt(found)
    assert old is not None and old.resolved_at == when(50)
    assert receipt(found, revision=2) is None

    resent = receipt(alerts_at(90, *history, sent("S1", time=60, revision=2)), revision=2)
    assert resent is not None and resent.due_at == when(90) and resent.resolved_at is None


def test_next_check_knows_the_receipt_due_and_critical_times() -> None:
    sla = RECEIPT.model_copy(update={"delivery_minutes": {"email": 24 * HOUR}})
    state = fold(PO, [approved(time=0, ack_required=False), sent("S1", time=10)])

    assert next_check(state, sla, when(10)) == when(40)
    assert next_check(state, sla, when(40)) == when(70)


def test_every_deadline_kind_has_an_overdue_alert_kind_that_makes_a_po_overdue() -> None:
    assert set(OVERDUE) == set(get_args(DeadlineKind))
    assert set(OVERDUE.values()) == set(OVERDUE_KINDS)
    assert set(OVERDUE_KINDS) <= set(get_args(AlertKind))


# --- overdue (§6) ------------------------------------------------------------------------


def test_an_open_receipt_overdue_alert_makes_the_po_overdue_live_and_as_of() -> None:
    # Delivered, and acknowledgment far off: only the receipt is late.
    history = [approved(time=0), sent("S1", time=10), delivered("S1", time=11)]

    open_alerts = alerts_at(45, *history)

    assert {a.kind for a in open_alerts.values()} == {"receipt_overdue"}
    assert is_overdue(open_alerts.values())
    assert overdue_at(fold(PO, history), RECEIPT, when(40))
    assert not overdue_at(fold(PO, history), RECEIPT, when(39))
    assert view_of(PO, history, as_of=when(45), sla=RECEIPT).overdue
    assert not view_of(PO, history, as_of=when(39), sla=RECEIPT).overdue


def test_a_resolved_receipt_overdue_alert_does_not() -> None:
    history = [approved(time=0), sent("S1", time=10), received("S1", time=50)]

    found = alerts_at(55, *history)

    assert receipt(found) is not None
    assert not is_overdue(found.values())
    assert not overdue_at(fold(PO, history), RECEIPT, when(55))


# --- the acknowledgment window: PO, then recipient, then supplier, then policy -----------


def ack_due(*facts: Fact, sla: SlaPolicy, who: str = "S1") -> timedelta:
    [deadline] = [
        d
        for d in deadlines(fold(PO, list(facts)), sla)
        if d.kind == "acknowledgment" and d.recipient == who
    ]
    return deadline.due - deadline.start


def test_the_recipient_acknowledgment_hours_override_the_supplier_and_the_policy() -> None:
    sla = SlaPolicy(
        acknowledgment_hours=48,
        suppliers={"SUP-1": SupplierPolicy(acknowledgment_hours=24)},
        recipients={"S1": RecipientPolicy(acknowledgment_hours=6)},
    )
    plan = approved(["S1", "S2"], time=0)

    assert ack_due(plan, sla=sla) == timedelta(hours=6)
    assert ack_due(plan, sla=sla, who="S2") == timedelta(hours=24)  # no recipient entry
    no_supplier = sla.model_copy(update={"suppliers": {}})
    assert ack_due(plan, sla=no_supplier) == timedelta(hours=6)
    assert ack_due(plan, sla=no_supplier, who="S2") == timedelta(hours=48)


def test_the_po_acknowledgment_due_hours_override_the_recipient() -> None:
    sla = SlaPolicy(recipients={"S1": RecipientPolicy(acknowledgment_hours=6)})

    assert ack_due(approved(time=0, acknowledgment_due_hours=2), sla=sla) == timedelta(hours=2)


def test_a_recipient_without_acknowledgment_hours_falls_back_to_the_supplier() -> None:
    sla = SlaPolicy(
        suppliers={"SUP-1": SupplierPolicy(acknowledgment_hours=24)},
        recipients={"S1": RecipientPolicy(receipt_minutes=30)},
    )

    assert ack_due(approved(time=0), sla=sla) == timedelta(hours=24)


def test_recipient_acknowledgment_hours_move_the_overdue_alert() -> None:
    sla = SlaPolicy(recipients={"S1": RecipientPolicy(acknowledgment_hours=2)})

    found = alerts_at(2 * HOUR, approved(time=0), delivered("S1", time=1), sla=sla)

    assert found[f"{PO}/r1/S1/acknowledgment_overdue"].due_at == when(2 * HOUR)


# --- merging recipient expectations (the trading partners file) ---------------------------


def test_with_recipients_adds_and_fills_in_but_the_policy_file_wins_key_by_key() -> None:
    policy = SlaPolicy(
        recipients={
            "S1": RecipientPolicy(receipt_minutes=30),
            "S2": RecipientPolicy(acknowledgment_hours=6),
        }
    )
    partners = {
        "S1": RecipientPolicy(acknowledgment_hours=12, receipt_minutes=90),
        "S3": RecipientPolicy(receipt_minutes=15),
    }

    merged = policy.with_recipients(partners)

    assert merged.recipients == {
        "S1": RecipientPolicy(acknowledgment_hours=12, receipt_minutes=30),
        "S2": RecipientPolicy(acknowledgment_hours=6),
        "S3": RecipientPolicy(receipt_minutes=15),
    }
    assert policy.recipients["S1"] == RecipientPolicy(receipt_minutes=30)  # untouched
    assert merged.with_recipients({}) == merged
    assert SlaPolicy().with_recipients(partners).recipients == partners


def test_receipt_window_is_the_recipient_minutes_or_none() -> None:
    assert RECEIPT.receipt_window("S1") == timedelta(minutes=30)
    assert RECEIPT.receipt_window("S2") is None


# --- the TOML policy file ----------------------------------------------------------------


def test_the_policy_file_takes_recipient_tables() -> None:
    text = """
        acknowledgment_hours = 48

        [recipients.sup-f06-edi]
        acknowledgment_hours = 12
        receipt_minutes = 60

        [recipients."S 2"]
        receipt_minutes = 7.5
    """

    sla = parse_sla(text, "sla.toml")

    assert sla.recipients == {
        "sup-f06-edi": RecipientPolicy(acknowledgment_hours=12, receipt_minutes=60),
        "S 2": RecipientPolicy(receipt_minutes=7.5),
    }
    assert sla.receipt_window("sup-f06-edi") == timedelta(hours=1)
    assert sla.acknowledgment_window("SUP-1", None, "sup-f06-edi") == timedelta(hours=12)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[recipients.sup-f06-edi]\nreceipt_minutes = 0", "recipients.sup-f06-edi.receipt_minutes"),
        ("[recipients.R]\nreceipt_minutes = -5", "recipients.R.receipt_minutes"),
        ("[recipients.R]\nreceipt_minutes = nan", "recipients.R.receipt_minutes"),
        ("[recipients.R]\nreceipt_minutes = 1e12", "recipients.R.receipt_minutes"),
        ("[recipients.R]\nreceipt_minutes = 'sixty'", "recipients.R.receipt_minutes"),
        ("[recipients.R]\nacknowledgment_hours = 0", "recipients.R.acknowledgment_hours"),
        ("[recipients.R]\nfunctional_ack_minutes = 60", "recipients.R.functional_ack_minutes"),
        ("recipients = 3", "recipients"),
        ("[recipients]\nR = 60", "recipients.R"),
        ("[recipients.R\nreceipt_minutes = 60", "not TOML"),
    ],
)
def test_a_bad_recipient_table_is_refused_in_one_line(text: str, names: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_sla(text, "sla.toml")

    message = str(refused.value)
    assert message.startswith("SLA policy sla.toml: ")
    assert names in message
    assert "\n" not in message


# --- properties: the alerts and `overdue` with recipient expectations --------------------

# Short windows, so that deadlines fall inside the histories' four hours; recipients with
# and without expectations, an internal one and one never in any plan.
EXPECTING = SlaPolicy(
    acknowledgment_hours=1,
    delivery_minutes={"email": 20},
    recipients={
        "S1": RecipientPolicy(receipt_minutes=15),
        "S2": RecipientPolicy(acknowledgment_hours=2, receipt_minutes=30),
        "I1": RecipientPolicy(receipt_minutes=10),
        "X9": RecipientPolicy(receipt_minutes=5),
    },
)
CLOCKS = st.integers(-1, 300).map(lambda minutes: T0 + timedelta(minutes=minutes))


@PROPERTY
@given(data=st.data())
def test_any_arrival_order_gives_the_same_alerts_with_receipt_deadlines(
    data: st.DataObject,
) -> None:
    # docs/contract.md §5: deadlines run on event time, over the set of the PO's facts.
    facts = data.draw(histories())
    clock = data.draw(CLOCKS)
    expected = expected_alerts(aggregate(facts)[0].state, EXPECTING, clock)

    po, _ = aggregate(data.draw(arrivals(facts)))

    assert expected_alerts(po.state, EXPECTING, clock) == expected


@PROPERTY
@given(data=st.data())
def test_overdue_live_and_as_of_agree_with_receipt_deadlines(data: st.DataObject) -> None:
    # docs/contract.md §6: live, an open overdue alert (receipt_overdue among them); as of
    # T, a deadline due by T that was not met by then. Both say the same at any clock.
    facts = data.draw(histories())
    clock = data.draw(CLOCKS)
    state = aggregate(facts)[0].state

    live = is_overdue(expected_alerts(state, EXPECTING, clock).values())

    assert live == overdue_at(state, EXPECTING, clock)
