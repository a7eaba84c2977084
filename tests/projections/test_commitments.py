"""Finance commitments (§5): given facts, when folded, then the PO's commitment."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from projections.commitments import commitment_of
from projections.fold import fold
from projections.runner import Runner
from projections.tables.commitments import get as get_commitment
from projections.tables.commitments import listing as list_commitments
from projections.views.commitments import CommitmentsProjection
from schemas.recorded import Fact
from schemas.views import Commitment
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, acked, approved, cancelled, delivered, revised, sent, when

LINES = [
    {"line": 1, "quantity": "100", "unit_price": "10.00", "need_by": "2025-04-10"},
    {"line": 2, "quantity": "10", "unit_price": "5.00", "need_by": "2025-04-20"},
    {"line": 3, "quantity": "4", "unit_price": "25.00"},
]
PRICED: dict[str, Any] = {"total": "1150.00", "lines": LINES, "payment_terms_days": 45}
CHANGES = [
    {"line": 1, "decision": "changed", "quantity": "80", "promised_date": "2025-04-15"},
    {"line": 2, "decision": "rejected", "promised_date": "2025-06-30"},
    {"line": 3, "decision": "backordered", "unit_price": "99", "promised_date": "2025-05-02"},
]


def commitment(*facts: Fact) -> Commitment | None:
    return commitment_of(fold(PO, list(facts)))


def test_there_is_no_commitment_before_approval() -> None:
    assert commitment(sent("S1", time=1), acked("S1", time=2)) is None


def test_an_approved_po_is_an_open_commitment_of_its_total() -> None:
    c = commitment(approved(time=0, **PRICED), sent("S1", time=1), delivered("S1", time=2))

    assert c is not None
    assert (c.state, c.amount, c.revision, c.supplier_id, c.currency) == (
        "open",
        Decimal("1150.00"),
        1,
        "SUP-1",
        "EUR",
    )
    assert c.confirmed_at is None
    assert c.expected_payment_date == date(2025, 6, 4)  # latest need-by 2025-04-20 + 45 days


def test_acceptance_confirms_at_the_acknowledged_value() -> None:
    c = commitment(approved(time=0, **PRICED), acked("S1", time=30, lines=CHANGES))

    assert c is not None and c.state == "confirmed"
    # line 1 changed to 80 x 10.00, line 2 rejected, line 3 backordered keeps 4 x 25.00
    assert c.amount == Decimal("900.00")
    assert c.confirmed_at == when(30)
    # latest promised date of the lines not rejected (2025-05-02) + 45 days
    assert c.expected_payment_date == date(2025, 6, 16)


def test_a_changed_line_takes_the_suppliers_price_when_given() -> None:
    lines = [{"line": 3, "decision": "changed", "unit_price": "20.00"}]
    c = commitment(approved(time=0, **PRICED), acked("S1", time=5, lines=lines))

    assert c is not None and c.amount == Decimal("1130.00")
    assert c.expected_payment_date == date(2025, 6, 4)  # no promised date: need-by + 45


def test_confirmation_waits_for_every_supplier_recipient() -> None:
    plan = approved(["S1", "S2"], ["I1"], time=0)

    one = commitment(plan, acked("S1", time=10))
    both = commitment(plan, acked("S1", time=10), acked("S2", time=20))

    assert one is not None and one.state == "open"
    assert both is not None and both.state == "confirmed"
    assert both.confirmed_at == when(20)
    assert both.amount == Decimal("1250.00")  # 100 x 12.50, the factory's one line


def test_a_rejection_disputes_the_commitment_at_the_po_total() -> None:
    c = commitment(approved(time=0, **PRICED), acked("S1", time=5, decision="rejected"))

    assert c is not None and (c.state, c.amount) == ("disputed", Decimal("1150.00"))


def test_proposed_changes_dispute_it_at_the_po_total_with_the_proposal_beside() -> None:
    # docs/contract.md §5 (v1.1): `amount` stays the PO total while disputed; the
    # supplier's value is `proposed_amount`.
    ack = acked("S1", time=5, decision="accepted_with_changes", lines=CHANGES)
    c = commitment(approved(time=0, **PRICED), ack)

    assert c is not None and (c.state, c.amount) == ("disputed", Decimal("1150.00"))
    assert c.proposed_amount == Decimal("900.00")
    assert c.confirmed_at is None


def test_the_latest_acknowledgment_counts() -> None:
    c = commitment(approved(time=0), acked("S1", time=5, decision="rejected"), acked("S1", time=9))

    assert c is not None and (c.state, c.confirmed_at) == ("confirmed", when(9))


def test_without_required_acknowledgment_it_stays_open() -> None:
    c = commitment(approved(time=0, ack_required=False), delivered("S1", time=1), acked("S1"))

    assert c is not None and c.state == "open"


def test_a_revision_reopens_it_at_the_new_total_and_old_acceptances_do_not_count() -> None:
    c = commitment(
        approved(time=0),
        acked("S1", time=5),
        revised(2, time=10, total="2000.00", lines=[], payment_terms_days=0),
    )

    assert c is not None
    assert (c.state, c.revision, c.amount) == ("open", 2, Decimal("2000.00"))
    assert c.expected_payment_date is None


def test_a_po_without_lines_confirms_at_its_total() -> None:
    c = commitment(approved(time=0, lines=[], total="77.70"), acked("S1", time=3))

    assert c is not None and (c.state, c.amount) == ("confirmed", Decimal("77.70"))


def test_a_cancelled_po_cancels_the_commitment() -> None:
    c = commitment(approved(time=0, **PRICED), acked("S1", time=3), cancelled(time=9))

    assert c is not None
    assert (c.state, c.amount, c.expected_payment_date) == ("cancelled", Decimal("1150.00"), None)


def test_the_projection_stores_publishes_changes_only_and_rebuilds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    store, db = EventStore(url), ViewDB(url)
    runner = Runner(CommitmentsProjection(), store, db)
    history = [
        [approved(time=0, **PRICED), approved(po="PO-2", supplier_id="SUP-2", time=0)],
        [sent("S1", time=1), delivered("S1", time=2)],
        [acked("S1", time=30, lines=CHANGES)],
    ]
    for batch in history:
        store.record(batch, {}, "g")
        runner.step()

    with db.read() as tx:
        rows = tx.all("SELECT * FROM commitments ORDER BY po_number")
        outbox = tx.all("SELECT topic, key, type, payload FROM outbox ORDER BY id")
        mine = get_commitment(tx, PO)
        confirmed = list_commitments(tx, state="confirmed")
        of_sup2 = list_commitments(tx, supplier="SUP-2")
    assert [(r["po_number"], r["state"], r["amount"]) for r in rows] == [
        ("PO-1001", "confirmed", "900.00"),
        ("PO-2", "open", "1250.00"),
    ]
    assert [(m["topic"], m["key"], m["type"]) for m in outbox] == [
        ("po.commitments.v1", "PO-1001", "po.commitment"),
        ("po.commitments.v1", "PO-2", "po.commitment"),
        ("po.commitments.v1", "PO-1001", "po.commitment"),
    ]
    assert [json.loads(m["payload"])["state"] for m in outbox] == ["open", "open", "confirmed"]
    assert mine is not None and mine["amount"] == "900.00"
    assert mine["confirmed_at"] == "2025-03-03T09:30:00Z"
    assert mine["expected_payment_date"] == "2025-06-16"
    assert [c["po_number"] for c in confirmed] == ["PO-1001"]
    assert [c["po_number"] for c in of_sup2] == ["PO-2"]

    runner.reset()
    runner.step(publish=False, replaying=True)
    with db.read() as tx:
        assert tx.all("SELECT * FROM commitments ORDER BY po_number") == rows
        assert len(tx.all("SELECT id FROM outbox")) == 3  # a silent replay publishes nothing
    store.close()
    db.close()


def test_the_issues_jpy_case_keeps_the_po_total_and_proposes_the_suppliers_value() -> None:
    # A JPY PO of 1,234,567 whose supplier proposes 6 instead of 7 on one line.
    lines = [
        {"line": 1, "quantity": "7", "unit_price": "123456", "need_by": "2026-12-10"},
        {"line": 2, "quantity": "1", "unit_price": "370375", "need_by": "2026-12-20"},
    ]
    plan = approved(time=0, currency="JPY", total="1234567", lines=lines, payment_terms_days=30)
    proposal = [
        {"line": 1, "decision": "changed", "quantity": "6", "promised_date": "2026-12-12"},
        {"line": 2, "decision": "accepted"},
    ]
    c = commitment(plan, acked("S1", time=5, decision="accepted_with_changes", lines=proposal))

    assert c is not None
    assert (c.state, str(c.amount), str(c.proposed_amount)) == ("disputed", "1234567", "1111111")
    # Line 1 at its promised date, line 2 at its need-by date, each plus 30 days.
    assert [(str(p.expected_payment_date), str(p.amount), p.lines) for p in c.payments] == [
        ("2027-01-11", "864192", [1]),
        ("2027-01-19", "370375", [2]),
    ]
    assert c.expected_payment_date == date(2027, 1, 19)  # line 2's need-by: it has no promise


def test_per_line_payment_dates_add_up_to_the_confirmed_amount() -> None:
    c = commitment(approved(time=0, **PRICED), acked("S1", time=30, lines=CHANGES))

    assert c is not None and c.state == "confirmed"
    # line 1: 80 x 10.00 promised 04-15; line 2 rejected: nothing; line 3: 4 x 25.00
    # backordered to 05-02; each plus 45 days.
    assert [(p.expected_payment_date, p.amount, p.lines) for p in c.payments] == [
        (date(2025, 5, 30), Decimal("800.00"), [1]),
        (date(2025, 6, 16), Decimal("100.00"), [3]),
    ]
    assert sum(p.amount for p in c.payments) == c.amount


def test_what_the_total_holds_beyond_the_lines_is_due_with_the_latest_date() -> None:
    # 1150 of lines and 50 of freight: the freight, and line 3 that has no date, go with
    # the latest need-by + terms.
    c = commitment(approved(time=0, **(PRICED | {"total": "1200.00"})))

    assert c is not None and c.state == "open"
    assert [(p.expected_payment_date, p.amount, p.lines) for p in c.payments] == [
        (date(2025, 5, 25), Decimal("1000.00"), [1]),
        (date(2025, 6, 4), Decimal("200.00"), [2, 3]),
    ]


def test_a_rejected_line_still_in_the_disputed_total_is_due_with_the_rest() -> None:
    # Line 2 (need-by 04-20) is rejected: the dispute keeps it in the PO total, due at the
    # expected payment date (line 1's 04-10 + 45), never after it.
    answer = [{"line": 1, "decision": "accepted"}, {"line": 2, "decision": "rejected"}]
    c = commitment(
        approved(time=0, **PRICED), acked("S1", time=5, decision="rejected", lines=answer)
    )

    assert c is not None and c.state == "disputed" and c.amount == Decimal("1150.00")
    assert c.expected_payment_date == date(2025, 5, 25)
    assert [(p.expected_payment_date, p.amount, p.lines) for p in c.payments] == [
        (date(2025, 5, 25), Decimal("1150.00"), [1, 2, 3])
    ]


def test_a_whole_rejection_leaves_no_date_to_expect() -> None:
    c = commitment(approved(time=0, **PRICED), acked("S1", time=5, decision="rejected"))

    assert c is not None and (c.state, c.expected_payment_date) == ("disputed", None)
    assert [(p.expected_payment_date, p.amount) for p in c.payments] == [(None, Decimal("1150.00"))]


def test_the_proposal_is_one_recipients_and_carries_the_minor_units() -> None:
    # Two recipients of one supplier: "sales" proposes 26 of 52, "orders" then accepts all.
    lines = [{"line": 1, "quantity": "52", "unit_price": "100", "need_by": "2026-12-10"}]
    plan = approved(["sales", "orders"], time=0, total="5200.00", lines=lines)
    proposal = [{"line": 1, "decision": "changed", "quantity": "26"}]
    c = commitment(
        plan,
        acked("sales", time=5, decision="accepted_with_changes", lines=proposal),
        acked("orders", time=9, lines=[{"line": 1, "decision": "accepted"}]),
    )

    assert c is not None and c.state == "disputed"
    assert (str(c.amount), str(c.proposed_amount)) == ("5200.00", "2600.00")
