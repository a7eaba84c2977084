"""Supplier performance over a window of event time (acknowledgment and delivery figures)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from projections.tables.performance import supplier_performance, suppliers_overview
from services.api.deps import DBDep
from services.api.params import InstantText, parse_instant
from services.api.problems import ProblemError, problems
from services.api.summary import with_names

router = APIRouter(tags=["suppliers"])

Days = Annotated[int, Query(ge=1, le=3660, description="Window length in days.")]
WindowEnd = Annotated[
    InstantText | None,
    Query(
        description="RFC 3339 end of the window (default: now).", examples=["2025-06-30T00:00:00Z"]
    ),
]


class Window(BaseModel):
    start: datetime
    end: datetime
    days: float


class Figures(BaseModel):
    model_config = ConfigDict(extra="allow")

    acknowledgments_due: int
    acknowledged: int
    acknowledgment_rate: float | None = Field(description="acknowledged / due; null if none due.")
    on_time: int
    on_time_acknowledgment_rate: float | None
    median_hours_to_acknowledge: float | None
    p90_hours_to_acknowledge: float | None
    deliveries_sent: int
    delivery_failures: int
    delivery_failure_rate: float | None


class SupplierPerformance(Figures):
    supplier_id: str
    supplier_name: str | None = Field(
        None,
        description="`supplier.name` of the supplier's highest-numbered PO (po.approved or "
        "po.revised); null when none names it.",
    )
    window: Window
    by_channel: dict[str, Figures]


def window_end_of(value: str | None, days: int) -> datetime:
    end = parse_instant("window_end", value) if value is not None else datetime.now(UTC)
    if end - datetime.min.replace(tzinfo=UTC) <= timedelta(days=days):
        raise ProblemError(
            422, "invalid-time", "Invalid time", "window_end - days is before year 1"
        )
    return end


@router.get(
    "/suppliers/{supplier_id}/performance",
    response_model=SupplierPerformance,
    summary="Acknowledgment and delivery figures of one supplier",
    responses=problems(401, 404, 422),
)
def get_performance(
    supplier_id: str,
    db: DBDep,
    days: Days = 90,
    window_end: WindowEnd = None,
) -> dict[str, Any]:
    end = window_end_of(window_end, days)
    with db.read() as tx:
        found = supplier_performance(tx, supplier_id, end, days)
        named = with_names(tx, [found]) if found is not None else None
    if named is None:
        raise ProblemError(
            404,
            "unknown-supplier",
            "Unknown supplier",
            f"no PO of supplier {supplier_id!r} was ever distributed",
        )
    return named[0]


@router.get(
    "/suppliers",
    response_model=list[SupplierPerformance],
    summary="Figures of every supplier active in the window",
    responses=problems(401, 422),
)
def list_suppliers(
    db: DBDep, days: Days = 90, window_end: WindowEnd = None
) -> list[dict[str, Any]]:
    end = window_end_of(window_end, days)
    with db.read() as tx:
        return with_names(tx, suppliers_overview(tx, end, days))
