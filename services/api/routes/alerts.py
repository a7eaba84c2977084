"""Alerts (docs/contract.md §5 shape), open or resolved, filtered by kind and supplier."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from projections.tables import alerts
from schemas.views import Alert, AlertKind
from services.api.deps import DBDep
from services.api.problems import ProblemError, problems

router = APIRouter(tags=["alerts"])


class AlertPage(BaseModel):
    items: list[Alert]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


@router.get(
    "/alerts",
    response_model=AlertPage,
    summary="Alerts, newest first",
    responses=problems(401, 422),
)
def get_alerts(
    db: DBDep,
    state: Annotated[
        Literal["open", "resolved"] | None, Query(description="open or resolved (both if unset).")
    ] = None,
    kind: Annotated[AlertKind | None, Query(description="Only this kind.")] = None,
    supplier: Annotated[str | None, Query(description="Only this supplier id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    with db.read() as tx:
        try:
            items, next_cursor = alerts.listing(tx, state, kind, supplier, limit, cursor or None)
        except ValueError as exc:
            raise ProblemError(
                422,
                "invalid-cursor",
                "Invalid cursor",
                f"cursor must be a next_cursor value returned by this endpoint ({exc})",
            ) from exc
    return {"items": items, "next_cursor": next_cursor}
