"""`potrack forecast`: the cash-flow forecast (docs/contract.md §6 `GET /finance/cash-forecast`)."""

import json
import re
import sys
from datetime import date, datetime
from typing import Annotated

import typer

from projections.forecast import to_csv
from schemas.views import CashForecast, ForecastBucketSize, dump
from services import reads
from services.cli.common import (
    app,
    fail,
    open_store,
    open_views,
    out,
    parse_time,
    redact,
    settings,
    sla_policy,
)
from services.cli.render import print_forecast
from services.settings import Settings

CURRENCY = re.compile(r"^[A-Z]{3}$")  # the API's `currency` pattern
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BUCKETS: tuple[ForecastBucketSize, ...] = ("week", "month")


def parse_day(option: str, value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) given to `option`, or exit 2 with one line."""
    if value is None:
        return None
    try:
        if not DAY.match(value):
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(value)
    except ValueError as exc:
        fail(f"{option}: not a date (YYYY-MM-DD, e.g. 2026-01-31): {value!r} ({exc})", 2)


def parse_bucket(value: str) -> ForecastBucketSize:
    """`week` or `month`, or exit 2 with one line."""
    for bucket in BUCKETS:
        if value == bucket:
            return bucket
    fail(f"--bucket: unknown bucket {value!r}: use week or month", 2)


class _Unreadable(Exception):
    """The store or the views could not be read (the message says which, without password)."""


def _forecast(
    s: Settings,
    when: datetime | None,
    *,
    bucket: ForecastBucketSize,
    currency: str | None,
    start: date | None,
    end: date | None,
) -> CashForecast:
    """The forecast now (the commitments projection) or as of `when` (the event store),
    opened as `potrack status` opens them. ValueError (one line) for a bad
    range; _Unreadable when the store or the views cannot be read."""
    if when is None:
        db = open_views(s, create=False)
        try:
            return reads.forecast_now(db, bucket=bucket, currency=currency, start=start, end=end)
        except ValueError:  # the range: said as such
            raise
        except Exception as exc:
            raise _Unreadable(
                f"cannot read the commitments from {redact(s.store_url)}: {exc}"
            ) from exc
        finally:
            db.close()
    sla = sla_policy(s)
    store = open_store(s, create=False)
    try:
        return reads.forecast_as_of(
            store, when, sla, bucket=bucket, currency=currency, start=start, end=end
        )
    except ValueError:
        raise
    except Exception as exc:
        raise _Unreadable(f"cannot read the event store {redact(s.store_url)}: {exc}") from exc
    finally:
        store.close()


@app.command()
def forecast(
    currency: Annotated[
        str | None, typer.Option(help="Only this ISO 4217 currency code (e.g. EUR).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day, YYYY-MM-DD (default: the earliest payment)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day, YYYY-MM-DD (default: the latest payment)."),
    ] = None,
    bucket: Annotated[
        str, typer.Option(help="week (ISO weeks from Monday) or month (calendar months).")
    ] = "month",
    as_of: Annotated[
        str | None,
        typer.Option(help="RFC 3339 event time: the forecast as finance knew it then."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON of GET /finance/cash-forecast.")
    ] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print the CSV of GET /finance/cash-forecast?format=csv.")
    ] = False,
) -> None:
    """Print the cash-flow forecast: expected payments per bucket, currency and state.

    The same forecast as GET /finance/cash-forecast: each commitment that is not cancelled,
    split by state (confirmed, open, disputed), with what falls before, after or outside
    the buckets and the totals. Amounts are exact decimals with the currency's ISO 4217
    minor units, never rounded.

    Examples: potrack forecast --currency EUR --from 2026-01-01 --to 2026-06-30
    | potrack forecast --bucket week --csv > forecast.csv
    | potrack forecast --as-of 2026-03-31T23:59:59Z --json
    """
    if as_json and as_csv:
        fail("--json and --csv do not go together: choose one", 2)
    size = parse_bucket(bucket)
    if currency is not None and not CURRENCY.match(currency):
        fail(f"--currency: not an ISO 4217 code (three capital letters, e.g. EUR): {currency!r}", 2)
    first, last = parse_day("--from", start), parse_day("--to", end)
    s = settings()
    when = parse_time(as_of)
    try:
        found = _forecast(s, when, bucket=size, currency=currency, start=first, end=last)
        text = to_csv(found) if as_csv else None
    except ValueError as exc:  # a backwards, too long or out-of-calendar range
        fail(str(exc), 2)
    except _Unreadable as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(dump(found), indent=2) + "\n")
    elif text is not None:
        sys.stdout.write(text)
    else:
        print_forecast(found, out)
