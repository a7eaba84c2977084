"""The answer form read against the PO lines of its revision: what each decision sends,
and every refusal named by its field."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from schemas.events import AcknowledgedLine, RevisedData
from schemas.status import Decision, LineDecision
from services.portal.form import FormErrors, read_answer
from tests.factories import plan


def order(currency: str = "EUR", lines: list[dict[str, Any]] | None = None) -> RevisedData:
    found = lines or [
        {
            "line": 1,
            "sku": "BOLT-8",
            "quantity": "100",
            "unit_price": "12.50",
            "need_by": "2026-12-01",
        },
        {"line": 2, "sku": "NUT-8", "quantity": "10", "unit_price": "2.50"},
    ]
    return RevisedData.model_validate(plan(currency=currency, lines=found))


def as_shown(**fields: str) -> dict[str, str]:
    """The fields a browser posts: the page fills quantity and price in with the PO's."""
    page = {
        "line-1-decision": "accepted",
        "line-1-quantity": "100",
        "line-1-unit_price": "12.50",
        "line-1-promised_date": "",
        "line-2-decision": "accepted",
        "line-2-quantity": "10",
        "line-2-unit_price": "2.50",
        "line-2-promised_date": "",
    }
    return page | fields


def refused(fields: dict[str, str], currency: str = "EUR") -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        read_answer(fields, order(currency))
    return caught.value.errors


def test_an_acceptance_as_shown_sends_no_lines() -> None:
    answer = read_answer(as_shown(decision="accepted", supplier_reference=" SO-77 "), order())

    assert answer.decision is Decision.ACCEPTED
    assert answer.supplier_reference == "SO-77"
    assert answer.lines == ()
    assert answer.data(1, "S1") == {
        "revision": 1,
        "recipient": "S1",
        "decision": "accepted",
        "supplier_reference": "SO-77",
    }


def test_an_acceptance_with_a_promised_date_lists_every_line() -> None:
    answer = read_answer(
        as_shown(decision="accepted", **{"line-2-promised_date": "2026-12-10"}), order()
    )

    assert [(ln.line, ln.decision, ln.promised_date) for ln in answer.lines] == [
        (1, LineDecision.ACCEPTED, None),
        (2, LineDecision.ACCEPTED, date(2026, 12, 10)),
    ]


def test_changes_send_every_line_with_only_what_differs() -> None:
    fields = as_shown(
        decision="accepted_with_changes",
        **{
            "line-1-quantity": "90",  # marked accepted, but changed: a change
            "line-1-unit_price": "12.5",  # the same price written otherwise: no change
            "line-2-decision": "backordered",
            "line-2-promised_date": "2027-01-15",
        },
    )
    answer = read_answer(fields, order())

    assert answer.lines == (
        AcknowledgedLine(line=1, decision=LineDecision.CHANGED, quantity=Decimal(90)),
        AcknowledgedLine(
            line=2, decision=LineDecision.BACKORDERED, promised_date=date(2027, 1, 15)
        ),
    )
    assert answer.data(1, "S1")["lines"][0] == {"line": 1, "decision": "changed", "quantity": "90"}


def test_a_rejection_needs_a_reason_and_sends_no_lines() -> None:
    assert refused(as_shown(decision="rejected")) == {"reason": "say why you reject the order"}

    answer = read_answer(as_shown(decision="rejected", reason="discontinued"), order())
    assert (answer.decision, answer.reason, answer.lines) == (
        Decision.REJECTED,
        "discontinued",
        (),
    )


def test_accepting_with_changes_needs_a_change() -> None:
    assert refused(as_shown(decision="accepted_with_changes")) == {
        "decision": "no line is changed: change a line, or choose accept"
    }
    # A line marked changed with nothing changed is no change either.
    errors = refused(as_shown(decision="accepted_with_changes", **{"line-1-decision": "changed"}))
    assert errors["line-1-decision"].startswith("change the quantity, price or promised date")


def test_an_order_without_lines_takes_changes_said_in_the_reason() -> None:
    bare = RevisedData.model_validate(plan(lines=[]))
    with pytest.raises(FormErrors) as caught:
        read_answer({"decision": "accepted_with_changes"}, bare)
    assert caught.value.errors == {"reason": "this order has no lines: say here what you change"}

    answer = read_answer({"decision": "accepted_with_changes", "reason": "ships in May"}, bare)
    assert (answer.decision, answer.lines) == (Decision.ACCEPTED_WITH_CHANGES, ())


def test_accepting_with_a_changed_line_is_refused() -> None:
    errors = refused(as_shown(decision="accepted", **{"line-2-decision": "rejected"}))
    assert errors == {"decision": "line 2 changed: choose accept with changes, or undo the change"}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("line-1-quantity", "-5", "must be more than 0"),
        ("line-1-quantity", "0", "must be more than 0 (to drop the line, choose rejected)"),
        ("line-1-quantity", "ten", "a quantity as digits with a point for decimals, like 12.50"),
        ("line-1-quantity", "1e3", "a quantity as digits with a point for decimals, like 12.50"),
        ("line-1-quantity", "1" * 25, "a quantity of at most 24 characters"),
        ("line-1-unit_price", "-1.00", "cannot be negative"),
        ("line-1-unit_price", "12,50", "a price as digits with a point for decimals, like 12.50"),
        ("line-1-unit_price", "12.505", "at most 2 decimals in this order's currency"),
        ("line-1-promised_date", "2026-02-30", "a date as YYYY-MM-DD, like 2026-12-31"),
        ("line-1-promised_date", "20261201", "a date as YYYY-MM-DD, like 2026-12-31"),
        ("line-1-promised_date", "9999-01-01", "a date as YYYY-MM-DD, like 2026-12-31"),
        ("line-1-decision", "maybe", "choose one of accepted, changed, rejected, backordered"),
        ("decision", "sure", "choose one of accepted, accepted with changes, rejected"),
        ("supplier_reference", "x" * 513, "at most 512 characters (513 given)"),
        ("reason", "y" * 600, "at most 512 characters (600 given)"),
    ],
)
def test_each_bad_value_is_named_by_its_field(name: str, value: str, says: str) -> None:
    fields = as_shown(decision="accepted_with_changes", **{"line-2-decision": "rejected"})
    assert refused(fields | {name: value})[name] == says


def test_the_currency_decides_how_many_decimals_a_price_may_have() -> None:
    jpy = as_shown(
        decision="accepted_with_changes", **{"line-1-unit_price": "12.7", "line-2-unit_price": "3"}
    )
    assert refused(jpy, "JPY") == {"line-1-unit_price": "no decimals in this order's currency"}
    kwd = read_answer(
        as_shown(decision="accepted_with_changes", **{"line-1-unit_price": "12.125"}), order("KWD")
    )
    assert kwd.lines[0].unit_price == Decimal("12.125")
    # Trailing zeros say nothing: 12.500 is 12.50.
    eur = read_answer(
        as_shown(decision="accepted_with_changes", **{"line-1-unit_price": "13.500"}), order()
    )
    assert eur.lines[0].unit_price == Decimal("13.5")


def test_a_line_the_po_does_not_have_is_refused_for_the_whole_form() -> None:
    errors = refused(
        as_shown(decision="accepted", **{"line-7-quantity": "3", "line-x-decision": "changed"})
    )
    assert errors == {"form": "lines 7, x: not on this order"}


def test_a_backorder_may_not_know_its_date_and_no_decision_is_a_choice_to_make() -> None:
    assert refused(as_shown(**{"line-1-decision": "backordered"})) == {
        "decision": "choose accept, accept with changes or reject"
    }
    answer = read_answer(
        as_shown(decision="accepted_with_changes", **{"line-1-decision": "backordered"}), order()
    )
    assert answer.lines[0] == AcknowledgedLine(line=1, decision=LineDecision.BACKORDERED)


def test_the_pos_own_price_may_have_more_decimals_than_the_currency() -> None:
    sub_cent = order(lines=[{"line": 1, "quantity": "2500", "unit_price": "0.085"}])
    fields = {"decision": "accepted_with_changes", "line-1-quantity": "2000"}

    answer = read_answer(fields | {"line-1-unit_price": "0.0850"}, sub_cent)
    assert answer.lines[0].unit_price is None  # unchanged
    with pytest.raises(FormErrors) as caught:
        read_answer(fields | {"line-1-unit_price": "0.082"}, sub_cent)
    assert caught.value.errors == {
        "line-1-unit_price": "at most 2 decimals in this order's currency"
    }
