"""The live dashboard: its pages, the summary as JSON, and the same pushed over SSE."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from schemas.status import POStatus
from services.api.deps import DBDep
from services.api.params import decode_key, encode_key
from services.api.problems import problems
from services.api.security import require_token, require_token_or_query
from services.api.summary import SummaryCache, action_counts, fingerprint, needs_action

STATIC = Path(__file__).resolve().parent.parent / "static"
QueryToken = Annotated[None, Depends(require_token_or_query)]
HeaderToken = Annotated[None, Depends(require_token)]

router = APIRouter(tags=["dashboard"])


def _cache(request: Request) -> SummaryCache:
    return request.app.state.summary


@router.get("/", include_in_schema=False)
def dashboard_page(_: QueryToken) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The dashboard's icon (an SVG; open like the static assets) for browsers that ask
    for /favicon.ico and for the API documents."""
    return FileResponse(
        STATIC / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/ui/po/{po_number}", include_in_schema=False)
def po_page(po_number: str, _: QueryToken) -> FileResponse:
    return FileResponse(STATIC / "po.html", headers={"Cache-Control": "no-cache"})


@router.get(
    "/dashboard/summary",
    summary="What the dashboard shows: counts, alerts, POs needing action, suppliers",
    responses=problems(401),
)
def summary(request: Request, _: HeaderToken) -> dict[str, Any]:
    return _cache(request).get()


# summary.REASONS, spelled out for the OpenAPI document.
Reason = Literal["overdue", "delivery_failed", "rejected", "changes_proposed"]


class ActionItem(BaseModel):
    po_number: str
    status: POStatus
    supplier_id: str | None
    supplier_name: str | None
    revision: int | None
    overdue: bool
    reasons: list[Reason] = Field(description="Why it needs action: overdue first.")
    updated_at: str | None = Field(description="Event time of the PO's latest accepted event.")


class ActionCounts(BaseModel):
    overdue: int = Field(description="As `GET /pos?overdue=true` counts them.")
    delivery_failed: int = Field(description="As `GET /pos?status=delivery_failed`.")
    rejected: int = Field(description="As `GET /pos?status=rejected`.")
    changes_proposed: int = Field(description="As `GET /pos?status=changes_proposed`.")


class ActionPage(BaseModel):
    items: list[ActionItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    counts: ActionCounts = Field(description="POs per reason (a PO may have two).")
    total: int = Field(description="POs with at least one reason.")


@router.get(
    "/dashboard/needs-action",
    response_model=ActionPage,
    summary="POs that need action: overdue, delivery failed, rejected, changes proposed",
    description="A page of the POs that are overdue (the view's `overdue`) or whose status "
    "is `delivery_failed`, `rejected` or `changes_proposed`: overdue first, then the most "
    "recently updated (event time), then by PO number; `reason` keeps one of them. The "
    "same rules as `GET /pos?overdue=true` and `GET /pos?status=...`, with the counts "
    "per reason. The dashboard's first page is in `/dashboard/summary`.",
    responses=problems(401, 422),
)
def needs_action_page(
    db: DBDep,
    _: HeaderToken,
    reason: Annotated[Reason | None, Query(description="Only POs with this reason.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    after = decode_key(cursor, (int, str, str))
    with db.read() as tx:
        items, following = needs_action(tx, reason, after, limit)
        counts, total = action_counts(tx)
    return {"items": items, "next_cursor": encode_key(following), "counts": counts, "total": total}


async def _summaries(request: Request, closing: anyio.Event) -> AsyncIterator[dict[str, str]]:
    cache = _cache(request)
    interval: float = request.app.state.stream_interval
    last = None
    while not closing.is_set():
        current = await asyncio.to_thread(cache.get)
        mark = fingerprint(current)
        if mark != last:
            last = mark
            yield {"event": "summary", "data": json.dumps(current, default=str)}
        with anyio.move_on_after(interval):
            await closing.wait()


@router.get(
    "/events/stream",
    summary="Server-sent events: a `summary` event whenever the dashboard summary changes",
    response_class=EventSourceResponse,
    responses=problems(
        401, 422, ok={"content": {"text/event-stream": {"schema": {"type": "string"}}}}
    ),
)
async def stream(request: Request, _: QueryToken) -> EventSourceResponse:
    # The server stopping sets `closing`: the stream ends and its response completes
    # (rather than being cut, which uvicorn logs as an error).
    closing = anyio.Event()
    return EventSourceResponse(
        _summaries(request, closing), ping=15, shutdown_event=closing, shutdown_grace_period=1
    )
