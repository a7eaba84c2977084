"""The cash-flow forecast (docs/contract.md §6 `GET /finance/cash-forecast`): expected
payments per bucket and currency, split by commitment state (pure; no I/O, no clock).

Each commitment that is not cancelled contributes its `payments` (`projections.commitments`:
each line at its promised, else need-by, date plus the payment terms; the rest at the
commitment's expected payment date) under its state: `confirmed`, `open` or `disputed`
(a disputed commitment counts its `amount`, the PO total, as the contract defines it).
A payment falls in the bucket holding its day (ISO weeks from Monday, or calendar
months), else in `earlier` (before the first bucket: past due), `later` or `undated`, so
the totals of a currency always equal the sum of its commitments' amounts by state.

Money is exact: amounts are Decimal sums, never floats and never rounded, shown with the
currency's ISO 4217 minor units where that loses nothing (`projections.money`): 1234567
JPY stays "1234567", 12.5 KWD becomes "12.500"; a value with more digits than that keeps
them, because finance must be able to add the figures up to the commitments.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from projections.money import minor_units, shown
from schemas.views import (
    Amounts,
    CashForecast,
    Commitment,
    CurrencyForecast,
    ForecastBucket,
    ForecastBucketSize,
)

MAX_BUCKETS = 520  # ten years of weeks
# The calendar a forecast may span: event dates (1970-9000, schemas.events.Day) plus at
# most ten years of payment terms, with room for the buckets around them.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9100, 12, 31)
STATES = ("confirmed", "open", "disputed")


def bucket_start(day: date, bucket: ForecastBucketSize) -> date:
    """The first day of the bucket holding `day`: its ISO week's Monday, or the 1st."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: date, bucket: ForecastBucketSize) -> date:
    """The first day of the bucket after the one starting on `start`."""
    if bucket == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


class Scheduled(NamedTuple):
    """What the forecast reads of a commitment: identity, state and payments as
    (expected payment date or None, amount); `Scheduled.of` a Commitment, or built straight
    from a stored one (a tuple: thousands a request, no model to construct)."""

    po_number: str
    currency: str
    state: str
    payments: list[tuple[date | None, Decimal]]

    @classmethod
    def of(cls, commitment: Commitment) -> "Scheduled":
        return cls(
            commitment.po_number,
            commitment.currency,
            commitment.state,
            [(p.expected_payment_date, p.amount) for p in commitment.payments],
        )


@dataclass
class _Sum:
    amounts: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(STATES, Decimal(0)))
    pos: set[str] = field(default_factory=set)

    def add(self, state: str, amount: Decimal, po: str) -> None:
        self.amounts[state] += amount
        self.pos.add(po)

    def values(self, units: int | None) -> dict[str, object]:
        total = sum(self.amounts.values(), Decimal(0))
        return {
            **{s: shown(a, units) for s, a in self.amounts.items()},
            "total": shown(total, units),
            "commitments": len(self.pos),
        }


def forecast(
    commitments: Iterable[Commitment | Scheduled],
    *,
    bucket: ForecastBucketSize = "month",
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    as_of: datetime | None = None,
) -> CashForecast:
    """The forecast of `commitments` (module docstring), in buckets from the one holding
    `start` to the one holding `end` (default: the earliest and latest dated payment),
    of one `currency` or all (ascending by code).

    Raises ValueError (one line) when `end` is before `start`, a bound is outside
    FIRST_DAY..LAST_DAY, or the range would have more than MAX_BUCKETS buckets."""
    chosen = [
        c if isinstance(c, Scheduled) else Scheduled.of(c)
        for c in commitments
        if c.state != "cancelled" and (currency is None or c.currency == currency)
    ]
    for name, bound in (("from", start), ("to", end)):
        if bound is not None and not FIRST_DAY <= bound <= LAST_DAY:
            raise ValueError(f"{name} {bound} is outside {FIRST_DAY} to {LAST_DAY}")
    if start is not None and end is not None and end < start:
        raise ValueError(f"the forecast ends ({end}) before it starts ({start})")
    days = [day for c in chosen for day, _ in c.payments if day is not None]
    # A missing bound is the earliest / latest payment, but never on the wrong side of the
    # given one (then the range is that one day's bucket, the rest earlier or later).
    first = start if start is not None else min(days, default=None)
    last = end if end is not None else max(days, default=None)
    if start is None and first is not None and last is not None and first > last:
        first = last
    if end is None and first is not None and last is not None and last < first:
        last = first
    starts: list[date] = []
    if first is not None and last is not None:
        at = bucket_start(first, bucket)
        while at <= last:
            starts.append(at)
            if len(starts) > MAX_BUCKETS:
                raise ValueError(
                    f"{first} to {last} is more than {MAX_BUCKETS} {bucket}s; narrow from/to"
                )
            at = next_start(at, bucket)
    index = {s: i for i, s in enumerate(starts)}
    per_currency: dict[str, tuple[list[_Sum], _Sum, _Sum, _Sum]] = {}
    for c in chosen:
        sums = per_currency.get(c.currency) or per_currency.setdefault(
            c.currency, ([_Sum() for _ in starts], _Sum(), _Sum(), _Sum())
        )
        buckets, earlier, later, undated = sums
        for day, amount in c.payments:
            if day is None:
                target = undated
            elif not starts or day < starts[0]:
                target = earlier if starts else undated
            else:
                i = index.get(bucket_start(day, bucket))
                target = buckets[i] if i is not None else later
            target.add(c.state, amount, c.po_number)
    currencies = []
    for code in sorted(per_currency):
        buckets, earlier, later, undated = per_currency[code]
        units = minor_units(code)
        everything = _Sum()
        for part in (*buckets, earlier, later, undated):
            for state, amount in part.amounts.items():
                everything.amounts[state] += amount
            everything.pos |= part.pos
        currencies.append(
            CurrencyForecast(
                currency=code,
                minor_units=units,
                buckets=[
                    ForecastBucket(
                        start=s, end=next_start(s, bucket) - timedelta(days=1), **b.values(units)
                    )
                    for s, b in zip(starts, buckets, strict=True)
                ],
                earlier=Amounts(**earlier.values(units)),
                later=Amounts(**later.values(units)),
                undated=Amounts(**undated.values(units)),
                totals=Amounts(**everything.values(units)),
            )
        )
    return CashForecast(
        as_of=as_of,
        bucket=bucket,
        start=starts[0] if starts else None,
        end=next_start(starts[-1], bucket) - timedelta(days=1) if starts else None,
        currencies=currencies,
    )


CSV_COLUMNS = (
    "currency",
    "minor_units",
    "part",
    "start",
    "end",
    "confirmed",
    "open",
    "disputed",
    "total",
    "commitments",
)


def to_csv(found: CashForecast) -> str:
    """The forecast as CSV (RFC 4180, header first): a row per currency and bucket
    (`part` = `bucket`), then its `earlier`, `later`, `undated` and `totals` rows; amounts
    as in the JSON form (exact decimals, never floats)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for cur in found.currencies:
        parts: list[tuple[str, Amounts, date | None, date | None]] = [
            ("bucket", b, b.start, b.end) for b in cur.buckets
        ]
        before = found.start - timedelta(days=1) if found.start else None
        after = found.end + timedelta(days=1) if found.end else None
        parts += [
            ("earlier", cur.earlier, None, before),
            ("later", cur.later, after, None),
            ("undated", cur.undated, None, None),
            ("totals", cur.totals, None, None),
        ]
        for part, amounts, first, last in parts:
            writer.writerow(
                [
                    cur.currency,
                    "" if cur.minor_units is None else cur.minor_units,
                    part,
                    first.isoformat() if first else "",
                    last.isoformat() if last else "",
                    amounts.confirmed,
                    amounts.open,
                    amounts.disputed,
                    amounts.total,
                    amounts.commitments,
                ]
            )
    return out.getvalue()
