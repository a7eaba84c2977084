"""Line deviations and tolerances (issue: finance): given a PO and an acknowledgment, when
judged under an SLA policy, then each line's deviation and whether it is within tolerance."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from projections.commitments import commitment_of
from projections.deviations import judge, lines_view
from projections.fold import fold
from projections.sla import SlaPolicy, parse_sla
from projections.status import render
from schemas.status import Decision, POStatus, RecipientStatus
from schemas.views import LineDeviation
from tests.factories import PO, acked, approved

LINES = [
    {"line": 1, "sku": "BOLT-8", "quantity": "100", "unit_price": "2.50", "need_by": "2026-12-10"},
    {"line": 2, "sku": "NUT-8", "quantity": "200", "unit_price": "0.40", "need_by": "2026-12-10"},
    {"line": 3, "sku": "WASHER", "quantity": "50", "unit_price": "0.10"},
]
TOTAL = "335.00"  # 250 + 80 + 5: fifty washers at 0.10 EUR


def deviations(
    answer: dict[str, Any], sla: SlaPolicy | None = None, **po: Any
) -> list[LineDeviation]:
    """The lines of S1's acknowledgment `answer`, judged under `sla`."""
    plan: dict[str, Any] = {"total": TOTAL, "lines": LINES} | po
    state = fold(PO, [approved(time=0, **plan), acked("S1", time=10, **answer)])
    track = state.track(1, "S1")
    assert track is not None and track.ack is not None
    plan_data = state.plan(1)
    assert plan_data is not None
    return judge(plan_data, track.ack, sla or SlaPolicy()).lines


def line(found: list[LineDeviation], number: int) -> LineDeviation:
    return next(d for d in found if d.line == number)


def policy(**keys: Any) -> SlaPolicy:
    return SlaPolicy.model_validate(keys)


def test_an_accepted_line_on_time_is_no_deviation() -> None:
    answer = {"lines": [{"line": 1, "decision": "accepted", "promised_date": "2026-12-10"}]}
    first = line(deviations(answer), 1)
    assert (first.decision, first.confirmed_quantity, first.quantity_change) == (
        "accepted",
        Decimal(100),
        Decimal(0),
    )
    assert (first.days, first.within_tolerance, first.outside) == (0, True, [])


def test_a_late_promise_is_within_the_days_late_it_allows() -> None:
    answer = {"lines": [{"line": 1, "decision": "accepted", "promised_date": "2026-12-13"}]}
    strict = line(deviations(answer), 1)
    assert (strict.days, strict.within_tolerance, strict.outside) == (3, False, ["date"])
    lenient = line(deviations(answer, policy(tolerance={"days_late": 3})), 1)
    assert (lenient.days, lenient.within_tolerance) == (3, True)
    # Early is judged on its own limit: three days early needs days_early >= 3.
    early = {"lines": [{"line": 1, "decision": "accepted", "promised_date": "2026-12-07"}]}
    assert line(deviations(early, policy(tolerance={"days_late": 5})), 1).outside == ["date"]
    assert line(deviations(early, policy(tolerance={"days_early": 3})), 1).within_tolerance


def test_a_changed_quantity_is_judged_in_percent_of_the_ordered() -> None:
    answer = {
        "decision": "accepted_with_changes",
        "lines": [{"line": 1, "decision": "changed", "quantity": "97"}],
    }
    found = line(deviations(answer, policy(tolerance={"quantity_pct": 3})), 1)
    assert (found.quantity_change, found.quantity_change_pct) == (Decimal(-3), Decimal("-3.00"))
    assert found.within_tolerance
    # 3.0001 % would be over a 3 % limit: the rule uses the exact values, not the rounded.
    over = {
        "decision": "accepted_with_changes",
        "lines": [{"line": 1, "decision": "changed", "quantity": "96.9999"}],
    }
    found = line(deviations(over, policy(tolerance={"quantity_pct": 3})), 1)
    assert (found.quantity_change_pct, found.outside) == (Decimal("-3.00"), ["quantity"])


def test_a_changed_price_must_be_within_both_price_limits() -> None:
    answer = {
        "decision": "accepted_with_changes",
        "lines": [{"line": 1, "decision": "changed", "unit_price": "2.60"}],
    }
    found = line(deviations(answer, policy(tolerance={"price_pct": 5})), 1)
    assert (found.unit_price_change, found.unit_price_change_pct) == (
        Decimal("0.10"),
        Decimal("4.00"),
    )
    assert found.within_tolerance
    capped = policy(tolerance={"price_pct": 5, "price_amount": Decimal("0.05")})
    assert line(deviations(answer, capped), 1).outside == ["unit_price"]
    assert line(deviations(answer, policy(tolerance={"price_pct": 3})), 1).outside == ["unit_price"]


def test_a_backordered_line_keeps_its_value_and_needs_a_date() -> None:
    dated = {
        "decision": "accepted_with_changes",
        "lines": [
            {"line": 1, "decision": "backordered", "quantity": "40", "promised_date": "2026-12-12"}
        ],
    }
    found = line(deviations(dated, policy(tolerance={"days_late": 2})), 1)
    assert (found.confirmed_quantity, found.backordered_quantity, found.days) == (
        Decimal(100),
        Decimal(40),
        2,
    )
    assert found.within_tolerance
    undated = {"lines": [{"line": 1, "decision": "backordered"}]}
    found = line(deviations(undated, policy(tolerance={"days_late": 30})), 1)
    assert (found.backordered_quantity, found.outside) == (Decimal(100), ["no_date"])


def test_a_rejected_line_and_a_missing_one_are_always_outside() -> None:
    answer = {
        "decision": "accepted_with_changes",
        "lines": [
            {"line": 1, "decision": "accepted"},
            {"line": 2, "decision": "rejected"},
            {"line": 9, "decision": "accepted", "quantity": "1"},
        ],
    }
    generous = policy(tolerance={"quantity_pct": 100, "price_pct": 100})
    found = deviations(answer, generous)
    rejected, missing, unknown = line(found, 2), line(found, 3), line(found, 9)
    assert (rejected.confirmed_quantity, rejected.quantity_change_pct, rejected.outside) == (
        Decimal(0),
        Decimal("-100.00"),
        ["rejected"],
    )
    assert (missing.confirmed_quantity, missing.outside) == (None, ["missing"])
    assert (unknown.decision, unknown.ordered_quantity, unknown.outside) == (
        "unknown",
        None,
        ["unknown"],
    )


def test_an_acknowledgment_without_lines_answers_every_line_with_its_decision() -> None:
    assert [d.decision for d in deviations({})] == ["accepted"] * 3
    assert all(d.within_tolerance for d in deviations({}))
    assert [d.decision for d in deviations({"decision": "rejected"})] == ["rejected"] * 3


@pytest.mark.parametrize(
    ("currency", "price", "changed", "pct"),
    [
        ("JPY", "176367", "176000", "-0.21"),  # no minor units
        ("EUR", "2.50", "2.45", "-2.00"),  # two
        ("KWD", "1.250", "1.275", "2.00"),  # three: the third decimal counts
    ],
)
def test_prices_keep_every_digit_of_their_currency(
    currency: str, price: str, changed: str, pct: str
) -> None:
    lines = [{"line": 1, "quantity": "7", "unit_price": price}]
    answer = {
        "decision": "accepted_with_changes",
        "lines": [{"line": 1, "decision": "changed", "unit_price": changed}],
    }
    found = line(deviations(answer, currency=currency, lines=lines, total="0"), 1)
    assert found.unit_price_change == Decimal(changed) - Decimal(price)
    assert str(found.unit_price_change) == str(Decimal(changed) - Decimal(price))
    assert found.unit_price_change_pct == Decimal(pct)


def test_the_recipient_row_lists_only_what_deviates() -> None:
    answer = {
        "decision": "accepted_with_changes",
        "lines": [
            {"line": 1, "decision": "accepted", "promised_date": "2026-12-10"},
            {"line": 2, "decision": "changed", "quantity": "198"},
            {"line": 3, "decision": "accepted"},
        ],
    }
    state = fold(PO, [approved(time=0, total=TOTAL, lines=LINES), acked("S1", time=10, **answer)])
    row = render(state, sla=policy(tolerance={"quantity_pct": 1})).recipients[0]
    assert [(d.line, d.decision) for d in row.deviations] == [(2, "changed")]
    assert (row.decision, row.status, row.within_tolerance) == (
        Decision.ACCEPTED_WITH_CHANGES,
        RecipientStatus.CHANGES_PROPOSED,
        True,
    )


def test_accept_within_tolerance_counts_the_changes_as_accepted() -> None:
    # Opt-in: the PO is acknowledged and the commitment confirmed at the changed value; the
    # decision shown stays accepted_with_changes with its deviations.
    answer = {
        "decision": "accepted_with_changes",
        "lines": [
            {"line": 1, "decision": "accepted"},
            {"line": 2, "decision": "changed", "quantity": "198"},
            {"line": 3, "decision": "accepted"},
        ],
    }
    facts = [approved(time=0, total=TOTAL, lines=LINES), acked("S1", time=10, **answer)]
    state = fold(PO, facts)
    sla = parse_sla(
        "accept_within_tolerance = true\n[tolerance]\nquantity_pct = 1\n", "test policy"
    )
    view = render(state, sla=sla)
    row = view.recipients[0]
    assert (view.status, row.status, row.decision) == (
        POStatus.ACKNOWLEDGED,
        RecipientStatus.ACKNOWLEDGED,
        Decision.ACCEPTED_WITH_CHANGES,
    )
    assert [d.line for d in row.deviations] == [2]
    c = commitment_of(state, sla)
    assert c is not None and (c.state, c.amount, c.proposed_amount) == (
        "confirmed",
        Decimal("334.20"),  # 250 + 198 x 0.40 + 5
        None,
    )
    # Without the opt-in, or outside tolerance, the same answer disputes it.
    assert render(state, sla=policy(tolerance={"quantity_pct": 1})).status is (
        POStatus.CHANGES_PROPOSED
    )
    outside = parse_sla("accept_within_tolerance = true\n", "strict policy")
    assert render(state, sla=outside).status is POStatus.CHANGES_PROPOSED
    disputed = commitment_of(state, outside)
    assert disputed is not None and (disputed.state, disputed.amount, disputed.proposed_amount) == (
        "disputed",
        Decimal(TOTAL),
        Decimal("334.20"),
    )


def test_a_suppliers_tolerance_overrides_key_by_key() -> None:
    sla = parse_sla(
        "[tolerance]\nquantity_pct = 1\ndays_late = 2\n"
        "[suppliers.SUP-1.tolerance]\nquantity_pct = 10\n"
        "[suppliers.SUP-1]\naccept_within_tolerance = true\n",
        "test policy",
    )
    own = sla.tolerance_for("SUP-1")
    assert (own.quantity_pct, own.days_late) == (Decimal(10), 2)
    assert sla.tolerance_for("SUP-2").quantity_pct == Decimal(1)
    assert (sla.accepts_within_tolerance("SUP-1"), sla.accepts_within_tolerance("SUP-2")) == (
        True,
        False,
    )


def test_a_bad_tolerance_is_one_line_naming_the_key() -> None:
    with pytest.raises(ValueError, match=r"^SLA policy p.toml: tolerance.quantity_pct: .*"):
        parse_sla("[tolerance]\nquantity_pct = -1\n", "p.toml")
    with pytest.raises(ValueError, match=r"tolerance\.days: Extra inputs"):
        parse_sla("[tolerance]\ndays = 3\n", "p.toml")
    with pytest.raises(ValueError, match=r"price_pct: .*'1' is text; write it without quotes"):
        parse_sla('[tolerance]\nprice_pct = "1"\n', "p.toml")
    with pytest.raises(ValueError, match=r"^SLA policy p.toml: accept_within_tolerance: "):
        parse_sla('accept_within_tolerance = "yes"\n', "p.toml")


def test_the_lines_view_gives_every_line_each_suppliers_answer() -> None:
    answer = {
        "decision": "accepted_with_changes",
        "lines": [
            {"line": 1, "decision": "changed", "quantity": "90", "promised_date": "2026-12-11"},
            {"line": 7, "decision": "accepted"},
        ],
    }
    facts = [
        approved(["S1", "S2"], time=0, total=TOTAL, lines=LINES),
        acked("S1", time=10, **answer),
    ]
    view = lines_view(fold(PO, facts), SlaPolicy())
    assert [ln.line for ln in view.lines] == [1, 2, 3]
    first = view.lines[0]
    assert [(a.recipient, a.deviation.decision, a.deviation.days) for a in first.answers] == [
        ("S1", "changed", 1)
    ]
    assert [a.deviation.decision for a in view.lines[1].answers] == ["missing"]
    assert [(a.recipient, a.deviation.line) for a in view.unknown_lines] == [("S1", 7)]
    assert view.lines[0].need_by == date(2026, 12, 10)
