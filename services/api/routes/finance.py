"""The cash-flow forecast (docs/contract.md §6): expected payments per bucket and currency,
split by commitment state, now or as finance knew it at an instant; JSON or CSV."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import WithJsonSchema

from projections.forecast import to_csv
from schemas.views import CashForecast, ForecastBucketSize, dump
from services import reads
from services.api.deps import DBDep, SlaDep, StoreDep
from services.api.params import InstantText, parse_instant
from services.api.problems import ProblemError, problems

router = APIRouter(tags=["finance"])


# A calendar day as text: parsed here, so `from=2027-01-01T00:00:00Z` or `from=20270101`
# is a clear 422, not a datetime or a Unix time read as a date.
DayText = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


def _day(name: str, text: str | None) -> date | None:
    """The date of `YYYY-MM-DD` text (None for None); a 422 problem naming the parameter."""
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ProblemError(
            422, "invalid-date", "Invalid date", f"{name}: a day as YYYY-MM-DD, not {text!r}"
        ) from exc


class ForecastFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@router.get(
    "/finance/cash-forecast",
    response_model=CashForecast,
    summary="Expected payments per bucket and currency, split by commitment state",
    description="Each commitment that is not cancelled contributes its payment schedule "
    "(promised, else need-by, dates plus payment terms) under its state. `earlier`, "
    "`later` and `undated` hold what falls outside the buckets, so `totals` always equal "
    "the sum of the commitments. Amounts are exact decimals with the currency's ISO 4217 "
    "minor units, never rounded. `as_of`: from the events up to that instant (event time).",
    responses={
        **problems(401, 422),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
def get_cash_forecast(
    db: DBDep,
    store: StoreDep,
    sla: SlaDep,
    currency: Annotated[
        str | None, Query(pattern=r"^[A-Z]{3}$", description="Only this ISO 4217 currency.")
    ] = None,
    start_text: Annotated[
        DayText | None,
        Query(alias="from", description="First day, YYYY-MM-DD (default: the earliest payment)."),
    ] = None,
    end_text: Annotated[
        DayText | None,
        Query(alias="to", description="Last day, YYYY-MM-DD (default: the latest payment)."),
    ] = None,
    bucket: Annotated[ForecastBucketSize, Query(description="ISO weeks or months.")] = "month",
    as_of: Annotated[
        InstantText | None, Query(description="RFC 3339: what was known at this instant.")
    ] = None,
    format: Annotated[ForecastFormat, Query(description="json (default) or csv.")] = (
        ForecastFormat.JSON
    ),
) -> Any:
    start, end = _day("from", start_text), _day("to", end_text)
    try:
        if as_of is None:
            found = reads.forecast_now(db, bucket=bucket, currency=currency, start=start, end=end)
        else:
            when = parse_instant("as_of", as_of)
            found = reads.forecast_as_of(
                store, when, sla, bucket=bucket, currency=currency, start=start, end=end
            )
        text = to_csv(found) if format is ForecastFormat.CSV else None
    except ValueError as exc:
        raise ProblemError(422, "invalid-range", "Invalid range", str(exc)) from exc
    if text is not None:
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cash-forecast.csv"'},
        )
    return dump(found)
