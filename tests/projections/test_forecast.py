"""The cash forecast (contract §6): per bucket and currency, split by commitment state,
exact decimals; its totals are the commitments' amounts, for any set of POs."""

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.commitments import commitment_of
from projections.fold import fold
from projections.forecast import MAX_BUCKETS, bucket_start, forecast, shown, to_csv
from schemas.views import Amounts, Commitment
from tests.factories import acked, approved, cancelled

DAY0 = date(2026, 11, 2)
CURRENCIES = ["JPY", "EUR", "KWD", "USD", "XAU"]
DECISIONS = ["accepted", "changed", "backordered", "rejected"]


def commitment(po: str, *facts: Any) -> Commitment:
    found = commitment_of(fold(po, list(facts)))
    assert found is not None
    return found


def po_facts(po: str, currency: str, lines: list[dict[str, Any]], **extra: Any) -> Any:
    total = sum((Decimal(ln["quantity"]) * Decimal(ln["unit_price"]) for ln in lines), Decimal(0))
    return approved(po=po, time=0, currency=currency, total=str(total), lines=lines, **extra)


def test_payments_fall_in_the_month_of_their_day_split_by_state() -> None:
    jpy = [{"line": 1, "quantity": "7", "unit_price": "176367", "need_by": "2026-12-10"}]
    kwd = [
        {"line": 1, "quantity": "2", "unit_price": "6.250", "need_by": "2026-12-01"},
        {"line": 2, "quantity": "1", "unit_price": "0.125", "need_by": "2027-01-20"},
    ]
    proposal = [{"line": 1, "decision": "changed", "quantity": "6"}]
    found = [
        commitment("PO-J1", po_facts("PO-J1", "JPY", jpy, payment_terms_days=30)),
        commitment(
            "PO-J2",
            po_facts("PO-J2", "JPY", jpy, payment_terms_days=30),
            acked("S1", po="PO-J2", time=5, decision="accepted_with_changes", lines=proposal),
        ),
        commitment(
            "PO-K1", po_facts("PO-K1", "KWD", kwd, payment_terms_days=0), acked("S1", po="PO-K1")
        ),
        commitment("PO-K2", po_facts("PO-K2", "KWD", kwd), cancelled(po="PO-K2", time=3)),
    ]
    result = forecast(found, bucket="month")
    assert [c.currency for c in result.currencies] == ["JPY", "KWD"]
    jpy_f, kwd_f = result.currencies
    # 2026-12-10 + 30 days = 2027-01-09: January for both JPY POs; every currency has the
    # same buckets (KWD starts in December).
    assert [(b.start, b.open, b.disputed, b.commitments) for b in jpy_f.buckets] == [
        (date(2026, 12, 1), 0, 0, 0),
        (date(2027, 1, 1), Decimal("1234569"), Decimal("1234569"), 2),
    ]
    assert str(jpy_f.totals.total) == "2469138"
    # KWD: confirmed on the day (no terms): December 12.500, January 0.125; the
    # cancelled PO counts nothing. Three decimals, padded, never rounded.
    assert [(str(b.start), str(b.confirmed)) for b in kwd_f.buckets] == [
        ("2026-12-01", "12.500"),
        ("2027-01-01", "0.125"),
    ]
    assert kwd_f.minor_units == 3 and kwd_f.totals.commitments == 1


def test_weeks_start_on_monday_and_outside_the_range_is_earlier_or_later() -> None:
    lines = [
        {"line": 1, "quantity": "1", "unit_price": "10", "need_by": "2026-11-30"},  # a Monday
        {"line": 2, "quantity": "1", "unit_price": "20", "need_by": "2026-12-06"},  # Sunday
        {"line": 3, "quantity": "1", "unit_price": "40", "need_by": "2026-12-07"},
        {"line": 4, "quantity": "1", "unit_price": "80"},
    ]
    c = commitment("PO-W", po_facts("PO-W", "EUR", lines, payment_terms_days=0))
    result = forecast([c], bucket="week", start=date(2026, 12, 1), end=date(2026, 12, 6))
    eur = result.currencies[0]
    assert (result.start, result.end) == (date(2026, 11, 30), date(2026, 12, 6))
    assert [(b.start, b.end, b.open) for b in eur.buckets] == [
        (date(2026, 11, 30), date(2026, 12, 6), Decimal("30.00"))
    ]
    # Line 4 has no date of its own: it is due with the latest (line 3), after the range.
    assert (eur.earlier.open, eur.later.open, eur.undated.open) == (
        Decimal("0.00"),
        Decimal("120.00"),
        Decimal("0.00"),
    )


def test_a_po_without_dates_is_undated() -> None:
    c = commitment(
        "PO-U", po_facts("PO-U", "USD", [{"line": 1, "quantity": "3", "unit_price": "0.333"}])
    )
    found = forecast([c]).currencies[0]
    assert (found.buckets, str(found.undated.open), str(found.totals.total)) == (
        [],
        "0.999",
        "0.999",
    )


def test_one_bound_alone_never_contradicts_itself() -> None:
    lines = [{"line": 1, "quantity": "1", "unit_price": "10", "need_by": "2026-12-07"}]
    c = commitment("PO-B", po_facts("PO-B", "EUR", lines, payment_terms_days=0))
    later = forecast([c], start=date(2030, 1, 1))
    assert (later.start, later.end, str(later.currencies[0].earlier.open)) == (
        date(2030, 1, 1),
        date(2030, 1, 31),
        "10.00",
    )
    sooner = forecast([c], end=date(2020, 1, 1))
    assert (sooner.start, str(sooner.currencies[0].later.open)) == (date(2020, 1, 1), "10.00")


def test_a_bad_range_is_one_line() -> None:
    with pytest.raises(ValueError, match=r"^from 9999-12-27 is outside 1970-01-01 to 9100-12-31$"):
        forecast([], bucket="week", start=date(9999, 12, 27), end=date(9999, 12, 31))
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        forecast([], start=date(2026, 2, 1), end=date(2026, 1, 1))
    with pytest.raises(ValueError, match=f"more than {MAX_BUCKETS} weeks"):
        forecast([], bucket="week", start=date(2020, 1, 1), end=date(2040, 1, 1))


def test_amounts_show_minor_units_without_rounding() -> None:
    assert [
        str(shown(Decimal(v), u)) for v, u in [("1234567.00", 0), ("12.5", 3), ("0.0125", 2)]
    ] == [
        "1234567",
        "12.500",
        "0.0125",
    ]


# --- for any set of POs --------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False, allow_infinity=False)
quantities = st.decimals(
    min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False
)
days = st.one_of(
    st.none(), st.integers(0, 400).map(lambda n: (DAY0 + timedelta(days=n)).isoformat())
)


@st.composite
def a_po(draw: st.DrawFn, number: int) -> Commitment:
    po = f"PO-P{number}"
    n = draw(st.integers(0, 4))
    lines = [
        {
            "line": i + 1,
            "quantity": str(draw(quantities)),
            "unit_price": str(draw(money)),
            **({"need_by": d} if (d := draw(days)) else {}),
        }
        for i in range(n)
    ]
    total = str(draw(money)) if draw(st.booleans()) else None
    plan = po_facts(
        po, draw(st.sampled_from(CURRENCIES)), lines, payment_terms_days=draw(st.integers(0, 90))
    )
    if total is not None:
        plan = approved(
            po=po,
            time=0,
            currency=plan.payload.currency,
            total=total,
            lines=lines,
            payment_terms_days=plan.payload.payment_terms_days,
        )
    facts = [plan]
    answer = draw(st.sampled_from(["none", "accepted", "accepted_with_changes", "rejected"]))
    if answer != "none":
        answered = [
            {
                "line": ln["line"],
                "decision": draw(st.sampled_from(DECISIONS)),
                **({"quantity": str(draw(quantities))} if draw(st.booleans()) else {}),
                **({"promised_date": d} if (d := draw(days)) else {}),
            }
            for ln in lines
            if draw(st.booleans())
        ]
        facts.append(acked("S1", po=po, time=5, decision=answer, lines=answered))
    if draw(st.integers(0, 9)) == 0:
        facts.append(cancelled(po=po, time=7))
    return commitment(po, *facts)


@st.composite
def po_sets(draw: st.DrawFn) -> list[Commitment]:
    return [draw(a_po(i)) for i in range(draw(st.integers(0, 12)))]


def _sum(amounts: list[Amounts], state: str) -> Decimal:
    return sum((getattr(a, state) for a in amounts), Decimal(0))


@settings(max_examples=150, deadline=None)
@given(
    po_sets(),
    st.sampled_from(["week", "month"]),
    st.one_of(st.none(), st.integers(0, 300)),
    st.integers(0, 200),
)
def test_forecast_totals_are_the_commitments_amounts(
    commitments: list[Commitment], bucket: str, first: int | None, length: int
) -> None:
    start = DAY0 + timedelta(days=first) if first is not None else None
    end = start + timedelta(days=length) if start is not None else None
    result = forecast(commitments, bucket=bucket, start=start, end=end)  # type: ignore[arg-type]
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    in_bucket: dict[tuple[str, date, str], Decimal] = defaultdict(Decimal)
    for c in commitments:
        if c.state == "cancelled":
            continue
        # Every commitment's schedule adds up to its amount exactly, none after its date.
        assert sum((p.amount for p in c.payments), Decimal(0)) == c.amount
        last = c.expected_payment_date
        assert all(
            (p.expected_payment_date is None) is (last is None)
            and (last is None or p.expected_payment_date <= last)  # type: ignore[operator]
            for p in c.payments
        )
        expected[(c.currency, c.state)] += c.amount
        for p in c.payments:
            if p.expected_payment_date is not None:
                key = (c.currency, bucket_start(p.expected_payment_date, bucket), c.state)  # type: ignore[arg-type]
                in_bucket[key] += p.amount
    seen = {cur for cur, _ in expected}
    assert {c.currency for c in result.currencies} == seen
    for cur in result.currencies:
        parts = [*cur.buckets, cur.earlier, cur.later, cur.undated]
        for state in ("confirmed", "open", "disputed"):
            assert getattr(cur.totals, state) == expected[(cur.currency, state)]
            assert _sum(parts, state) == getattr(cur.totals, state)
            for b in cur.buckets:
                assert getattr(b, state) == in_bucket[(cur.currency, b.start, state)]
                assert isinstance(getattr(b, state), Decimal)
        assert cur.totals.total == sum(
            expected[(cur.currency, s)] for s in ("confirmed", "open", "disputed")
        )
    # The CSV says the same, row for row.
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    totals = {r["currency"]: r for r in rows if r["part"] == "totals"}
    for cur in result.currencies:
        assert Decimal(totals[cur.currency]["total"]) == cur.totals.total
